"""`infraprobe report`: the handoff report as a Report, built from saved evidence by a pure function.

Every text taken from the evidence goes through `Scrub` first (credential-shaped text masked, addresses
replaced unless allowed), so the model itself holds nothing a renderer could leak. `data` is the report's
own JSON (`schema: infraprobe.report/v1`): the next run reads its checklist to say what turned green, and when.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from infraprobe.output.model import Block, Bullets, Case, Chart, Heading, KeyValues, Paragraph, Report, Table
from infraprobe.redact import mask_patterns

SCHEMA = "infraprobe.report/v1"
OWNERS = ("infrastructure", "configuration", "application")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])\[?(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}\]?(?![\w:])")
ADDRESS = "<address>"


@dataclass(frozen=True, slots=True)
class Sample:
    """One result the monitor recorded: what the timeline and the cause breakdown are drawn from."""

    component: str
    at: datetime
    ok: bool
    seconds: float
    cause: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one report is built from: each command's JSON (the last given wins), and where it came from."""

    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # kind -> document
    files: tuple[str, ...] = ()  # file names, for the report's evidence list
    config: Path | None = None
    history: Path | None = None  # a history store next to the evidence (sqlite file)
    samples: tuple[Sample, ...] = ()  # what that store (or --store) recorded, oldest first
    log_files: tuple[Path, ...] = ()  # logs given as they are (scanned into the "logs" output)

    def get(self, kind: str) -> Mapping[str, Any]:
        return self.outputs.get(kind, {})


@dataclass(frozen=True, slots=True)
class Scrub:
    """The one gate evidence text passes on its way into the model."""

    addresses: bool = False  # keep IP addresses (only when the user says the report may carry them)

    def __call__(self, value: object) -> str:
        text = mask_patterns(str(value))
        if not self.addresses:
            text = _IPV6.sub(ADDRESS, _IPV4.sub(ADDRESS, text))
        return text


@dataclass(frozen=True, slots=True)
class Context:
    """What the report needs besides the evidence: how to name the config in commands, and the policy."""

    config: str = "CONFIG"  # the path the commands section shows
    folder: str = "EVIDENCE"  # what `infraprobe report` is re-run on
    store: str = ""  # the history store URL the monitor command writes to
    scrub: Scrub = Scrub()


@dataclass(frozen=True, slots=True)
class Action:
    owner: str
    component: str
    cause: str
    action: str
    evidence: str
    confirm: str  # the check(s) that will show the fix worked, as commands

    def row(self) -> tuple[str, str, str, str, str]:
        return (self.component, self.cause, self.action, self.evidence, self.confirm)


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    passed: bool
    message: str
    since: str  # when it was first seen in its current state ("" when unknown)
    turned_green: bool = False  # open in the previous report, done now


def handoff_report(evidence: Evidence, context: Context = Context()) -> Report:
    """The handoff report: status, root causes with their whys, actions per owner, checklist, commands."""
    roots = _list(evidence.get("analyze"), "root_causes")
    actions = _actions(evidence, roots, context)
    criteria = _criteria(evidence, context.scrub)
    blocks: list[Block] = [*_status(evidence, roots, criteria, context.scrub)]
    blocks += _roots(roots, context.scrub)
    blocks += _action_blocks(actions)
    blocks += _criteria_blocks(evidence, criteria, context.scrub)
    blocks += _logs_blocks(evidence, context.scrub)
    blocks += _history_blocks(evidence.samples, context.scrub)
    blocks += _commands_blocks(_commands(evidence, context))
    blocks += [Heading("Evidence"), Bullets(tuple(context.scrub(f) for f in evidence.files))]
    environment = context.scrub(_environment(evidence))
    data = _data(evidence, roots, actions, criteria, context)
    exit_code = 0 if data["status"] == "resolved" else 1
    title = f"Handoff report: {environment or 'environment'}"
    cases = _cases(evidence, criteria, context.scrub)
    return Report(title, tuple(blocks), data, exit_code, cases, kind="report")  # JSON: schema, version


