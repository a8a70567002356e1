"""Inputs as a stream of byte blocks: files, stdin or binary streams; gzip; JSON documents.

Compression and layout are recognised from the first bytes, not the file name, so `kubectl logs | gzip`
piped to stdin works. A JSON array (`gcloud logging read --format=json`) or an object holding one
(`aws logs filter-log-events`: `{"events": [...]}`) is streamed element by element and re-emitted as JSON
lines, so everything downstream reads lines. Memory stays bounded: blocks are fixed-size, a gzip member is
inflated in block-sized steps (a gzip bomb is just a long log), and one JSON element may not exceed
`MAX_RECORD`. A stream that ends early or is corrupt ends the source with `error` set, never the scan.
"""

from __future__ import annotations

import codecs
import io
import itertools
import json
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, cast

from infraprobe.inputs import open_input

CHUNK = 4 * 1024 * 1024
MAX_RECORD = 8 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# Where exporters put the array of records inside a JSON object (CloudWatch, Cloud Logging API, CloudTrail).
ARRAY_KEYS = ("events", "entries", "logEvents", "records", "Records")
_ARRAY_KEY = re.compile(rb'"(?:' + "|".join(ARRAY_KEYS).encode() + rb')"\s*:\s*\[')

SourceSpec = str | os.PathLike[str] | BinaryIO


class Input:
    """One source. Iterate `blocks()` once; afterwards `bytes` is the log size read and `error` why it
    stopped early ("" if it did not)."""

    def __init__(
        self, spec: SourceSpec, chunk_size: int = CHUNK, span: tuple[int, int] | None = None
    ) -> None:
        self.spec = spec
        self.chunk_size = chunk_size
        self.span = span  # bytes [start, end) of a plain file, read as they are (parallel scans)
        self.carry = b""  # set by the reader of `windows()`: the unread tail of the last window
        self.name = _name(spec)
        self.bytes = 0
        self.error = ""
        self.truncated = False
        self.on_read: Callable[[int], None] | None = None  # told `bytes` after each read (progress)

    def _read(self, count: int) -> None:
        self.bytes += count
        if self.on_read is not None:
            self.on_read(self.bytes)

    def blocks(self) -> Iterator[bytes]:
        try:
            with _open(self.spec) as stream:
                for block in self._layout(self._inflate(_raw_blocks(stream, self.chunk_size))):
                    self._read(len(block))
                    yield block
        except OSError as exc:
            self.error = f"cannot read: {exc.strerror or exc}"
        except (zlib.error, EOFError) as exc:
            self.error, self.truncated = f"corrupt compressed data: {exc}", True

    def windows(self) -> Iterator[tuple[bytes, bool]]:
        """Chunks to scan: `carry` (set by the caller after each one) + the next block, with a flag for
        the last one. A span is read into one reused buffer: a fresh 4 MiB object per chunk (page faults,
        a copy to join the carry) costs more than counting its newlines."""
        if self.span is not None:
            yield from self._span_windows(self.span)
            return
        for block, final in _with_last(self.blocks()):
            yield (self.carry + block if self.carry else block), final

    def _span_windows(self, span: tuple[int, int]) -> Iterator[tuple[bytes, bool]]:
        buffer, left = bytearray(), span[1] - span[0]
        try:
            with open(cast(str, self.spec), "rb") as stream:  # spans are only made for file paths
                stream.seek(span[0])
                while True:
                    got = _refill(stream, buffer, self.carry, min(self.chunk_size, left))
                    self._read(got)
                    left -= got
                    final = left <= 0 or not got
                    yield buffer, final  # type: ignore[misc]  # a bytearray reads like bytes
                    if final:
                        return
        except OSError as exc:
            self.error = f"cannot read: {exc.strerror or exc}"

    def _inflate(self, raw: Iterator[bytes]) -> Iterator[bytes]:
        first = next(raw, b"")
        if not first.startswith(_GZIP_MAGIC):
            if first:
                yield first
            yield from raw
            return
        yield from self._gunzip(first, raw)

    def _gunzip(self, first: bytes, raw: Iterator[bytes]) -> Iterator[bytes]:
        inflater, fed = _gzip(), False
        for data in itertools.chain([first], raw):
            while data:
                fed = True
                # Inflate in bounded steps: output per call never exceeds one block.
                if out := inflater.decompress(data, self.chunk_size):
                    yield out
                data = inflater.unconsumed_tail
                if inflater.eof:  # concatenated members (`cat a.gz b.gz`) are one stream
                    data, inflater, fed = inflater.unused_data, _gzip(), False
                    if not data.strip(b"\x00"):
                        data = b""  # zero padding after the last member is not data
        if fed and not inflater.eof:
            self.error, self.truncated = "compressed stream ends early (truncated gzip)", True

    def _layout(self, blocks: Iterator[bytes]) -> Iterator[bytes]:
        first = next(blocks, b"")
        at = _document_start(first)
        if at is not None:
            yield from self._json_lines(first, at, blocks)
            return
        if first:
            yield first
        yield from blocks

    def _json_lines(self, first: bytes, at: int, blocks: Iterator[bytes]) -> Iterator[bytes]:
        out: list[str] = []
        size = 0
        try:
            for item in _array_items(first, at, blocks):
                line = json.dumps(item, ensure_ascii=False)
                out.append(line)
                size += len(line)
                if size >= self.chunk_size:
                    yield ("\n".join(out) + "\n").encode()
                    out, size = [], 0
        except ValueError as exc:
            self.error, self.truncated = f"JSON document ends early or is malformed: {exc}", True
        if out:
            yield ("\n".join(out) + "\n").encode()


