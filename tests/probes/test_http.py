"""http probe: phases, expectations, and who is blamed, against real servers on loopback."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from pathlib import Path

from infraprobe.probes.http import HttpCheck, HttpExpect, TlsClient
from infraprobe.result import Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.certs import TestPki
from infraprobe.testing.httpservers import DemoApp, HttpServer, ReverseProxy
from infraprobe.testing.netfaults import ClosedPort, banner_server, resetting_server, silent_server
from tests.probes.helpers import assert_failed, assert_healthy, fact_dict, fact_list

HTTP_PHASES = ["dns", "connect", "first_byte", "transfer"]
HTTPS_PHASES = ["dns", "connect", "tls", "first_byte", "transfer"]


async def test_healthy_http_has_every_phase_and_response_facts(runner: Runner, app: HttpServer) -> None:
    """A 200 is ok with dns/connect/first_byte/transfer timed, status and headers as facts."""
    result = await runner.check(HttpCheck(name="web", url=app.url("/ok")))
    assert_healthy(result, HTTP_PHASES)
    assert result.facts["status"] == 200
    assert fact_dict(result, "headers")["x-app"] == "demo"
    assert result.facts["body_excerpt"] == "ok"
    assert result.message.startswith("HTTP 200 OK in ")


async def test_healthy_https_reuses_tls_and_reports_the_certificate(
    runner: Runner, tls_app: HttpServer, ca_file: str
) -> None:
    """https adds a tls phase and the certificate facts, trusting the CA from ca_file."""
    check = HttpCheck(name="web", url=tls_app.url("/ok"), tls=TlsClient(ca_file=ca_file))
    result = await runner.check(check)
    assert_healthy(result, HTTPS_PHASES)
    assert result.facts["issuer"] == "infraprobe test CA"
    assert result.facts["days_left"] in (88, 89)


async def test_https_expired_certificate_keeps_cert_facts(runner: Runner, pki: TestPki, ca_file: str) -> None:
    """An expired certificate behind an https URL fails in tls with not_after, days_left and sans."""
    async with HttpServer(DemoApp(), ssl_context=pki.expired) as server:
        check = HttpCheck(name="web", url=server.url("/ok"), tls=TlsClient(ca_file=ca_file))
        result = await runner.check(check)
    assert_failed(result, Cause.TLS_CERTIFICATE_EXPIRED, phase="tls")
    assert result.facts["days_left"] == -4
    assert {"not_after", "sans"} <= set(result.facts)


async def test_body_json_and_header_expectations_pass(runner: Runner, app: HttpServer) -> None:
    """status, body_contains, body_regex, JSON paths ($. and dotted) and headers all hold."""
    expect = {
        "status": [200],
        "body_contains": '"status": "up"',
        "body_regex": r"latency_ms\": \d+",
        "json": {"$.db.ok": True, "items[1].name": "b", "items.0.name": "a"},
        "headers": {"Content-Type": "json"},
    }
    result = await runner.check(
        HttpCheck(name="api", url=app.url("/json"), expect=HttpExpect.model_validate(expect))
    )
    assert_healthy(result, HTTP_PHASES)


async def test_unmet_json_expectation_is_app_error(runner: Runner, app: HttpServer) -> None:
    """A 200 whose JSON says otherwise fails as app_error, naming the path; true is not 1."""
    expect = {"json": {"$.db.ok": 1, "$.db.missing": "x"}}
    result = await runner.check(
        HttpCheck(name="api", url=app.url("/json"), expect=HttpExpect.model_validate(expect))
    )
    assert_failed(result, Cause.APP_ERROR, layer=Layer.APPLICATION)
    evidence = result.diagnosis.evidence if result.diagnosis else ""
    assert "$.db.ok is true, expected 1" in evidence
    assert "$.db.missing is missing" in evidence


async def test_application_500_with_traceback_is_app_error(runner: Runner, app: HttpServer) -> None:
    """A 500 the application wrote (a traceback) is app_error, with the body excerpt kept."""
    result = await runner.check(HttpCheck(name="api", url=app.url("/error")))
    assert_failed(result, Cause.APP_ERROR, layer=Layer.APPLICATION)
    assert "ZeroDivisionError" in str(result.facts["body_excerpt"])
    assert result.diagnosis is not None
    assert result.diagnosis.evidence.endswith("from the application: ZeroDivisionError: division by zero")


async def test_envoy_in_front_of_a_dead_backend_is_upstream_unavailable(runner: Runner) -> None:
    """A proxy that really fails to reach its backend answers 503 like Envoy: upstream_unavailable."""
    with ClosedPort() as dead:
        async with HttpServer(ReverseProxy(dead.port, "envoy")) as proxy:
            result = await runner.check(HttpCheck(name="api", url=proxy.url("/ok")))
    assert_failed(result, Cause.UPSTREAM_UNAVAILABLE, layer=Layer.INFRASTRUCTURE)
    assert result.facts["generated_by"] == "envoy"
    assert result.facts["status"] == 503


async def test_nginx_in_front_of_a_dead_backend_is_upstream_unavailable(runner: Runner) -> None:
    """Same with nginx's own 502 page."""
    with ClosedPort() as dead:
        async with HttpServer(ReverseProxy(dead.port, "nginx")) as proxy:
            result = await runner.check(HttpCheck(name="api", url=proxy.url("/ok")))
    assert_failed(result, Cause.UPSTREAM_UNAVAILABLE)
    assert result.facts["generated_by"] == "nginx"


