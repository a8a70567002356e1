"""One format registry: `render()` and every command's `--format` go through `FORMATS`, nothing around it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from infraprobe.cli.main import app
from infraprobe.output.formats import FORMATS, render
from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Paragraph, Report

REPORT = Report("t", (Paragraph("p"),), {"x": 1})


def _fake(report: Report, options: Options) -> str:
    return f"FAKE {report.title} colour={options.colour} width={options.width}\n"


@pytest.fixture
def fake_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every known name plus a new one render through the fake, as a format added to the registry would."""
    for name in [*FORMATS, "fake"]:
        monkeypatch.setitem(FORMATS, name, Format(name, _fake, "text/plain", "test"))


@pytest.mark.usefixtures("fake_formats")
@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "fake"])
def test_render_always_goes_through_the_registry(fmt: str) -> None:
    assert render(REPORT, fmt, colour=True, width=40) == "FAKE t colour=True width=40\n"


def _args(tmp_path: Path) -> dict[str, list[str]]:
    config = tmp_path / "env.yaml"
    config.write_text("environment: t\ncomponents: [{name: c, kind: tcp, host: 127.0.0.1, port: 1}]\n")
    log = tmp_path / "app.log"
    log.write_text("2025-01-01T00:00:00Z INFO started\n")
    return {
        "check": ["check", str(config)],
        "analyze": ["analyze", str(config), "--no-probe"],
        "logs": ["logs", str(log)],
        "classify": ["classify", "connection refused"],
        "validate": ["validate", str(_validation_config(tmp_path, log))],
    }


def _validation_config(tmp_path: Path, log: Path) -> Path:
    config = tmp_path / "validate.yaml"
    config.write_text(
        "components: []\nvalidation:\n  categories:\n"
        f"    - {{name: logs, checks: [{{logs: ['{log}'], expect_none: dns_failure}}]}}\n"
    )
    return config


@pytest.mark.usefixtures("fake_formats")
@pytest.mark.parametrize("command", ["check", "analyze", "logs", "classify", "validate"])
def test_every_command_renders_through_the_registry(command: str, tmp_path: Path) -> None:
    """A format added to FORMATS is a `--format` choice of every command, rendered by its entry."""
    args = [*_args(tmp_path)[command], "--format", "fake"]
    result = CliRunner().invoke(app, args)
    assert result.stdout.startswith("FAKE infraprobe"), (result.stdout, result.exception)


def test_every_entry_is_named_by_its_key() -> None:
    assert all(name == entry.name and entry.media_type and entry.summary for name, entry in FORMATS.items())
