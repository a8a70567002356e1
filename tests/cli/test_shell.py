"""The CLI shell shared by every command: flags, exit codes, --output, help."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest

from infraprobe import __version__
from infraprobe.cli.completion import component_names
from infraprobe.cli.main import app, main
from infraprobe.monitor.store import open_store
from tests.conftest import run_cli
from tests.monitor.helpers import obs

EXAMPLE = Path(__file__).parents[2] / "examples" / "staging-incident.yaml"
LOG = "2024-05-01 12:00:00,000 ERROR [app.db] FATAL:  sorry, too many clients already\n"


def _slow_config(path: Path, port: int) -> Path:
    """One check that passes but over its latency budget: a warning."""
    path.write_text(
        f"components:\n  - {{name: db, kind: tcp, host: 127.0.0.1, port: {port}, max_latency: 0.000001}}\n"
    )
    return path


def test_fail_on_warn_turns_a_warning_into_exit_1(tmp_path: Path, listener: int) -> None:
    config = _slow_config(tmp_path / "env.yaml", listener)
    assert run_cli("check", str(config)).returncode == 0
    gated = run_cli("check", str(config), "--fail-on", "WARN")
    assert gated.returncode == 1, gated.stderr


def test_an_empty_component_list_is_an_error_not_a_pass(tmp_path: Path) -> None:
    """check, analyze and monitor of nothing exit 3, never 0 (monitor: not watching nothing forever)."""
    config = tmp_path / "env.yaml"
    config.write_text("components: []\n")
    proc = run_cli("check", str(config))
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: ") and "nothing to check" in proc.stderr
    for argv, said in (
        (["analyze", str(config)], "nothing to analyze"),
        (["analyze", str(config), "--no-probe"], "nothing to analyze"),
        (["monitor", str(config), "--for", "30s"], "nothing to monitor"),
    ):
        done = run_cli(*argv)
        assert (done.returncode, done.stderr.count("\n")) == (3, 1) and said in done.stderr, (
            argv,
            done.stderr,
        )
    config.write_text("components:\n  - {name: vpc, kind: path}\n")  # a path alone: nothing to probe either
    assert run_cli("monitor", str(config), "--for", "30s").returncode == 3


def test_output_file_beside_the_terminal_output(tmp_path: Path, listener: int) -> None:
    """--output FILE writes the format its extension names (.json, .html, .xml: JUnit); stdout keeps the table."""
    config = _slow_config(tmp_path / "env.yaml", listener)
    out = tmp_path / "report.json"
    proc = run_cli("check", str(config), "--output", str(out))
    assert "infraprobe check" in proc.stdout and not proc.stdout.startswith("{")
    doc = json.loads(out.read_text())
    assert (doc["schema"], doc["results"][0]["component"]) == ("infraprobe.check/v1", "db")
    page, junit = tmp_path / "report.html", tmp_path / "results.xml"
    for path in (page, junit):
        assert "infraprobe check" in run_cli("check", str(config), "--output", str(path)).stdout
    assert page.read_text().startswith("<!DOCTYPE html>") and "<testsuites" in junit.read_text()


def test_component_filter_is_repeatable_and_case_insensitive(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(LOG + "2024-05-01 12:00:01,000 ERROR [app.cache] NOAUTH Authentication required.\n")
    both = json.loads(
        run_cli("logs", str(log), "-o", "json", "--component", "Postgres", "--component", "redis").stdout
    )
    one = json.loads(run_cli("logs", str(log), "-o", "json", "--component", "redis").stdout)
    assert both["components"] == ["postgres", "redis"] and both["events"] == 2
    assert one["events"] == 1


def test_unreadable_input_warns_and_fails_only_when_absence_is_asserted(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(LOG)
    missing = str(tmp_path / "gone.log")
    plain = run_cli("logs", str(log), missing)
    assert plain.returncode == 0  # findings alone do not fail `logs`; the unreadable file is a warning
    assert f"warning: {missing}" in plain.stderr
    asserted = run_cli("logs", str(log), missing, "--expect-none", "auth_failed")
    assert asserted.returncode == 3  # cannot show auth_failed is absent from a file it could not read
    assert f"error: {missing}" in asserted.stderr


def test_short_help_and_plain_metavars() -> None:
    """-h works on every command; no Python types in help."""
    for command in ("check", "logs", "classify", "analyze", "config"):
        proc = run_cli(command, "-h")
        assert proc.returncode == 0, (command, proc.stderr)
        assert "<list[" not in proc.stdout and "<path>" not in proc.stdout, command
        assert "{" not in proc.stdout.splitlines()[0], command  # the usage line as man pages write it
    assert "--only NAME" in run_cli("check", "-h").stdout
    assert run_cli("logs", "-h").stdout.startswith("Usage: infraprobe logs [OPTIONS] [PATH]...\n")
    assert run_cli("check", "-h").stdout.startswith("Usage: infraprobe check [OPTIONS] CONFIG\n")


def test_colour_follows_the_flag_then_force_color_then_no_color() -> None:
    """Piped output is plain unless asked: --color always, or FORCE_COLOR in the environment (CI logs)."""
    bold = "\x1b[1m"
    assert bold not in run_cli("classify", "connection refused").stdout  # NO_COLOR=1 from run_cli
    assert bold in run_cli("--color", "always", "classify", "connection refused").stdout
    assert bold in run_cli("classify", "connection refused", env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    never = run_cli(
        "--color", "never", "classify", "connection refused", env={"NO_COLOR": "", "FORCE_COLOR": "1"}
    )
    assert bold not in never.stdout


def test_quiet_prints_the_verdict_and_no_headers_drops_header_lines(tmp_path: Path, closed_port: int) -> None:
    config = tmp_path / "env.yaml"
    config.write_text(f"components:\n  - {{name: web, kind: tcp, host: 127.0.0.1, port: {closed_port}}}\n")
    quiet = run_cli("check", str(config), "-q")
    assert quiet.returncode == 1
    assert quiet.stdout.splitlines() == [quiet.stdout.strip()] and quiet.stdout.startswith("FAIL: 0 ok")
    saved = tmp_path / "report.md"
    run_cli("check", str(config), "-q", "--output", str(saved))
    assert "connection_refused" in saved.read_text()  # -q quiets the terminal, not the file
    bare = run_cli("check", str(config), "--no-headers").stdout
    assert "connection_refused" in bare
    assert "component" not in bare and "------" not in bare


def _names_config(tmp_path: Path) -> Path:
    config = tmp_path / "env.yaml"
    config.write_text(
        "components:\n  - {name: orders-db, kind: path}\n  - {name: orders-api, kind: path}\n  - {name: cache, kind: path}\n"
    )
    return config


def test_only_completes_the_component_names_of_the_config(tmp_path: Path) -> None:
    """Shell completion for --only (check, validate) and history --component offers the names in the config
    given before it."""
    config = _names_config(tmp_path)
    ctx = SimpleNamespace(params={"config": config})
    assert component_names(ctx, None, "orders") == ["orders-db", "orders-api"]  # type: ignore[arg-type]
    # End to end, through the protocol the script of `--show-completion bash` speaks.
    words = f"infraprobe check {config} -q --only orders"
    env = {"COMP_WORDS": words, "COMP_CWORD": "5", "_INFRAPROBE_COMPLETE": "bash_complete"}
    assert run_cli(env=env).stdout.split() == ["plain,orders-db", "plain,orders-api"]
    for words in (
        f"infraprobe validate {config} --only orders",
        f"infraprobe history {config} --component orders",
    ):
        env = {"COMP_WORDS": words, "COMP_CWORD": "4", "_INFRAPROBE_COMPLETE": "bash_complete"}
        assert run_cli(env=env).stdout.split() == ["plain,orders-db", "plain,orders-api"], words
    env |= {"COMP_WORDS": f"infraprobe check {config} --o", "COMP_CWORD": "3"}
    assert {"plain,--only", "plain,--output"} <= set(run_cli(env=env).stdout.split())
    assert component_names(SimpleNamespace(params={"config": tmp_path / "none.yaml"}), None, "") == []  # type: ignore[arg-type]


def _bash_completes(home: Path, line: str) -> list[str]:
    """What a real bash, with the installed script sourced, offers for `line` (a TAB at its end)."""
    words = line.split(" ")
    script = (
        "source ~/.bashrc\n"
        f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}\n"
        "_infraprobe_completion infraprobe\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # the venv's `infraprobe`
    env = {**os.environ, "HOME": str(home), "PATH": path}
    done = subprocess.run(
        ["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_installed_completion_works_in_a_real_bash(tmp_path: Path) -> None:
    """`--install-completion bash` writes a script and sources it from ~/.bashrc, once; bash then completes
    commands, options and the config's component names for --only."""
    home = tmp_path / "home"
    home.mkdir()
    for _ in range(2):
        proc = run_cli("--install-completion", "bash", env={"HOME": str(home)})
        assert proc.returncode == 0 and "bash completion installed" in proc.stdout, proc.stderr
    assert (home / ".bashrc").read_text().count("infraprobe.sh") == 1
    config = _names_config(tmp_path)
    assert "classify" in _bash_completes(home, "infraprobe cl")
    assert {"--only", "--output"} <= set(_bash_completes(home, f"infraprobe check {config} --o"))
    assert _bash_completes(home, f"infraprobe check {config} --only orders") == ["orders-db", "orders-api"]