def splittable(first: bytes) -> bool:
    """Whether a file beginning with `first` is scanned as the lines it holds (not gzip, not a JSON
    document), so a scan of any byte range starting at one of its lines reads what a whole scan reads."""
    return not first.startswith(_GZIP_MAGIC) and _document_start(first) is None


def _document_start(first: bytes) -> int | None:
    """Where the records of a JSON document begin (just after its array's `[`), or None for lines."""
    start = len(first) - len(first.lstrip())
    head = first[start : start + 1]
    # `[{` is a JSON array of records; `[2024-05-01 ...]` is a text log.
    if head == b"[" and first[start + 1 : start + 4096].lstrip()[:1] in (b"{", b"]"):
        return start + 1
    key = _ARRAY_KEY.search(first, 0, 64 * 1024) if head == b"{" and not _is_json_lines(first) else None
    return None if key is None else key.end()


def _refill(stream: io.BufferedReader, buffer: bytearray, carry: bytes, size: int) -> int:
    """Make `buffer` `carry` + the next `size` bytes of `stream`, in place; the bytes read."""
    want = len(carry) + size
    if len(buffer) > want:
        del buffer[want:]
    else:
        buffer.extend(bytes(want - len(buffer)))
    buffer[: len(carry)] = carry
    with memoryview(buffer) as whole, whole[len(carry) :] as rest:
        got = stream.readinto(rest)
    del buffer[len(carry) + got :]
    return got


def _with_last(blocks: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each block with a flag for the last one (one block of lookahead)."""
    previous = next(blocks, None)
    if previous is None:
        return
    for block in blocks:
        yield previous, False
        previous = block
    yield previous, True


def _gzip() -> Any:
    return zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)


def _is_json_lines(first: bytes) -> bool:
    """Whether the first line is a whole JSON object (JSON lines), unless it wraps an array of records."""
    line = first.split(b"\n", 1)[0]
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return not (isinstance(obj, dict) and any(isinstance(obj.get(k), list) for k in ARRAY_KEYS))


def _array_items(first: bytes, at: int, blocks: Iterator[bytes]) -> Iterator[Any]:
    """Elements of a JSON array whose `[` ends just before `at`, decoded incrementally."""
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")("replace")
    text, pos = utf8.decode(first[at:]), 0
    while True:
        pos = _skip_separators(text, pos)
        if text.startswith("]", pos):
            return
        try:
            if pos >= len(text):
                raise ValueError("need more")
            item, pos = decoder.raw_decode(text, pos)
        except ValueError:
            more = next(blocks, None)
            if more is None:
                raise ValueError("unterminated array or element") from None
            if len(text) - pos > MAX_RECORD:
                raise ValueError(f"an element is larger than {MAX_RECORD} bytes") from None
            text, pos = text[pos:] + utf8.decode(more), 0
            continue
        yield item


def _skip_separators(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n,":
        pos += 1
    return pos


def _raw_blocks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    while block := stream.read(size):
        yield block


class _Borrowed:
    """A stream we did not open (stdin, a caller's file object): used, never closed."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def __enter__(self) -> BinaryIO:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        return None


def _open(spec: SourceSpec) -> BinaryIO | _Borrowed:
    if isinstance(spec, str) and spec == "-":
        return _Borrowed(sys.stdin.buffer)
    if isinstance(spec, str | os.PathLike):
        return open_input(spec)  # closed by the caller's `with`
    return _Borrowed(spec)


def _name(spec: SourceSpec) -> str:
    if isinstance(spec, str | os.PathLike):
        return "<stdin>" if spec == "-" else os.fspath(spec)
    return str(getattr(spec, "name", "<stream>"))
