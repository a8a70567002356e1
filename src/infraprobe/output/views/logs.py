"""`infraprobe logs` results as a Report: verdict, failures by cause, when they happened, what to do."""

from __future__ import annotations

from datetime import datetime

from infraprobe.logs.model import Cluster, Finding, Histogram, LogSummary, Occurrence, Violation
from infraprobe.output.model import Block, Bullets, Case, Heading, KeyValues, Paragraph, Report, Table

MAX_HISTOGRAM_CAUSES = 3  # per bucket row; the JSON has every cause
BAR_WIDTH = 20
MAX_CLUSTERS_SHOWN = 20
FALLBACK_NOTE = (
    "hyperscan is not installed: the pure-Python prefilter was used (same findings, 25-40x the CPU on large "
    "logs); pip install 'infraprobe[hyperscan]'"
)


def logs_report(summary: LogSummary) -> Report:
    blocks: list[Block] = [_verdict(summary)]
    for violation in summary.violations:
        if violation.count:
            blocks += _violation(violation)
    if summary.findings:
        blocks += [Heading("Failures by cause"), _findings_table(summary.findings)]
    if summary.histogram.buckets:
        blocks += [Heading("When"), _histogram_table(summary.histogram)]
    if summary.clusters:
        blocks += [Heading("Errors no signature explains"), _clusters_table(summary.clusters)]
    if summary.findings:
        blocks.append(Heading("What to do"))
        for finding in summary.findings:
            blocks += _advice(finding)
    blocks += [Heading("Input"), _input(summary)]
    if summary.prefilter != "hyperscan":
        blocks.append(Paragraph(FALLBACK_NOTE, "warn"))
    cases = tuple(_case(f, summary.violations) for f in summary.findings)
    exit_code = 1 if summary.failed else 0
    return Report("infraprobe logs", tuple(blocks), summary.to_dict(), exit_code, cases, kind="logs")


def _case(f: Finding, violations: tuple[Violation, ...]) -> Case:
    """A cause found in the logs, for the per-check formats (JUnit): a failure only when an
    `--expect-none` assertion forbade it, as the exit code says; otherwise a warning (found, not asserted)."""
    failed = any(v.count and v.expectation.matches(f.cause, f.component) for v in violations)
    return Case(
        name=f"{f.cause.value} on {f.component.value}",
        group=f.component.value,
        status="fail" if failed else "warn",
        seconds=0.0,
        message=f"{f.count} event{'s' if f.count != 1 else ''} since {_when(f.first_seen) or 'the start'}",
        cause=f.cause.value,
        layer=f.layer.value,
        suite="logs",
        guidance=f.guidance,
        evidence=f"{_where(f.example)}: {f.example.text}",
    )


def _verdict(summary: LogSummary) -> Paragraph:
    mb = summary.bytes / 1e6
    scope = f"{summary.lines:,} lines ({mb:,.1f} MB) in {len(summary.sources)} source(s)"
    explained = sum(f.count for f in summary.findings)
    unexplained = sum(c.count for c in summary.clusters)
    text = (
        f"{explained:,} failure events in {len(summary.findings)} cause/component group(s), "
        f"{unexplained:,} unexplained errors in {len(summary.clusters)} template(s); {scope}"
    )
    if summary.violations:
        broken = [str(v.expectation) for v in summary.violations if v.count]
        verdict = (
            f"FAIL: expected none of {', '.join(broken)}" if broken else "PASS: no expected-absent cause"
        )
        return Paragraph(f"{verdict}. {text}", "fail" if broken else "ok")
    return Paragraph(text, "warn" if explained or unexplained else "ok")


def _violation(v: Violation) -> list[Block]:
    more = f" (first {len(v.occurrences)} shown)" if v.count > len(v.occurrences) else ""
    return [
        Paragraph(f"--expect-none {v.expectation}: {v.count:,} matching event(s){more}", "fail"),
        Bullets(tuple(_where(o) + " " + o.text for o in v.occurrences)),
    ]


