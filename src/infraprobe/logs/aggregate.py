"""Events -> counts: classify each candidate event, filter it, and keep only per-key tallies.

Memory is bounded by the number of distinct (cause, component) keys, templates, minutes with failures
and `MAX_OCCURRENCES` per assertion, never by the number of lines.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from infraprobe.logs.chunks import Event
from infraprobe.logs.clusters import Clusters
from infraprobe.logs.grouping import LOOKS_LIKE_ERROR, looks_like_error
from infraprobe.logs.model import Cluster, Expectation, Finding, Histogram, Occurrence, Violation
from infraprobe.redact import Redactor
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Cause, Component

MAX_OCCURRENCES = 20  # offending lines printed per `--expect-none`
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


class Aggregator:
    def __init__(
        self,
        classify: Callable[[str], Diagnosis],
        filters: Filters,
        expectations: Sequence[Expectation],
        redactor: Redactor,
    ) -> None:
        # `scan` passes a TemplateMemo: each distinct message template is classified once.
        self._classify = classify
        self._filters, self._redact = filters, redactor
        self._tallies: dict[tuple[Cause, Component], _Tally] = {}
        self._minutes: dict[int, Counter[str]] = {}
        self._violations = {e: Violation(e, 0, ()) for e in expectations}
        self.clusters = Clusters()
        self.events = 0
        self.untimed = 0

    def add(self, event: Event) -> None:
        diagnosis = self.diagnose(event)
        if diagnosis is not None:
            self.record(event, diagnosis)

    def diagnose(self, event: Event) -> Diagnosis | None:
        """The event's diagnosis, or None when it is not counted (out of the window, not an error).

        Stateless apart from the memo, so scan workers run it (the costly part) in parallel; `record`
        then takes the events in file order in one process.
        """
        if not self._filters.in_time(event.time):
            return None
        body = event.text if event.head.is_json else event.text[event.head.body_at :]
        diagnosis = self._classify(body)
        if diagnosis.cause is Cause.UNKNOWN:
            if not self._filters.components and looks_like_error(event.head, event.text):
                return diagnosis
            return None
        if self._filters.components and diagnosis.component not in self._filters.components:
            return None
        return diagnosis

    def record(self, event: Event, diagnosis: Diagnosis) -> None:
        """Count a diagnosed event: events must come in file order (examples, Drain depend on it)."""
        if diagnosis.cause is Cause.UNKNOWN:
            line = _error_line(event.text)
            self._count(event, Cause.UNKNOWN, Component.OTHER, line)
            self.clusters.add(_cluster_line(event), event.time, self._occurrence(event, line))
            return
        # The classifier's evidence is the line its rule matched: the most telling one.
        self._count(event, diagnosis.cause, diagnosis.component, diagnosis.evidence)
        self._tally(event, diagnosis)

    def _count(self, event: Event, cause: Cause, component: Component, line: str) -> None:
        self.events += 1
        if event.time is None:
            self.untimed += 1
        else:
            minute = int(event.time.timestamp()) // 60
            self._minutes.setdefault(minute, Counter())[cause.value] += 1
        for expectation, violation in self._violations.items():
            if expectation.matches(cause, component):
                self._violations[expectation] = _violated(violation, lambda: self._occurrence(event, line))

    def _tally(self, event: Event, diagnosis: Diagnosis) -> None:
        key = (diagnosis.cause, diagnosis.component)
        tally = self._tallies.get(key)
        if tally is None:
            example = self._occurrence(event, diagnosis.evidence)
            self._tallies[key] = _Tally(diagnosis, 1, event.time, event.time, example)
            return
        tally.count += 1
        if event.time is not None:
            tally.first = event.time if tally.first is None else min(tally.first, event.time)
            tally.last = event.time if tally.last is None else max(tally.last, event.time)

    def _occurrence(self, event: Event, line: str) -> Occurrence:
        text = self._redact.clip(line, MAX_EXAMPLE_CHARS)
        fields = {k: _clipped(self._redact.value(v, k), self._redact) for k, v in event.head.fields.items()}
        return Occurrence(event.source, event.line, event.time, text, fields)

    def findings(self) -> tuple[Finding, ...]:
        found = [_finding(t) for t in self._tallies.values()]
        return tuple(sorted(found, key=lambda f: (-f.count, f.cause.value, f.component.value)))

    def unexplained(self) -> tuple[Cluster, ...]:
        """Clusters of unexplained errors, templates masked like examples (drain sees raw text)."""
        return tuple(replace(c, template=self._redact(c.template)) for c in self.clusters.result())

    def violations(self) -> tuple[Violation, ...]:
        return tuple(self._violations.values())

    def histogram(self, max_buckets: int = 60) -> Histogram:
        return histogram(self._minutes, max_buckets)


def _clipped(value: Any, redact: Redactor) -> Any:
    """A field already masked by structure, its text cut to the shown size (records keep a longer window)."""
    if (
        isinstance(value, dict | list)
        and len(text := json.dumps(value, ensure_ascii=False)) > MAX_FIELD_CHARS
    ):
        value = text
    return redact.clip(value, MAX_FIELD_CHARS) if isinstance(value, str) else value


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
    totals: Counter[str] = Counter()
    counts: dict[int, Counter[str]] = {}
    for minute, per_cause in minutes.items():
        bucket = minute * 60 // width
        counts.setdefault(bucket, Counter()).update(per_cause)
        totals.update(per_cause)
    causes = tuple(c for c, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
    first, last = low * 60 // width, high * 60 // width
    start = datetime.fromtimestamp(0, UTC)
    rows = tuple(
        (start + timedelta(seconds=b * width), tuple(counts.get(b, Counter())[c] for c in causes))
        for b in range(first, last + 1)
    )
    return Histogram(width, causes, rows)
