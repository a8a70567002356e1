"""`infraprobe analyze` results as a Report: root causes with their whys first, then every finding."""

from __future__ import annotations

from infraprobe.analysis.graph import PATH_KIND
from infraprobe.analysis.model import Analysis, Finding, RootCause, Severity
from infraprobe.output.model import Block, Bullets, Heading, KeyValues, Paragraph, Report, Table
from infraprobe.output.views.check import case
from infraprobe.result import CheckResult

_SEVERITY_TONE = {Severity.CRITICAL: "fail", Severity.WARNING: "warn", Severity.INFO: "muted"}


def analysis_report(analysis: Analysis) -> Report:
    blocks: list[Block] = [_summary(analysis)]
    if analysis.root_causes:
        blocks += [Heading("Root causes"), _roots_table(analysis.root_causes)]
        for i, root in enumerate(analysis.root_causes, start=1):
            blocks += _root(i, root)
    if analysis.findings:
        blocks += [Heading("Findings"), _findings_table(analysis.findings)]
        blocks += _other_fixes(analysis)
    if analysis.results:
        blocks += [Heading("Checks"), _checks_table(analysis.results)]
    title = f"infraprobe analyze: {analysis.environment}" if analysis.environment else "infraprobe analyze"
    cases = tuple(case(r) for r in analysis.results if r.kind != PATH_KIND)  # a path is never checked
    return Report(title, tuple(blocks), analysis.to_dict(), analysis.exit_code, cases, kind="analyze")


def _summary(analysis: Analysis) -> Paragraph:
    verdict = "FAIL" if analysis.exit_code else "PASS"
    counts = {s: sum(f.severity is s for f in analysis.findings) for s in Severity}
    failed = sum(not r.ok for r in analysis.results)
    checks = (
        f"{len(analysis.results)} checks, {failed} failed" if analysis.probed else "no checks run (static)"
    )
    text = (
        f"{verdict}: {len(analysis.root_causes)} root cause(s); {counts[Severity.CRITICAL]} critical, "
        f"{counts[Severity.WARNING]} warning finding(s); {checks}; "
        f"{'compared with live values' if analysis.observed else 'declared values only'}"
    )
    return Paragraph(text, "fail" if analysis.exit_code else "ok")


def _roots_table(roots: tuple[RootCause, ...]) -> Table:
    rows = tuple(
        (str(i), r.component, r.cause, r.layer, r.confidence.value, ", ".join(r.blocked) or "-")
        for i, r in enumerate(roots, start=1)
    )
    return Table(
        ("#", "component", "cause", "layer", "confidence", "blocked"),
        rows,
        ("fail",) * len(rows),
        shrink=(5,),
    )


def _root(index: int, root: RootCause) -> list[Block]:
    pairs = [
        ("confidence", f"{root.confidence.value}: {root.reason}"),
        ("blocked", ", ".join(root.blocked) or "nothing else failed"),
        ("fix", root.fix),
    ]
    return [
        Heading(f"Root cause {index}: {root.component} — {root.cause} ({root.layer})", 3),
        KeyValues(tuple(pairs)),
        Bullets(tuple(w.statement for w in root.whys), ordered=True),
    ]


def _findings_table(findings: tuple[Finding, ...]) -> Table:
    rows = tuple((f.severity.value, f.code, ", ".join(f.components), f.evidence) for f in findings)
    tones = tuple(_SEVERITY_TONE[f.severity] for f in findings)
    return Table(("severity", "code", "components", "evidence"), rows, tones, shrink=(3, 2))


def _other_fixes(analysis: Analysis) -> list[Block]:
    """Fixes for findings that are not root causes (root causes already show theirs)."""
    roots = [r.finding for r in analysis.root_causes if r.finding is not None]
    items = tuple(
        f"{f.code} ({', '.join(f.components)}): {f.fix}" for f in analysis.findings if f not in roots
    )
    return [Paragraph("Also fix:"), Bullets(items)] if items else []


def _checks_table(results: tuple[CheckResult, ...]) -> Table:
    rows = tuple(
        (_status(r), r.component, r.kind, r.diagnosis.cause.value if r.diagnosis else "", r.message)
        for r in results
    )
    tones = tuple("muted" if r.kind == PATH_KIND else r.status.value for r in results)
    return Table(("status", "component", "kind", "cause", "detail"), rows, tones, shrink=(4,), spare=(2,))


def _status(result: CheckResult) -> str:
    # A network path is never probed: "ok" would claim a check that did not happen.
    return "-" if result.kind == PATH_KIND else result.status.value
