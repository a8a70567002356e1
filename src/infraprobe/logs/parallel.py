"""Regular files by byte ranges, and a large one on several cores, with the answer of one stream.

A regular plain-text file (not gzip, not a JSON document) is read as byte ranges into a reused buffer
(`Input.windows`); one range, unless it has at least `MIN_SIZE` bytes and more than one CPU is usable
(fork only). Then it is cut into one range per CPU (of at least `MIN_RANGE`; the parent's first one
`PARENT_LESS` shorter, as it has the merge and the output still to do), each cut just before a
line that starts an event whatever surrounds it (`grouping.cut_before`: it has a time of its own,
continues nothing, and is no traceback marker). So no event crosses a cut, and the time lookup of an
event after a cut stops at the cut's own timestamp, as it would in one stream.

The parent scans the first range itself; each other range is scanned by a forked worker that opens the
file itself (nothing large crosses processes), classifies its events and tallies them in an aggregator of
its own, so nothing crosses processes per event. Only unexplained events are sent as they come (the line
Drain reads, its time, its example; in batches of columns, `Columns`), because one Drain must see them all
in file order. At the end a
worker sends its tallies (`aggregate.State`); the parent merges them after its own range, range by range,
so counts, first/last times, examples, violations and Drain templates are those of a sequential scan. A
worker numbers lines from its range's start; the parent adds the lines of the ranges before.

Memory per worker: one chunk, its tallies (bounded like the parent's), plus at most `QUEUE_BATCHES`
batches of at most `BATCH_EVENTS` unexplained events or `BATCH_CHARS` of text waiting for the parent. A
worker that gets that far ahead waits, so a log of unexplained errors scans at the parent's pace, never
with more memory. A worker that dies is replaced by the parent scanning its range again, skipping the
unexplained events already received.

Where a split can differ from one stream, a chunk boundary already does: an event more than `TIME_LOOKBACK`
below the last timestamp takes "the last time known", and whether a line over `MAX_LINE` is counted as
`too_long` depends on where the chunks fall.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import signal
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infraprobe.logs import grouping
from infraprobe.logs.aggregate import Aggregator, State, Unexplained
from infraprobe.logs.chunks import Stream, scan_input
from infraprobe.logs.prefilter import Prefilter
from infraprobe.logs.records import decode
from infraprobe.logs.sources import Input, SourceSpec, splittable

MIN_SIZE = 64 << 20  # below this, forking costs more than it saves
MIN_RANGE = 32 << 20
_WINDOW = 1 << 20  # how far past each even split point a cut is looked for
BATCH_EVENTS = 512
BATCH_CHARS = 1 << 20
QUEUE_BATCHES = 16
# The parent's range is this much smaller than a worker's (a fraction of an even share): after its range it
# still feeds Drain the workers' unexplained events, merges, and builds and prints the summary, while a
# worker only sends its tallies. Set from callgrind at 1 in 50 on 525 MB (docs/benchmarks.md): the parent
# runs ~100 M instructions more than the worker, about what it does once the worker has ended.
PARENT_LESS = 0.03
_POLL = 0.5  # seconds between checks that a silent worker is still alive

# What a worker sends per batch of unexplained events, in columns (one list per argument of
# `aggregate.Unexplained`: the line Drain reads, time, source, line number, example text, fields): a few
# lists of strings pickle in 1 us an event, a list of (str, datetime, dataclass) in 7.
Columns = tuple[list[str], list[datetime | None], list[str], list[int], list[str], list[Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class Range:
    start: int
    end: int
    time: datetime | None  # the first line's time: the time known before the range's first event


@dataclass(frozen=True, slots=True)
class _Done:
    stream: Stream
    bytes: int
    error: str
    state: State | None = None


class _WorkerLost(Exception):
    pass


def worker_count(requested: int | None) -> int:
    """Processes to use per file: as asked, else one per usable CPU; 1 where `fork` does not exist."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if requested is not None:
        return max(1, requested)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def plan(spec: SourceSpec, workers: int, ref: datetime) -> list[Range]:
    """The byte ranges to scan a regular plain-text file in (one, or one per worker when it is large),
    or [] to read it as a stream: stdin, pipes, gzip, JSON documents, unreadable paths."""
    if not isinstance(spec, str | os.PathLike) or spec == "-":
        return []
    try:
        if not stat.S_ISREG(os.stat(spec).st_mode):
            return []  # opening a FIFO here would block until a writer came: the stream reader copes
        with open(spec, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or not splittable(file.read(1 << 16)):
                return []
            size = info.st_size
            parts = min(workers, size // MIN_RANGE) if size >= MIN_SIZE else 1
            cuts = [_cut_after(file, target, ref) for target in _targets(size, parts)]
    except OSError:
        return []
    starts = [(0, None), *sorted({c for c in cuts if c is not None})]
    ends = [start for start, _ in starts[1:]] + [size]
    return [Range(start, end, when) for (start, when), end in zip(starts, ends, strict=True)]


def _targets(size: int, parts: int) -> list[int]:
    """Where the ranges after the first should start: the first (the parent's) `PARENT_LESS` short of an
    even share, the rest even."""
    if parts < 2:
        return []
    first = int(size * (1 - PARENT_LESS) / parts)
    rest = size - first
    return [first + rest * k // (parts - 1) for k in range(parts - 1)]


def _cut_after(file: Any, target: int, ref: datetime) -> tuple[int, datetime | None] | None:
    """The first line start after `target` (within `_WINDOW`) where `grouping.cut_before` holds."""
    file.seek(target)
    window = file.read(_WINDOW)
    at = window.find(b"\n") + 1
    above = None
    while at > 0 and (newline := window.find(b"\n", at)) >= 0:
        line = decode(window[at:newline], ref)
        if above is not None and grouping.cut_before(line, above):
            return target + at, line.time
        above, at = line, newline + 1
    return None


def scan_file(
    spec: SourceSpec,
    ranges: list[Range],
    prefilter: Prefilter,
    aggregator: Aggregator,
    ref: datetime,
    chunk_size: int,
    on_read: Callable[[int], None] | None = None,
) -> tuple[Input, Stream]:
    """Scan one file by `ranges`; its events reach `aggregator` in file order. Returns its totals."""
    context = multiprocessing.get_context("fork")
    job = _Job(spec, prefilter, aggregator, ref, chunk_size)
    workers = [_Worker(context, job, r) for r in ranges[1:]]  # forked first: they start at once
    try:
        source, stream = job.input(ranges[0]), Stream(job.name, ref)
        source.on_read = on_read
        scan_input(source, prefilter, stream, aggregator)
        if workers:
            aggregator.settle()  # while they still run: less to do once the last one is done
        for worker in workers:
            _take(worker, job, source, stream, aggregator)
    finally:
        for worker in workers:
            worker.stop()
    return source, stream


@dataclass(frozen=True, slots=True)
class _Job:
    """What every range of one file is scanned with (inherited by the forked workers, never pickled)."""

    spec: SourceSpec
    prefilter: Prefilter
    aggregator: Aggregator  # the parent's: a worker tallies into a blank one like it
    ref: datetime
    chunk_size: int

    @property
    def name(self) -> str:
        return Input(self.spec).name

    def input(self, part: Range) -> Input:
        return Input(self.spec, self.chunk_size, span=(part.start, part.end))

    def tally(self, part: Range, unexplained: Unexplained) -> _Done:
        """Scan and tally one range on its own; its unexplained events go to `unexplained` in order."""
        source, stream = self.input(part), Stream(self.name, self.ref, last_time=part.time)
        local = self.aggregator.blank()
        local.to_clusters = unexplained
        scan_input(source, self.prefilter, stream, local)
        return _Done(stream, source.bytes, source.error, local.state())


def _take(worker: _Worker, job: _Job, source: Input, stream: Stream, aggregator: Aggregator) -> None:
    """Record one worker's range after the ranges before it; add its totals to `source`/`stream`."""
    offset, received = stream.line_base, 0
    to_clusters = aggregator.to_clusters
    try:
        for prepared, times, sources, lines, texts, fields in worker.results():
            for i, line in enumerate(prepared):
                to_clusters(line, times[i], sources[i], lines[i] + offset, texts[i], fields[i])
            received += len(prepared)
        done = worker.done
    except _WorkerLost:
        done = _rescan(job, worker.part, received, offset, aggregator)
    if done.state is not None:
        aggregator.merge(done.state, offset)
    _merge(done, source, stream)


def _rescan(job: _Job, part: Range, skip: int, offset: int, aggregator: Aggregator) -> _Done:
    """A lost worker's range, scanned here; the `skip` unexplained events it delivered are not
    given to Drain again."""
    seen = itertools.count()

    def unexplained(
        prepared: str, when: datetime | None, name: str, line: int, text: str, fields: Mapping[str, Any]
    ) -> None:
        if next(seen) >= skip:
            aggregator.to_clusters(prepared, when, name, line + offset, text, fields)

    return job.tally(part, unexplained)


def _merge(done: _Done, source: Input, stream: Stream) -> None:
    source.bytes += done.bytes
    source.error = source.error or done.error
    stream.line_base += done.stream.line_base
    stream.candidates += done.stream.candidates
    stream.repaired += done.stream.repaired
    stream.skipped.update(done.stream.skipped)


class _Worker:
    """A forked process tallying one range; its unexplained events come through a bounded queue."""

    def __init__(self, context: Any, job: _Job, part: Range) -> None:
        self.part = part
        self.done = _Done(Stream(job.name, job.ref), 0, "")
        self._queue: Any = context.Queue(QUEUE_BATCHES)
        self._process = context.Process(target=_work, args=(job, part, self._queue), daemon=True)
        self._process.start()

    def results(self) -> Iterator[Columns]:
        """The worker's unexplained events in order, batch by batch; sets `done`. Raises _WorkerLost if
        it died."""
        while True:
            item = self._next()
            if isinstance(item, _Done):
                self.done = item
                return
            yield item

    def _next(self) -> Any:
        while True:
            try:
                return self._queue.get(timeout=_POLL)
            except queue.Empty:
                if self._process.is_alive():
                    continue
            try:  # it may have ended right after its last put
                return self._queue.get(timeout=_POLL)
            except queue.Empty:
                raise _WorkerLost from None

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.join(timeout=_POLL)  # normally exiting already: its results are all in
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._queue.close()


def _work(job: _Job, part: Range, out: Any) -> None:
    """In the worker: tally the range, send unexplained events in batches, then the range's totals."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it stops us)
    batch = _Batch(out)
    done = job.tally(part, batch.add)
    batch.flush()
    out.put(done)


class _Batch:
    """Unexplained events on their way to the parent, in columns (`Columns`)."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self._columns: Columns = ([], [], [], [], [], [])
        self._chars = 0

    def add(
        self, prepared: str, when: datetime | None, name: str, line: int, text: str, fields: Mapping[str, Any]
    ) -> None:
        columns = self._columns
        columns[0].append(prepared)
        columns[1].append(when)
        columns[2].append(name)
        columns[3].append(line)
        columns[4].append(text)
        columns[5].append(fields)
        self._chars += len(prepared) + len(text)
        if len(columns[0]) >= BATCH_EVENTS or self._chars >= BATCH_CHARS:
            self.flush()

    def flush(self) -> None:
        self._out.put(self._columns)
        self._columns, self._chars = ([], [], [], [], [], []), 0
