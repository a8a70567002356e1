"""The shipped example: `infraprobe analyze examples/staging-incident.yaml` names the outage's causes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infraprobe.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(["analyze", *args])
    code = done.value.code
    assert isinstance(code, int)
    return code, capsys.readouterr().out


def _roots(out: str) -> dict[str, dict[str, Any]]:
    return {r["cause"]: r for r in json.loads(out)["root_causes"]}


def test_example_names_every_independent_root_cause(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Capacity, start-up, certificate and the Redis DNS failure are separate roots, dependents under them."""
    code, out = _run(capsys, str(example), "--format", "json")
    roots = _roots(out)
    assert code == 1
    assert {"path_over_capacity", "pool_over_capacity", "startup_budget_exceeds_probe"} <= set(roots)
    assert {"cert_name_not_covered", "dns_failure"} <= set(roots)
    assert (roots["dns_failure"]["component"], roots["dns_failure"]["blocked"]) == (
        "cache",
        ["backend", "public-api"],
    )
    assert roots["path_over_capacity"]["blocked"] == ["db", "backend", "auth", "public-api"]
    assert roots["startup_budget_exceeds_probe"]["blocked"] == ["public-api"]
    # The failures that only follow from others are not roots of their own.
    assert not {r["component"] for r in roots.values() if r["origin"] == "check"} - {"cache"}


def test_example_whys_start_at_what_users_see(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each chain begins at the public health endpoint and ends at the evidence for the root."""
    _, out = _run(capsys, str(example), "--format", "json")
    startup = _roots(out)["startup_budget_exceeds_probe"]
    assert [w["component"] for w in startup["whys"]] == ["public-api", "backend", "backend"]
    assert [w["source"] for w in startup["whys"]] == ["check", "check", "finding"]
    assert (
        "interval 10s x unhealthy_threshold 3 = 30s; backend startup_budget 600s > 30s"
        in startup["whys"][-1]["statement"]
    )


def test_static_analysis_runs_no_checks(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--no-probe: only the arithmetic; the four critical findings are the roots, nothing is blocked."""
    code, out = _run(capsys, str(example), "--format", "json", "--no-probe")
    data = json.loads(out)
    assert code == 1
    assert (data["probed"], data["results"]) == (False, [])
    assert sorted(r["cause"] for r in data["root_causes"]) == [
        "cert_name_not_covered",
        "path_over_capacity",
        "pool_over_capacity",
        "startup_budget_exceeds_probe",
    ]
    assert all(r["blocked"] == [] for r in data["root_causes"])


@pytest.mark.parametrize(
    ("fmt", "marker"), [("table", "Root cause 1: "), ("markdown", "#### Root cause 1: ")]
)
def test_human_formats_show_roots_whys_and_findings(
    example: Path, capsys: pytest.CaptureFixture[str], fmt: str, marker: str
) -> None:
    """Table and markdown both show root causes, numbered whys, and findings with their arithmetic."""
    code, out = _run(capsys, str(example), "--format", fmt, "--no-probe")
    assert code == 1
    assert marker in out
    flat = " ".join(out.replace("&gt;", ">").split())  # undo wrapping and markdown escaping
    assert "150 > max_connections 50 (declared) of connector" in flat
    assert "Also fix:" in out


def test_topology_from_its_own_file_gives_the_same_analysis(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Splitting the example's topology into a --topology file changes nothing in the findings."""
    text = example.read_text()
    head, topology = text.split("\ntopology:\n")
    (tmp_path / "env.yaml").write_text(head)
    (tmp_path / "topo.yaml").write_text("topology:\n" + topology)
    _, inline = _run(capsys, str(example), "--format", "json", "--no-probe")
    args = ("--format", "json", "--no-probe", "--topology", str(tmp_path / "topo.yaml"))
    _, split = _run(capsys, str(tmp_path / "env.yaml"), *args)
    assert json.loads(split)["findings"] == json.loads(inline)["findings"]
