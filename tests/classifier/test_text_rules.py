"""Text-rule mechanics on literals: chains, phases, layers, evidence, masking, over-firing, speed."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys

import pytest

from infraprobe.classifier import SIGNATURES, classify, classify_text
from infraprobe.classifier import text as text_rules
from infraprobe.classifier.literals import LiteralSet
from infraprobe.classifier.rules import RULES
from infraprobe.taxonomy import Cause, Component, Layer

from .corpus_loader import load


def test_every_rule_is_exercised_by_the_corpus() -> None:
    """Each rule in the table is the deciding rule for at least one corpus entry."""
    used = {classify_text(e.text, phase=e.phase).rule for e in load()}
    assert {r.id for r in RULES} - used == set()


def test_proxy_message_beats_the_error_it_embeds() -> None:
    """nginx's upstream message embedding 'Connection refused' is upstream_unavailable."""
    d = classify("connect() failed (111: Connection refused) while connecting to upstream")
    assert (d.cause, d.component) == (Cause.UPSTREAM_UNAVAILABLE, Component.HTTP)


@pytest.mark.parametrize(
    "text",
    [
        "ValueError: invalid connection string",  # configuration input, not go-sql-driver's ErrInvalidConn
        "invalid connection parameters: host is empty",
        "urllib3 Retry: too many 500 error responses",  # an application's 500s, not a gateway's
        "grpc: header list received from peer is too large",
    ],
)
def test_new_source_wordings_do_not_over_fire(text: str) -> None:
    """Wordings added from library sources stay specific: look-alike texts remain unknown."""
    assert classify_text(text).cause is Cause.UNKNOWN


@pytest.mark.parametrize(
    ("phase", "cause"),
    [
        (None, Cause.CONNECT_TIMEOUT),
        ("dns", Cause.DNS_FAILURE),
        ("connect", Cause.CONNECT_TIMEOUT),
        ("tls", Cause.READ_TIMEOUT),
        ("query", Cause.READ_TIMEOUT),
        ("first_byte", Cause.READ_TIMEOUT),
    ],
)
def test_generic_timeout_follows_the_phase(phase: str | None, cause: Cause) -> None:
    """A bare 'timed out' is resolved by the phase it happened in."""
    assert classify_text("TimeoutError: timed out", phase=phase).cause is cause


def test_explicit_read_timeout_ignores_the_phase() -> None:
    """Text that says 'Read timed out' stays a read timeout whatever the phase."""
    assert classify_text("Read timed out. (read timeout=5)", phase="connect").cause is Cause.READ_TIMEOUT


@pytest.mark.parametrize(
    ("phase", "cause"),
    [
        (None, Cause.TLS_HANDSHAKE_FAILED),
        ("tls", Cause.TLS_HANDSHAKE_FAILED),
        ("transfer", Cause.CONNECTION_RESET),
    ],
)
def test_ssl_eof_is_a_handshake_failure_until_the_handshake_is_done(phase: str | None, cause: Cause) -> None:
    """An SSL EOF during or before the handshake is tls_handshake_failed, after it connection_reset."""
    assert classify_text("ssl.SSLEOFError: EOF occurred in violation of protocol", phase=phase).cause is cause


def test_component_argument_is_used_when_the_text_names_none() -> None:
    """The caller's component is used when the text names no dependency."""
    d = classify_text("[Errno 111] Connection refused", component=Component.REDIS)
    assert d.component is Component.REDIS
    assert classify_text("[Errno 111] Connection refused").component is Component.TCP


def test_text_named_dependency_wins_over_the_argument() -> None:
    """A dependency named in the text (port 5432) wins over the caller's component."""
    d = classify_text("dial tcp 192.0.2.11:5432: connect: connection refused", component=Component.HTTP)
    assert d.component is Component.POSTGRES


@pytest.mark.parametrize(
    ("text", "layer"),
    [
        ("certificate is not valid for '127.0.0.1'", Layer.CONFIGURATION),
        ("Hostname mismatch, certificate is not valid for 'db.tunnel.ngrok.io'", Layer.CONFIGURATION),
        ("Hostname mismatch, certificate is not valid for 'orders'", Layer.CONFIGURATION),
        ("Hostname mismatch, certificate is not valid for 'orders.prod.example.com'", Layer.INFRASTRUCTURE),
    ],
)
def test_hostname_mismatch_layer_depends_on_the_requested_name(text: str, layer: Layer) -> None:
    """IPs, tunnels and bare aliases are configuration; a real DNS name is infrastructure."""
    d = classify_text(text)
    assert (d.cause, d.layer) == (Cause.TLS_HOSTNAME_MISMATCH, layer)


def test_evidence_masks_passwords_and_is_trimmed() -> None:
    """Evidence never shows a DSN password and is at most 300 characters."""
    text = (
        "x" * 400
        + " postgresql://app:hunter2secret@db:5432/app FATAL:  password authentication failed"
        + "y" * 400
    )
    d = classify_text(text)
    assert d.cause is Cause.AUTH_FAILED
    assert "hunter2secret" not in d.evidence
    assert len(d.evidence) <= 300


