"""Reading an HTTP response for blame: who produced a 5xx, and what a health body says went wrong.

Pure functions over status, headers and body, tested on literal responses. A 502/503/504 written by a
proxy or load balancer about a backend it could not reach is `upstream_unavailable`; a 5xx the
application wrote itself is `app_error`. Signatures are the proxies' own fixed error pages and headers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infraprobe.probes.wire.http1 import Response
from infraprobe.taxonomy import Cause, Layer

GATEWAY_STATUSES = {502, 503, 504}
CLOUDFLARE_STATUSES = set(range(520, 531))

# (proxy, pattern in the body). Each is text the proxy writes in its *own* error responses only.
_BODY_SIGNATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("envoy", re.compile(r"no healthy upstream|upstream connect error or disconnect/reset before headers")),
    ("envoy", re.compile(r"^upstream request timeout$")),
    ("nginx", re.compile(r"<center>nginx(?:/[\w.]+)?</center>")),
    ("aws-elb", re.compile(r"<center>awselb/[\d.]+</center>")),
    (
        "google-frontend",
        re.compile(
            r"The server encountered a temporary error and could not complete your request"
            r"|Error 50[234] \(Server Error\)!!1"
        ),
    ),
    (
        "cloud-run",
        re.compile(r"The service you requested is not available yet|<h1>Error: Service Unavailable</h1>"),
    ),
    (
        "haproxy",
        re.compile(
            r"No server is available to handle this request"
            r"|The server returned an invalid or incomplete response|The server didn't respond in time"
        ),
    ),
    ("cloudflare", re.compile(r"cf-error-details|Cloudflare Ray ID|^error code: 5\d\d$")),
    ("apache", re.compile(r"The proxy server (?:received an invalid|could not handle)")),
)
_REASONS = {502: "bad gateway", 503: "service unavailable", 504: "gateway timeout"}
_FAILING = {"fail", "failed", "down", "error", "critical", "unhealthy"}
_TEXT_KEYS = ("summary", "evidence", "output", "message", "error", "detail")
MAX_JSON_DEPTH = 32
_CAUSE_VALUES = {c.value for c in Cause} - {Cause.UNKNOWN.value}
_STRUCTURAL = {"diagnosis", "checks", "results", "dependencies", "components", "details", "data"}


@dataclass(frozen=True, slots=True)
class ProxyMatch:
    proxy: str
    evidence: str


def proxy_signature(response: Response) -> ProxyMatch | None:
    """Which proxy or load balancer wrote this 5xx itself, or None when nothing says so."""
    if response.status < 500:
        return None
    text = response.body[:16384].decode("utf-8", "replace").strip()
    for proxy, pattern in _BODY_SIGNATURES:
        m = pattern.search(text) if not pattern.pattern.startswith("^") else pattern.match(text)
        if m:
            return ProxyMatch(proxy, f"body contains {m.group(0)!r}")
    if response.status in GATEWAY_STATUSES | CLOUDFLARE_STATUSES:
        return _header_signature(response, text)
    return None


def _header_signature(response: Response, text: str) -> ProxyMatch | None:
    server = (response.header("server") or "").lower()
    if server.startswith("awselb/"):  # an ALB keeps the backend's Server header on proxied responses
        return ProxyMatch("aws-elb", f"Server: {response.header('server')}")
    if server == "cloudflare" and response.status in CLOUDFLARE_STATUSES:
        return ProxyMatch("cloudflare", f"HTTP {response.status} with Server: cloudflare")
    if server == "envoy" and response.header("x-envoy-upstream-service-time") is None:
        # Envoy stamps x-envoy-upstream-service-time on every response that came from a backend.
        return ProxyMatch("envoy", "server: envoy without x-envoy-upstream-service-time (a local reply)")
    if text.lower() == _REASONS.get(response.status):
        return ProxyMatch("proxy", f"body is only the status text {text!r} (Traefik, Go reverse proxies)")
    if not text and response.status in (502, 504):
        return ProxyMatch("proxy", f"empty {response.status} body: a gateway status with nothing from an app")
    return None


@dataclass(frozen=True, slots=True)
class ReportedCause:
    """A cause an application's own health endpoint reported about one of its dependencies."""

    cause: Cause
    layer: Layer | None
    where: str  # the dependency (or check) it was reported for
    detail: str


def reported_cause(response: Response) -> ReportedCause | None:
    """The innermost valid `cause` in a JSON body (our own health endpoints report one per dependency)."""
    doc = _json_body(response)
    if doc is None:
        return None
    found = max(_causes(doc, 0, ""), key=lambda pair: pair[0], default=None)
    return found[1] if found else None


def health_outputs(response: Response) -> list[str]:
    """`output` texts of failing checks in an application/health+json body (which has no cause field)."""
    if response.content_type != "application/health+json":
        return []
    doc = _json_body(response)
    checks = doc.get("checks") if isinstance(doc, dict) else None
    if not isinstance(checks, dict):
        return []
    entries = (e for v in checks.values() for e in (v if isinstance(v, list) else [v]) if isinstance(e, dict))
    return [
        str(e["output"]) for e in entries if str(e.get("status", "")).lower() in _FAILING and e.get("output")
    ]


def _json_body(response: Response) -> Any:
    if "json" not in response.content_type and not response.body.lstrip().startswith((b"{", b"[")):
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def _causes(node: Any, depth: int, where: str) -> Iterator[tuple[int, ReportedCause]]:
    """Every object carrying a known cause, with its depth (deeper = closer to the real failure)."""
    if depth > MAX_JSON_DEPTH:
        return
    if isinstance(node, dict):
        own = str(node.get("name") or node.get("component") or "")
        cause = node.get("cause")
        if isinstance(cause, str) and cause in _CAUSE_VALUES:
            yield depth, _reported(node, where or own)
        here = own or where
        for key, child in node.items():
            # Under structural keys the dependency's name is the enclosing object's; elsewhere the key is.
            yield from _causes(child, depth + 1, here if key in _STRUCTURAL else str(key))
    elif isinstance(node, list):
        for child in node:
            yield from _causes(child, depth + 1, where)


def _reported(node: dict[str, Any], where: str) -> ReportedCause:
    layer = node.get("layer")
    detail = next((str(node[k]) for k in _TEXT_KEYS if node.get(k)), "")
    return ReportedCause(
        Cause(node["cause"]),
        Layer(str(layer)) if layer in Layer.__members__.values() else None,
        where,
        detail,
    )
