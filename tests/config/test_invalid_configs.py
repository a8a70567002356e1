"""Every config rule has a fixture under invalid/ whose `# expect:` lines are the exact messages.

`{kinds}` in an expectation stands for the registered kinds in registry order, so a new kind edits no fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infraprobe.configfile import load_config
from infraprobe.errors import ConfigError, ConfigErrors
from infraprobe.probes.registry import REGISTRY

INVALID = Path(__file__).parent / "invalid"
FIXTURES = sorted(INVALID.glob("*.yaml"))


def _expected(path: Path) -> list[str]:
    lines = [line for line in path.read_text().splitlines() if line.startswith("# expect: ")]
    kinds = ", ".join(REGISTRY)
    return [str(INVALID / line.removeprefix("# expect: ").replace("{kinds}", kinds)) for line in lines]


def _actual(path: Path) -> list[str]:
    try:
        load_config(path, env={})
    except ConfigErrors as exc:
        return exc.lines()
    except ConfigError as exc:
        return [exc.one_line()]
    return []


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_invalid_config_message(path: Path) -> None:
    """The loader reports exactly the expected one-line errors (file:line:col: field: message)."""
    assert _actual(path) == _expected(path)


def test_every_fixture_declares_its_message() -> None:
    """A fixture without an expectation would pass vacuously; there must be none."""
    assert FIXTURES
    assert all(_expected(p) for p in FIXTURES)


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    """A config path that does not exist is a config error naming the file, not a traceback."""
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert info.value.one_line() == f"{tmp_path / 'nope.yaml'}: file not found"


def test_several_errors_reported_together(tmp_path: Path) -> None:
    """All independent errors of one file come back in one pass, in file order."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("components:\n  - {name: a, kind: tcp, host: x, port: 0}\n  - {name: b, kind: nope}\n")
    lines = _actual(cfg)
    assert len(lines) == 2
    assert ":2:" in lines[0] and "port" in lines[0]
    assert ":3:" in lines[1] and "unknown kind 'nope'" in lines[1]


def test_kind_list_in_messages_follows_the_registry(tmp_path: Path) -> None:
    """The "expected one of" list is the registry's, in its order, not a list typed somewhere else."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("components:\n  - {name: a, kind: nope}\n")
    assert _actual(cfg)[0].endswith("expected one of: " + ", ".join(REGISTRY))
