"""`infraprobe check` results as a Report."""

from __future__ import annotations

from infraprobe.output.model import Block, Bullets, Case, Heading, Paragraph, Report, Table
from infraprobe.result import CheckResult, Status
from infraprobe.runner import CheckReport


def check_report(report: CheckReport) -> Report:
    blocks: list[Block] = [_summary(report), _results_table(report.results)]
    if report.not_probed:
        blocks.append(Paragraph(f"not probed (no endpoint of their own): {', '.join(report.not_probed)}"))
    failures = [r for r in report.results if r.diagnosis is not None]
    if failures:
        blocks.append(Heading("Why"))
        for result in failures:
            blocks.extend(_why(result))
    title = f"infraprobe check: {report.environment}" if report.environment else "infraprobe check"
    cases = tuple(case(r) for r in report.results)
    return Report(title, tuple(blocks), report.to_dict(), report.exit_code, cases, kind="check")


def case(r: CheckResult) -> Case:
    """One check result as a verdict for the per-check formats."""
    d = r.diagnosis
    return Case(
        name=r.component,
        group=r.kind,
        status=r.status.value,
        seconds=r.duration,
        message=r.message,
        cause=d.cause.value if d else "",
        layer=d.layer.value if d else "",
        phases=tuple((p.name.value, p.seconds) for p in r.phases),
        suite=r.category,
        guidance=d.guidance if d else "",
        evidence=d.evidence if d else "",
        critical=r.critical,
    )


def _summary(report: CheckReport) -> Paragraph:
    counts = {s: sum(r.status is s for r in report.results) for s in Status}
    verdict = "FAIL" if report.exit_code else "PASS"
    text = (
        f"{verdict}: {counts[Status.OK]} ok, {counts[Status.WARN]} warn, {counts[Status.FAIL]} fail "
        f"in {report.duration * 1000:.0f} ms"
    )
    return Paragraph(text, "fail" if report.exit_code else "ok")


def _results_table(results: tuple[CheckResult, ...]) -> Table:
    rows = tuple(_row(r) for r in results)
    tones = tuple(r.status.value for r in results)
    columns = ("status", "component", "kind", "time", "cause", "layer", "phases (ms)", "detail")
    return Table(columns, rows, tones, shrink=(7, 6), spare=(2, 3))


def _row(r: CheckResult) -> tuple[str, ...]:
    phases = " ".join(f"{p.name} {p.seconds * 1000:.1f}" for p in r.phases)
    status = r.status.value + ("" if r.critical else "*")
    cause = r.diagnosis.cause.value if r.diagnosis else ""
    layer = r.diagnosis.layer.value if r.diagnosis else ""
    return (status, r.component, r.kind, f"{r.duration * 1000:.1f} ms", cause, layer, phases, r.message)


def _why(r: CheckResult) -> list[Block]:
    d = r.diagnosis
    assert d is not None
    items = [f"summary: {d.summary}", f"next: {d.guidance}", f"owner: {d.owner}"]
    if d.evidence:
        items.append(f"evidence: {d.evidence}")
    return [
        Paragraph(f"{r.component}: {d.cause.value} ({d.layer.value}, {d.component.value})", r.status.value),
        Bullets(tuple(items)),
    ]