async def test_app_500_through_a_proxy_is_still_app_error(runner: Runner, app: HttpServer) -> None:
    """The application's own 500 relayed by Envoy (server: envoy header and all) is not blamed on it."""
    async with HttpServer(ReverseProxy(app.port, "envoy")) as proxy:
        ok = await runner.check(HttpCheck(name="api", url=proxy.url("/ok")))
        failed = await runner.check(HttpCheck(name="api", url=proxy.url("/error")))
    assert_healthy(ok, HTTP_PHASES)
    assert_failed(failed, Cause.APP_ERROR)
    assert fact_dict(failed, "headers")["server"] == "envoy"


async def test_health_body_cause_is_surfaced(runner: Runner, app: HttpServer) -> None:
    """A health body naming a cause per dependency surfaces the innermost one, with its layer."""
    result = await runner.check(HttpCheck(name="api", url=app.url("/health-cause")))
    assert_failed(result, Cause.DB_CONNECTION_LIMIT, layer=Layer.INFRASTRUCTURE)
    assert result.diagnosis is not None
    assert "orders-db" in result.diagnosis.evidence


async def test_health_json_output_is_classified(runner: Runner, app: HttpServer) -> None:
    """application/health+json without cause fields: the failing check's output text is classified."""
    result = await runner.check(HttpCheck(name="api", url=app.url("/health-output")))
    assert_failed(result, Cause.DB_CONNECTION_LIMIT)


async def test_status_codes_map_to_configuration_causes(runner: Runner, app: HttpServer) -> None:
    """404 is resource_missing, 401 auth_failed, an unexpected redirect a configuration problem."""
    missing = await runner.check(HttpCheck(name="a", url=app.url("/nope")))
    denied = await runner.check(HttpCheck(name="b", url=app.url("/auth")))
    moved = await runner.check(HttpCheck(name="c", url=app.url("/redirect")))
    assert_failed(missing, Cause.RESOURCE_MISSING, layer=Layer.CONFIGURATION)
    assert_failed(denied, Cause.AUTH_FAILED, layer=Layer.CONFIGURATION)
    assert moved.diagnosis is not None
    assert moved.diagnosis.layer is Layer.CONFIGURATION
    assert "/ok" in moved.diagnosis.evidence


async def test_redirects_followed_when_asked_and_loops_stopped(runner: Runner, app: HttpServer) -> None:
    """follow_redirects reaches the final 200 and lists the hops; a loop stops at max_redirects."""
    followed = await runner.check(HttpCheck(name="a", url=app.url("/redirect"), follow_redirects=True))
    looped = await runner.check(
        HttpCheck(name="b", url=app.url("/loop"), follow_redirects=True, max_redirects=3)
    )
    assert followed.status is Status.OK
    assert followed.facts["redirects"] == [app.url("/ok")]
    assert looped.status is Status.FAIL
    assert len(fact_list(looped, "redirects")) == 3


async def test_userinfo_password_is_sent_but_never_shown(
    runner: Runner, app: HttpServer, demo: DemoApp
) -> None:
    """URL credentials authenticate (basic auth) yet appear in no fact, message or evidence."""
    good = await runner.check(HttpCheck(name="a", url=app.url("/auth", userinfo="probe:s3cret-pass")))
    bad = await runner.check(HttpCheck(name="b", url=app.url("/auth", userinfo="probe:wr0ng-pass")))
    assert good.status is Status.OK
    assert_failed(bad, Cause.AUTH_FAILED)
    for result in (good, bad):
        text = str(result.to_dict())
        assert "s3cret-pass" not in text
        assert "wr0ng-pass" not in text
        assert "probe:***@" in str(result.facts["url"])
    assert HttpCheck(name="a", url=app.url("/auth", userinfo="probe:s3cret-pass")).target().count("***") == 1


