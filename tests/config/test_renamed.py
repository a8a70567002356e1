"""Deprecated field names (the databases' old role options): accepted with a located warning, refused
next to their new name."""

from __future__ import annotations

from pathlib import Path

from infraprobe.configfile import load_config
from tests.conftest import run_cli

OLD_NAMES = """\
components:
  - {name: db, kind: postgres, host: 127.0.0.1, expect_primary: false}
  - name: sql
    kind: mysql
    host: 127.0.0.1
    expect_writable: true
  - {name: cache, kind: redis, host: 127.0.0.1, expect_role: master}
  - {name: cache2, kind: redis, host: 127.0.0.1, role: replica}
"""


def test_old_names_are_read_as_role_with_a_located_warning(tmp_path: Path) -> None:
    config = tmp_path / "env.yaml"
    config.write_text(OLD_NAMES)
    loaded = load_config(config)
    assert [c.role for c in loaded.config.components] == ["any", "primary", "primary", "replica"]
    result = run_cli("config", "validate", str(config))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == f"{config}: ok (4 components: mysql, postgres, redis, 3 deprecated fields)"
    )
    assert result.stderr.splitlines() == [
        f"warning: {config}:2:49: components[0].expect_primary: deprecated; write `role: any` instead",
        f"warning: {config}:6:5: components[1].expect_writable: deprecated; write `role: primary` instead",
        f"warning: {config}:7:49: components[2].expect_role: deprecated; write `role: primary` instead",
    ]


def test_old_and_new_name_together_is_one_located_error(tmp_path: Path) -> None:
    config = tmp_path / "env.yaml"
    config.write_text("components:\n  - {name: cache, kind: redis, host: h, role: any, expect_role: any}\n")
    result = run_cli("config", "validate", str(config))
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        f"error: {config}:2:52: components[0].expect_role: `expect_role` is the deprecated name of `role`: "
        "give only `role`"
    ]


def test_the_schema_marks_the_old_names_deprecated() -> None:
    from infraprobe.configfile.schema import config_schema

    defs = config_schema()["$defs"]
    for kind, old in (
        ("PostgresCheck", "expect_primary"),
        ("MysqlCheck", "expect_writable"),
        ("RedisCheck", "expect_role"),
    ):
        fields = defs[kind]["properties"]
        assert fields[old]["deprecated"] is True
        assert fields["role"]["enum"] == ["primary", "replica", "any"]
        assert fields["role"]["default"] == "primary"
