"""Certificates made at test time: a throwaway CA and the leaf certificates a TLS fault matrix needs.

Keys are EC P-256 because generating one takes well under a millisecond (RSA-2048 takes ~50 ms), so a
whole test PKI costs nothing. Nothing here touches the system trust store: clients trust the CA only
when given its file (`ca_file`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY = dt.timedelta(days=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for n in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            entries.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(entries)


@dataclass(frozen=True)
class IssuedCert:
    """A certificate and its key, both PEM, written to files on demand (ssl wants file paths)."""

    cert_pem: bytes
    key_pem: bytes

    @property
    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert_path.write_bytes(self.cert_pem)
        key_path.write_bytes(self.key_pem)
        return cert_path, key_path

    def server_context(self, directory: Path, stem: str) -> ssl.SSLContext:
        """A server-side SSLContext presenting this certificate."""
        cert_path, key_path = self.write(directory, stem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_path, key_path)
        return ctx


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class CertAuthority:
    """A self-signed CA that issues leaf certificates with any names and validity window."""

    def __init__(self, common_name: str = "infraprobe test CA", days: int = 365) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY)
            .not_valid_after(now + days * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        )
        self.cert = builder.sign(self._key, hashes.SHA256())
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM)

    def write(self, path: Path) -> Path:
        """Write the CA certificate (the file a client passes as `ca_file`)."""
        path.write_bytes(self.cert_pem)
        return path

    def issue(
        self, *names: str, not_before: dt.datetime | None = None, not_after: dt.datetime | None = None
    ) -> IssuedCert:
        """A leaf for `names` (DNS names or IP literals), valid 90 days from yesterday unless told."""
        now = _now()
        return _leaf(
            names,
            self._key,
            self.cert.subject,
            not_before or now - DAY,
            not_after or now + 90 * DAY,
        )


def self_signed(*names: str, days: int = 90) -> IssuedCert:
    """A leaf that signs itself: valid dates and names, but no CA anyone trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    return _leaf(names, key, _name(names[0]), now - DAY, now + days * DAY, own_key=key)


def _leaf(
    names: tuple[str, ...],
    signer: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    not_before: dt.datetime,
    not_after: dt.datetime,
    own_key: ec.EllipticCurvePrivateKey | None = None,
) -> IssuedCert:
    key = own_key or ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(_san(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    cert = builder.sign(signer, hashes.SHA256())
    return IssuedCert(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


@dataclass(frozen=True)
class TestPki:
    """The TLS fault matrix as server contexts, plus the CA file clients are given."""

    __test__ = False  # not a pytest test class, despite the name

    ca_file: Path
    healthy: ssl.SSLContext  # CA-signed, localhost + 127.0.0.1 + ::1, 90 days
    expiring: ssl.SSLContext  # CA-signed, right names, 5 days left
    expired: ssl.SSLContext  # CA-signed, right names, expired 3 days ago
    wrong_name: ssl.SSLContext  # CA-signed, valid, but only api/www.example.test
    self_signed: ssl.SSLContext  # right names and dates, signed by nobody trusted


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def make_test_pki(directory: Path) -> TestPki:
    """Build a CA and one server context per TLS fault, with files under `directory`."""
    ca = CertAuthority()
    now = _now()
    expired = ca.issue(*LOOPBACK_NAMES, not_before=now - 30 * DAY, not_after=now - 3 * DAY)
    return TestPki(
        ca_file=ca.write(directory / "ca.crt"),
        healthy=ca.issue(*LOOPBACK_NAMES).server_context(directory, "healthy"),
        expiring=ca.issue(*LOOPBACK_NAMES, not_after=now + 5 * DAY + DAY / 2).server_context(
            directory, "expiring"
        ),
        expired=expired.server_context(directory, "expired"),
        wrong_name=ca.issue("api.example.test", "www.example.test").server_context(directory, "wrong"),
        self_signed=self_signed(*LOOPBACK_NAMES).server_context(directory, "selfsigned"),
    )


__all__ = ["CertAuthority", "IssuedCert", "TestPki", "make_test_pki", "self_signed"]