def test_show_completion_prints_each_shells_script() -> None:
    assert (
        "complete -o nosort -F _infraprobe_completion infraprobe"
        in run_cli("--show-completion", "bash").stdout
    )
    assert run_cli("--show-completion", "zsh").stdout.startswith("#compdef infraprobe")
    assert "_INFRAPROBE_COMPLETE=fish_complete" in run_cli("--show-completion", "fish").stdout
    unknown = run_cli("--show-completion", "tcsh")
    assert unknown.returncode == 2 and "bash, zsh, fish" in unknown.stderr


REPORTING = ("check", "classify", "analyze", "logs", "validate", "history", "report")


def _options(*path: str) -> set[str]:
    command: Any = app
    for name in path:
        command = command.get_command(click.Context(command), name)
    return {opt for param in command.params for opt in param.opts}


@pytest.mark.parametrize("name", REPORTING)
def test_one_flag_vocabulary_on_every_reporting_command(name: str) -> None:
    """Every command that writes a report takes -o/--format, --output, -q, -v and --no-headers."""
    shared = {"-o", "--format", "--output", "-q", "--quiet", "-v", "--verbose", "--no-headers"}
    assert shared <= _options(name), shared - _options(name)


def test_config_validate_takes_quiet_and_verbose() -> None:
    assert {"-q", "--quiet", "-v", "--verbose"} <= _options("config", "validate")


