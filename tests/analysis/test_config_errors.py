"""Config errors for the topology and the dependency graph: exact one-line messages, exit code 2.

Each `fixtures/invalid-*.yaml` starts with the lines it must produce (`# expect: {file}:line:col: ...`),
in the manner of blackbox_exporter's `testdata/invalid-*.yml`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infraprobe.analysis import analyze
from infraprobe.cli.main import main
from infraprobe.configfile import load_config
from infraprobe.configfile.topology_file import load_topology
from infraprobe.errors import ConfigError, ConfigErrors

from .helpers import config

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("invalid-*.yaml"))


def _expected(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    return sorted(
        line.removeprefix("# expect: ").replace("{file}", str(path))
        for line in lines
        if line.startswith("# expect: ")
    )


def _errors(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        analyze(load_config(path))
    exc = caught.value
    return sorted(exc.lines() if isinstance(exc, ConfigErrors) else [exc.one_line()])


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_invalid_fixture_gives_its_exact_lines(path: Path) -> None:
    """Every error of the fixture, located at file:line:col and field, worded exactly as expected."""
    assert _expected(path), f"{path.name} declares no expected lines"
    assert _errors(path) == _expected(path)


def test_cli_prints_each_error_on_its_own_line_and_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    """`infraprobe analyze` on a broken topology exits 2 and prints `error: ` lines on stderr only."""
    path = Path(__file__).parent / "fixtures" / "invalid-hops.yaml"
    with pytest.raises(SystemExit) as done:
        main(["analyze", "--no-probe", str(path)])
    out, err = capsys.readouterr()
    assert done.value.code == 3
    assert out == ""
    assert err.splitlines() == [f"error: {line}" for line in _expected(path)]


def test_observe_without_probing_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--observe needs live facts, so combining it with --no-probe exits 2 with a one-line reason."""
    with pytest.raises(SystemExit) as done:
        main(["analyze", "--no-probe", "--observe", "whatever.yaml"])
    assert done.value.code == 2
    assert capsys.readouterr().err == "error: --observe: needs the checks to run; drop --no-probe\n"


def test_topology_file_errors_name_that_file(tmp_path: Path) -> None:
    """A --topology file's errors are located in that file, with the same wording as inline ones."""
    env = tmp_path / "env.yaml"
    env.write_text("components:\n  - {name: db, kind: tcp, host: 127.0.0.1, port: 5432}\n")
    topo = tmp_path / "topo.yaml"
    topo.write_text(
        "databases:\n  - {name: db, max_connections: 0}\n  - {name: x, max_connections: 1, component: nope}\n"
    )
    with pytest.raises(ConfigErrors) as caught:
        load_topology(topo, load_config(env))
    assert caught.value.lines() == [
        f"{topo}:2:33: databases[0].max_connections: Input should be greater than or equal to 1 (got 0)"
    ]
    topo.write_text("topology:\n  databases: [{name: x, max_connections: 1, component: nope}]\n")
    with pytest.raises(ConfigErrors) as caught:
        load_topology(topo, load_config(env))
    assert caught.value.lines() == [
        f"{topo}:2:56: topology.databases[0].component: no component of that name (known: db) (got 'nope')"
    ]


def test_topology_twice_is_an_error(tmp_path: Path) -> None:
    """A config with a topology section and --topology FILE is ambiguous: refused, naming the option."""
    loaded = config("components: []\ntopology: {}\n")
    with pytest.raises(ConfigError, match=r"^--topology: the config has a topology section already"):
        load_topology(tmp_path / "t.yaml", loaded)


def test_config_validate_catches_topology_references(capsys: pytest.CaptureFixture[str]) -> None:
    """`infraprobe config validate` reports topology reference errors too, without running analysis."""
    path = Path(__file__).parent / "fixtures" / "invalid-pool-server.yaml"
    with pytest.raises(SystemExit) as done:
        main(["config", "validate", str(path)])
    assert done.value.code == 3
    assert capsys.readouterr().err.splitlines() == [f"error: {line}" for line in _expected(path)]


def test_config_validate_catches_component_links(capsys: pytest.CaptureFixture[str]) -> None:
    """`config validate` (no analysis run) already rejects a topology link to a missing component."""
    path = Path(__file__).parent / "fixtures" / "invalid-component-link.yaml"
    with pytest.raises(SystemExit) as done:
        main(["config", "validate", str(path)])
    assert done.value.code == 3
    assert sorted(capsys.readouterr().err.splitlines()) == [f"error: {line}" for line in _expected(path)]
