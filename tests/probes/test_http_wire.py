"""The http probe's own HTTP/1.1 reader against a raw-socket server on loopback that answers with exact bytes:
every kind of broken response gets its own located message and the right cause; every tolerated form reads."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from infraprobe.configfile import parse_config
from infraprobe.errors import ConfigErrors
from infraprobe.probes.http import HttpCheck, Method
from infraprobe.probes.wire.http1 import request_head
from infraprobe.probes.wire.http1_parse import ProtocolViolation, parse_head
from infraprobe.result import CheckResult, Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause
from infraprobe.testing.netfaults import TcpServer
from tests.probes.helpers import assert_failed, fact_dict

OK_HEAD = b"HTTP/1.1 200 OK\r\n"


def raw_server(reply: bytes, *, hold: bool = False) -> TcpServer:
    """Reads the request's head, writes `reply` as is, then closes (or, with `hold`, waits for the client)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.write(reply)
        await writer.drain()
        if hold:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.read(), 5)

    return TcpServer(handler)


async def probe_raw(
    runner: Runner, reply: bytes, *, method: Method = "GET", hold: bool = False
) -> CheckResult:
    async with raw_server(reply, hold=hold) as server:
        url = f"http://127.0.0.1:{server.port}/"
        return await runner.check(HttpCheck(name="raw", url=url, method=method, timeout=3))


def evidence(result: CheckResult) -> str:
    assert result.diagnosis is not None, result.message
    return result.diagnosis.evidence