def _exit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def test_a_config_error_exits_3_and_a_usage_error_2_on_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One exit-code table (docs/cli.md): a config that cannot be used is 3, with its one file:line line; a
    command line that cannot be used (an unknown flag, a bad flag value) is 2."""
    broken = tmp_path / "env.yaml"
    broken.write_text("components:\n  - {name: a, kind: tcp, host: x, port: nope}\n")
    for argv in (
        ("check", str(broken)),
        ("analyze", str(broken), "--no-probe"),
        ("validate", str(broken)),
        ("history", str(broken)),
        ("monitor", str(broken), "--for", "1s"),
        ("config", "validate", str(broken)),
    ):
        code, err = _exit(capsys, *argv)
        assert code == 3 and err.startswith(f"error: {broken}:2:") and err.count("\n") == 1, (argv, err)
        assert "components[0].port" in err, argv
        assert _exit(capsys, *argv, "--no-such-flag")[0] == 2, argv
    assert _exit(capsys, "check", str(broken), "-o", "yaml")[0] == 2
    assert _exit(capsys, "logs", str(broken), "--since", "yesterday-ish")[0] == 2


def test_tables_fold_to_80_columns_when_piped_and_never_cut_a_cause(tmp_path: Path) -> None:
    """Piped (a CI log), every line fits 80 columns (or COLUMNS): the long detail folds, the cause stays whole."""
    log = tmp_path / "app.log"
    detail = "while handling /api/v1/orders with context " + "x" * 250
    log.write_text(
        f"2024-05-01 12:00:00,000 ERROR [app.db] FATAL:  sorry, too many clients already {detail}\n"
    )
    for columns, limit in (("", 80), ("100", 100)):
        for argv in (("logs", str(log)), ("classify", LOG + detail)):
            out = run_cli(*argv, env={"COLUMNS": columns}).stdout
            assert max(len(line) for line in out.splitlines()) <= limit, (argv, out)
            assert "db_connection_limit" in out and "infrastructure" in out
    analysis = run_cli("analyze", str(EXAMPLE), "--no-probe").stdout  # long arithmetic lines, before: 273
    assert max(len(line) for line in analysis.splitlines()) <= 80 and "path_over_capacity" in analysis


def test_verbose_notes_go_to_stderr_and_leave_json_alone() -> None:
    proc = run_cli("classify", "-v", "-o", "json", "connection refused")
    assert json.loads(proc.stdout)["cause"] == "connection_refused"
    assert "infraprobe: " in proc.stderr and "matched rule 'connection_refused'" in proc.stderr


def test_config_validate_reports_every_file_as_json(tmp_path: Path) -> None:
    """`config validate -o json`: one document (schema and version first) with each file's verdict and errors;
    exit 3 when any file is invalid; the errors are on stderr too, one line each."""
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("components:\n  - {name: a, kind: tcp, host: 127.0.0.1, port: 1}\n")
    bad.write_text("components:\n  - {name: a, kind: tcp, host: x, port: nope}\n")
    proc = run_cli("config", "validate", str(good), str(bad), "-o", "json")
    doc = json.loads(proc.stdout)
    assert (proc.returncode, doc["schema"], doc["ok"]) == (3, "infraprobe.config/v1", False)
    assert [(f["ok"], f["kinds"]) for f in doc["files"]] == [(True, ["tcp"]), (False, [])]
    assert doc["files"][1]["errors"][0].startswith(f"{bad}:2:") and proc.stderr.count("error: ") == 1


def test_every_json_document_names_its_schema_and_the_version_first(tmp_path: Path, closed_port: int) -> None:
    """`-o json` of every command: `schema` (`infraprobe.<command>/v1`) then the tool's `version`."""
    config = tmp_path / "env.yaml"
    config.write_text(
        f"components:\n  - {{name: web, kind: tcp, host: 127.0.0.1, port: {closed_port}}}\n"
        f"validation:\n  categories:\n    - {{name: c, checks: [{{component: web}}]}}\n"
    )
    log = tmp_path / "app.log"
    log.write_text(LOG)
    store = open_store(f"sqlite:///{tmp_path}/env.history.db")
    store.write([obs("web")], [])
    store.close()
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "check.json").write_text(run_cli("check", str(config), "-o", "json").stdout)
    commands = {
        "check": ["check", str(config)],
        "analyze": ["analyze", str(config), "--no-probe"],
        "logs": ["logs", str(log)],
        "validate": ["validate", str(config)],
        "history": ["history", str(config)],
        "alerts": ["history", str(config), "--alerts"],
        "report": ["report", str(evidence)],
        "classify": ["classify", "connection refused"],
        "config": ["config", "validate", str(config)],
    }
    for schema, argv in commands.items():
        doc = json.loads(run_cli(*argv, "-o", "JSON").stdout)
        assert list(doc)[:2] == ["schema", "version"], argv
        assert (doc["schema"], doc["version"]) == (f"infraprobe.{schema}/v1", __version__), argv
