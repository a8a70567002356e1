"""Certificate facts (dates, names, issuer) and name coverage, shared by the tls, http and websocket probes.

Pure functions over DER bytes: no I/O, so the rules (wildcards cover one label only; which layer owns a
name mismatch) are tested on literal certificates.
"""

from __future__ import annotations

import _ssl
import datetime as dt
import functools
import ipaddress
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infraprobe import facts
from infraprobe.facts import Fact, FactValue
from infraprobe.taxonomy import Layer

if TYPE_CHECKING:
    from cryptography import x509

# Second-level labels under which registrations happen (example.co.uk): enough to tell "sibling name in the
# same domain" from "unrelated name" without shipping the whole public suffix list.
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go"}


@dataclass(frozen=True, slots=True)
class CertInfo:
    """What a person needs from one certificate to understand a TLS failure."""

    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime

    @classmethod
    def from_der(cls, der: bytes) -> CertInfo:
        # cryptography costs ~20 ms to import: paid by a probe that meets a certificate, not at start-up
        from cryptography import x509

        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns_names = tuple(san.get_values_for_type(x509.DNSName))
            ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
        except x509.ExtensionNotFound:
            dns_names, ips = (), ()
        return cls(
            subject=_short_name(cert.subject),
            issuer=_short_name(cert.issuer),
            dns_names=dns_names,
            ip_addresses=ips,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )

    @property
    def sans(self) -> list[str]:
        return [*self.dns_names, *self.ip_addresses]

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    def days_left(self, now: dt.datetime) -> int:
        """Whole days until expiry, rounded down: negative once expired (-1 on the day after)."""
        return (self.not_after - now) // dt.timedelta(days=1)

    def covers(self, name: str) -> bool:
        return covers(self.dns_names, self.ip_addresses, name)


def _short_name(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID

    cn = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(cn[0].value) if cn else name.rfc4514_string()


def covers(dns_names: tuple[str, ...], ips: tuple[str, ...], name: str) -> bool:
    """Does a certificate with these SANs cover `name`? A wildcard stands for exactly one whole label."""
    ip = _ip(name)
    if ip is not None:
        return any(_ip(a) == ip for a in ips)
    wanted = name.lower().rstrip(".")
    for pattern in (n.lower().rstrip(".") for n in dns_names):
        if pattern == wanted:
            return True
        if pattern.startswith("*.") and "." in wanted:
            label, rest = wanted.split(".", 1)
            if label and rest == pattern[2:] and "." in rest:
                return True
    return False


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _registrable(name: str) -> str:
    labels = name.lower().rstrip(".").lstrip("*.").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def mismatch_layer(name: str, info: CertInfo | None) -> Layer:
    """Who owns a name mismatch.

    Configuration when the client was pointed at a name no certificate for the service could carry (an IP
    literal, localhost, a tunnel, a load balancer's raw name). Infrastructure when the certificate covers
    sibling names in the same domain: the name is right, the served certificate lacks it.
    """
    lowered = name.lower().rstrip(".")
    if _ip(lowered) is not None or lowered == "localhost" or lowered.endswith(".localhost"):
        return Layer.CONFIGURATION
    if info is not None and any(_registrable(n) == _registrable(lowered) for n in info.dns_names):
        return Layer.INFRASTRUCTURE
    return Layer.CONFIGURATION


def peer_chain(sslobj: ssl.SSLObject, verified: bool) -> list[bytes]:
    """The peer's chain as DER, leaf first. Python 3.13 has public methods; 3.11 only private ones."""
    names = ("get_verified_chain", "get_unverified_chain") if verified else ("get_unverified_chain",)
    for method in names:
        for owner in (sslobj, getattr(sslobj, "_sslobj", None)):
            fn = getattr(owner, method, None)
            certs = fn() if fn is not None else None
            if certs:
                return [_der(c) for c in certs]
    leaf = sslobj.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def _der(cert: Any) -> bytes:
    if isinstance(cert, bytes):
        return cert
    # 3.11's private _ssl.Certificate: DER straight from OpenSSL (its default, PEM, costs a base64 round trip).
    return bytes(cert.public_bytes(_ssl.ENCODING_DER))


def chain_info(chain: list[bytes]) -> list[CertInfo]:
    return [_parsed(der) for der in chain]


@functools.lru_cache(maxsize=512)
def _parsed(der: bytes) -> CertInfo:
    # A server presents the same certificates probe after probe; parsing them is ~15% of an https
    # probe's CPU, a lookup by their bytes is nothing. CertInfo is immutable, so sharing it is safe.
    return CertInfo.from_der(der)


def cert_facts(chain: list[CertInfo], now: dt.datetime) -> dict[Fact[Any], FactValue]:
    """Leaf dates, names and issuer, plus the chain's soonest expiry (an intermediate can expire first)."""
    if not chain:
        return {}
    found = dict(_fixed_facts(tuple(chain)))  # the two clock-dependent keys replaced in place, order kept
    found[facts.DAYS_LEFT] = chain[0].days_left(now)
    found[facts.CHAIN_DAYS_LEFT] = min(chain, key=lambda c: c.not_after).days_left(now)
    return found


@functools.lru_cache(maxsize=256)
def _fixed_facts(chain: tuple[CertInfo, ...]) -> dict[Fact[Any], FactValue]:
    """The facts that do not change with the clock, built once per chain (the same one, probe after probe).
    Shared between runs: facts are never changed in place, and the runner copies them into each result."""
    leaf = chain[0]
    soonest = min(chain, key=lambda c: c.not_after)
    return {
        facts.SUBJECT: leaf.subject,
        facts.ISSUER: leaf.issuer,
        facts.SANS: leaf.sans,
        facts.NOT_BEFORE: leaf.not_before.isoformat(),
        facts.NOT_AFTER: leaf.not_after.isoformat(),
        facts.DAYS_LEFT: None,  # set by cert_facts
        facts.SELF_SIGNED: leaf.self_signed,
        facts.CHAIN: [
            {"subject": c.subject, "issuer": c.issuer, "not_after": c.not_after.isoformat()} for c in chain
        ],
        facts.CHAIN_DAYS_LEFT: None,  # set by cert_facts
        facts.CHAIN_EXPIRES_FIRST: soonest.subject,
    }