def test_unknown_evidence_is_masked_too() -> None:
    """Even an unclassified text has its credentials masked in the evidence."""
    d = classify_text("weird thing happened for redis://:topsecretpw@cache:6379/0")
    assert d.cause is Cause.UNKNOWN
    assert "topsecretpw" not in d.evidence


def test_json_escaped_traceback_is_unescaped() -> None:
    """A traceback quoted inside a JSON log record is read through its escapes."""
    text = '{"msg": "Traceback:\\n  File \\"/a.py\\", line 1\\nsocket.gaierror: [Errno -2] Name or service not known"}'
    assert classify_text(text).cause is Cause.DNS_FAILURE


def test_stack_frames_do_not_count_as_evidence() -> None:
    """Method names in Java frames ('createTimeoutException') do not make a timeout: the exception's class does."""
    text = "java.lang.IllegalStateException: boom\n\tat com.x.Pool.createTimeoutException(Pool.java:1)\n"
    assert classify_text(text).cause is Cause.APP_ERROR
    assert classify_text(text.replace("IllegalStateException", "RuntimeException")).cause is Cause.UNKNOWN


def test_literal_backends_agree_on_the_corpus() -> None:
    """The Hyperscan, the stdlib and the literal-by-literal matchers find the same needles in every corpus
    text; so does the default one, which switches from scanning to an automaton after its first texts."""
    pytest.importorskip("hyperscan")
    stdlib, fast = LiteralSet(SIGNATURES, backend="re"), LiteralSet(SIGNATURES, backend="hyperscan")
    scan, auto = LiteralSet(SIGNATURES, backend="scan"), LiteralSet(SIGNATURES)
    for entry in load():
        low = entry.text.lower()
        found = stdlib.found_in(low)
        assert found == fast.found_in(low) == scan.found_in(low) == auto.found_in(low), entry.where
        assert stdlib.any_in(low) == fast.any_in(low) == scan.any_in(low) == bool(found), entry.where
    assert type(auto._impl).__name__ == "_HyperscanBackend"  # it did switch, past its first texts


def test_excused_benign_line_does_not_hide_a_failure_after_it() -> None:
    """A rule's `unless` skips only the benign line; the same rule still fires on a later failing line."""
    benign = (
        "[warn] 29#29: *1 an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/01"
        " while reading upstream"
    )
    assert classify_text(benign).cause is Cause.UNKNOWN
    failing = "[error] 29#29: *2 upstream timed out (110: Connection timed out) while reading upstream"
    assert classify_text(benign + "\n" + failing).cause is Cause.UPSTREAM_UNAVAILABLE
    assert (
        classify_text("[Warning] [MY-010068] [Server] CA certificate ca.pem is self signed.").cause
        is Cause.UNKNOWN
    )
    assert (
        classify_text("SSL certificate problem: self signed certificate").cause
        is Cause.TLS_UNTRUSTED_CERTIFICATE
    )


@pytest.mark.parametrize(
    "text",
    [
        "1:M 01 Jan 2024 10:00:00.000 * 10 changes in 300 seconds. Saving...",
        'http 2024-01-01T10:00:00Z app/my-alb/1 1.2.3.4:1 192.0.2.11:80 0.000 0.001 0.000 503 503 1 2 "GET / HTTP/1.1"',
        "LOG:  memory limit settings loaded",
        'statusDetails: "response_sent_by_backend"',
    ],
)
def test_round5_server_wordings_do_not_over_fire(text: str) -> None:
    """Server-log and load-balancer families added in round 5 leave look-alike normal lines unknown."""
    assert classify_text(text).cause is Cause.UNKNOWN


def _traceback(frames: int, final: str) -> str:
    lines = ["Traceback (most recent call last):"]
    for i in range(frames):
        lines.append(
            f'  File "/usr/local/lib/python3.11/site-packages/app/mod{i}.py", line {i + 10}, in call{i}'
        )
        lines.append(f"    return self.connect(timeout=self.socket_connect_timeout)  # frame {i}")
    return "\n".join([*lines, final])


def _long_chain() -> str:
    """A 60-line requests/urllib3 traceback: refused socket -> NewConnectionError -> MaxRetryError -> wrapper."""
    cause = "\n\nThe above exception was the direct cause of the following exception:\n\n"
    during = "\n\nDuring handling of the above exception, another exception occurred:\n\n"
    reason = (
        "HTTPConnectionPool(host='api', port=8080): Max retries exceeded with url: /v1 (Caused by"
        " NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new"
        " connection: [Errno 111] Connection refused'))"
    )
    return (
        _traceback(5, "ConnectionRefusedError: [Errno 111] Connection refused")
        + cause
        + _traceback(4, "urllib3.exceptions.NewConnectionError: Failed to establish a new connection")
        + cause
        + _traceback(6, f"urllib3.exceptions.MaxRetryError: {reason}")
        + during
        + _traceback(5, f"requests.exceptions.ConnectionError: {reason}")
        + during
        + _traceback(1, "RuntimeError: startup failed")
    )