MALFORMED = {
    "bad status line": (
        b"HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n",
        "first_byte",
        "bad status line 'HTTP/1.1 OK'",
    ),
    "status code out of range": (
        b"HTTP/1.1 099 Low\r\n\r\n",
        "first_byte",
        "bad status line 'HTTP/1.1 099 Low'",
    ),
    "header without colon": (
        OK_HEAD + b"Content-Length: 0\r\nX-Broken\r\n\r\n",
        "first_byte",
        "response head line 3: header field without a colon: 'X-Broken'",
    ),
    "obs-fold with nothing to continue": (
        OK_HEAD + b" folded\r\nContent-Length: 0\r\n\r\n",
        "first_byte",
        "response head line 2: a continuation line (obs-fold) with no header field above it",
    ),
    "space before the colon": (
        OK_HEAD + b"Content-Length : 0\r\n\r\n",
        "first_byte",
        "response head line 2: whitespace between the field name 'Content-Length' and its colon",
    ),
    "field name not a token": (
        OK_HEAD + b"X(a): 1\r\n\r\n",
        "first_byte",
        "response head line 2: field name 'X(a)' is not a token",
    ),
    "control character in a value": (
        OK_HEAD + b"X-A: a\x0bb\r\n\r\n",
        "first_byte",
        "response head line 2: the value of 'x-a' has a control character (\\x0b)",
    ),
    "conflicting Content-Length": (
        OK_HEAD + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        "transfer",
        "conflicting Content-Length headers: 2, 3",
    ),
    "bad Content-Length": (OK_HEAD + b"Content-Length: -1\r\n\r\n", "transfer", "bad Content-Length '-1'"),
    "unsupported Transfer-Encoding": (
        OK_HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n",
        "transfer",
        "Transfer-Encoding 'gzip, chunked': only chunked is understood",
    ),
    "bad chunk size": (
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n",
        "transfer",
        "chunk 2: bad chunk size line b'zz'",
    ),
    "chunk data without its CRLF": (
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n",
        "transfer",
        "chunk 1: its 2 data bytes are not followed by CRLF",
    ),
    "bad trailer field": (
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nno colon here\r\n\r\n",
        "transfer",
        "trailer line 1: header field without a colon: 'no colon here'",
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
async def test_a_malformed_response_is_app_error_saying_where(runner: Runner, name: str) -> None:
    """Each broken form fails as http_malformed (the server speaks HTTP, badly) in the phase that read it,
    and the evidence names the line, chunk or header at fault."""
    reply, phase, where = MALFORMED[name]
    result = await probe_raw(runner, reply)
    assert_failed(result, Cause.APP_ERROR, phase=phase)
    assert result.diagnosis is not None and result.diagnosis.rule == "http_malformed"
    assert f"not a valid HTTP/1.1 response: {where}" in evidence(result)


async def test_an_oversized_head_is_refused_before_it_ends(runner: Runner) -> None:
    """A head that never ends is refused once it passes 64 KiB: the probe neither buffers on nor waits."""
    result = await probe_raw(runner, OK_HEAD + b"X-Filler: " + b"y" * 70_000, hold=True)
    assert_failed(result, Cause.APP_ERROR, phase="first_byte")
    assert "response head larger than 65536 bytes" in evidence(result)


NOT_HTTP = {
    "a Redis answer": b"-ERR unknown command 'GET'\r\n",
    "an SSH banner": b"SSH-2.0-OpenSSH_9.6\r\n",
    "HTTP/0.9 (a bare body)": b"<html>hello</html>\n",
}


@pytest.mark.parametrize("name", NOT_HTTP)
async def test_bytes_that_are_not_http_are_a_protocol_mismatch(runner: Runner, name: str) -> None:
    """No status line at all (another protocol, or HTTP/0.9's bare body): protocol_mismatch, quoting the bytes."""
    reply = NOT_HTTP[name]
    result = await probe_raw(runner, reply, hold=True)
    assert_failed(result, Cause.PROTOCOL_MISMATCH, phase="first_byte")
    assert result.diagnosis is not None and result.diagnosis.rule == "http_protocol"
    assert f"not an HTTP/1.x status line: {reply[:32]!r}" in evidence(result)


CUT_SHORT = {
    "in the head": (OK_HEAD + b"Content-Length: 5\r\n", "first_byte", "in the response head"),
    "a Content-Length body": (
        OK_HEAD + b"Content-Length: 10\r\n\r\nabc",
        "transfer",
        "in the middle of the response body (3 of 10 bytes)",
    ),
    "a chunk": (
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nab",
        "transfer",
        "in the middle of chunk 1 (2 of its 5 bytes)",
    ),
    "before the last chunk": (
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n",
        "transfer",
        "in the middle of the chunked response body (chunk 2's size line)",
    ),
}


@pytest.mark.parametrize("name", CUT_SHORT)
async def test_a_response_cut_short_is_connection_reset_saying_where(runner: Runner, name: str) -> None:
    """The server hung up part-way: connection_reset (as http.client's RemoteDisconnected), with where and
    how much had arrived."""
    reply, phase, where = CUT_SHORT[name]
    result = await probe_raw(runner, reply)
    assert_failed(result, Cause.CONNECTION_RESET, phase=phase)
    assert f"server closed the connection {where}" in result.message


TOLERATED = {
    "chunked, with an extension and a trailer": (
        OK_HEAD + b"Transfer-Encoding: Chunked\r\n\r\n2;name=x\r\nok\r\n3 \r\n!!!\r\n0\r\nX-Sum: 5\r\n\r\n",
        b"ok!!!",
    ),
    "read until close": (OK_HEAD + b"Connection: close\r\n\r\nuntil close", b"until close"),
    "interim 100 and 103 skipped": (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        + OK_HEAD
        + b"Content-Length: 2\r\n\r\nok",
        b"ok",
    ),
    "bare LF line ends": (b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", b"ok"),
    "Content-Length repeated with one value": (OK_HEAD + b"Content-Length: 2, 2\r\n\r\nok", b"ok"),
    "bytes after the body ignored": (OK_HEAD + b"Content-Length: 2\r\n\r\nokEXTRA", b"ok"),
}


@pytest.mark.parametrize("name", TOLERATED)
async def test_tolerated_forms_read_the_whole_body(runner: Runner, name: str) -> None:
    """What RFC 9112 lets a client accept is read, body and all."""
    reply, body = TOLERATED[name]
    result = await probe_raw(runner, reply)
    assert result.status is Status.OK, (result.message, result.diagnosis)
    assert result.facts["body_bytes"] == len(body)
    assert result.facts["body_excerpt"] == body.decode()


async def test_obs_fold_is_unfolded_into_one_space(runner: Runner) -> None:
    """A folded field value is one value, its fold a single space (RFC 9112 §5.2, what a user agent does)."""
    result = await probe_raw(runner, OK_HEAD + b"X-Long: one \r\n\t two\r\nContent-Length: 0\r\n\r\n")
    assert result.status is Status.OK, result.message
    assert fact_dict(result, "headers")["x-long"] == "one two"


async def test_a_missing_reason_phrase_takes_the_standard_one(runner: Runner) -> None:
    """`HTTP/1.1 204` with no reason: the reason shown is the standard phrase; 204 has no body to read."""
    result = await probe_raw(runner, b"HTTP/1.1 204\r\n\r\n", hold=True)
    assert result.status is Status.OK, result.message
    assert (result.facts["reason"], result.facts["body_bytes"]) == ("No Content", 0)


async def test_head_reads_no_body_whatever_content_length_says(runner: Runner) -> None:
    """A HEAD response announces the GET's length but carries no body: the probe does not wait for one."""
    result = await probe_raw(runner, OK_HEAD + b"Content-Length: 1000\r\n\r\n", method="HEAD", hold=True)
    assert result.status is Status.OK, result.message
    assert result.facts["body_bytes"] == 0


async def test_a_chunked_body_stops_at_the_cap(runner: Runner) -> None:
    """A chunked body longer than max_body_bytes is read up to the cap and marked truncated."""
    reply = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"400\r\n" + b"x" * 1024 + b"\r\n"
    async with raw_server(reply, hold=True) as server:
        check = HttpCheck(name="raw", url=f"http://127.0.0.1:{server.port}/", max_body_bytes=100, timeout=3)
        result = await runner.check(check)
    assert result.status is Status.WARN, result.message
    assert (result.facts["body_bytes"], result.facts["body_truncated"]) == (100, True)


def test_the_request_is_refused_rather_than_sent_broken() -> None:
    """A header value with a line break, a bad header name, or a target with a space never reach the wire."""
    with pytest.raises(ValueError, match="request header 'x-a' has a character"):
        request_head("GET", "/", (("x-a", "one\r\ntwo"),))
    with pytest.raises(ValueError, match="request header 'x a' has a character"):
        request_head("GET", "/", (("x a", "1"),))
    with pytest.raises(ValueError, match="request target '/a b' has a space"):
        request_head("GET", "/a b", ())
    assert request_head("GET", "/?q=1", (("host", "h"),)) == b"GET /?q=1 HTTP/1.1\r\nhost: h\r\n\r\n"


def test_parse_head_keeps_order_case_and_duplicates() -> None:
    """Names are lower-cased, values kept as sent (outer whitespace dropped), repeats kept in order."""
    head = parse_head(b"HTTP/1.0 503 Service Unavailable\r\nSet-Cookie: a=1\r\nSET-COOKIE:b=2 \r\n\r\n")
    assert (head.status, head.reason, head.http_version) == (503, "Service Unavailable", "1.0")
    assert head.headers == (("set-cookie", "a=1"), ("set-cookie", "b=2"))
    with pytest.raises(ProtocolViolation, match="bad status line"):
        parse_head(b"HTTP/1.1 2000 OK\r\n\r\n")


def test_a_header_that_would_break_the_request_is_a_config_error() -> None:
    """Checked when the config loads: one line naming file, line and header, never the value (a key)."""
    text = (
        "components:\n  - name: h\n    kind: http\n    url: http://127.0.0.1/\n"
        '    headers: {X-Key: "canary-secret\\r\\nX-Injected: 1"}\n'
    )
    with pytest.raises(ConfigErrors) as caught:
        parse_config(text, "c.yaml", {})
    (line,) = caught.value.lines()
    assert (
        "c.yaml:5:" in line
        and "header 'X-Key' cannot be sent: a header name must be a token, its value one line of text" in line
    )
    assert "canary-secret" not in line
