"""The dnspython side of the dns probe: one nameserver, exact rcodes, a real deadline, no threads."""

from __future__ import annotations

import asyncio

import dns.asyncresolver
import dns.exception
import dns.message
import dns.nameserver
import dns.rcode
import dns.resolver


def resolver_for(host: str, port: int, lifetime: float) -> dns.asyncresolver.Resolver:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port)]
    resolver.lifetime = lifetime
    resolver.timeout = min(2.0, lifetime)  # per try: a lost UDP packet is retried within the lifetime
    return resolver


async def query(
    resolver: dns.asyncresolver.Resolver, host: str, rdtype: str, lifetime: float
) -> tuple[str, list[str]]:
    """(rcode, addresses) for one record type; DNS-level failures are outcomes here, not exceptions."""
    try:
        # dnspython may sleep between retries past its own lifetime; this bound is exact.
        async with asyncio.timeout(lifetime):
            answer = await resolver.resolve(host, rdtype, search=False, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return "NXDOMAIN", []
    except dns.resolver.NoNameservers as exc:
        return _rcode_of(exc), []
    except (dns.exception.Timeout, TimeoutError):
        return "TIMEOUT", []
    return "NOERROR", [r.to_text() for r in answer.rrset] if answer.rrset is not None else []


def _rcode_of(exc: dns.resolver.NoNameservers) -> str:
    for error in exc.kwargs.get("errors", ()):
        response = error[4] if len(error) > 4 else None
        if isinstance(response, dns.message.Message):
            return dns.rcode.to_text(response.rcode())
    return "SERVFAIL"
