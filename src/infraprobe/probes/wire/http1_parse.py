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
from dataclasses import dataclass
from enum import Enum

MAX_LINE_PREVIEW = 80  # how much of an offending line an error quotes
_OWS = " \t"


class ProtocolViolation(Exception):
    """The peer's bytes are not valid HTTP/1.1 (not an HTTP port, oversize head, broken framing)."""


class NotHttp(ProtocolViolation):
    """The peer's first bytes are not HTTP at all: another protocol answers on the port."""


_TOKEN = r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
# Field content as RFC 9110 §5.5 (and h11) has it: no NUL, CR, LF, VT or FF; inner spaces and tabs kept.
_VCHAR = r"[^\x00\t\n\x0b\x0c\r ]"
_FIELD = re.compile(rf"({_TOKEN}):[ \t]*((?:{_VCHAR}+(?:[ \t]+{_VCHAR}+)*)?)[ \t]*")
_STATUS = re.compile(r"HTTP/([0-9]\.[0-9]) ([1-9][0-9]{2})(?: ([^\x00\n\x0b\x0c\r]*))?")
_CHUNK_SIZE = re.compile(r"([0-9A-Fa-f]{1,16})(?:;[^\r\n]*)?[ \t]*")
_CONTROL = re.compile(r"[\x00\n\x0b\x0c\r]")
BLANK_LINE = re.compile(rb"\n\r?\n")


@dataclass(frozen=True, slots=True)
class Head:
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
    lines = text.replace("\r\n", "\n").split("\n")[:-2]
    status = _STATUS.fullmatch(lines[0])
    if status is None:
        raise ProtocolViolation(f"bad status line {_preview(lines[0])} (expected like 'HTTP/1.1 200 OK')")
    folded = "\n " in text or "\n\t" in text
    fields = _unfold(lines) if folded else list(enumerate(lines[1:], 2))
    headers = tuple(_field(number, line) for number, line in fields)
    version, code, reason = status.groups()
    return Head(int(code), reason or "", version, headers)


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
    encodings = [v for k, v in head.headers if k == "transfer-encoding"]
    if encodings:  # it overrides Content-Length
        if [c.strip().lower() for v in encodings for c in v.split(",")] != ["chunked"]:
            raise ProtocolViolation(f"Transfer-Encoding {', '.join(encodings)!r}: only chunked is understood")
        return Framing.CHUNKED, 0
    lengths = {n.strip() for k, v in head.headers if k == "content-length" for n in v.split(",")}
    if not lengths:
        return Framing.UNTIL_CLOSE, 0
    if len(lengths) > 1:
        raise ProtocolViolation(f"conflicting Content-Length headers: {', '.join(sorted(lengths))}")
    length = lengths.pop()
    if not (length.isascii() and length.isdigit()) or len(length) > 18:
        raise ProtocolViolation(f"bad Content-Length {_preview(length)}")
    return Framing.LENGTH, int(length)


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
