"""The handoff report from saved evidence: recognising files, the model, the checklist across runs, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infraprobe.cli.main import main
from infraprobe.errors import ConfigError
from infraprobe.handoff import build_report, load_evidence
from infraprobe.monitor.store import open_store
from infraprobe.output.formats import FORMATS, render
from infraprobe.output.model import Bullets, Chart, Heading, Report, Table
from infraprobe.output.views.handoff import Context, Scrub, handoff_report
from infraprobe.result import Status
from infraprobe.taxonomy import Cause
from tests.monitor.helpers import T0, minutes, obs

SVG_NS = "http://www.w3.org/2000/svg"


def _why(component: str, statement: str, source: str = "check") -> dict[str, str]:
    return {"component": component, "statement": statement, "source": source, "ref": component}


ANALYZE: dict[str, Any] = {
    "environment": "staging",
    "ok": False,
    "probed": True,
    "observed": False,
    "findings": [],
    "results": [],
    "root_causes": [
        {
            "component": "cache",
            "cause": "dns_failure",
            "layer": "infrastructure",
            "confidence": "high",
            "reason": "its own check failed",
            "blocked": ["backend"],
            "whys": [
                _why("backend", "backend fails: HTTP 503 from 192.0.2.123"),
                _why("cache", "because cache fails: [Errno -3] Temporary failure in name resolution"),
            ],
            "fix": "Resolve the name from the workload: dig NAME",
        },
        {
            "component": "db",
            "cause": "pool_over_capacity",
            "layer": "configuration",
            "confidence": "medium",
            "reason": "the arithmetic fails",
            "blocked": [],
            "whys": [_why("db", "because pools may open 9 connections to db, which accepts 5", "finding")],
            "fix": "Make the worst case fit",
        },
    ],
}


def _validate(passed: dict[str, bool], started: str = "2026-12-06T08:00:00+00:00") -> dict[str, Any]:
    checks = [
        {"id": f"data/{t}", "name": t, "target": t, "passed": ok, "message": "ok" if ok else "failed"}
        for t, ok in passed.items()
    ]
    verdict = {"passed": all(passed.values()), "reason": "pass rate"}
    return {"schema": "infraprobe.validate/v1", "environment": "staging", "started_at": started,
            "verdict": verdict, "checks": checks}  # fmt: skip


def _write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(doc))
    return folder / name


def test_files_are_recognised_by_schema_or_shape(tmp_path: Path) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    _write(tmp_path, "validate.json", _validate({"cache": False}))
    _write(tmp_path, "lab.json", {"scenario": "outage"})  # in a folder, not evidence: skipped
    (tmp_path / "config.yaml").write_text("components: []\n")
    evidence = load_evidence([tmp_path])
    assert set(evidence.outputs) == {"analyze", "validate"}
    assert evidence.config == tmp_path / "config.yaml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1,\n oops}', "x.json:2: not JSON"),
        ("[1]", "x.json:1: not an infraprobe JSON output"),
        ('{"schema": "infraprobe.nope/v1"}', "x.json: schema: unknown schema"),
        ('{"scenario": "outage"}', "x.json:1: not an infraprobe JSON output"),
    ],
)
def test_bad_evidence_is_one_line_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_evidence([path])
    assert caught.value.one_line().startswith(f"{tmp_path}/{message}")


def test_roots_with_whys_and_actions_per_owner_with_the_confirming_check(tmp_path: Path) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    _write(tmp_path, "validate.json", _validate({"cache": False, "backend": False, "db": True}))
    report = handoff_report(load_evidence([tmp_path]), Context(config="env.yaml"))
    roots = [(r["component"], r["cause"], r["layer"]) for r in report.data["root_causes"]]
    assert roots == [
        ("cache", "dns_failure", "infrastructure"),
        ("db", "pool_over_capacity", "configuration"),
    ]
    owners = [b.text for b in report.blocks if isinstance(b, Heading) and b.text.startswith("Owner")]
    assert owners == ["Owner: infrastructure", "Owner: configuration"]
    cache = report.data["actions"][0]
    assert cache["confirm"] == "infraprobe validate env.yaml --only 'data/cache'"
    assert "Temporary failure in name resolution" in cache["evidence"]
    whys = next(b for b in report.blocks if isinstance(b, Bullets) and b.ordered)
    assert len(whys.items) == 2 and whys.items[0].startswith("Why? backend fails")
    assert report.exit_code == 1 and report.data["status"] == "failing"


def test_addresses_are_masked_unless_allowed(tmp_path: Path) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    evidence = load_evidence([tmp_path])
    assert "192.0.2.123" not in render(handoff_report(evidence), "markdown")
    shown = handoff_report(evidence, Context(scrub=Scrub(addresses=True)))
    assert "192.0.2.123" in render(shown, "markdown")


def test_credential_shaped_text_in_evidence_is_masked(tmp_path: Path) -> None:
    leaky = json.loads(json.dumps(ANALYZE).replace("dig NAME", "postgresql://app:hunter2-canary@db/app"))
    _write(tmp_path, "analyze.json", leaky)
    report = handoff_report(load_evidence([tmp_path]))
    for fmt in FORMATS:
        assert "hunter2-canary" not in render(report, fmt)


def test_rerun_after_a_fix_shows_what_turned_green_and_when(tmp_path: Path) -> None:
    first = tmp_path / "first"
    _write(first, "analyze.json", ANALYZE)
    _write(first, "validate.json", _validate({"cache": False, "db": True}))
    before = handoff_report(load_evidence([first]))
    _write(first, "report.json", dict(before.data))
    fixed = _write(
        tmp_path, "validate.json", _validate({"cache": True, "db": True}, "2026-12-06T09:00:00+00:00")
    )
    after = handoff_report(load_evidence([first, fixed]))
    criteria = {c["id"]: c for c in after.data["criteria"]}
    assert criteria["data/cache"] == {
        "id": "data/cache", "passed": True, "message": "ok", "since": "2026-12-06T09:00:00+00:00", "turned_green": True,
    }  # fmt: skip
    assert criteria["data/db"]["since"] == "2026-12-06T08:00:00+00:00"  # done before: still since then
    assert "- [x] data/cache: ok (done since 2026-12-06T09:00:00+00:00)" in render(after, "markdown")


def test_a_log_check_rerun_over_a_later_window_is_the_same_criterion(tmp_path: Path) -> None:
    """A log check's id names its window (`since`): the rerun after a fix has a later one, and still turns
    the earlier report's open criterion green (the lab's outage then fixed run, seen failing in CI)."""
    first = tmp_path / "first"
    log_check = "logs/app.log no dns_failure for cache since {}"
    outage = _validate({"cache": False})
    outage["checks"][0]["id"] = log_check.format("2026-12-06T08:00:00Z")
    _write(first, "validate.json", outage)
    _write(first, "report.json", dict(handoff_report(load_evidence([first])).data))
    fixed_run = _validate({"cache": True}, "2026-12-06T09:00:00+00:00")
    fixed_run["checks"][0]["id"] = log_check.format("2026-12-06T09:00:00Z")
    fixed = _write(tmp_path, "validate.json", fixed_run)
    [criterion] = handoff_report(load_evidence([first, fixed])).data["criteria"]
    assert criterion["turned_green"] and criterion["id"] == log_check.format("2026-12-06T09:00:00Z")


def test_resolved_evidence_exits_zero_with_every_box_ticked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "analyze.json", {**ANALYZE, "root_causes": [], "ok": True})
    _write(tmp_path, "validate.json", _validate({"cache": True, "db": True}))
    with pytest.raises(SystemExit) as done:
        main(["report", str(tmp_path)])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert out.count("- [x] ") == 2 and "- [ ] " not in out and "RESOLVED" in out


def test_cli_bad_evidence_exits_three(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.json").write_text("{broken")
    with pytest.raises(SystemExit) as done:
        main(["report", str(tmp_path / "x.json")])
    assert done.value.code == 3  # evidence that cannot be read: an input error, not a usage error
    assert capsys.readouterr().err.startswith(f"error: {tmp_path}/x.json:1: not JSON")


def test_save_writes_the_report_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    with pytest.raises(SystemExit):
        main(["report", str(tmp_path), "--save", str(tmp_path)])
    assert (tmp_path / "report.md").read_text().startswith("# Handoff report: staging")
    assert json.loads((tmp_path / "report.json").read_text())["schema"] == "infraprobe.report/v1"
    assert capsys.readouterr().out.strip().endswith(("report.md", "report.html"))


def test_report_tables_have_an_owner_column_per_component(tmp_path: Path) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    tables = [b for b in handoff_report(load_evidence([tmp_path])).blocks if isinstance(b, Table)]
    action_tables = [t for t in tables if "confirm with" in t.columns]
    assert [t.rows[0][0] for t in action_tables] == ["cache", "db"]


def test_timeline_and_cause_breakdown_from_a_real_store(tmp_path: Path) -> None:
    """A SQLite history store written through the store API: the report draws it and says when it went green."""
    store = open_store(f"sqlite:///{tmp_path / 'history.db'}")
    rows = [obs("cache", Status.FAIL, at=T0 + minutes(i), cause=Cause.DNS_FAILURE) for i in range(3)]
    rows += [obs("cache", Status.OK, at=T0 + minutes(3 + i)) for i in range(2)]
    rows += [obs("db", Status.OK, at=T0 + minutes(i), duration=0.25) for i in range(5)]
    store.write(rows, [])
    store.close()
    _write(tmp_path, "analyze.json", ANALYZE)
    report = build_report([tmp_path])
    table = next(b for b in report.blocks if isinstance(b, Table) and "green again at" in b.columns)
    assert table.rows == (
        ("cache", "5", "40%", (T0 + minutes(2)).isoformat(), (T0 + minutes(3)).isoformat()),
        ("db", "5", "100%", "-", "-"),
    )
    charts = {c.kind: c for c in report.blocks if isinstance(c, Chart)}
    assert (
        dict(charts["strip"].series)["cache"][0] == 0.0 and dict(charts["strip"].series)["cache"][-1] == 100.0
    )
    assert max(v for v in dict(charts["line"].series)["db"] if v is not None) == 250.0
    assert charts["bars"].labels == ("dns_failure",) and charts["bars"].series[0][1] == (3.0,)
    page = render(report, "html")
    assert page.count("<svg") == 3 and "<script" not in page and "http://" not in page.replace(SVG_NS, "")


def test_html_is_one_self_contained_page(tmp_path: Path) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    _write(tmp_path, "validate.json", _validate({"cache": False, "db": True}))
    page = render(handoff_report(load_evidence([tmp_path])), "html")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"<(script|link|img|iframe)\b|src=|@import|url\(", page)  # nothing to fetch
    assert 'aria-label="open"' in page and 'aria-label="done"' in page


def test_log_files_given_as_they_are_are_scanned(tmp_path: Path) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    log = tmp_path / "backend.log"
    log.write_text(
        "2026-12-06T08:00:01Z ERROR Error -3 connecting to cache.internal:6379. "
        "Temporary failure in name resolution.\n"
    )
    report = build_report([tmp_path / "analyze.json", log])
    cache = report.data["actions"][0]
    assert cache["component"] == "cache" and "logs: 1 dns_failure event(s)" in cache["evidence"]


def test_a_missing_path_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or folder"):
        load_evidence([tmp_path / "nope.json"])


def test_a_gap_in_the_history_stays_a_gap_in_the_line() -> None:
    chart = Chart("latency", ("a", "b", "c", "d"), (("db", (1.0, None, 2.0, 3.0)),), "line", "ms")
    page = render(Report("t", (chart,)), "html")
    assert page.count("<polyline") == 2  # a, then c-d: nothing drawn through b


@pytest.mark.parametrize(("allowed", "shown"), [(None, False), (False, False), (True, True)])
def test_the_config_decides_whether_addresses_are_shown(
    tmp_path: Path, allowed: bool | None, shown: bool
) -> None:
    """An evidence folder's config.yaml with `report: {addresses: true}` keeps addresses; without it, or
    with false, they are masked. Unset `${VAR}`s in that config need no value for the report."""
    _write(tmp_path, "analyze.json", ANALYZE)
    section = "" if allowed is None else f"report:\n  addresses: {str(allowed).lower()}\n"
    (tmp_path / "config.yaml").write_text(
        "components:\n"
        "  - {name: cache, kind: redis, url: 'redis://:${UNSET_REPORT_SECRET}@127.0.0.1:6379/0'}\n" + section
    )
    assert ("192.0.2.123" in render(build_report([tmp_path]), "markdown")) is shown


def test_a_bad_report_section_is_one_located_error(tmp_path: Path) -> None:
    _write(tmp_path, "analyze.json", ANALYZE)
    (tmp_path / "config.yaml").write_text("components: []\nreport:\n  adresses: true\n")
    with pytest.raises(ConfigError) as caught:
        build_report([tmp_path])
    assert "config.yaml:3" in str(caught.value) and "addresses" in str(caught.value)
