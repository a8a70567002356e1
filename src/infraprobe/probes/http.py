"""http: one HTTP/1.1 request, timed phase by phase, and a verdict on who is to blame when it fails.

Phases dns -> connect -> tls (https) -> first_byte (request sent, head received) -> transfer (body, capped).
A failing status is explained before it is reported: a cause the application's own health body names
wins, then a proxy's own error page (upstream_unavailable), then the status itself (app_error,
auth_failed, resource_missing). Credentials in the URL never reach facts, messages or evidence.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import NoReturn

from infraprobe import facts
from infraprobe.net import Address
from infraprobe.phases import Phase
from infraprobe.probes._conn import connection, handshake, open_socket, speaks_tls
from infraprobe.probes._httpexpect import HttpExpect, body_problems
from infraprobe.probes._httpsig import health_outputs, proxy_signature, reported_cause
from infraprobe.probes._url import Url
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.http import HttpCheck, Method
from infraprobe.probes.models.tls import TlsClient
from infraprobe.probes.wire.http1 import (
    NotHttp,
    ProtocolViolation,
    Response,
    Socket,
    Streams,
    Wire,
)
from infraprobe.redact import mask_patterns
from infraprobe.taxonomy import Cause, Component, Layer

# How much of a failing body is read for its cause: a traceback page's exception line sits well inside it.
BODY_TO_CLASSIFY = 64 * 1024
USER_AGENT = "infraprobe/0.1"
REDIRECTS = {301, 302, 303, 307, 308}
# Never copied into facts: they carry session tokens and credentials.
_SECRET_HEADERS = {"set-cookie", "cookie", "authorization", "proxy-authorization"}


async def probe(cfg: HttpCheck, run: ProbeRun) -> str:
    start = run.clock()
    response = await exchange(cfg, run)
    return f"HTTP {response.status} {response.reason} in {(run.clock() - start) * 1000:.0f} ms"


async def exchange(cfg: HttpCheck, run: ProbeRun) -> Response:
    """The request (and its redirects), recorded and judged; validation flows read the response on."""
    url = Url.parse(cfg.url)
    run.fact(facts.URL, url.redacted)
    response = await _fetch(cfg, run, url)
    _record(cfg, run, response)
    _judge(cfg, run, response)
    return response


async def _fetch(cfg: HttpCheck, run: ProbeRun, url: Url) -> Response:
    """One exchange, or a chain of them when redirects are followed."""
    method, body = cfg.method, (cfg.body.encode() if cfg.body is not None else None)
    origin = url.origin
    hops: list[str] = []
    while True:
        response = await _exchange(cfg, run, url, method, body, url.origin == origin)
        if not (cfg.follow_redirects and response.status in REDIRECTS):
            return response
        location = response.header("location")
        if not location:
            return response
        if len(hops) == cfg.max_redirects:
            _too_many_redirects(cfg, run)
        url = url.join(location)
        hops.append(url.redacted)
        run.fact(facts.REDIRECTS, hops)
        if response.status in (301, 302, 303) and method != "HEAD":
            method, body = "GET", None  # what browsers and every client do; 307/308 keep both


def _too_many_redirects(cfg: HttpCheck, run: ProbeRun) -> NoReturn:
    run.fail(
        Cause.UNKNOWN,
        f"more than {cfg.max_redirects} redirects",
        layer=Layer.CONFIGURATION,
        summary="The URL redirects in a loop or too many times; point the check at the final URL.",
        rule="http_redirects",
    )


async def _exchange(
    cfg: HttpCheck, run: ProbeRun, url: Url, method: str, body: bytes | None, same_origin: bool
) -> Response:
    if url.secure:
        async with connection(run, url.host, url.port, handshake(run, cfg.tls, url.host)) as conn:
            wire = Wire(Streams(conn.reader, conn.writer))
            return await _framed(cfg, run, wire, url, method, body, same_origin)
    # Clear text: the wire needs only a socket, and streams would cost as much CPU as the rest of the exchange.
    sock, peer = await open_socket(run, url.host, url.port)
    wire = Wire(Socket(sock))
    try:
        return await _framed(cfg, run, wire, url, method, body, same_origin)
    except ConnectionResetError:
        if not wire.answered:
            await _tls_port(run, peer, url.host)
        raise
    finally:
        sock.close()


async def _framed(
    cfg: HttpCheck, run: ProbeRun, wire: Wire, url: Url, method: str, body: bytes | None, same_origin: bool
) -> Response:
    try:
        return await _request(cfg, run, wire, url, method, body, same_origin)
    except ProtocolViolation as exc:
        _not_valid_http(run, exc)


async def _tls_port(run: ProbeRun, peer: Address, host: str) -> None:
    """A clear-text request closed without a byte: if the port completes a TLS handshake, say so."""
    if await speaks_tls(run, peer, host):
        run.fail(
            Cause.PROTOCOL_MISMATCH,
            "the server closed the http:// request unanswered, and the port completes a TLS handshake",
            summary="The port speaks TLS: use https://.",
            rule="http_to_tls_port",
        )


def _not_valid_http(run: ProbeRun, exc: ProtocolViolation) -> NoReturn:
    if isinstance(exc, NotHttp):
        run.fail(
            Cause.PROTOCOL_MISMATCH,
            f"not an HTTP response: {exc}",
            summary="Another protocol answers on this port: wrong port, or http:// to a TLS port.",
            rule="http_protocol",
        )
    run.fail(
        Cause.APP_ERROR,
        f"not a valid HTTP/1.1 response: {exc}",
        summary="The server answers in HTTP, but broken (an oversized head or invalid framing).",
        rule="http_malformed",
    )


async def _request(
    cfg: HttpCheck, run: ProbeRun, wire: Wire, url: Url, method: str, body: bytes | None, same_origin: bool
) -> Response:
    headers = _request_headers(cfg, url, body, same_origin)
    with run.phase(Phase.FIRST_BYTE):
        await wire.send(method, url.target, headers, body)
        head = await wire.read_head()
    with run.phase(Phase.TRANSFER):
        data, truncated = await wire.read_body(head, cfg.max_body_bytes)
    reason = head.reason or _phrase(head.status)
    return Response(head.status, reason, head.http_version, head.headers, data, truncated)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request_headers(
    cfg: HttpCheck, url: Url, body: bytes | None, same_origin: bool
) -> list[tuple[str, str]]:
    headers = {"host": url.host_header, "user-agent": USER_AGENT, "accept": "*/*", "connection": "close"}
    auth = url.basic_auth()
    if auth is not None:
        headers["authorization"] = auth
    if body is not None:
        headers["content-length"] = str(len(body))
    if same_origin:  # configured headers carry API keys under any name: never to a host a redirect names
        headers.update((name.lower(), value) for name, value in cfg.headers.items())
    return list(headers.items())


def _record(cfg: HttpCheck, run: ProbeRun, r: Response) -> None:
    """Facts about the final response, recorded before it is judged so a failure keeps them."""
    run.fact(facts.STATUS, r.status)
    run.fact(facts.REASON, r.reason)
    run.fact(facts.HTTP_VERSION, r.http_version)
    run.fact(facts.HEADERS, {k: v[:300] for k, v in r.headers[:50] if k not in _SECRET_HEADERS})
    run.fact(facts.BODY_BYTES, len(r.body))
    run.fact(facts.BODY_TRUNCATED, r.truncated)
    if r.body:
        run.fact(facts.BODY_EXCERPT, _excerpt(r))
    if r.truncated:
        run.warn(f"response body exceeds max_body_bytes ({cfg.max_body_bytes}); stopped reading there")


def _excerpt(r: Response, size: int = 300) -> str:
    return mask_patterns(r.body[:size].decode("utf-8", "replace"))


def _to_classify(body: bytes) -> str:
    """What of a failing body is read for its cause: all of it up to BODY_TO_CLASSIFY, else its start and its
    end (from a line start), half each. A Python traceback's exception line is its last line and a Java one's
    its first, and a debug page can put tens of KiB of HTML before or after either."""
    if len(body) <= BODY_TO_CLASSIFY:
        return body.decode("utf-8", "replace")
    half = BODY_TO_CLASSIFY // 2
    tail = body[-half:]
    return (body[:half] + b"\n" + tail[tail.find(b"\n") + 1 :]).decode("utf-8", "replace")


def _gist(r: Response, size: int = 200) -> str:
    """One line for evidence: a traceback's exception line (wherever the traceback sits), else the start."""
    lines = [line for line in mask_patterns(_to_classify(r.body)).splitlines() if line.strip()]
    exception = _exception_line(lines)
    if exception is not None:
        return exception.strip()[:size]
    return " ".join(line.strip() for line in lines)[:size]