def test_long_traceback_is_classified_by_its_innermost_cause() -> None:
    """A 60-line chained traceback is read down to the refused connect at its root.

    Its speed (under a millisecond) is a benchmark figure, not a timed test: bench/bench_classify.py."""
    text = _long_chain()
    assert 55 <= text.count("\n") <= 65
    assert classify_text(text).cause is Cause.CONNECTION_REFUSED


def test_frame_continuation_lines_are_not_read_as_errors() -> None:
    """3.11+ tracebacks spread a call over several indented lines; none of them is an error message."""
    text = (
        "Traceback (most recent call last):\n"
        '  File "/app/redis/connection.py", line 977, in <lambda>\n'
        "    lambda: self.connect_check_health(\n"
        "            ~~~~~~~~~~~~~~~~~~~~~~~~~^\n"
        "        socket_connect_timeout=5, error='connection refused',\n"
        "        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "    ),\n"
        "KeyError: 'ord_123'\n"
    )
    assert classify_text(text).cause is Cause.APP_ERROR  # the KeyError, not the call's "connection refused"


def test_exception_group_sub_exception_is_classified() -> None:
    """anyio/TaskGroup's `|`-railed sub-exception is read; its frames are blanked like any other."""
    text = (
        "  + Exception Group Traceback (most recent call last):\n"
        '  |   File "/app/anyio/_backends/_asyncio.py", line 763, in __aexit__\n'
        "  |     raise BaseExceptionGroup(  # timed out waiting\n"
        "  | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)\n"
        "  +-+---------------- 1 ----------------\n"
        "    | Traceback (most recent call last):\n"
        '    |   File "/app/cache.py", line 9, in get\n'
        "    |     return await r.get(key, timeout=1)\n"
        "    | redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.\n"
        "    +------------------------------------\n"
    )
    d = classify_text(text)
    assert (d.cause, d.component) == (Cause.CONNECTION_REFUSED, Component.REDIS)


def test_doubly_escaped_json_log_is_unescaped_to_its_chain() -> None:
    """A JSON log inside Docker's JSON log line: the traceback's newlines are escaped twice."""
    inner = (
        "Traceback (most recent call last):\n"
        '  File "/app/redis/connection.py", line 730, in _connect\n'
        "    for res in socket.getaddrinfo(self.host, self.port):\n"
        "ConnectionRefusedError: [Errno 111] Connection refused\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused."
    )
    line = json.dumps({"log": json.dumps({"level": "error", "exc_info": inner}) + "\n", "stream": "stderr"})
    assert "\\\\n" in line
    d = classify_text(line)
    assert (d.cause, d.component) == (Cause.CONNECTION_REFUSED, Component.REDIS)


def test_fast_unescape_matches_the_escape_regex() -> None:
    """The str.replace fast path of JSON unescaping equals the regex path on every short escape mix."""
    alphabet = ["\\", "n", "t", "r", '"', "'", "/", "a", " "]
    for text in ("".join(p) for size in range(6) for p in itertools.product(alphabet, repeat=size)):
        assert text_rules._unescape(text) == text_rules._ESCAPE.sub(_slow_unescape_one, text), repr(text)


def _slow_unescape_one(m: re.Match[str]) -> str:
    return chr(int(m.group(1), 16)) if m.group(1) else text_rules._ESCAPES.get(m.group(2), m.group(2))


def test_python_zero_division_is_not_a_postgres_error() -> None:
    """Python's ZeroDivisionError shares PostgreSQL's wording `division by zero` but names no database."""
    py = classify_text("ZeroDivisionError: division by zero")
    assert (py.cause, py.component) == (Cause.APP_ERROR, Component.OTHER)
    pg = classify_text("ERROR:  division by zero")
    assert (pg.cause, pg.component) == (Cause.APP_ERROR, Component.POSTGRES)


def test_gateway_status_in_a_websocket_handshake_is_the_websocket() -> None:
    """An HTTP wording met while opening a WebSocket belongs to the WebSocket dependency."""
    d = classify_text(
        "WebSocketBadStatusException: Handshake status 502 Bad Gateway (wss://stream.example.com)"
    )
    assert (d.cause, d.component) == (Cause.UPSTREAM_UNAVAILABLE, Component.WEBSOCKET)


def test_every_rule_pattern_compiles() -> None:
    """Patterns compile lazily (start-up pays for none), so a broken one must still fail here, in CI."""
    import re

    from infraprobe.classifier.rules import RULES

    for r in RULES:
        assert isinstance(re.compile(r.source), re.Pattern), r.id
        if r.unless_source is not None:
            re.compile(r.unless_source)


def test_one_text_needs_neither_the_exception_tables_nor_an_automaton() -> None:
    """Start-up of a one-off `classify`: a text is matched without importing the live-exception tables or
    building the literal automaton (which a log scan, with many texts, does build)."""
    code = (
        "import sys; from infraprobe.classifier import classify, text; "
        "assert classify('connection refused').cause.value == 'connection_refused'; "
        "print('infraprobe.classifier.exceptions' in sys.modules, type(text._LITERALS._impl).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "_ScanBackend"]