def _cases(evidence: Evidence, criteria: Sequence[Criterion], scrub: Scrub) -> tuple[Case, ...]:
    """One verdict per success criterion (JUnit of the report); without a validation run, per check."""
    if criteria:
        return tuple(Case(c.id, "criterion", "ok" if c.passed else "fail", 0.0, c.message) for c in criteria)
    results = _list(evidence.get("check"), "results") or _list(evidence.get("analyze"), "results")
    return tuple(_case(r, scrub) for r in results)


def _case(result: Mapping[str, Any], scrub: Scrub) -> Case:
    diagnosis = result.get("diagnosis") or {}
    return Case(
        scrub(result.get("component", "")),
        scrub(result.get("kind", "")),
        scrub(result.get("status", "")),
        float(result.get("duration_ms") or 0) / 1000,
        scrub(result.get("message", "")),
        cause=scrub(diagnosis.get("cause", "")),
        layer=scrub(diagnosis.get("layer", "")),
    )


# -- reading the evidence -------------------------------------------------------------------------------


def _list(document: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = document.get(key, [])
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _environment(evidence: Evidence) -> str:
    for kind in ("validate", "analyze", "check"):
        name = evidence.get(kind).get("environment")
        if name:
            return str(name)
    return ""


def _verdict(evidence: Evidence) -> Mapping[str, Any]:
    verdict = evidence.get("validate").get("verdict", {})
    return verdict if isinstance(verdict, Mapping) else {}


# -- status ---------------------------------------------------------------------------------------------


def _state(evidence: Evidence, roots: Sequence[Mapping[str, Any]], criteria: Sequence[Criterion]) -> str:
    if roots or any(not c.passed for c in criteria) or _failed_checks(evidence):
        return "failing"
    return "resolved" if criteria or evidence.get("check") else "unknown"


def _failed_checks(evidence: Evidence) -> list[str]:
    results = _list(evidence.get("check"), "results") or _list(evidence.get("analyze"), "results")
    return [str(r.get("component", "")) for r in results if r.get("status") == "fail"]


def _status(
    evidence: Evidence, roots: Sequence[Mapping[str, Any]], criteria: Sequence[Criterion], scrub: Scrub
) -> list[Block]:
    state = _state(evidence, roots, criteria)
    done = sum(c.passed for c in criteria)
    failed = _failed_checks(evidence)
    text = (
        f"{state.upper()}: {len(roots)} root cause(s); "
        f"{len(failed)} failing check(s){': ' + ', '.join(failed) if failed else ''}; "
        f"success criteria {done} of {len(criteria)} met"
    )
    pairs = [("environment", _environment(evidence) or "-")]
    verdict = _verdict(evidence)
    if verdict:
        pairs.append(
            ("validation", f"{'passed' if verdict.get('passed') else 'failed'}: {verdict.get('reason')}")
        )
        pairs.append(("validated at", str(evidence.get("validate").get("started_at", "-"))))
    tone = "ok" if state == "resolved" else "fail"
    return [
        Heading("Status"),
        Paragraph(scrub(text), tone),
        KeyValues(tuple((k, scrub(v)) for k, v in pairs)),
    ]


# -- root causes ----------------------------------------------------------------------------------------


def _roots(roots: Sequence[Mapping[str, Any]], scrub: Scrub) -> list[Block]:
    if not roots:
        return [Heading("Root causes"), Paragraph("No root cause: nothing failing needs explaining.", "ok")]
    rows = tuple(
        (str(i), scrub(r.get("component")), scrub(r.get("cause")), scrub(r.get("layer")), _blocked(r, scrub))
        for i, r in enumerate(roots, start=1)
    )
    blocks: list[Block] = [
        Heading("Root causes"),
        Table(("#", "component", "cause", "layer", "blocks"), rows, ("fail",) * len(rows)),
    ]
    for i, root in enumerate(roots, start=1):
        blocks += _root(i, root, scrub)
    return blocks


def _blocked(root: Mapping[str, Any], scrub: Scrub) -> str:
    blocked = root.get("blocked") or []
    return scrub(", ".join(str(b) for b in blocked)) if blocked else "-"


def _root(index: int, root: Mapping[str, Any], scrub: Scrub) -> list[Block]:
    title = f"{index}. {root.get('component')}: {root.get('cause')} ({root.get('layer')})"
    pairs = (
        ("confidence", scrub(f"{root.get('confidence')}: {root.get('reason')}")),
        ("fix", scrub(root.get("fix", ""))),
    )
    whys = tuple(f"Why? {scrub(w.get('statement', ''))}" for w in _list(root, "whys"))
    return [Heading(scrub(title), 3), KeyValues(pairs), Bullets(whys, ordered=True)]


# -- action items ---------------------------------------------------------------------------------------


def _actions(evidence: Evidence, roots: Sequence[Mapping[str, Any]], context: Context) -> list[Action]:
    actions = [_action(evidence, root, context) for root in roots]
    return sorted(actions, key=lambda a: (OWNERS.index(a.owner) if a.owner in OWNERS else 9, a.component))


def _action(evidence: Evidence, root: Mapping[str, Any], context: Context) -> Action:
    scrub, whys = context.scrub, _list(root, "whys")
    own = whys[-1].get("statement", "") if whys else root.get("reason", "")
    logged = [
        f"logs: {f.get('count')} {f.get('cause')} event(s), last {f.get('last_seen') or '-'}"
        for f in _list(evidence.get("logs"), "findings")
        if f.get("cause") == root.get("cause")
    ]
    return Action(
        owner=str(root.get("layer", "")),
        component=scrub(root.get("component", "")),
        cause=scrub(root.get("cause", "")),
        action=scrub(root.get("fix", "")),
        evidence=scrub("; ".join([str(own), *logged])),
        confirm=scrub(" ; ".join(_confirm(evidence, root, context))),
    )


def _confirm(evidence: Evidence, root: Mapping[str, Any], context: Context) -> list[str]:
    """The checks that turn green when this root is fixed: those on the component itself, on the failing
    check nearest the root in its whys, and log assertions about its cause."""
    targets = {str(root.get("component"))}
    check_whys = [w for w in _list(root, "whys") if w.get("source") == "check"]
    if check_whys:
        targets.add(str(check_whys[-1].get("ref")))
    checks = _list(evidence.get("validate"), "checks")
    ids = [
        str(c.get("id"))
        for c in checks
        if c.get("target") in targets or str(root.get("cause")) in str(c.get("name", ""))
    ]
    if ids:
        return [f"infraprobe validate {context.config} " + " ".join(f"--only '{i}'" for i in ids)]
    only = " ".join(f"--only {t}" for t in sorted(targets))
    return [f"infraprobe check {context.config} {only}"]


def _action_blocks(actions: Sequence[Action]) -> list[Block]:
    if not actions:
        return []
    blocks: list[Block] = [Heading("Action items")]
    columns = ("component", "cause", "action", "evidence", "confirm with")
    for owner in (*OWNERS, *sorted({a.owner for a in actions} - set(OWNERS))):
        mine = tuple(a.row() for a in actions if a.owner == owner)
        if mine:
            blocks += [
                Heading(f"Owner: {owner}", 3),
                Table(columns, mine, ("fail",) * len(mine), shrink=(2, 3, 4)),
            ]
    return blocks


# -- success criteria -----------------------------------------------------------------------------------


# A log check's id names its window ("logs/app.log no dns_failure for cache since 2026-12-06T17:02:17Z"): the
# same check run again after a fix reads a later window and is still the criterion the earlier report listed.
_WINDOW = re.compile(r" since \S+$")


def _same_check(check_id: object) -> str:
    return _WINDOW.sub("", str(check_id))


def _criteria(evidence: Evidence, scrub: Scrub) -> list[Criterion]:
    when = str(evidence.get("validate").get("started_at", ""))
    before = {_same_check(c.get("id")): c for c in _list(evidence.get("report"), "criteria")}
    return [
        _criterion(c, before.get(_same_check(c.get("id"))), when, scrub)
        for c in _list(evidence.get("validate"), "checks")
    ]


def _criterion(
    check: Mapping[str, Any], before: Mapping[str, Any] | None, when: str, scrub: Scrub
) -> Criterion:
    passed = bool(check.get("passed"))
    unchanged = before is not None and bool(before.get("passed")) == passed
    since = str(before.get("since", "")) if unchanged and before is not None else when
    turned = before is not None and passed and not before.get("passed")
    return Criterion(scrub(check.get("id", "")), passed, scrub(check.get("message", "")), since, turned)


def _criteria_blocks(evidence: Evidence, criteria: Sequence[Criterion], scrub: Scrub) -> list[Block]:
    if not criteria:
        return [
            Heading("Success criteria"),
            Paragraph("No validation run in the evidence: run the validate command below."),
        ]
    items = tuple(_checkbox(c) for c in criteria)
    verdict = _verdict(evidence)
    head = f"Validation {'passes' if verdict.get('passed') else 'fails'}: {verdict.get('reason', '')}"
    blocks: list[Block] = [Heading("Success criteria"), Paragraph(scrub(head)), Bullets(items)]
    green = tuple(f"{c.id} at {c.since}" for c in criteria if c.turned_green)
    if green:
        blocks += [Paragraph("Turned green since the previous report:", "ok"), Bullets(green)]
    return blocks


def _checkbox(criterion: Criterion) -> str:
    mark = "[x]" if criterion.passed else "[ ]"
    state = "done" if criterion.passed else "open"
    since = f" since {criterion.since}" if criterion.since else ""
    return f"{mark} {criterion.id}: {criterion.message} ({state}{since})"


# -- logs and commands ----------------------------------------------------------------------------------


def _logs_blocks(evidence: Evidence, scrub: Scrub) -> list[Block]:
    findings = _list(evidence.get("logs"), "findings")
    if not findings:
        return []
    rows = tuple(
        tuple(
            scrub(f.get(k) or "-")
            for k in ("cause", "layer", "component", "count", "first_seen", "last_seen")
        )
        for f in findings
    )
    return [
        Heading("What the logs say"),
        Table(("cause", "layer", "component", "count", "first", "last"), rows),
    ]


BUCKETS = 48  # timeline columns: enough to see when things changed, few enough to read


def _history_blocks(samples: Sequence[Sample], scrub: Scrub) -> list[Block]:
    """The monitor's history: availability and latency over time per component, and the causes seen."""
    if not samples:
        return []
    start, end = samples[0].at, samples[-1].at
    width = max((end - start).total_seconds() / BUCKETS, 1.0)
    slots = min(BUCKETS, int((end - start).total_seconds() / width) + 1)
    labels = tuple(_clock(start, i * width) for i in range(slots))
    names = sorted({s.component for s in samples})
    cells = {n: [[] for _ in range(slots)] for n in names}  # type: dict[str, list[list[Sample]]]
    for sample in samples:
        slot = min(int((sample.at - start).total_seconds() / width), slots - 1)
        cells[sample.component][slot].append(sample)
    up = tuple((scrub(n), tuple(_share_up(c) for c in cells[n])) for n in names)
    slow = tuple((scrub(n), tuple(_worst_ms(c) for c in cells[n])) for n in names)
    blocks: list[Block] = [
        Heading("Timeline"),
        Paragraph(
            f"{len(samples)} results recorded by the monitor from {start.isoformat()} to {end.isoformat()}."
        ),
        Chart("Availability per component (% of checks up)", labels, up, "strip", "%"),
        Chart("Slowest check per component (ms)", labels, slow, "line", "ms"),
        _history_table(samples, names, scrub),
    ]
    return blocks + _causes_blocks(samples, scrub)


def _clock(start: datetime, seconds: float) -> str:
    return (start + timedelta(seconds=seconds)).strftime("%H:%M:%S")


def _share_up(cell: Sequence[Sample]) -> float | None:
    return 100.0 * sum(s.ok for s in cell) / len(cell) if cell else None


def _worst_ms(cell: Sequence[Sample]) -> float | None:
    return max(s.seconds for s in cell) * 1000 if cell else None


def _history_table(samples: Sequence[Sample], names: Sequence[str], scrub: Scrub) -> Table:
    rows = []
    for name in names:
        mine = [s for s in samples if s.component == name]
        failed = [s for s in mine if not s.ok]
        last_fail = failed[-1].at.isoformat() if failed else "-"
        green = next((s.at.isoformat() for s in mine if failed and s.ok and s.at > failed[-1].at), "-")
        rows.append((scrub(name), str(len(mine)), f"{_share_up(mine) or 0:.0f}%", last_fail, green))
    return Table(("component", "results", "up", "last failure", "green again at"), tuple(rows))


def _causes_blocks(samples: Sequence[Sample], scrub: Scrub) -> list[Block]:
    causes = Counter(s.cause or "unknown" for s in samples if not s.ok).most_common()
    if not causes:
        return []
    labels = tuple(scrub(c) for c, _ in causes)
    counts = tuple(float(n) for _, n in causes)
    return [
        Heading("Cause breakdown"),
        Chart("Failed checks by cause", labels, (("failed checks", counts),), "bars"),
        Table(
            ("cause", "failed checks"),
            tuple((label, str(n)) for label, (_, n) in zip(labels, causes, strict=True)),
        ),
    ]


def _commands(evidence: Evidence, context: Context) -> tuple[tuple[str, str], ...]:
    store = f" --store {context.store}" if context.store else ""
    validate = f"infraprobe validate {context.config} --format json > validate.json"
    analyze = f"infraprobe analyze {context.config} --observe --format json > analyze.json"
    return (
        ("watch while fixing", f"infraprobe monitor {context.config}{store}"),
        ("what happened since", f"infraprobe history {context.config}{store}"),
        ("validate the fix", validate),
        ("look for root causes again", analyze),
        ("update this report", f"infraprobe report {context.folder} analyze.json validate.json"),
    )


def _commands_blocks(commands: Sequence[tuple[str, str]]) -> list[Block]:
    return [Heading("Commands"), KeyValues(tuple((k, f"`{v}`") for k, v in commands))]


def _data(
    evidence: Evidence,
    roots: Sequence[Mapping[str, Any]],
    actions: Sequence[Action],
    criteria: Sequence[Criterion],
    context: Context,
) -> dict[str, Any]:
    scrub = context.scrub
    return {
        "schema": SCHEMA,
        "environment": scrub(_environment(evidence)),
        "status": _state(evidence, roots, criteria),
        "validated_at": scrub(evidence.get("validate").get("started_at", "")),
        "root_causes": [
            {k: scrub(r.get(k, "")) for k in ("component", "cause", "layer", "confidence")} for r in roots
        ],
        "actions": [
            {
                "owner": a.owner,
                "component": a.component,
                "cause": a.cause,
                "action": a.action,
                "evidence": a.evidence,
                "confirm": a.confirm,
            }
            for a in actions
        ],
        "criteria": [
            {
                "id": c.id,
                "passed": c.passed,
                "message": c.message,
                "since": c.since,
                "turned_green": c.turned_green,
            }
            for c in criteria
        ],
        "commands": dict(_commands(evidence, context)),
        "evidence": [scrub(f) for f in evidence.files],
    }
