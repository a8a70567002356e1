"""HTTP/1.1 response heads and body framing, without I/O: the strict half of `http1`.

A probe sends one request with `Connection: close` and reads one response, so this is all a client needs of
RFC 9112: the status line, header fields, and which of Content-Length, chunked or read-until-close frames the
body. It replaces h11 for the probe (h11 cost about as much CPU as the rest of the exchange) and keeps h11's
tolerance where the RFC asks a client for it: bare LF line ends, a missing reason phrase, obs-fold unfolded
into one space (RFC 9112 §5.2). Everything else malformed is refused with a message that says where.

The head is decoded as latin-1 once, so every check below runs on `str` with one byte per character.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import NamedTuple

MAX_LINE_PREVIEW = 80  # how much of an offending line an error quotes
_OWS = " \t"


class ProtocolViolation(Exception):
    """The peer's bytes are not valid HTTP/1.1 (not an HTTP port, oversize head, broken framing)."""


class NotHttp(ProtocolViolation):
    """The peer's first bytes are not HTTP at all: another protocol answers on the port."""


_TOKEN = r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
# Field content as RFC 9110 §5.5 (and h11) has it: no NUL, CR, LF, VT or FF; inner spaces and tabs kept.
_VCHAR = r"[^\x00\t\n\x0b\x0c\r ]"
_FIELD_SYNTAX = rf"({_TOKEN}):[ \t]*((?:{_VCHAR}+(?:[ \t]+{_VCHAR}+)*)?)[ \t]*"
_FIELD = re.compile(_FIELD_SYNTAX)
_FIELD_LINE = re.compile(rf"^{_FIELD_SYNTAX}\r?\n", re.MULTILINE)
_HEADER_NAME = re.compile(_TOKEN)
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")  # latin-1 text without control characters
_STATUS = re.compile(r"HTTP/([0-9]\.[0-9]) ([1-9][0-9]{2})(?: ([^\x00\n\x0b\x0c\r]*))?")
_CHUNK_SIZE = re.compile(r"([0-9A-Fa-f]{1,16})(?:;[^\r\n]*)?[ \t]*")
_CONTROL = re.compile(r"[\x00\n\x0b\x0c\r]")
BLANK_LINE = re.compile(rb"\n\r?\n")


class Head(NamedTuple):  # a tuple: built on every probe, and a frozen dataclass costs four times as much
    """A response's status line and header fields (names lower-cased, in the order received)."""

    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]


class Framing(Enum):
    LENGTH = "content-length"
    CHUNKED = "chunked"
    UNTIL_CLOSE = "read until close"


def check_start(first: bytes) -> None:
    """A response starts with `HTTP/`; a service that is not HTTP (SSH, Redis, a TLS alert, an HTTP/0.9
    body) would never complete a head, so its first bytes are judged as soon as they arrive."""
    if not b"HTTP/".startswith(first[:5]):
        raise NotHttp(f"the server's first bytes are not an HTTP/1.x status line: {first[:32]!r}")


def parse_head(raw: bytes) -> Head:
    """One head, up to and including its blank line (as `BLANK_LINE` found it)."""
    text = raw.decode("latin-1")
    end = text.index("\n")
    status = _STATUS.fullmatch(text, 0, end - 1 if text[end - 1 : end] == "\r" else end)
    if status is None:
        line = text[:end].rstrip("\r")
        raise ProtocolViolation(f"bad status line {_preview(line)} (expected like 'HTTP/1.1 200 OK')")
    fields = text[end + 1 :]
    pairs = _FIELD_LINE.findall(fields)
    # Each match is one whole line (anchored at its start, no newline inside), so as many matches as lines
    # means every line is a plain field: the common case, checked in one pass.
    if len(pairs) == fields.count("\n") - 1:
        headers = tuple([(name.lower(), value) for name, value in pairs])
    else:
        headers = _checked_fields(text)
    version, code, reason = status.groups()
    return Head(int(code), reason or "", version, headers)


def _checked_fields(text: str) -> tuple[tuple[str, str], ...]:
    """Line by line: obs-fold unfolded, and the first bad line named."""
    lines = text.replace("\r\n", "\n").split("\n")[:-2]
    return tuple(_field(number, line) for number, line in _unfold(lines))


