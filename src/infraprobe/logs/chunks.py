"""From byte chunks to events: prefilter a chunk, then build an event around each candidate line only.

Per chunk, the prefilter yields candidate line starts. Each candidate is grown into its event (backwards to
the traceback's header, forwards to its last line; `grouping.continues` decides), skipping candidates an
earlier event already covers. An event with no timestamp of its own inherits the one of the nearest
timestamped line above it, looked for only for candidates, and only up to the previous event (whose time
is known) or `TIME_LOOKBACK` bytes. An event that reaches the end of a chunk is not emitted but carried
into the next chunk whole, so tracebacks cut by a chunk boundary are still one event. `scan_input` drives
this over the blocks of one source, handing events to a `Sink` (an aggregator) in file order.

Most events of an incident's log are one timestamped line followed by another: those take a fast path
(`Chunk._simple`) that reads them on the bytes, and that the sink may count without an Event being built
(`Sink.simple`). Anything else takes the general path; both give the same answer (tests/logs/test_fast_path.py).
On the general path, the lines below a first line that were seen below one before are taken whole
(`blocks`: a traceback's frames), and indented lines are decoded without a timestamp search
(tests/logs/test_blocks.py: the same answer as decoding every line).
Where the compiled helpers are built (`native`), runs of such lines whose template the sink already counts
alone are read and counted in C (`Sink.native`), and Python sees only the others; so are tracebacks whose
lines below the first are a known block (told to C as they are remembered) followed by the next event.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from infraprobe.logs import grouping, native
from infraprobe.logs.blocks import MAX_BLOCK_BYTES, Block, Blocks
from infraprobe.logs.prefilter import Prefilter
from infraprobe.logs.records import Record, decode, decode_indented
from infraprobe.logs.sources import Input
from infraprobe.logs.timestamps import IsoStart

if TYPE_CHECKING:
    from infraprobe.logs.native import FastPath

MAX_EVENT_LINES = 200  # a traceback deeper than this is cut: memory and time stay bounded
MAX_EVENT_BYTES = 256 * 1024
MAX_LINE = 1024 * 1024  # only the first MiB of a longer line is read
TIME_LOOKBACK = 64 * 1024
_EPOCH = datetime.fromtimestamp(0, UTC)
# What the compiled fast path read of the line it stopped at (`Chunk._simple_read`).
_Read = tuple[int, int, int, int, bool] | None


@dataclass(slots=True)  # not frozen, for speed (see Record); nothing changes an event once built
class Event:
    """A log record (one line, or a whole traceback) that passed the prefilter."""

    source: str
    line: int  # 1-based number of the event's first line
    time: datetime | None
    text: str  # message lines joined by "\n" (JSON: the message fields; text: the lines)
    head: Record  # the first line: severity, fields and where its message starts
    minute: int = 0  # minutes since the epoch of `time` (the histogram's key), when `time` is set


class Sink(Protocol):
    """Where events go, in file order (an aggregator)."""

    # The compiled `simple` over a run of candidate lines (native.FastPath), or None.
    native: FastPath | None

    def add(self, event: Event) -> None: ...

    def add_unexplained(self, event: Event) -> None:
        """`add` for a one-line event whose template the compiled path found to be unexplained."""
        ...

    def simple(self, body: bytes, when: datetime, minute: int) -> bool:
        """Count a one-line ASCII text event without an Event built, if it can; False: call `add` instead.
        `body` is the message after the timestamp, without the line's trailing CRs."""
        ...


@dataclass(slots=True)
class Stream:
    """What carries over from one chunk of a source to the next."""

    name: str
    ref: datetime
    line_base: int = 0  # newlines before the current chunk
    last_time: datetime | None = None
    candidates: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    repaired: int = 0
    stamps: IsoStart = field(default_factory=IsoStart)
    blocks: Blocks = field(default_factory=Blocks)