def _findings_table(findings: tuple[Finding, ...]) -> Table:
    rows = tuple(
        (
            f.cause.value,
            f.component.value,
            f.layer.value,
            f"{f.count:,}",
            _when(f.first_seen),
            _when(f.last_seen),
        )
        for f in findings
    )
    columns = ("cause", "component", "layer", "count", "first seen", "last seen")
    return Table(columns, rows, tuple("fail" for _ in rows))


def _histogram_table(h: Histogram) -> Table:
    """One row per bucket: total, a bar, and the causes in it (the full matrix is in the JSON)."""
    peak = max((sum(counts) for _, counts in h.buckets), default=0) or 1
    same_day = len({start.date() for start, _ in h.buckets}) == 1
    rows = []
    for start, counts in h.buckets:
        total = sum(counts)
        ranked = sorted((n, cause) for cause, n in zip(h.causes, counts, strict=True) if n)[::-1]
        causes = ", ".join(f"{cause} {n}" for n, cause in ranked[:MAX_HISTOGRAM_CAUSES])
        causes += ", ..." if len(ranked) > MAX_HISTOGRAM_CAUSES else ""
        bar = "#" * max(1, round(total / peak * BAR_WIDTH)) if total else ""
        stamp = start.strftime("%H:%M") if same_day else start.strftime("%Y-%m-%d %H:%M")
        rows.append((stamp, str(total), bar.ljust(BAR_WIDTH), causes))
    day = f", {h.buckets[0][0]:%Y-%m-%d}" if same_day and h.buckets else ""
    title = f"failure events per {_width(h.bucket_seconds)} (UTC{day})"
    return Table(("start", "events", "", "causes"), tuple(rows), title=title, shrink=(3,))


def _clusters_table(clusters: tuple[Cluster, ...]) -> Table:
    shown = clusters[:MAX_CLUSTERS_SHOWN]
    rows = tuple(
        (f"{c.count:,}", _when(c.first_seen), _when(c.last_seen), c.template, _where(c.example))
        for c in shown
    )
    title = (
        f"{len(clusters)} templates, {len(shown)} most frequent shown" if len(clusters) > len(shown) else ""
    )
    return Table(
        ("count", "first seen", "last seen", "template", "example at"), rows, title=title, shrink=(3, 4)
    )


def _advice(f: Finding) -> list[Block]:
    return [
        Paragraph(f"{f.cause.value} on {f.component.value} ({f.layer.value}): {f.count:,} events", "fail"),
        Bullets(
            (
                f"summary: {f.summary}",
                f"next: {f.guidance}",
                f"owner: {f.owner}",
                f"example: {_where(f.example)} {f.example.text}",
                f"rule: {f.rule}",
            )
        ),
    ]


def _input(summary: LogSummary) -> KeyValues:
    pairs = [
        (s.name, f"{s.lines:,} lines, {s.bytes:,} bytes" + (f"; stopped: {s.error}" if s.error else ""))
        for s in summary.sources
    ]
    skipped = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(summary.skipped.items())) or "none"
    pairs += [
        ("skipped", skipped),
        ("invalid UTF-8 (read with replacement)", f"{summary.repaired:,}"),
        ("events without a timestamp", f"{summary.untimed:,}"),
        ("candidate lines classified", f"{summary.candidates:,} (prefilter: {summary.prefilter})"),
    ]
    if summary.since or summary.until:
        pairs.append(("window", f"{_when(summary.since) or '...'} to {_when(summary.until) or '...'}"))
    if summary.components:
        pairs.append(("component", ", ".join(c.value for c in summary.components)))
    return KeyValues(tuple(pairs))


def _where(o: Occurrence) -> str:
    return f"{o.source}:{o.line}" + (f" [{_when(o.time)}]" if o.time else "")


def _when(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else ""


def _width(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}s" if n > 1 else unit
    return f"{seconds} s"