def _field(number: int, line: str) -> tuple[str, str]:
    match = _FIELD.fullmatch(line)
    if match is None:
        raise ProtocolViolation(f"response head line {number}: {_field_problem(line)}")
    return match[1].lower(), match[2]


def _field_problem(line: str) -> str:
    """Why a line is not `name: value`, for the one case that failed (never on the fast path)."""
    name, colon, value = line.partition(":")
    if not colon:
        return f"header field without a colon: {_preview(line)}"
    if name != name.rstrip(_OWS):
        return f"whitespace between the field name {name.strip()!r} and its colon (RFC 9112 §5.1)"
    if re.fullmatch(_TOKEN, name) is None:
        return f"field name {_preview(name)} is not a token"
    control = _CONTROL.search(value)
    code = f"\\x{ord(control[0]):02x}" if control else "?"
    return f"the value of {name.lower()!r} has a control character ({code})"


def _unfold(lines: list[str]) -> list[tuple[int, str]]:
    """obs-fold: a line starting with a space or tab continues the field above it (RFC 9112 §5.2 tells a
    user agent to replace the fold with a space); one at the very top has no field to continue."""
    fields: list[tuple[int, str]] = []
    for number, line in enumerate(lines[1:], 2):
        if line[:1] not in _OWS or not line:
            fields.append((number, line))
        elif not fields:
            raise ProtocolViolation(
                f"response head line {number}: a continuation line (obs-fold) with no header field above it"
            )
        else:
            start, above = fields[-1]
            fields[-1] = (start, f"{above.rstrip(_OWS)} {line.strip(_OWS)}")
    return fields


def framing(head: Head, method: str) -> tuple[Framing, int]:
    """How the body of this response ends (RFC 9112 §6.3): (framing, length for LENGTH)."""
    if head.status in (204, 304) or method == "HEAD":
        return Framing.LENGTH, 0
    encodings: list[str] = []
    lengths: list[str] = []
    for name, value in head.headers:
        if name == "content-length":
            lengths += value.split(",")
        elif name == "transfer-encoding":
            encodings.append(value)
    if encodings:  # it overrides Content-Length
        if [c.strip().lower() for v in encodings for c in v.split(",")] != ["chunked"]:
            raise ProtocolViolation(f"Transfer-Encoding {', '.join(encodings)!r}: only chunked is understood")
        return Framing.CHUNKED, 0
    if not lengths:
        return Framing.UNTIL_CLOSE, 0
    return Framing.LENGTH, _content_length({n.strip() for n in lengths})


def _content_length(values: set[str]) -> int:
    if len(values) > 1:
        raise ProtocolViolation(f"conflicting Content-Length headers: {', '.join(sorted(values))}")
    (length,) = values
    if not (length.isascii() and length.isdigit()) or len(length) > 18:
        raise ProtocolViolation(f"bad Content-Length {_preview(length)}")
    return int(length)


def chunk_size(line: bytes, chunk: int) -> int:
    """The size on a chunk's first line (extensions ignored); `chunk` counts from 1, for the message."""
    match = _CHUNK_SIZE.fullmatch(line.decode("latin-1"))
    if match is None:
        raise ProtocolViolation(f"chunk {chunk}: bad chunk size line {_preview(line)}")
    return int(match[1], 16)


def trailer_field(number: int, line: bytes) -> None:
    """A trailer field after the last chunk: checked like a header field, then dropped."""
    if _FIELD.fullmatch(line.decode("latin-1")) is None:
        raise ProtocolViolation(f"trailer line {number}: {_field_problem(line.decode('latin-1'))}")


def _preview(text: str | bytes) -> str:
    return repr(text[:MAX_LINE_PREVIEW]) + ("..." if len(text) > MAX_LINE_PREVIEW else "")


def header_allowed(name: str, value: str) -> bool:
    """A token for a name; a value of latin-1 text without control characters (no line break to inject).
    Here, without I/O, because the http kind's config model checks its headers with it (and a model is
    imported without its probe: start-up of `config validate`)."""
    return _HEADER_NAME.fullmatch(name) is not None and _FIELD_VALUE.fullmatch(value) is not None
