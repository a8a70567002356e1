"""tls probe: the certificate fault matrix on loopback, with certificates made at test time."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from ssl import SSLContext

from infraprobe.probes.tls import TlsCheck
from infraprobe.result import Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.certs import TestPki, make_test_pki
from infraprobe.testing.httpservers import DemoApp, HttpServer
from infraprobe.testing.netfaults import ClosedPort
from tests.probes.helpers import assert_failed, assert_healthy

TLS_PHASES = ["dns", "connect", "tls"]


@asynccontextmanager
async def serving(ctx: SSLContext | None) -> AsyncIterator[int]:
    async with HttpServer(DemoApp(), ssl_context=ctx) as server:
        yield server.port


async def test_trusted_certificate_reports_its_facts(runner: Runner, pki: TestPki, ca_file: str) -> None:
    """A CA-signed certificate passes with protocol, issuer, SANs, dates and days left as facts."""
    async with serving(pki.healthy) as port:
        result = await runner.check(TlsCheck(name="api", host="localhost", port=port, ca_file=ca_file))
    assert_healthy(result, TLS_PHASES)
    facts = result.facts
    assert facts["tls_version"] in ("TLSv1.2", "TLSv1.3")
    assert facts["issuer"] == "infraprobe test CA"
    assert facts["sans"] == ["localhost", "127.0.0.1", "::1"]
    assert facts["days_left"] in (88, 89)
    assert facts["verified"] is True
    assert facts["chain_days_left"] == facts["days_left"]  # the CA outlives the leaf


async def test_expired_certificate_fails_but_keeps_its_facts(
    runner: Runner, pki: TestPki, ca_file: str
) -> None:
    """An expired certificate is tls_certificate_expired, and the facts still say when and for whom."""
    async with serving(pki.expired) as port:
        result = await runner.check(TlsCheck(name="api", host="127.0.0.1", port=port, ca_file=ca_file))
    assert_failed(result, Cause.TLS_CERTIFICATE_EXPIRED, phase="tls")
    assert result.facts["days_left"] == -4  # expired 3 days ago, rounded down
    assert dt.datetime.fromisoformat(str(result.facts["not_after"])) < dt.datetime.now(dt.UTC)
    assert result.facts["sans"] == ["localhost", "127.0.0.1", "::1"]
    assert result.facts["verified"] is False
    assert result.facts["verify_error"] == "certificate has expired"


async def test_self_signed_certificate_is_untrusted(runner: Runner, pki: TestPki, ca_file: str) -> None:
    """A certificate no trusted CA signed is tls_untrusted_certificate, with self_signed in the facts."""
    async with serving(pki.self_signed) as port:
        result = await runner.check(TlsCheck(name="api", host="localhost", port=port, ca_file=ca_file))
    assert_failed(result, Cause.TLS_UNTRUSTED_CERTIFICATE, phase="tls")
    assert result.facts["self_signed"] is True
    assert result.facts["days_left"] in (88, 89)


async def test_sibling_names_only_blame_the_served_certificate(
    runner: Runner, pki: TestPki, ca_file: str
) -> None:
    """db.example.test against a cert for api/www.example.test: the cert lacks the name (infrastructure)."""
    async with serving(pki.wrong_name) as port:
        check = TlsCheck(
            name="db", host="127.0.0.1", port=port, ca_file=ca_file, server_name="db.example.test"
        )
        result = await runner.check(check)
    assert_failed(result, Cause.TLS_HOSTNAME_MISMATCH, phase="tls", layer=Layer.INFRASTRUCTURE)
    assert result.facts["sans"] == ["api.example.test", "www.example.test"]


async def test_ip_literal_against_a_named_certificate_blames_configuration(
    runner: Runner, pki: TestPki, ca_file: str
) -> None:
    """Pointing the client at an IP (a tunnel, a raw address) that no public cert covers is configuration."""
    async with serving(pki.wrong_name) as port:
        result = await runner.check(TlsCheck(name="db", host="127.0.0.1", port=port, ca_file=ca_file))
    assert_failed(result, Cause.TLS_HOSTNAME_MISMATCH, phase="tls", layer=Layer.CONFIGURATION)


async def test_plain_tcp_port_is_protocol_mismatch(runner: Runner, app: HttpServer, ca_file: str) -> None:
    """TLS to a port that speaks plain HTTP: protocol_mismatch (configuration), no cert facts."""
    result = await runner.check(
        TlsCheck(name="api", host="127.0.0.1", port=app.port, ca_file=ca_file, timeout=2)
    )
    assert_failed(result, Cause.PROTOCOL_MISMATCH, phase="tls")
    assert "not_after" not in result.facts


async def test_closed_port_is_refused_not_a_tls_problem(runner: Runner, ca_file: str) -> None:
    """Nothing listening is connection_refused in the connect phase, never a TLS cause."""
    with ClosedPort() as closed:
        result = await runner.check(TlsCheck(name="api", host="127.0.0.1", port=closed.port, ca_file=ca_file))
    assert_failed(result, Cause.CONNECTION_REFUSED, phase="connect")


async def test_few_days_left_warns_without_the_expired_cause(
    runner: Runner, pki: TestPki, ca_file: str
) -> None:
    """Under min_days the check warns; the expired cause is kept for certificates really expired."""
    async with serving(pki.expiring) as port:
        result = await runner.check(
            TlsCheck(name="api", host="localhost", port=port, ca_file=ca_file, min_days=30)
        )
    assert result.status is Status.WARN
    assert result.diagnosis is None
    assert result.facts["days_left"] == 5
    assert "expires in 5 days" in result.message


async def test_expired_with_verify_off_warns_as_expired(runner: Runner, pki: TestPki) -> None:
    """With verify: false an expired certificate passes the handshake but warns, cause expired."""
    async with serving(pki.expired) as port:
        result = await runner.check(TlsCheck(name="api", host="localhost", port=port, verify=False))
    assert result.status is Status.WARN
    assert result.diagnosis is not None
    assert result.diagnosis.cause is Cause.TLS_CERTIFICATE_EXPIRED
    assert result.facts["verified"] is False


async def test_require_names_checks_coverage_with_one_label_wildcards(
    runner: Runner, pki: TestPki, ca_file: str, tmp_path: Path
) -> None:
    """require_names passes for covered names and fails, blaming the certificate, for a missing sibling."""
    async with serving(pki.healthy) as port:
        ok = TlsCheck(
            name="a", host="localhost", port=port, ca_file=ca_file, require_names=("localhost", "::1")
        )
        bad = TlsCheck(
            name="b", host="localhost", port=port, ca_file=ca_file, require_names=("db.localhost",)
        )
        ok_result, bad_result = await runner.check(ok), await runner.check(bad)
    assert_healthy(ok_result, TLS_PHASES)
    assert ok_result.facts["names_covered"] == {"localhost": True, "::1": True}
    assert_failed(bad_result, Cause.TLS_HOSTNAME_MISMATCH, layer=Layer.CONFIGURATION)
    assert bad_result.facts["names_covered"] == {"db.localhost": False}


async def test_missing_ca_file_is_resource_missing(runner: Runner, tmp_path: Path) -> None:
    """A ca_file that does not exist is a configuration error found before any traffic."""
    check = TlsCheck(name="api", host="127.0.0.1", port=1, ca_file=str(tmp_path / "nope.pem"))
    result = await runner.check(check)
    assert result.phases == ()
    assert result.diagnosis is not None
    assert result.diagnosis.cause is Cause.RESOURCE_MISSING


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> TlsCheck:
    pki = make_test_pki(tmp)
    server = await stack.enter_async_context(HttpServer(DemoApp(), ssl_context=pki.healthy))
    return TlsCheck(name="c", host="localhost", port=server.port, ca_file=str(pki.ca_file))
