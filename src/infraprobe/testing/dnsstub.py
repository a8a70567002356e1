"""A DNS server on loopback with scripted answers, and a getaddrinfo that uses it.

`DnsStub` answers A/AAAA from a table, NXDOMAIN for unknown names, SERVFAIL for chosen names, and can
stay silent (a hung resolver) for chosen names or for everything. `stub_getaddrinfo` blocks like the
system's getaddrinfo but asks the stub, so the system-resolver path (threads and all) can be tested
against every DNS fault without touching /etc/resolv.conf or sending a query off the box.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset

from infraprobe.net import GetAddrInfo


def _fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."


class DnsStub(asyncio.DatagramProtocol):
    """UDP DNS server on 127.0.0.1:<free port>. Use as `async with DnsStub(...) as stub`."""

    def __init__(
        self,
        answers: Mapping[str, Sequence[str]] | None = None,
        *,
        servfail: Iterable[str] = (),
        silent: Iterable[str] = (),
        silent_all: bool = False,
    ) -> None:
        self._answers = {_fqdn(k): list(v) for k, v in (answers or {}).items()}
        self._servfail = {_fqdn(n) for n in servfail}
        self._silent = {_fqdn(n) for n in silent}
        self._silent_all = silent_all
        self._transport: asyncio.DatagramTransport | None = None
        self.port = 0
        self.queries = 0  # how many queries arrived, answered or not

    @property
    def address(self) -> str:
        """`127.0.0.1:PORT`, the form a dns check's `nameserver` takes."""
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> DnsStub:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=("127.0.0.1", 0))
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._transport is not None:
            self._transport.close()

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.queries += 1
        reply = self.reply(data)
        if reply is not None and self._transport is not None:
            self._transport.sendto(reply, addr)

    def reply(self, wire: bytes) -> bytes | None:
        """The response for one query, or None to stay silent."""
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text().lower()
        if self._silent_all or name in self._silent:
            return None
        response = dns.message.make_response(query)
        if name in self._servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name in self._answers:
            _add_answers(response, question.name, question.rdtype, self._answers[name])
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()


def _add_answers(response: dns.message.Message, name: dns.name.Name, rdtype: int, ips: list[str]) -> None:
    wanted = "A" if rdtype == dns.rdatatype.A else "AAAA" if rdtype == dns.rdatatype.AAAA else None
    matching = [ip for ip in ips if ("A" if ipaddress.ip_address(ip).version == 4 else "AAAA") == wanted]
    if wanted and matching:
        response.answer.append(dns.rrset.from_text_list(name, 60, "IN", wanted, matching))


def stub_getaddrinfo(nameserver: str, lifetime: float = 1.0) -> GetAddrInfo:
    """A blocking getaddrinfo that asks the stub at `nameserver` ("127.0.0.1:PORT") instead of the system.

    Errors mirror glibc: NXDOMAIN -> EAI_NONAME, SERVFAIL or no answer within `lifetime` -> EAI_AGAIN.
    """
    host, port = nameserver.rsplit(":", 1)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = int(port)
    resolver.lifetime = lifetime

    def getaddrinfo(name: str, svc: int, family: int = 0, type: int = 0, *_: Any) -> list[tuple[Any, ...]]:
        by_family: dict[int, list[str]] = {socket.AF_INET: ["A"], socket.AF_INET6: ["AAAA"]}
        wanted = by_family.get(family, ["A", "AAAA"])
        infos: list[tuple[Any, ...]] = []
        for rdtype in wanted:
            for ip in _query(resolver, name, rdtype):
                fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
                sockaddr = (ip, svc, 0, 0) if fam == socket.AF_INET6 else (ip, svc)
                infos.append((fam, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        if not infos:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return infos

    return getaddrinfo


def _query(resolver: dns.resolver.Resolver, name: str, rdtype: str) -> list[str]:
    try:
        answer = resolver.resolve(name, rdtype, search=False, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
    except (dns.resolver.NoNameservers, dns.exception.Timeout):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution") from None
    return [r.to_text() for r in answer] if answer.rrset is not None else []


__all__ = ["DnsStub", "stub_getaddrinfo"]
