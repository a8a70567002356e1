"""`infraprobe validate` results as a Report: the verdict, categories, checks, failures, and test suites."""

from __future__ import annotations

from infraprobe.output.model import Block, Bullets, Case, Heading, Paragraph, Report, Table
from infraprobe.validate.outcome import CategoryOutcome, CheckOutcome, ValidationReport


def validation_report(report: ValidationReport) -> Report:
    blocks: list[Block] = [_verdict(report), _categories(report.categories), _checks(report.checks)]
    if report.failures:
        blocks.append(Heading("Failures"))
        for outcome in report.failures:
            blocks.extend(_failure(outcome))
    title = f"infraprobe validate: {report.environment}" if report.environment else "infraprobe validate"
    cases = tuple(_case(c) for c in report.checks)
    return Report(title, tuple(blocks), report.to_dict(), report.exit_code, cases, kind="validate")


def _verdict(report: ValidationReport) -> Paragraph:
    v = report.verdict
    checks = report.checks
    passed = sum(c.passed for c in checks)
    word = "PASS" if v.passed else "FAIL"
    decided = " and ".join(d.replace("_", " ") for d in v.decided_by)
    text = (
        f"{word}: {passed} of {len(checks)} checks passed in {report.duration:.1f} s; {v.reason} "
        f"(decided by {decided})"
    )
    return Paragraph(text, "ok" if v.passed else "fail")


def _categories(categories: tuple[CategoryOutcome, ...]) -> Table:
    rows = tuple(
        (
            "ok" if c.ok else "fail",
            c.name,
            "yes" if c.critical else "",
            str(c.passed),
            str(c.failed),
            f"{c.rate:.0%}",
        )
        for c in categories
    )
    tones = tuple("ok" if c.ok else ("fail" if c.critical else "warn") for c in categories)
    return Table(
        ("status", "category", "critical", "passed", "failed", "rate"), rows, tones, title="Categories"
    )


def _checks(checks: tuple[CheckOutcome, ...]) -> Table:
    rows = tuple(
        (
            "pass" if c.passed else "fail",
            c.category,
            c.name,
            c.form.value,
            f"{c.duration:.1f} s" if c.duration >= 1 else f"{c.duration * 1000:.0f} ms",
            c.diagnosis.cause.value if c.diagnosis and not c.passed else "",
            c.message,
        )
        for c in checks
    )
    tones = tuple("ok" if c.passed else "fail" for c in checks)
    columns = ("status", "category", "check", "form", "time", "cause", "detail")
    return Table(columns, rows, tones, title="Checks", shrink=(6, 2))


def _failure(c: CheckOutcome) -> list[Block]:
    d = c.diagnosis
    head = f"{c.id}: {d.cause.value} ({d.layer.value}, {d.component.value})" if d else f"{c.id}: failed"
    return [Paragraph(head, "fail"), Bullets(tuple(_failure_lines(c)))]


def _failure_lines(c: CheckOutcome) -> list[str]:
    lines = [f"result: {c.message}"]
    d = c.diagnosis
    if d is not None:
        lines += [f"summary: {d.summary}", f"next: {d.guidance}", f"owner: {d.owner}"]
        if d.evidence:
            lines.append(f"evidence: {d.evidence}")
    if c.critical:
        lines.append(f"critical: category {c.category} is critical, so this failure fails the run")
    return lines


def _case(c: CheckOutcome) -> Case:
    """One check as a verdict for the per-check formats (JUnit): suite = category, group = form."""
    d = c.diagnosis
    return Case(
        name=c.id.split("/", 1)[1],  # the label, numbered when a category repeats one
        group=c.form.value,
        status="ok" if c.passed else "fail",
        seconds=c.duration,
        message=c.message,
        cause=(d.cause.value if d else "") if not c.passed else "",
        layer=(d.layer.value if d else "") if not c.passed else "",
        suite=c.category,
        guidance=d.guidance if d and not c.passed else "",
        evidence=d.evidence if d and not c.passed else "",
        critical=c.critical,
    )
