"""Where the lab's parts stand: test hosts in network namespaces, or all of them on loopback.

    app ──veth── edge (load balancer, TLS)           app: backend, worker, and where the checks run
     │
     └──veth── conn (router: nft connection cap, resolver) ──veth── db (PostgreSQL)
                                                        └──veth── cache (Redis)

Addresses are RFC 5737 documentation ranges, and exist only inside the lab's namespaces. The app's only
way to the database and the cache is its routes through `conn`, the connector; the connector's
resolver is the app's resolver.
"""

from __future__ import annotations

from dataclasses import dataclass

from infraprobe.lab.netns import Namespaces, NsThread
from infraprobe.lab.scenario import Fault, Sizing

ROLES = ("app", "edge", "conn", "db", "cache")
APP_EDGE = ("192.0.2.2", "192.0.2.1")
APP_CONN = ("198.51.100.2", "198.51.100.1")
CONN_DB = ("203.0.113.1", "203.0.113.2")
CONN_CACHE = ("203.0.113.5", "203.0.113.6")
CACHE_NET = "203.0.113.4/30"  # the conn-cache link
DB_SERVICE = "203.0.113.100"  # on the db host's loopback: reachable only through a route to it
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Host:
    role: str
    ns: str | None  # None: loopback, in the lab's own namespace
    address: str  # where its services listen


@dataclass
class Site:
    """The hosts of one lab and a thread inside each (sockets and servers are created through it)."""

    hosts: dict[str, Host]
    threads: dict[str, NsThread]
    netns: bool

    def host(self, role: str) -> Host:
        return self.hosts[role]

    def thread(self, role: str) -> NsThread:
        return self.threads[role]


def loopback_site() -> Site:
    thread = NsThread(None)
    hosts = {role: Host(role, None, LOOPBACK) for role in ROLES}
    return Site(hosts, dict.fromkeys(ROLES, thread), netns=False)


def netns_site(spaces: Namespaces, faults: frozenset[Fault], size: Sizing) -> Site:
    """Create the namespaces, links, routes and the connector's packet filter."""
    ns = {role: spaces.add(role) for role in ROLES}
    spaces.link(ns["app"], APP_EDGE[0], ns["edge"], APP_EDGE[1], 24)
    spaces.link(ns["app"], APP_CONN[0], ns["conn"], APP_CONN[1], 24)
    spaces.link(ns["conn"], CONN_DB[0], ns["db"], CONN_DB[1], 30)
    spaces.link(ns["conn"], CONN_CACHE[0], ns["cache"], CONN_CACHE[1], 30)
    spaces.address(ns["db"], DB_SERVICE)
    # The app's egress to the private ranges goes through the connector. Without the database's route
    # (the fault), connect() fails at once with ENETUNREACH, the kernel's own "network is unreachable".
    # (A router answering ICMP would do too, but the kernel rate-limits those per source, one a second.)
    if Fault.ROUTE not in faults:
        spaces.route(ns["app"], f"{DB_SERVICE}/32", APP_CONN[1])
    spaces.route(ns["app"], CACHE_NET, APP_CONN[1])
    spaces.route(ns["conn"], f"{DB_SERVICE}/32", CONN_DB[1])
    spaces.route(ns["db"], "default", CONN_DB[0])
    spaces.route(ns["cache"], "default", CONN_CACHE[0])
    spaces.sysctl(ns["conn"], "net.ipv4.ip_forward=1")
    spaces.nft(ns["conn"], connector_rules(size.connector_cap))
    spaces.resolv_conf(ns["app"], APP_CONN[1])
    addresses = {"app": APP_EDGE[0], "edge": APP_EDGE[1], "conn": APP_CONN[1], "db": DB_SERVICE}
    hosts = {role: Host(role, ns[role], addresses.get(role, CONN_CACHE[1])) for role in ROLES}
    threads = {role: spaces.thread(ns[role]) for role in ROLES}
    return Site(hosts, threads, netns=True)


def connector_rules(cap: int) -> str:
    """The connector's chokepoint: new connections to the database beyond `cap` at once are dropped
    (the client's SYN goes unanswered, so it times out, as behind a saturated VPC connector)."""
    return (
        "table inet iplab {\n"
        "  chain connector {\n"
        "    type filter hook forward priority 0; policy accept;\n"
        f"    ip daddr {DB_SERVICE} tcp dport 5432 ct state new ct count over {cap} counter drop\n"
        "  }\n"
        "}\n"
    )