class Chunk:
    """One chunk of a stream; `events()` returns the events in `data[:end]` and how much was consumed."""

    def __init__(self, stream: Stream, data: bytes, end: int, final: bool) -> None:
        self.s, self.data, self.end, self.final = stream, data, end, final
        self._records: dict[int, Record] = {}
        self._line_at = (0, stream.line_base)  # (offset, line number) for incremental counting
        # The sink's compiled path, told the blocks found (`_remember_block`).
        self._fast: FastPath | None = None

    def events(self, starts: list[int], sink: Sink) -> int:
        """Hand the events of the candidate lines to `sink` in order; returns how much was consumed."""
        covered = 0  # events never overlap: an earlier event's lines are not taken again
        time_floor = i = 0
        fast = self._fast = sink.native
        read: _Read = None
        while i < len(starts):
            if fast is not None:  # the lines it knows, in C, up to the first one it does not
                i, covered, time_floor, read = self._native(fast, starts, i, covered, time_floor)
                if i == len(starts):
                    break
            start = starts[i]
            i += 1
            if start < covered:
                continue
            # Where C ran, it stopped at this line and has read it.
            below = self._simple(start, sink) if fast is None else self._simple_read(start, sink, read)
            if below:
                self.s.candidates += 1
                covered, time_floor = below, start
                continue
            if self.data.find(b"\x00", start, self._line_end(start)) >= 0:
                if not self.final and self._next_start(start) >= self.end:
                    return self._carry(start)
                self.s.candidates += 1
                self.s.skipped["binary"] += 1
                covered = self._next_start(start)
                continue
            span = self._span(start, covered)
            if span is None:  # reaches the end of the chunk: carry it over whole
                return self._carry(self._first_line(start, covered))
            self.s.candidates += 1
            sink.add(self._event(span, time_floor))
            covered, time_floor = self._next_start(span.last), span.first
            self._records.clear()
        if self.final or self.end == 0:
            return self._carry(self.end)
        # The open tail (the last line and the lines it continues) goes round again with the next chunk:
        # it may hold the header of an event whose first candidate comes after the boundary.
        return self._carry(self._open_tail(covered))

    def _native(
        self, fast: FastPath, starts: list[int], i: int, covered: int, time_floor: int
    ) -> tuple[int, int, int, _Read]:
        """`events` over `starts[i:]` as long as `_simple` would count each line without an event; and
        what C read of the line it stopped at (see `_simple_read`)."""
        i, covered, time_floor, taken, last, read = fast.run(
            self.data, self.end, starts, i, covered, time_floor
        )
        if taken:
            self.s.candidates += taken
            self.s.last_time = _EPOCH + timedelta(microseconds=last)
        return i, covered, time_floor, read

    def _simple(self, start: int, sink: Sink) -> int:
        """The common case, without decoding a record: a line of ASCII text starting with a zone-less
        ISO timestamp, followed in the chunk by another (which begins the next event, so this one is
        that line alone; see `IsoStart.line`). Returns where the next line starts, or 0 for the
        general path."""
        found = self.s.stamps.line(self.data, start)
        if found is None:
            return 0
        when, minute, body_at, stop, _ = found
        if stop + 1 >= self.end or stop - start > MAX_LINE:
            return 0
        return self._one_line(start, when, minute, body_at, stop, sink, ask=True)

    def _simple_read(self, start: int, sink: Sink, read: _Read) -> int:
        """`_simple` for a line C has read (`FastPath.run`): None is `_simple`'s 0; else the line's time
        (microseconds), minute, message start, end, and whether `sink.simple` may count it (False: it
        would not, the template's verdict is unknown)."""
        if read is None:
            return 0
        micros, minute, body_at, stop, ask = read
        return self._one_line(
            start, _EPOCH + timedelta(microseconds=micros), minute, body_at, stop, sink, ask
        )

    def _one_line(
        self, start: int, when: datetime, minute: int, body_at: int, stop: int, sink: Sink, ask: bool
    ) -> int:
        self.s.last_time = when
        # bytes(): a range's chunk is a reused bytearray, whose slices cannot be table keys.
        if ask and sink.simple(bytes(self.data[start + body_at : stop]).rstrip(b"\r"), when, minute):
            return stop + 1
        text = self.data[start:stop].decode("ascii").rstrip("\r")
        head = Record(text, when, "", {}, False, body_at, False)
        event = Event(self.s.name, self._line_number(start), when, text, head, minute)
        if ask:
            sink.add(event)
        else:  # C read it: its template is Drain's (`_simple_read`)
            sink.add_unexplained(event)
        return stop + 1

    def _open_tail(self, floor: int) -> int:
        """Start of the lines at the end that a line in the next chunk could still continue."""
        at, steps = self._prev_start(self.end), 0
        # A blank line continues or not depending on the line after it, which is not here yet.
        while at > floor and steps < MAX_EVENT_LINES and not self._record(at).text.strip():
            at, steps = self._prev_start(at), steps + 1
        return self._first_line(at, floor)

    def _carry(self, consumed: int) -> int:
        """End the chunk at `consumed`; what follows is read again with the next chunk."""
        self._remember_time(consumed)
        return consumed

    def _span(self, start: int, floor: int) -> _Span | None:
        """The event of the candidate line at `start`, or None when it may go on past the end of the
        chunk (to be carried over)."""
        first = self._first_line(start, floor)
        span = _Span(first, start, self._records_between(first, start))
        head = span.head
        data, end, final, stamps = self.data, self.end, self.final, self.s.stamps
        above, steps, block_at = span.records[-1], 0, -1
        # Below a first line that begins an event on its own, the lines that follow may be a block seen
        # before (`blocks`), taken whole. (The candidate line holds no NUL: `events` skipped it else.)
        clean = first == start and grouping.begins(head)
        while steps < MAX_EVENT_LINES and span.last - first < MAX_EVENT_BYTES:
            below = self._next_start(span.last)
            if below >= end or (not final and self._last_blank(below)):
                return span if final else None
            if stamps.begins(data, below):  # the next event's line: not even decoded
                break
            if clean and steps == 0:
                block = self._known_block(below, first)
                if block is not None:
                    span.take(block, below)
                    above, steps = block.last, block.lines
                    continue
                block_at = below
            line = self._below(below)
            # `begins` first: most lines start their own event, known without decoding the next one.
            if grouping.begins(line) or not grouping.continues(line, above, self._blank_below(line, below)):
                break
            span.add(line, below)
            above, steps = line, steps + 1
        if block_at >= 0 and steps:
            self._remember_block(block_at, span, steps)
        return span

    def _known_block(self, at: int, first: int) -> Block | None:
        """The block remembered for the line at `at`, if the same bytes follow here within the event's
        bounds. They end with a newline, so inside the chunk (`data[end:]` holds none); and none of its
        lines is a blank last line of the chunk (a blank line of a block has a marker line below it)."""
        stop = self._line_end(at)
        block = self.s.blocks.get(bytes(self.data[at:stop])) if stop - at <= MAX_BLOCK_BYTES else None
        if block is None or not self.data.startswith(block.data, at):
            return None
        return block if at + len(block.data) - first < MAX_EVENT_BYTES else None

    def _remember_block(self, at: int, span: _Span, lines: int) -> None:
        after = self._next_start(span.last)
        texts = span.texts[-lines:]
        repaired = sum(r.repaired for r in span.records[-lines:])
        block = Block(
            bytes(self.data[at:after]), lines, "\n".join(texts), repaired, span.last - at, span.records[-1]
        )
        key = bytes(self.data[at : self._line_end(at)])
        self.s.blocks.remember(key, block)
        if self._fast is not None and _plain(block) and self.s.blocks.get(key) is block:
            self._fast.block(key, block.data)  # C takes it whole below a first line too (`FastPath.run`)

    def _records_between(self, first: int, start: int) -> list[Record]:
        """The records of the lines from `first` to `start` (decoded already, by `_first_line`)."""
        lines, at = [self._record(first)], first
        while at < start:
            at = self._next_start(at)
            lines.append(self._record(at))
        return lines

    def _below(self, start: int) -> Record:
        """The record of a line below a candidate (never an event's first line): an indented line that
        cannot be JSON is decoded without its timestamp search (`records.decode_indented`: nothing reads
        the time of such a line unless it is an event's first). Not kept in `_records`, which `_first_line`
        reads for first lines."""
        record = self._records.get(start)
        if record is not None:
            return record
        raw = self._raw(start)
        return decode_indented(raw) or self._record(start)

    def _last_blank(self, start: int) -> bool:
        # A blank last line continues an event only if the line after it (in the next chunk) says so.
        return self._next_start(start) >= self.end and not self._record(start).text.strip()

    def _first_line(self, start: int, floor: int) -> int:
        first, steps = start, 0
        while first > floor and steps < MAX_EVENT_LINES and start - first < MAX_EVENT_BYTES:
            line = self._record(first)
            if grouping.begins(line):  # no need to decode the lines around it
                break
            above = self._prev_start(first)
            if not grouping.continues(line, self._record(above), self._blank_below(line, first)):
                break
            first, steps = above, steps + 1
        return first

    def _event(self, span: _Span, time_floor: int) -> Event:
        first, head = span.first, span.head
        when = head.time or self._time_above(first, time_floor)
        if head.time is not None:
            self.s.last_time = head.time
        self.s.repaired += span.repaired
        text = span.texts[0] if len(span.texts) == 1 else "\n".join(span.texts)
        minute = int(when.timestamp()) // 60 if when is not None else 0
        return Event(self.s.name, self._line_number(first), when, text, head, minute)

    def _time_above(self, offset: int, floor: int) -> datetime | None:
        """The time of the nearest timestamped line above `offset`, else the last one known."""
        at = offset
        while at > floor and offset - at < TIME_LOOKBACK:
            at = self._prev_start(at)
            when = decode(self._raw(at), self.s.ref).time
            if when is not None:
                self.s.last_time = when
                return when
        return self.s.last_time

    def _remember_time(self, end: int) -> None:
        if end > 0:
            self._time_above(end, 0)

    def _record(self, start: int) -> Record:
        record = self._records.get(start)
        if record is None:
            raw = self._raw(start)
            # An ASCII line with a zone-less ISO stamp (a traceback's first line, say): its time from the
            # per-minute cache, not `leading`'s search and parse (the same answer: `IsoStart.stamp`).
            found = self.s.stamps.stamp(raw) if raw[:1].isdigit() else None
            if found is None:
                record = decode(raw, self.s.ref)
            else:
                record = Record(raw.decode("ascii").rstrip("\r"), found[0], "", {}, False, found[1], False)
            self._records[start] = record
        return record

    def _blank_below(self, line: Record, start: int) -> Record | None:
        """The line below `line` (at `start`), which `grouping.continues` reads only when `line` is
        blank: else None, and it is not decoded."""
        if line.text.strip():
            return None
        below = self._next_start(start)
        return self._record(below) if below < self.end else None

    def _raw(self, start: int) -> bytes:
        end = self._line_end(start)
        return self.data[start : min(end, start + MAX_LINE)]

    def _line_end(self, start: int) -> int:
        newline = self.data.find(b"\n", start, self.end)
        return self.end if newline < 0 else newline

    def _next_start(self, start: int) -> int:
        return self._line_end(start) + 1

    def _prev_start(self, start: int) -> int:
        return self.data.rfind(b"\n", 0, start - 1) + 1

    def newlines_before(self, offset: int) -> int:
        """Newlines in `data[:offset]`, counted on from the last event (so the chunk is counted once)."""
        return self._line_number(offset) - 1 - self.s.line_base

    def _line_number(self, offset: int) -> int:
        at, line = self._line_at
        if offset >= at:
            line += self._newlines(at, offset)
        else:
            line -= self._newlines(offset, at)
        self._line_at = (offset, line)
        return line + 1

    def _newlines(self, start: int, stop: int) -> int:
        if native.ENABLED:  # 16 bytes at a time; bytes.count reads one
            return native.count_newlines(self.data, start, stop)
        return self.data.count(b"\n", start, stop)