async def test_silent_server_is_read_timeout_in_first_byte(runner: Runner) -> None:
    """A server that accepts and never answers times out in first_byte: read_timeout."""
    async with silent_server() as server:
        start = time.perf_counter()
        result = await runner.check(HttpCheck(name="a", url=f"http://127.0.0.1:{server.port}/", timeout=0.3))
    assert time.perf_counter() - start < 0.8
    assert_failed(result, Cause.READ_TIMEOUT, phase="first_byte")


async def test_reset_after_the_request_is_connection_reset(runner: Runner) -> None:
    """A server that resets (SO_LINGER 0) after reading the request: connection_reset in first_byte."""
    async with resetting_server() as server:
        result = await runner.check(HttpCheck(name="a", url=f"http://127.0.0.1:{server.port}/", timeout=2))
    assert_failed(result, Cause.CONNECTION_RESET, phase="first_byte")


async def test_refused_and_unresolvable(runner: Runner) -> None:
    """A closed port is connection_refused in connect; an *.invalid host dns_failure in dns."""
    with ClosedPort() as closed:
        refused = await runner.check(HttpCheck(name="a", url=f"http://127.0.0.1:{closed.port}/"))
    unresolvable = await runner.check(HttpCheck(name="b", url="http://api.infraprobe.invalid/"))
    assert_failed(refused, Cause.CONNECTION_REFUSED, phase="connect")
    assert_failed(unresolvable, Cause.DNS_FAILURE, phase="dns")


async def test_endless_body_is_capped_not_hung(runner: Runner, app: HttpServer) -> None:
    """A body that never ends is read up to max_body_bytes only: quick, truncated, and a warning."""
    start = time.perf_counter()
    check = HttpCheck(name="a", url=app.url("/endless"), max_body_bytes=256 * 1024, timeout=5)
    result = await runner.check(check)
    assert time.perf_counter() - start < 1.0
    assert result.status is Status.WARN
    assert result.facts["body_bytes"] == 256 * 1024
    assert result.facts["body_truncated"] is True


async def test_oversized_response_head_is_refused(runner: Runner, app: HttpServer) -> None:
    """A 100 KB response header exceeds the 64 KiB head cap: a protocol failure, not a memory hazard."""
    result = await runner.check(HttpCheck(name="a", url=app.url("/huge-headers"), timeout=2))
    assert result.status is Status.FAIL
    assert result.phases[-1].name == "first_byte"
    assert result.diagnosis is not None
    assert (result.diagnosis.cause, result.diagnosis.rule) == (Cause.APP_ERROR, "http_malformed")


async def test_non_http_service_on_the_port_blames_configuration(runner: Runner) -> None:
    """A non-HTTP service on the port (a Redis-like banner) fails at once as configuration, no timeout."""
    async with banner_server(b"+OK ready\r\n") as server:
        result = await runner.check(HttpCheck(name="a", url=f"http://127.0.0.1:{server.port}/", timeout=2))
    assert result.status is Status.FAIL
    assert result.phases[-1].name == "first_byte"
    assert result.diagnosis is not None
    assert result.diagnosis.layer is Layer.CONFIGURATION
    assert (result.diagnosis.cause, result.diagnosis.rule) == (Cause.PROTOCOL_MISMATCH, "http_protocol")


async def test_post_body_and_headers_reach_the_server(runner: Runner, app: HttpServer, demo: DemoApp) -> None:
    """method, headers and body are sent as configured, with a Host header and Connection: close."""
    check = HttpCheck(name="a", url=app.url("/ok"), method="POST", headers={"X-Probe": "1"}, body='{"a": 1}')
    await runner.check(check)
    request = demo.seen[-1]
    assert (request.method, request.body) == ("POST", b'{"a": 1}')
    assert request.headers["x-probe"] == "1"
    assert request.headers["host"] == f"127.0.0.1:{app.port}"


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> HttpCheck:
    server = await stack.enter_async_context(HttpServer(DemoApp()))
    return HttpCheck(name="c", url=server.url("/redirect"), follow_redirects=True)


# This kind's places for a secret in tests/core/test_secrets.py's canary config (its placeholders are listed there).
SECRET_CANARIES = """
  - {{name: http-userinfo, kind: http, url: "http://probe:${{PW}}@127.0.0.1:{app}/auth"}}
  - {{name: http-wrong-userinfo, kind: http, url: "http://probe:${{PW}}x@127.0.0.1:{app}/auth"}}
  - {{name: http-query, kind: http, url: "http://127.0.0.1:{app}/missing?access_token=${{PW}}&x=1"}}
  - name: http-headers
    kind: http
    url: http://127.0.0.1:{echo}/echo
    headers: {{Authorization: "Bearer ${{PW}}", X-Api-Key: "${{PW}}"}}
  - {{name: http-refused, kind: http, url: "http://probe:${{PW}}@127.0.0.1:{closed}/"}}
"""
