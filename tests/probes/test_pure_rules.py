"""The pure rules behind the network probes, on literal inputs: proxy signatures, health bodies,
JSON paths, certificate name coverage and who owns a name mismatch."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from infraprobe.probes._certinfo import CertInfo, covers, mismatch_layer
from infraprobe.probes._httpexpect import json_get, parse_path
from infraprobe.probes._httpsig import proxy_signature, reported_cause
from infraprobe.probes._url import Url
from infraprobe.probes.wire.http1 import Response
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.certs import CertAuthority
from infraprobe.testing.httpservers import ENVOY_503, NGINX_502, TRACEBACK


def _response(status: int, body: str | bytes, **headers: str) -> Response:
    raw = body.encode() if isinstance(body, str) else body
    return Response(status, "", "1.1", tuple((k.replace("_", "-"), v) for k, v in headers.items()), raw)


@pytest.mark.parametrize(
    ("response", "proxy"),
    [
        (_response(503, ENVOY_503, server="envoy"), "envoy"),
        (_response(503, "no healthy upstream"), "envoy"),
        (_response(503, "", server="envoy"), "envoy"),
        (_response(502, NGINX_502, server="nginx"), "nginx"),
        (
            _response(
                502,
                "<html><body><center><h1>502 Bad Gateway</h1></center></body></html>",
                server="awselb/2.0",
            ),
            "aws-elb",
        ),
        (
            _response(
                502,
                "<h1>Error: Server Error</h1><h2>The server encountered a temporary error and could not complete "
                "your request.<p>Please try again in 30 seconds.</h2>",
                server="Google Frontend",
            ),
            "google-frontend",
        ),
        (_response(503, "<h1>Error: Service Unavailable</h1>", server="Google Frontend"), "cloud-run"),
        (
            _response(
                503,
                "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>",
            ),
            "haproxy",
        ),
        (_response(522, "error code: 522", server="cloudflare"), "cloudflare"),
        (_response(502, "Bad Gateway", content_type="text/plain"), "proxy"),
        (_response(504, ""), "proxy"),
    ],
)
def test_proxy_error_pages_are_recognised(response: Response, proxy: str) -> None:
    """Each proxy's own error page (or header signature) is attributed to that proxy."""
    match = proxy_signature(response)
    assert match is not None
    assert match.proxy == proxy


@pytest.mark.parametrize(
    "response",
    [
        _response(500, TRACEBACK, server="envoy", x_envoy_upstream_service_time="3"),
        _response(
            502,
            '{"error": "payment provider said no"}',
            server="nginx/1.25.3",
            content_type="application/json",
        ),
        _response(503, "", server="gunicorn"),
        _response(503, "Service Unavailable, maintenance until 14:00"),
        _response(404, "no healthy upstream"),
    ],
)
def test_application_errors_are_not_blamed_on_proxies(response: Response) -> None:
    """A 5xx the application wrote, even relayed by a proxy with its Server header, has no proxy signature."""
    assert proxy_signature(response) is None


def test_innermost_reported_cause_wins() -> None:
    """In a nested health body the deepest cause is surfaced, with its layer and dependency name."""
    body = {
        "status": "fail",
        "cause": "app_error",
        "results": [
            {
                "component": "orders-db",
                "diagnosis": {"cause": "db_connection_limit", "layer": "infrastructure"},
            }
        ],
    }
    reported = reported_cause(_response(503, json.dumps(body), content_type="application/json"))
    assert reported is not None
    assert (reported.cause, reported.layer, reported.where) == (
        Cause.DB_CONNECTION_LIMIT,
        Layer.INFRASTRUCTURE,
        "orders-db",
    )


def test_unknown_or_invalid_causes_are_ignored() -> None:
    """Only taxonomy causes count: made-up values, 'unknown' and non-JSON bodies report nothing."""
    for body in ('{"cause": "gremlins"}', '{"cause": "unknown"}', "cause: dns_failure", '{"cause": ["x"]}'):
        assert reported_cause(_response(503, body, content_type="application/json")) is None


def test_json_paths() -> None:
    """$-paths, dotted paths, indexes and quoted keys all reach the same values."""
    doc = {"a": {"b.c": [10, {"d": None}]}, "items": [{"n": 1}]}
    assert parse_path("$.items[0].n") == ["items", 0, "n"]
    assert json_get(doc, "items.0.n") == 1
    assert json_get(doc, "$.a['b.c'][1].d") is None
    assert json_get(doc, "$.a['b.c'][-1]") == {"d": None}
    with pytest.raises(ValueError, match="invalid JSON path"):
        parse_path("$.a[")


def test_wildcards_cover_exactly_one_label() -> None:
    """*.example.com covers a.example.com only: not example.com, not a.b.example.com; IPs match IP SANs."""
    names, ips = ("*.example.com", "example.org"), ("192.0.2.11",)
    assert covers(names, ips, "a.example.com")
    assert covers(names, ips, "A.Example.COM.")
    assert not covers(names, ips, "example.com")
    assert not covers(names, ips, "a.b.example.com")
    assert covers(names, ips, "192.0.2.11")
    assert not covers(names, ips, "192.0.2.12")
    assert not covers(("*.com",), (), "example.com")


def test_name_mismatch_layer() -> None:
    """Sibling names in the domain blame the certificate; IPs, localhost and unrelated names the client."""
    issued = CertAuthority().issue("api.example.co.uk", "www.example.co.uk")
    leaf = CertInfo.from_der(issued.cert.public_bytes(Encoding.DER))
    assert mismatch_layer("db.example.co.uk", leaf) is Layer.INFRASTRUCTURE
    assert mismatch_layer("example.co.uk", leaf) is Layer.INFRASTRUCTURE
    assert mismatch_layer("other.co.uk", leaf) is Layer.CONFIGURATION
    assert mismatch_layer("192.0.2.13", leaf) is Layer.CONFIGURATION
    assert mismatch_layer("localhost", leaf) is Layer.CONFIGURATION
    assert mismatch_layer("k8s-lb-123.elb.amazonaws.com", leaf) is Layer.CONFIGURATION


def test_url_parsing_never_echoes_the_password() -> None:
    """Userinfo becomes basic auth; the redacted form and parse errors never contain the password."""
    url = Url.parse("https://svc:p%40ss@api.example.test:8443/health?x=1")
    assert (url.host, url.port, url.target, url.password) == ("api.example.test", 8443, "/health?x=1", "p@ss")
    assert url.redacted == "https://svc:***@api.example.test:8443/health?x=1"
    assert url.host_header == "api.example.test:8443"
    assert Url.parse("http://[::1]/").host_header == "[::1]"
    assert (
        Url.parse("https://ghp_abc123@api.example.test/x?token=s3").redacted
        == "https://***@api.example.test/x?token=***"
    )
    with pytest.raises(ValueError, match="scheme") as info:
        Url.parse("ftp://u:hunter2@host/")
    assert "hunter2" not in str(info.value)