# What the compiled path reads as it reads bytes: printable ASCII, tabs and line breaks. One spelling for
# the block's bytes here and an event's text in aggregate.
PLAIN_TEXT = r"[\t\n\x20-\x7e]*"
_PLAIN_BYTES = re.compile(PLAIN_TEXT.encode("ascii"))


def _plain(block: Block) -> bool:
    """A block whose text is its bytes (printable ASCII and tabs, no CR, nothing repaired): what the
    compiled path can compare and mask on the bytes alone."""
    return (
        not block.repaired
        and _PLAIN_BYTES.fullmatch(block.data) is not None
        and block.data[:-1] == block.text.encode("ascii", "replace")
    )


class _Span:
    """An event's lines as they are found: where its first and last lines start, the first line's record,
    the texts of its lines (a block's as one piece), how many had invalid UTF-8, and the records of the
    lines read one by one."""

    __slots__ = ("first", "head", "last", "records", "repaired", "texts")

    def __init__(self, first: int, last: int, records: list[Record]) -> None:
        self.first, self.last, self.records = first, last, records
        self.head = records[0]
        self.texts = [r.text for r in records]
        self.repaired = sum(r.repaired for r in records)

    def add(self, line: Record, at: int) -> None:
        self.records.append(line)
        self.texts.append(line.text)
        self.repaired += line.repaired
        self.last = at

    def take(self, block: Block, at: int) -> None:
        self.records.append(block.last)
        self.texts.append(block.text)
        self.repaired += block.repaired
        self.last = at + block.last_at


def scan_input(source: Input, prefilter: Prefilter, stream: Stream, sink: Sink) -> None:
    """Hand the events of one source to `sink`, chunk by chunk; `stream.line_base` ends as its line count."""
    dropping = False
    for window, final in source.windows():
        data = window
        if dropping:  # the rest of a line longer than MAX_LINE (nothing was carried): skipped
            data, dropping = _drop_to_newline(data, stream)
        end = len(data) if final else data.rfind(b"\n") + 1
        giant = not final and len(data) - end > MAX_LINE
        if giant:
            end, dropping = len(data), True
            stream.skipped["too_long"] += 1
        chunk = Chunk(stream, data, end, final or giant)
        consumed = chunk.events(prefilter.line_starts(data, end), sink)
        stream.line_base += chunk.newlines_before(consumed)
        if final and consumed and not data.endswith(b"\n"):
            stream.line_base += 1  # a last line without its newline is still a line
        source.carry = bytes(data[consumed:])


def _drop_to_newline(block: bytes, stream: Stream) -> tuple[bytes, bool]:
    newline = block.find(b"\n")
    if newline < 0:
        return b"", True
    stream.line_base += 1
    return bytes(block[newline + 1 :]), False
