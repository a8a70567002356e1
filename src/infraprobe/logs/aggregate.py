"""Events -> counts: classify each candidate event, filter it, and keep only per-key tallies.

Memory is bounded by the number of distinct (cause, component) keys, templates, minutes with failures
and `MAX_OCCURRENCES` per assertion, never by the number of lines.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from infraprobe.logs import native
from infraprobe.logs.chunks import MAX_LINE, PLAIN_TEXT, Event
from infraprobe.logs.clusters import Clusters, Prepare
from infraprobe.logs.grouping import LOOKS_LIKE_ERROR, looks_like_error
from infraprobe.logs.memo import MAX_TEMPLATES, ByteTokens, TemplateMemo, Verdict
from infraprobe.logs.model import Cluster, Expectation, Finding, Histogram, Occurrence, Violation
from infraprobe.logs.timestamps import epoch_minute
from infraprobe.redact import Redactor
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Cause, Component

MAX_OCCURRENCES = 20  # offending lines printed per `--expect-none`
MAX_FAST = MAX_TEMPLATES  # byte templates counted without an event (see `Aggregator.simple`)
MAX_EXAMPLE_CHARS = 500
MAX_FIELD_CHARS = 200
BUCKET_LADDER = (60, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800)


@dataclass(slots=True)
class _Tally:
    diagnosis: Diagnosis
    count: int
    first: datetime | None
    last: datetime | None
    example: Occurrence

    def seen(self, when: datetime | None) -> None:
        self.count += 1
        if when is not None:
            if self.first is None or when < self.first:
                self.first = when
            if self.last is None or when > self.last:
                self.last = when

    def absorb(self, count: int, first: datetime | None, last: datetime | None) -> None:
        """`count` more events seen between `first` and `last` (a later range's, or the native path's)."""
        self.count += count
        self.first = _earliest(self.first, first)
        self.last = _latest(self.last, last)


@dataclass(frozen=True, slots=True)
class _Fast:
    """What a line of a template counted by `Aggregator.simple` changes: its finding's tally (None: the
    template's component is filtered out) and its cause in the histogram."""

    tally: _Tally | None
    cause: str


# The fast table's entry for a template whose verdict is unknown: its lines take the general path (Drain).
_UNEXPLAINED = _Fast(None, Cause.UNKNOWN.value)
# Text the compiled path reads as it reads bytes (chunks.PLAIN_TEXT: its own bytes when encoded;
# `str.split` and `str.splitlines` break it only at spaces, tabs and newlines).
_PLAIN = re.compile(PLAIN_TEXT)