def _exception_line(lines: list[str]) -> str | None:
    """The first unindented line after a Python traceback's frames: `module.Error: message`."""
    start = next((i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")), None)
    if start is None:
        return None
    return next((line for line in lines[start + 1 :] if not line[0].isspace()), None)


def _judge(cfg: HttpCheck, run: ProbeRun, r: Response) -> None:
    status_ok = cfg.expect.status_ok(r.status)
    problems = ([] if status_ok else [f"HTTP {r.status} {r.reason}"]) + body_problems(cfg.expect, r)
    if not problems:
        return
    evidence = "; ".join(problems)
    _fail_from_health_body(run, r, evidence)
    if not status_ok:
        _fail_status(run, r, evidence)
    run.fail(Cause.APP_ERROR, f"{evidence}; body: {_gist(r)}", rule="http_expect_body")


def _fail_from_health_body(run: ProbeRun, r: Response, evidence: str) -> None:
    """The application's own health body knows the innermost cause better than its status does."""
    reported = reported_cause(r)
    if reported is not None:
        run.fact(facts.REPORTED_CAUSE, reported.cause.value)
        where = f" for {reported.where}" if reported.where else ""
        run.fail(
            reported.cause,
            f"{evidence}; health body reports {reported.cause.value}{where}: {reported.detail}".rstrip(": "),
            layer=reported.layer,
            rule="http_health_cause",
        )
    for output in health_outputs(r):
        from infraprobe.classifier import classify  # ~100 ms of rule tables: only for failing bodies

        diagnosis = classify(output)
        if diagnosis.cause is not Cause.UNKNOWN:
            run.fail(diagnosis.cause, f"{evidence}; health check output: {output}", rule="http_health_output")


def _fail_from_body(run: ProbeRun, r: Response, evidence: str) -> None:
    """An application's 5xx body read by the classifier, so `check` and `classify` agree on the same text.

    A 500 page carrying `sqlalchemy.exc.TimeoutError: QueuePool limit ... reached` is the pool running
    dry, not a generic application error.
    """
    from infraprobe.classifier import classify  # ~100 ms of rule tables: only for failing bodies

    diagnosis = classify(_to_classify(r.body))
    if diagnosis.cause in (Cause.UNKNOWN, Cause.APP_ERROR):
        return
    run.fail(
        diagnosis.cause,
        f"{evidence} from the application: {mask_patterns(diagnosis.evidence)[:300]}",
        layer=diagnosis.layer,
        rule=f"http_5xx_body:{diagnosis.rule}",
    )


def _fail_status(run: ProbeRun, r: Response, evidence: str) -> None:
    if r.status >= 500:
        match = proxy_signature(r)
        if match is not None:
            run.fact(facts.GENERATED_BY, match.proxy)
            run.fail(
                Cause.UPSTREAM_UNAVAILABLE,
                f"{evidence} written by {match.proxy}, not the application ({match.evidence})",
                rule=f"http_proxy_{match.proxy}",
            )
        _fail_from_body(run, r, evidence)
        run.fail(Cause.APP_ERROR, f"{evidence} from the application: {_gist(r)}", rule="http_5xx")
    if r.status in (401, 403, 407):
        run.fail(Cause.AUTH_FAILED, evidence, rule="http_auth")
    if r.status in (404, 410):
        run.fail(Cause.RESOURCE_MISSING, evidence, rule="http_not_found")
    if r.status in REDIRECTS:
        run.fail(
            Cause.UNKNOWN,
            f"{evidence} to {mask_patterns(r.header('location') or '?')}",
            layer=Layer.CONFIGURATION,
            summary="The URL redirects; point the check at the final URL or set follow_redirects.",
            rule="http_redirect",
        )
    layer = Layer.CONFIGURATION if 400 <= r.status < 500 else Layer.APPLICATION
    run.fail(Cause.APP_ERROR, evidence, layer=layer, rule="http_status")


SPEC = ProbeSpec(
    "http",
    HttpCheck,
    probe,
    Component.HTTP,
    "HTTP/1.1 request with phase timings; status, body and JSON checks; proxy 5xx told from app 5xx",
    prepare=lambda cfg, net: net.ssl.prepare(cfg.tls.options()) if cfg.url.startswith("https:") else None,
)

__all__ = ["SPEC", "HttpCheck", "HttpExpect", "Method", "TlsClient", "exchange", "probe"]
