"""A router in a network namespace that answers every SYN with ICMP "network unreachable".

The fault is the one a missing route on a real router produces: the SYN leaves, an ICMP error comes back
and the kernel fails the connect with ENETUNREACH after the fact, which is how clients meet it in
production (unlike a local "no route", which fails before any packet). Only a /32 documentation address
(RFC 5737) is routed to the namespace, through a veth pair the fixture creates and removes; nothing else on
the machine is touched. Needs root and iproute2; with nftables (`./dev setup` installs it) every SYN is
answered, not one a second (see `_answer_from_the_filter`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from types import TracebackType


class NetnsUnavailable(RuntimeError):
    """Not root, or no `ip` command: the test using the router should be skipped."""


class UnreachableRouter:
    """`with UnreachableRouter() as router:` then connect to `router.target` (any port)."""

    def __init__(self) -> None:
        # Per-process names and addresses, so concurrent test runs on one machine do not collide.
        slot = os.getpid() % 60
        self.ns = f"ipf-{os.getpid()}"
        self._veth = f"ipf{os.getpid()}"
        self._link = f"203.0.113.{4 * slot + 1}"
        self._peer = f"203.0.113.{4 * slot + 2}"
        self.target = f"198.51.100.{slot + 10}"

    def __enter__(self) -> UnreachableRouter:
        if os.geteuid() != 0 or shutil.which("ip") is None:
            raise NetnsUnavailable("needs root and iproute2 to create a network namespace")
        try:
            self._create()
        except BaseException:
            self._remove()
            raise
        return self

    def _create(self) -> None:
        peer = f"{self._veth}p"
        _ip("netns", "add", self.ns)
        _ip("link", "add", self._veth, "type", "veth", "peer", "name", peer)
        _ip("link", "set", peer, "netns", self.ns)
        _ip("addr", "add", f"{self._link}/30", "dev", self._veth)
        _ip("link", "set", self._veth, "up")
        _ip("-n", self.ns, "addr", "add", f"{self._peer}/30", "dev", peer)
        _ip("-n", self.ns, "link", "set", peer, "up")
        # A forwarding router with no route for the target answers with ICMP net unreachable.
        _ip("netns", "exec", self.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        _ip("netns", "exec", self.ns, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=0")
        self._answer_from_the_filter()
        _ip("route", "add", f"{self.target}/32", "via", self._peer)

    def _answer_from_the_filter(self) -> None:
        """The same ICMP, sent by a packet filter on a route to nowhere rather than by the missing route.

        The kernel's missing-route path (`ip_error`) sends one error per second per source after a burst of
        five, whatever the namespace's `icmp_ratelimit`: a few runs of four probes used it up, and a connect
        then timed out (connect_timeout) where a router answers at once. nft's reject is held only by
        `icmp_ratelimit`, 0 above. Without nft the missing route answers, as before."""
        if shutil.which("nft") is None:
            return
        # A veth pair of its own (no dummy device in every kernel): the route's way out, never taken.
        _ip("-n", self.ns, "link", "add", "nowhere", "type", "veth", "peer", "name", "nowhere-end")
        _ip("-n", self.ns, "link", "set", "nowhere", "up")
        _ip("-n", self.ns, "link", "set", "nowhere-end", "up")
        _ip("-n", self.ns, "route", "add", f"{self.target}/32", "dev", "nowhere")
        rules = (
            "table ip router {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
            f"    ip daddr {self.target} reject with icmp type net-unreachable\n  }}\n}}\n"
        )
        subprocess.run(
            ["ip", "netns", "exec", self.ns, "nft", "-f", "-"], input=rules.encode(), check=True, capture_output=True,
            timeout=10,
        )  # fmt: skip

    def _remove(self) -> None:
        _ip("route", "del", f"{self.target}/32", check=False)
        _ip("link", "del", self._veth, check=False)
        _ip("netns", "del", self.ns, check=False)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._remove()


def _ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True, timeout=10)
