"""The RESP2 parser and encoder on byte literals: every reply type, partial input, and every bound."""

from __future__ import annotations

import pytest

from infraprobe.probes.wire.resp import (
    INCOMPLETE,
    NotResp,
    RedisReplyError,
    RespParser,
    RespProtocolError,
    encode,
    info_fields,
)


def parse(data: bytes, **bounds: int) -> object:
    parser = RespParser(**bounds)
    parser.feed(data)
    return parser.next()


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (b"+PONG\r\n", "PONG"),
        (b":42\r\n", 42),
        (b":-1\r\n", -1),
        (b"$5\r\nhello\r\n", b"hello"),
        (b"$0\r\n\r\n", b""),
        (b"$-1\r\n", None),
        (b"*-1\r\n", None),
        (b"*0\r\n", []),
        (b"*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n", [b"maxclients", b"10000"]),
        (b"*2\r\n*1\r\n:1\r\n+OK\r\n", [[1], "OK"]),
        (b"$4\r\na\r\nb\r\n", b"a\r\nb"),  # bulk strings are binary-safe: CRLF inside is data
    ],
)
def test_reply_types(wire: bytes, expected: object) -> None:
    """Simple strings, integers, bulk and nil bulk, arrays (nested, nil, empty) decode to Python values."""
    assert parse(wire) == expected


def test_error_reply_keeps_the_server_text() -> None:
    """An error reply becomes RedisReplyError whose text is exactly the server's, with its code as prefix."""
    reply = parse(b"-NOAUTH Authentication required.\r\n")
    assert isinstance(reply, RedisReplyError)
    assert str(reply) == "NOAUTH Authentication required."
    assert reply.prefix == "NOAUTH"


def test_byte_by_byte_and_pipelined_input() -> None:
    """Replies split anywhere parse once complete; several in one read come out one by one, in order."""
    wire = b"+PONG\r\n$11\r\nhello world\r\n*2\r\n:1\r\n:2\r\n"
    parser = RespParser()
    replies = []
    for byte in wire:
        parser.feed(bytes([byte]))
        while (reply := parser.next()) is not INCOMPLETE:
            replies.append(reply)
    assert replies == ["PONG", b"hello world", [1, 2]]
    assert parser.next() is INCOMPLETE


@pytest.mark.parametrize(
    ("wire", "bounds", "message"),
    [
        (b"$100\r\n", {"max_bulk": 10}, "exceeds the 10-byte bound"),
        (b"*5000\r\n", {"max_items": 10}, "exceeds the bounds"),
        (b"*1\r\n" * 9 + b":1\r\n", {}, "depth 8"),
        (b"+" + b"x" * 70_000, {}, "longer than 64 KiB"),
        (b"!oops\r\n", {}, "not a RESP2 reply"),
        (b":12a\r\n", {}, "expected an integer"),
        (b"$3\r\nabcde\r\n", {}, "not terminated by CRLF"),
    ],
)
def test_bounds_and_garbage_are_protocol_errors(wire: bytes, bounds: dict[str, int], message: str) -> None:
    """Oversized, too deep or malformed input raises RespProtocolError instead of buffering on."""
    with pytest.raises(RespProtocolError, match=message):
        parse(wire, **bounds)


@pytest.mark.parametrize("wire", [b"d\x00\x00\x00\n5.5.5-10.11", b"HTTP/1.1 400", b"\x15\x03\x03\x00\x02"])
def test_another_protocols_first_byte_is_not_resp_at_once(wire: bytes) -> None:
    """A MySQL greeting, an HTTP status line, a TLS alert: refused from the first byte, before any CRLF."""
    with pytest.raises(NotResp, match="not a RESP2 reply"):
        parse(wire)


def test_a_bad_type_byte_inside_an_array_is_malformed_not_another_protocol() -> None:
    with pytest.raises(RespProtocolError) as caught:
        parse(b"*1\r\n!x\r\n")
    assert not isinstance(caught.value, NotResp)


def test_encode_is_an_array_of_bulk_strings() -> None:
    """Commands go out as RESP arrays of bulk strings; numbers and bytes are encoded as text and raw."""
    assert encode("SET", "k", b"\x00v", 10) == b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\x00v\r\n$2\r\n10\r\n"


def test_info_fields_picks_named_keys() -> None:
    """Named INFO fields come out whole (values keep colons); absent keys and look-alike keys are not matched."""
    info = b"# Server\r\nredis_version:7.0.15\r\n\r\n# Replication\r\nrole:slave\r\nmaster_host:::1"
    keys = ("redis_version", "role", "master_host", "version", "maxclients")
    assert info_fields(info, keys) == {"redis_version": "7.0.15", "role": "slave", "master_host": "::1"}
