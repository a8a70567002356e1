"""The command's edges, in process: bad scenarios, missing parts and parts that fail to start each give
clear lines and exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infraprobe.cli import lab as lab_cli
from infraprobe.cli.main import main
from infraprobe.lab.run import Plan
from infraprobe.testing.postgres import ServerStartError


def _exit_code(*argv: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(["lab", *argv])
    return int(exc.value.code or 0)


def test_an_unknown_scenario_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code("--scenario", "nope") == 2
    assert capsys.readouterr().err.strip() == (
        "error: --scenario: unknown scenario 'nope'; known: outage, dns, connector, pool, startup, tls, route "
        "(or faults joined by +)"
    )


def test_missing_parts_are_named_with_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        lab_cli, "missing", lambda: ["redis-server not found: `apt-get install redis-server`"]
    )
    assert _exit_code("--loopback") == 3
    assert "error: redis-server not found: `apt-get install redis-server`" in capsys.readouterr().err


def test_a_part_that_will_not_start_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken(plan: Plan, echo: object) -> None:
        raise ServerStartError("pg_ctl start failed (1): could not bind\nmore detail")

    monkeypatch.setattr(lab_cli, "missing", list)
    monkeypatch.setattr(lab_cli, "run", broken)
    assert _exit_code("--loopback") == 3
    err = capsys.readouterr().err
    assert "error: the lab could not start: pg_ctl start failed (1): could not bind" in err
    assert "Traceback" not in err and "more detail" not in err


def test_fix_keeps_the_scenario_name_and_injects_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = lab_cli._plan("outage", fix=True, out=None, loopback=True)
    assert plan.faults == frozenset() and plan.scenario == "outage-fixed" and not plan.netns
    assert plan.folder.parent.name == "infraprobe-lab"


def _imports_lab(command: str) -> bool:
    code = (
        "import sys, click; from infraprobe.cli.main import app; "
        f"app.get_command(click.Context(app), {command!r}); "
        "print(any(m.startswith('infraprobe.lab') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


def test_only_the_lab_command_imports_the_lab() -> None:
    assert _imports_lab("lab")  # the control: the probe for imports does see them
    assert not _imports_lab("check")
    assert not _imports_lab("classify")
