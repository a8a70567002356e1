"""`scan(sources, ...) -> LogSummary`: the library entry point behind `infraprobe logs`.

The pipeline, per source: byte blocks (sources) -> candidate lines (prefilter) -> events (chunks) ->
tallies (aggregate). Only candidate lines are ever decoded, so the cost of a scan is the cost of reading
the bytes plus a small price per failure.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from infraprobe.logs import parallel
from infraprobe.logs.aggregate import Aggregator, Filters
from infraprobe.logs.chunks import Stream, scan_input
from infraprobe.logs.grouping import ERROR_LITERALS
from infraprobe.logs.memo import TemplateMemo
from infraprobe.logs.model import Expectation, LogSummary, SourceStats
from infraprobe.logs.prefilter import Patterns, Prefilter, make_prefilter
from infraprobe.logs.sources import CHUNK, Input, SourceSpec
from infraprobe.logs.timestamps import parse_when
from infraprobe.redact import NO_SECRETS, Redactor
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Component

# name, bytes read so far, size (None when unknown)
ProgressFn = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class TextClassifier:
    """The seam to the classifier: text -> Diagnosis, the literals every rule needs, and (optionally) the
    rules' (regex, needles), which make the prefilter far more selective."""

    classify: Callable[[str], Diagnosis]
    signatures: tuple[str, ...]
    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The classifier's bound on evidence: the template memo re-derives evidence only within it.
    evidence_chars: int = 300

    @classmethod
    def default(cls) -> TextClassifier:
        from infraprobe.classifier import SIGNATURES, classify_text
        from infraprobe.classifier.diagnose import EVIDENCE_CHARS

        return cls(classify_text, tuple(SIGNATURES), _rule_patterns(), EVIDENCE_CHARS)


def _rule_patterns() -> tuple[tuple[str, tuple[str, ...]], ...]:
    # Imported here, like the classifier above: `infraprobe logs` pays for the rule tables only when it runs.
    from infraprobe.classifier.rules import RULES

    # Sorted: a rule's needles may be a set, whose order changes with the hash seed, and a different
    # order is a different hyperscan cache key (a ~10 s recompile on every run).
    return tuple((r.prefilter or r.source, tuple(sorted(r.needles))) for r in RULES)


def scan(
    sources: SourceSpec | Iterable[SourceSpec],
    *,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    component: Component | str | Iterable[Component | str] | None = None,
    expect_none: Sequence[Expectation | str] = (),
    redactor: Redactor = NO_SECRETS,
    classifier: TextClassifier | None = None,
    now: datetime | None = None,
    prefilter: str = "auto",
    chunk_size: int = CHUNK,
    workers: int | None = 1,
    progress: ProgressFn | None = None,
) -> LogSummary:
    """Scan log files, `-` (stdin) or binary streams; bad input never raises (see `LogSummary.skipped`).

    `since`/`until` take datetimes or `--since` texts (ISO 8601, `15m`, `2h`...; relative to `now`);
    `prefilter` is "auto", "hyperscan" or "python". `workers` caps the processes one large regular file
    is split over: 1 (the default) never forks, which is the only safe choice inside a threaded host
    (forking a process with threads can deadlock the child); None is one per CPU, as the CLI asks.
    `progress(name, bytes_read, size)` is called as each source is read (size None when unknown: stdin,
    gzip). Raises ValueError only for invalid arguments.
    """
    now = now or datetime.now(UTC)
    classifier = classifier or TextClassifier.default()
    filters = Filters(_when(since, now), _when(until, now), _components(component))
    expectations = [e if isinstance(e, Expectation) else Expectation.parse(e) for e in expect_none]
    patterns = Patterns(classifier.signatures, classifier.rules, ERROR_LITERALS)
    matcher = make_prefilter(patterns, prefer=prefilter)
    memo = TemplateMemo(classifier.classify, classifier.evidence_chars)
    aggregator = Aggregator(memo, filters, expectations, redactor)
    totals = _Totals()
    cores = parallel.worker_count(workers)
    with matcher.classifying():
        for spec in _as_list(sources):
            totals.add(*_scan_one(spec, cores, matcher, aggregator, now, chunk_size, progress))
    return _summary(aggregator, totals, filters, matcher.name)


def _scan_one(
    spec: SourceSpec,
    cores: int,
    matcher: Prefilter,
    aggregator: Aggregator,
    now: datetime,
    chunk_size: int,
    progress: ProgressFn | None,
) -> tuple[Input, Stream]:
    ranges = parallel.plan(spec, cores, now)  # regular plain-text files: by byte ranges, maybe in parallel
    if ranges:
        return parallel.scan_file(
            spec, ranges, matcher, aggregator, now, chunk_size, _reporter(spec, progress, len(ranges))
        )
    source = Input(spec, chunk_size)
    source.on_read = _reporter(spec, progress, 1)
    stream = Stream(source.name, now)
    scan_input(source, matcher, stream, aggregator)
    return source, stream


def _reporter(spec: SourceSpec, progress: ProgressFn | None, ranges: int) -> Callable[[int], None] | None:
    """Bytes read -> progress. Ranges of one file are equal and read at once, so the first one's share,
    times their number, is the whole file's (the workers cannot report across processes cheaply)."""
    if progress is None:
        return None
    name, size = Input(spec).name, _size(spec)
    return lambda done: progress(name, min(done * ranges, size) if size else done, size)


def _size(spec: SourceSpec) -> int | None:
    if isinstance(spec, str | os.PathLike) and str(spec) != "-" and not str(spec).endswith(".gz"):
        try:
            return os.path.getsize(spec)
        except OSError:
            return None
    return None


def _summary(aggregator: Aggregator, totals: _Totals, filters: Filters, prefilter: str) -> LogSummary:
    return LogSummary(
        findings=aggregator.findings(),
        clusters=aggregator.unexplained(),
        histogram=aggregator.histogram(),
        violations=aggregator.violations(),
        sources=tuple(totals.sources),
        candidates=totals.counts["candidates"],
        events=aggregator.events,
        skipped={k: v for k, v in totals.skipped.items() if v},
        repaired=totals.counts["repaired"],
        untimed=aggregator.untimed,
        since=filters.since,
        until=filters.until,
        components=tuple(sorted(filters.components)),
        prefilter=prefilter,
    )


class _Totals:
    def __init__(self) -> None:
        self.sources: list[SourceStats] = []
        self.skipped: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()

    def add(self, source: Input, stream: Stream) -> None:
        self.sources.append(SourceStats(source.name, source.bytes, stream.line_base, source.error))
        self.skipped.update(stream.skipped)
        self.skipped["truncated"] += source.truncated
        self.skipped["unreadable"] += bool(source.error) and not source.truncated
        self.counts.update(candidates=stream.candidates, repaired=stream.repaired)


def _components(given: Component | str | Iterable[Component | str] | None) -> frozenset[Component]:
    """The --component filter: one name or several (repeatable), any case."""
    if given is None:
        return frozenset()
    names = [given] if isinstance(given, str) else list(given)
    try:
        return frozenset(Component(str(n).lower()) for n in names)
    except ValueError:
        raise ValueError(
            f"unknown component in {names}; one of: {', '.join(c.value for c in Component)}"
        ) from None


def _when(value: datetime | str | None, now: datetime) -> datetime | None:
    if isinstance(value, str):
        return parse_when(value, now)
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # like naive log timestamps: UTC
    return value


def _as_list(sources: SourceSpec | Iterable[SourceSpec]) -> list[SourceSpec]:
    if isinstance(sources, str | os.PathLike) or hasattr(sources, "read"):
        return [cast(SourceSpec, sources)]
    return list(sources)