@dataclass(frozen=True, slots=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    components: frozenset[Component] = frozenset()  # empty: every component

    def in_time(self, when: datetime | None) -> bool:
        if self.since is None and self.until is None:
            return True
        if when is None:  # cannot be shown to be in the window, so it is not counted
            return False
        return (self.since is None or when >= self.since) and (self.until is None or when <= self.until)


@dataclass(frozen=True, slots=True)
class Pending:
    """An occurrence not yet masked and cut (the costly part), for when it may not be shown at all."""

    source: str
    line: int
    time: datetime | None
    text: str
    fields: Mapping[str, Any]


# Where unexplained events go, in file order: (the line Drain reads, through `clusters.Prepare`, time, and
# the example's source, line number, text and fields). A scan worker sends them to the parent, whose one
# Drain sees the whole file in order. Flat values, not a `Pending`: a worker sends them in columns (a
# pickled dataclass per event cost 7 us), and the parent builds an example only for a new template.
Unexplained = Callable[[str, datetime | None, str, int, str, Mapping[str, Any]], None]


@dataclass(slots=True)
class State:
    """An aggregator's tallies without its clusters: what a scan worker hands back for its byte range."""

    tallies: dict[tuple[Cause, Component], _Tally]
    minutes: dict[int, Counter[str]]
    violations: dict[Expectation, Violation]
    events: int
    untimed: int


class Aggregator:
    def __init__(
        self,
        memo: TemplateMemo,
        filters: Filters,
        expectations: Sequence[Expectation],
        redactor: Redactor,
    ) -> None:
        # Each distinct message template is classified once (see `memo`).
        self._memo = memo
        self._filters, self._redact = filters, redactor
        self._tallies: dict[tuple[Cause, Component], _Tally] = {}
        self._minutes: dict[int, Counter[str]] = {}
        self._violations = {e: Violation(e, 0, ()) for e in expectations}
        self.clusters = Clusters()
        self._prepare = Prepare()  # Drain's input, made where the event is found (a worker, maybe)
        self.to_clusters: Unexplained = self.cluster
        self._events = 0
        self.untimed = 0
        # The byte templates of one-line events that `simple` counts alone (see `_known`).
        self._fast: dict[bytes, _Fast] = {}
        self._byte_template = ByteTokens()
        self._windowed = filters.since is not None or filters.until is not None
        # The same table in C, which counts the lines of its templates itself (`native`); its counts
        # join the tallies and the histogram in `_drain`, before anything reads them.
        self.native = _native(memo, filters)
        self._slots: list[_Tally] = []  # the tally a native slot counts into
        self._causes: list[str] = []  # cause values, numbered for the native histogram

    @property
    def events(self) -> int:
        self._drain()
        return self._events

    def blank(self) -> Aggregator:
        """An empty aggregator with the same memo, filters, assertions and masking (a worker's)."""
        return Aggregator(self._memo, self._filters, tuple(self._violations), self._redact)

    def add(self, event: Event) -> None:
        verdict = self.diagnose(event)
        if verdict is not None:
            self.record(event, verdict)
            if self.native is not None and "\n" in event.text:
                self._known_event(event, verdict)

    def simple(self, body: bytes, when: datetime, minute: int) -> bool:
        """`add` for the common one-line ASCII text event (see `chunks.Sink`), `body` being its message
        after the timestamp, when only counters change: its template is known, its finding already has
        its example and no assertion shows its occurrences. Else False, and the caller builds the event
        and calls `add`. Such a template is looked up on the bytes (`ByteTokens`), nothing decoded."""
        if self._windowed and not self._filters.in_time(when):
            return True  # not counted
        key = self._byte_template(body)
        fast = self._fast.get(key)
        if fast is None or len(body) > self._memo.evidence_chars or self._memo.exact(body):
            return self._known(body, key, when, minute)
        if fast is _UNEXPLAINED:
            return False  # as `_known` would say: the memo's verdict for the template is unknown
        tally = fast.tally
        if tally is None:
            return True  # another component's
        self._events += 1
        per_cause = self._minutes.get(minute)
        if per_cause is None:
            per_cause = self._minutes[minute] = Counter()
        per_cause[fast.cause] += 1
        tally.seen(when)
        return True

    def _known(self, body: bytes, key: bytes, when: datetime, minute: int) -> bool:
        """`simple` through the memo, for a template not (yet) in the byte table; puts it there once it
        is counted without an event, so the next lines of the template skip all of this."""
        verdict = self._memo.known(body.decode("ascii"))
        if verdict is None:
            return False
        cause, component = verdict[0].cause, verdict[0].component
        # A template's own verdict (not an exact text's: line is None for those) holds for every line of it.
        shared = verdict[1] is not None and len(self._fast) < MAX_FAST
        if cause is Cause.UNKNOWN:
            if shared:  # the memo never forgets a template's verdict: so is every line of it
                self._remember(key, _UNEXPLAINED)
            return False  # clustered: the general path
        if self._filters.components and component not in self._filters.components:
            if shared:
                self._remember(key, _Fast(None, cause.value))
            return True
        tally = self._tallies.get((cause, component))
        if tally is None or (self._violations and self._shows(cause, component)):
            return False
        self._count(when, minute, cause, component, _not_shown)
        tally.seen(when)
        if shared and not any(e.matches(cause, component) for e in self._violations):
            self._remember(key, _Fast(tally, cause.value))  # counted the same way above, assertions aside
        return True

    def _known_event(self, event: Event, verdict: Verdict) -> None:
        """After `record`: put a multi-line event's template in the native table when every event of it
        would be counted the same way (as `_known` decides for one line), so that the compiled path counts
        the next ones whose lines below the first are a block it knows (`FastPath.block`). The template's
        evidence line goes with it: the memo answers a text over `evidence_chars` from the template only
        when that line fits (`TemplateMemo._fits`), which C checks per event."""
        diagnosis, line = verdict
        cause, component = diagnosis.cause, diagnosis.component
        if line is None or cause is Cause.UNKNOWN or len(self._fast) >= MAX_FAST or event.head.is_json:
            return  # an exact text's verdict, Drain's, a full table, or no plain text line
        if any(e.matches(cause, component) for e in self._violations):
            return
        body = _body(event)
        if not body.isascii() or not _PLAIN.fullmatch(body):
            return
        key = native.template(body.encode("ascii"))
        if key not in self._fast:
            self._remember(key, _Fast(self._tallies[cause, component], cause.value), line)

    def _remember(self, key: bytes, fast: _Fast, line: int = -1) -> None:
        """Put a byte template in the fast table (and the native one, which counts its lines from now);
        `line`: a multi-line template's evidence line."""
        self._fast[key] = fast
        if self.native is None:
            return
        slot = -1  # another component's: not counted
        if fast is _UNEXPLAINED:
            slot = -2  # left to Python, which declines it here
        elif fast.tally is not None:
            slot = len(self._slots)
            self._slots.append(fast.tally)
        if fast.cause not in self._causes:
            self._causes.append(fast.cause)
        self.native.put(key, slot, self._causes.index(fast.cause), line)

    def settle(self) -> None:
        """Add what the compiled path has counted so far to the tallies (what any reader does first): the
        scan's parent does it after its own range, while its workers still run, not after them."""
        self._drain()

    def _drain(self) -> None:
        """Add what the native path counted to the totals, the tallies and the histogram."""
        if self.native is None:
            return
        # The histogram goes straight into the per-minute Counters (a Python loop over ~50,000 entries
        # for a day of an incident's log was 7 ms at the end of every process).
        events, slots = self.native.drain_into(self._minutes, self._causes, Counter)
        self._events += events
        for slot, count, first, last in slots:
            self._slots[slot].absorb(count, _from_micros(first), _from_micros(last))

    def _shows(self, cause: Cause, component: Component) -> bool:
        """Whether an assertion this event violates still shows its occurrences."""
        return any(
            len(v.occurrences) < MAX_OCCURRENCES and e.matches(cause, component)
            for e, v in self._violations.items()
        )

    def diagnose(self, event: Event) -> Verdict | None:
        """The event's verdict, or None when it is not counted (out of the window, not an error)."""
        if not self._filters.in_time(event.time):
            return None
        verdict = self._memo.verdict(_body(event))
        diagnosis = verdict[0]
        if diagnosis.cause is Cause.UNKNOWN:
            if not self._filters.components and looks_like_error(event.head, event.text):
                return verdict
            return None
        if self._filters.components and diagnosis.component not in self._filters.components:
            return None
        return verdict

    def record(self, event: Event, verdict: Verdict) -> None:
        """Count a diagnosed event: events must come in file order (examples, Drain depend on it)."""
        diagnosis = verdict[0]
        if diagnosis.cause is Cause.UNKNOWN:
            self._unexplained(event)
            return
        # The classifier's evidence is the line its rule matched: the most telling one. It is derived
        # only for the occurrences shown (see `memo`).
        self._count(
            event.time,
            event.minute,
            diagnosis.cause,
            diagnosis.component,
            lambda: self._occurrence(event, self._evidence(event, verdict)),
        )
        self._tally(event, verdict)

    def add_unexplained(self, event: Event) -> None:
        """`add` for a one-line event the compiled path read and found Drain's (`FastPath.run`: in the
        window, its template's verdict unknown, no verdict of its own, within the evidence bound), which is
        what the memo would answer: only whether it reads like an error is left to decide."""
        if not self._filters.components and looks_like_error(event.head, event.text):
            self._unexplained(event)

    def _unexplained(self, event: Event) -> None:
        """Count an unexplained error and send it to the clusters."""
        line = _error_line(event.text)
        self._count(
            event.time, event.minute, Cause.UNKNOWN, Component.OTHER, lambda: self._occurrence(event, line)
        )
        prepared = self._prepare(_cluster_line(event))
        self.to_clusters(prepared, event.time, event.source, event.line, line, event.head.fields)

    def _evidence(self, event: Event, verdict: Verdict) -> str:
        return self._memo.evidence(_body(event), verdict).evidence

    def _count(
        self,
        when: datetime | None,
        minute: int,
        cause: Cause,
        component: Component,
        occurrence: Callable[[], Occurrence],
    ) -> None:
        """Count an event in the totals, the histogram and the assertions it violates."""
        self._events += 1
        if when is None:
            self.untimed += 1
        else:
            per_cause = self._minutes.get(minute)
            if per_cause is None:
                per_cause = self._minutes[minute] = Counter()
            per_cause[cause.value] += 1
        for expectation, violation in self._violations.items():
            if expectation.matches(cause, component):
                self._violations[expectation] = _violated(violation, occurrence)

    def _tally(self, event: Event, verdict: Verdict) -> None:
        diagnosis = verdict[0]
        key = (diagnosis.cause, diagnosis.component)
        tally = self._tallies.get(key)
        if tally is None:
            example = self._occurrence(event, self._evidence(event, verdict))
            self._tallies[key] = _Tally(diagnosis, 1, event.time, event.time, example)
            return
        tally.seen(event.time)

    def cluster(
        self,
        prepared: str,
        when: datetime | None,
        source: str,
        line: int,
        text: str,
        fields: Mapping[str, Any],
    ) -> None:
        """Count an unexplained event (in file order) in the clusters (see `Unexplained`)."""
        self.clusters.add(prepared, when, lambda: self._shown(Pending(source, line, when, text, fields)))

    def _occurrence(self, event: Event, line: str) -> Occurrence:
        return self._shown(Pending(event.source, event.line, event.time, line, event.head.fields))

    def _shown(self, p: Pending) -> Occurrence:
        text = self._redact.clip(p.text, MAX_EXAMPLE_CHARS)
        fields = {k: _clipped(self._redact.value(v, k), self._redact) for k, v in p.fields.items()}
        return Occurrence(p.source, p.line, p.time, text, fields)

    def state(self) -> State:
        self._drain()
        return State(self._tallies, self._minutes, self._violations, self._events, self.untimed)

    def merge(self, later: State, line_offset: int) -> None:
        """Add the tallies of the byte range after everything recorded so far; its lines are numbered
        from its own start, so `line_offset` (the lines before it) is added to its examples."""
        self._events += later.events
        self.untimed += later.untimed
        for minute, per_cause in later.minutes.items():
            self._minutes.setdefault(minute, Counter()).update(per_cause)
        for key, tally in later.tallies.items():
            self._merge_tally(key, tally, line_offset)
        for expectation, violation in later.violations.items():
            mine = self._violations[expectation]
            shown = (*mine.occurrences, *(_moved(o, line_offset) for o in violation.occurrences))
            count = mine.count + violation.count
            self._violations[expectation] = Violation(expectation, count, shown[:MAX_OCCURRENCES])

    def _merge_tally(self, key: tuple[Cause, Component], later: _Tally, line_offset: int) -> None:
        tally = self._tallies.get(key)
        if tally is None:  # first seen in the later range: its first event is the example
            self._tallies[key] = replace(later, example=_moved(later.example, line_offset))
            return
        tally.absorb(later.count, later.first, later.last)

    def findings(self) -> tuple[Finding, ...]:
        self._drain()
        found = [_finding(t) for t in self._tallies.values()]
        return tuple(sorted(found, key=lambda f: (-f.count, f.cause.value, f.component.value)))

    def unexplained(self) -> tuple[Cluster, ...]:
        """Clusters of unexplained errors, templates masked like examples (drain sees raw text)."""
        return tuple(replace(c, template=self._redact(c.template)) for c in self.clusters.result())

    def violations(self) -> tuple[Violation, ...]:
        return tuple(self._violations.values())

    def histogram(self, max_buckets: int = 60) -> Histogram:
        self._drain()
        return histogram(self._minutes, max_buckets)


_EPOCH = datetime.fromtimestamp(0, UTC)
_MICROSECOND = timedelta(microseconds=1)


def _native(memo: TemplateMemo, filters: Filters) -> native.FastPath | None:
    """The compiled fast path for this aggregator, if built and the window is in aware times."""
    bounds = (filters.since, filters.until)
    if not native.ENABLED or any(b is not None and b.tzinfo is None for b in bounds):
        return None
    since, until = ((b - _EPOCH) // _MICROSECOND if b is not None else None for b in bounds)
    return native.FastPath(epoch_minute, memo.exact_texts, memo.evidence_chars, MAX_LINE, since, until)


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _body(event: Event) -> str:
    """What is classified: a text line's message after its timestamp; a JSON record's message fields."""
    return event.text if event.head.is_json else event.text[event.head.body_at :]


def _moved(occurrence: Occurrence, line_offset: int) -> Occurrence:
    """An occurrence of a later byte range, numbered in the whole file."""
    return replace(occurrence, line=occurrence.line + line_offset) if line_offset else occurrence


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _clipped(value: Any, redact: Redactor) -> Any:
    """A field already masked by structure, its text cut to the shown size (records keep a longer window)."""
    if (
        isinstance(value, dict | list)
        and len(text := json.dumps(value, ensure_ascii=False)) > MAX_FIELD_CHARS
    ):
        value = text
    return redact.clip(value, MAX_FIELD_CHARS) if isinstance(value, str) else value


def _not_shown() -> Occurrence:
    raise AssertionError("an occurrence was asked for where `_shows` said none is shown")


def _violated(violation: Violation, occurrence: Callable[[], Occurrence]) -> Violation:
    # Keep the first few offending events, and the count of all of them.
    shown = violation.occurrences
    if len(shown) < MAX_OCCURRENCES:
        shown = (*shown, occurrence())
    return Violation(violation.expectation, violation.count + 1, shown)


def _finding(t: _Tally) -> Finding:
    d = t.diagnosis
    return Finding(
        d.cause,
        d.component,
        d.layer,
        t.count,
        t.first,
        t.last,
        t.example,
        d.summary,
        d.guidance,
        d.owner,
        d.rule,
    )


def _error_line(text: str) -> str:
    """The line of an unexplained event that reads like the error (else its first line)."""
    if "\n" not in text:  # one line: itself, whatever it says
        return text.strip()
    lines = [line.strip() for line in text.split("\n") if line.strip()] or [text.strip()]
    return next((line for line in reversed(lines) if LOOKS_LIKE_ERROR.search(line)), lines[0])


def _cluster_line(event: Event) -> str:
    first, *rest = event.text.split("\n")
    body = first[event.head.body_at :].strip() if not event.head.is_json else first.strip()
    last = rest[-1].strip() if rest else ""
    return f"{body} | {last}" if last and last != body else body


def histogram(minutes: dict[int, Counter[str]], max_buckets: int = 60) -> Histogram:
    """Contiguous buckets from the first to the last failure; the smallest width with <= max_buckets."""
    if not minutes:
        return Histogram(60, (), ())
    low, high = min(minutes), max(minutes)
    span = (high - low + 1) * 60
    width = next((w for w in BUCKET_LADDER if span / w <= max_buckets), BUCKET_LADDER[-1])
    counts: dict[int, Counter[str]] = {}
    step = width // 60  # every width is whole minutes
    for minute, per_cause in minutes.items():
        row = counts.get(minute // step)
        if row is None:
            counts[minute // step] = Counter(per_cause)  # a copy, in C
        else:
            row.update(per_cause)
    totals: Counter[str] = Counter()
    for row in counts.values():  # per bucket, not per minute
        totals.update(row)
    causes = tuple(c for c, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
    first, last = low * 60 // width, high * 60 // width
    start = datetime.fromtimestamp(0, UTC)
    rows = tuple(
        (start + timedelta(seconds=b * width), tuple(counts.get(b, Counter())[c] for c in causes))
        for b in range(first, last + 1)
    )
    return Histogram(width, causes, rows)
