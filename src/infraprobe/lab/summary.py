"""The lab's closing words: what was injected, what analyze named, what the checks said, where it all is."""

from __future__ import annotations

from collections import Counter

from infraprobe.lab.run import Outcome
from infraprobe.lab.scenario import EXPECTED

EVIDENCE = (
    "config.yaml",
    "check.json",
    "analyze.json",
    "logs.json",
    "validate.json",
    "history.db",
    "lab.json",
    "logs/",
    "report.md",
    "report.html",
    "report.json",
)


def summary(outcome: Outcome) -> str:
    plan = outcome.plan
    where = "network namespaces" if plan.netns else "loopback"
    faults = ", ".join(sorted(f.value for f in plan.faults)) or "none (--fix)"
    lines = [f"infraprobe lab: scenario {plan.scenario}: faults {faults}; on {where}"]
    if plan.left_out:
        left = ", ".join(sorted(f.value for f in plan.left_out))
        lines.append(f"left out (needs network namespaces): {left}")
    lines += ["", "root causes named by analyze:", *_roots(outcome), "", _checks(outcome), _timings(outcome)]
    lines += [*(f"note: {n}" for n in outcome.notes), "", f"evidence: {plan.folder.resolve()}"]
    lines.append("  " + "  ".join(EVIDENCE))
    return "\n".join([*lines, verdict(outcome)])


def verdict(outcome: Outcome) -> str:
    """The summary's last lines, all `lab -q` prints: the verdict, then the report (last, so a script, and
    the README's first command, can take it)."""
    named = "as injected" if outcome.ok else "NOT as injected"
    lines = [
        f"verdict: analyze named {named}"
        if outcome.plan.faults
        else f"verdict: {'all green' if outcome.ok else 'NOT green'}"
    ]
    if outcome.report is not None:
        lines.append(f"report: {outcome.report.resolve()}")
    return "\n".join(lines)


def _roots(outcome: Outcome) -> list[str]:
    by_key = {(e.component, e.cause, e.layer.value): f.value for f, e in EXPECTED.items()}
    rows = []
    for key in sorted(outcome.found | outcome.wanted):
        component, cause, layer = key
        if key in outcome.found and key in outcome.wanted:
            mark = f"ok       (fault {by_key[key]})"
        elif key in outcome.wanted:
            mark = f"MISSING  (fault {by_key[key]} not named)"
        else:
            mark = "UNEXPECTED (no fault injected for it)"
        rows.append(f"  {component:<11} {cause:<29} {layer:<15} {mark}")
    return rows or ["  none"]


def _checks(outcome: Outcome) -> str:
    counts = Counter(outcome.checks.values())
    failed = ", ".join(c for c, s in outcome.checks.items() if s == "fail")
    tail = f" ({failed})" if failed else ""
    return f"checks: {counts['ok']} ok, {counts['warn']} warn, {counts['fail']} fail{tail}"


def _timings(outcome: Outcome) -> str:
    names = ("start", "scenario", "settle", "teardown")
    parts = [f"{n} {outcome.timings[n]:.1f} s" for n in names if n in outcome.timings]
    if len(parts) == len(names):  # the settle step is part of the scenario's time
        parts[1:3] = [f"{parts[1]} (settle {outcome.timings['settle']:.1f} s)"]
    return "timings: " + ", ".join(parts)
