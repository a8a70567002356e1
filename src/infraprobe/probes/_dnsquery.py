"""The dnspython side of the dns probe: one nameserver, exact rcodes, a real deadline, no threads.

dnspython builds and reads the messages; the exchange is ours, on a bare UDP socket through the event loop.
dnspython's resolver (its resolution state, nameserver objects and asyncio backend: an endpoint, a protocol
and futures per query) cost more CPU than the rest of the check. What it decides is kept as it decided it:
resent at each try's timeout with its backoff until the lifetime, TCP after a truncated answer, the CNAME
chain followed within the answer, and each outcome's rcode (an unusable server's is SERVFAIL).
"""

from __future__ import annotations

import asyncio
import socket

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver

MAX_TRY = 2.0  # per try: a lost UDP packet is resent within the lifetime, as dnspython's resolver does
FIRST_BACKOFF = 0.1  # its pause before resending, doubled each time up to MAX_TRY
UDP_SIZE = 65535


class _Truncated(Exception):
    """The UDP answer had TC set: ask again over TCP."""


async def query(host: str, port: int, name: str, rdtype: str, lifetime: float) -> tuple[str, list[str]]:
    """(rcode, addresses) for one record type; DNS-level failures are outcomes here, not exceptions."""
    qname = dns.name.from_text(name)
    kind = dns.rdatatype.from_text(rdtype)
    request = dns.message.make_query(qname, kind)
    try:
        async with asyncio.timeout(lifetime):
            response = await _exchange(request, host, port, lifetime)
    except TimeoutError:
        return "TIMEOUT", []
    except (
        OSError,
        EOFError,
        dns.exception.DNSException,
    ):  # no usable answer: what the resolver calls SERVFAIL
        return "SERVFAIL", []
    return _outcome(response, qname, kind)


def _outcome(
    response: dns.message.QueryMessage, qname: dns.name.Name, kind: dns.rdatatype.RdataType
) -> tuple[str, list[str]]:
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return "NXDOMAIN", []
    if rcode == dns.rcode.YXDOMAIN:
        raise dns.resolver.YXDOMAIN()  # type: ignore[no-untyped-call]  # as the resolver raises it
    if rcode != dns.rcode.NOERROR:
        return dns.rcode.to_text(rcode), []
    try:
        answer = dns.resolver.Answer(qname, kind, dns.rdataclass.IN, response)
    except Exception:  # a CNAME chain too long or broken: the resolver gives up on the server, with its rcode
        return "NOERROR", []
    return "NOERROR", [r.to_text() for r in answer.rrset] if answer.rrset is not None else []


async def _exchange(
    request: dns.message.Message, host: str, port: int, lifetime: float
) -> dns.message.QueryMessage:
    try:
        return await _udp(request, host, port, min(MAX_TRY, lifetime))
    except _Truncated:
        response = await dns.asyncquery.tcp(request, host, port=port, timeout=lifetime)
    assert isinstance(response, dns.message.QueryMessage)  # tcp() checked it answers our query
    return response


async def _udp(
    request: dns.message.Message, host: str, port: int, per_try: float
) -> dns.message.QueryMessage:
    """Send, and resend at each try's timeout (after the resolver's backoff), until an answer to this
    request arrives from the server; the caller's deadline ends it. Other datagrams are ignored. The socket
    is not connected, as dnspython's is not: a closed port then times out, as it did, instead of failing
    at once with the ICMP error a connected socket reports."""
    loop = asyncio.get_running_loop()
    wire, backoff, server = request.to_wire(), FIRST_BACKOFF, (host, port)
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        while True:
            await loop.sock_sendto(sock, wire, server)
            try:
                async with asyncio.timeout(per_try):
                    return await _answer(loop, sock, request, server)
            except TimeoutError:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_TRY)


async def _answer(
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket,
    request: dns.message.Message,
    server: tuple[str, int],
) -> dns.message.QueryMessage:
    while True:
        data, source = await loop.sock_recvfrom(sock, UDP_SIZE)
        if source[:2] != server:
            continue
        try:
            response = dns.message.from_wire(data, raise_on_truncation=True)
        except dns.message.Truncated as exc:
            if request.is_response(exc.message()):  # type: ignore[no-untyped-call]  # TC on a stray datagram must not switch to TCP
                raise _Truncated() from None
            continue
        except Exception:  # a stray or broken datagram: keep waiting for the answer
            continue
        if isinstance(response, dns.message.QueryMessage) and request.is_response(response):
            return response
