"""Unset ${VAR}s: all reported at once; typed placeholders with --allow-missing-env; `only` needs fewer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infraprobe.configfile import load_config
from infraprobe.errors import ConfigErrors
from infraprobe.probes.http import HttpCheck
from infraprobe.probes.postgres import PostgresCheck
from infraprobe.probes.redis import RedisCheck
from tests.conftest import run_cli

CONFIG = """\
components:
  - name: api
    kind: http
    url: "http://api.example.invalid:${API_PORT}/health"
  - name: db
    kind: postgres
    dsn: "postgresql://app:${DB_PASSWORD}@db.example.invalid:5432/app"
  - name: cache
    kind: redis
    host: ${CACHE_HOST}
    port: ${CACHE_PORT}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "env.yaml"
    path.write_text(CONFIG)
    return path


def test_every_missing_variable_is_reported_at_once(config: Path) -> None:
    """Four unset variables: four located errors, not one per run."""
    with pytest.raises(ConfigErrors) as caught:
        load_config(config, env={})
    lines = caught.value.lines()
    assert [line.split("environment variable ")[1] for line in lines] == [
        f"{name} is not set" for name in ("API_PORT", "DB_PASSWORD", "CACHE_HOST", "CACHE_PORT")
    ]
    assert lines[0].startswith(f"{config}:4:") and "components[0].url" in lines[0]


def test_placeholders_are_typed_for_where_the_variable_sits(config: Path) -> None:
    """A port inside a URL, a password inside a DSN, a whole host and a whole port all validate."""
    loaded = load_config(config, env={}, allow_missing_env=True)
    api, db, cache = loaded.config.components
    assert isinstance(api, HttpCheck) and api.url == "http://api.example.invalid:1/health"
    assert isinstance(db, PostgresCheck) and "placeholder" in (db.dsn or "")
    assert isinstance(cache, RedisCheck) and (cache.host, cache.port) == ("placeholder.invalid", 1)
    assert len(loaded.warnings) == 4
    assert all("validated with the placeholder" in w for w in loaded.warnings)


def test_placeholders_still_let_real_errors_through(tmp_path: Path) -> None:
    """Placeholders stand in for values only: a wrong key next to them is still an error."""
    path = tmp_path / "env.yaml"
    path.write_text(CONFIG + "    max_clients_ratio: 7\n")
    with pytest.raises(ConfigErrors, match="max_clients_ratio"):
        load_config(path, env={}, allow_missing_env=True)


def test_only_needs_the_variables_of_the_selected_components(config: Path) -> None:
    """Checking `api` needs API_PORT alone; the others' unset variables are not needed."""
    loaded = load_config(config, env={"API_PORT": "8080"}, only=["api"])
    assert loaded.config.names[0] == "api"
    assert loaded.warnings == ()
    with pytest.raises(ConfigErrors) as caught:
        load_config(config, env={"API_PORT": "8080"}, only=["cache"])
    assert len(caught.value.lines()) == 2


def test_cli_validates_several_files_without_secrets(config: Path, tmp_path: Path) -> None:
    """`config validate --allow-missing-env A B`: ok lines on stdout, warnings on stderr, exit 0."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("components:\n  - {name: web, kind: tcp, host: 127.0.0.1, port: 80}\n")
    strict = run_cli("config", "validate", str(config), str(plain))
    assert strict.returncode == 3
    assert strict.stderr.count("is not set") == 4
    assert f"{plain}: ok" in strict.stdout
    allowed = run_cli("config", "validate", "--allow-missing-env", str(config), str(plain))
    assert allowed.returncode == 0, allowed.stderr
    assert f"{config}: ok (3 components: http, postgres, redis, 4 unset variables)" in allowed.stdout
    assert allowed.stderr.count("warning: ") == 4


def test_the_shipped_examples_validate_in_ci_without_their_secrets() -> None:
    """What the issue could not do: `config validate --allow-missing-env examples/*.yaml` with none of their
    variables set passes, each unset variable a warning; without the flag every one is an error, at once."""
    examples = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
    names = {m for p in examples for m in re.findall(r"\$\{(\w+)\}", p.read_text())}
    env = {k: v for k, v in os.environ.items() if k not in names}  # a CI job without the secrets
    argv = [sys.executable, "-m", "infraprobe", "config", "validate", *map(str, examples)]
    strict = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    allowed = subprocess.run(
        [*argv, "--allow-missing-env"], capture_output=True, text=True, env=env, timeout=60
    )
    assert strict.returncode == 3 and allowed.returncode == 0, allowed.stderr
    assert strict.stderr.count("error: ") == allowed.stderr.count("warning: ") > 10
    assert allowed.stdout.count(": ok (") == len(examples) >= 3


def test_check_only_runs_with_just_the_selected_components_variables(config: Path) -> None:
    """`check --only api` with API_PORT alone set: api is probed (its name does not resolve: exit 1), and
    nothing is said about the other components' unset variables; the whole file needs them all (exit 3)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DB_PASSWORD", "CACHE_HOST", "CACHE_PORT")}
    argv = [sys.executable, "-m", "infraprobe", "check", str(config), "-o", "json"]
    env["API_PORT"] = "8080"
    only = subprocess.run([*argv, "--only", "api"], capture_output=True, text=True, env=env, timeout=60)
    assert only.returncode == 1 and "is not set" not in only.stderr, only.stderr
    assert [r["diagnosis"]["cause"] for r in json.loads(only.stdout)["results"]] == ["dns_failure"]
    whole = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert whole.returncode == 3 and whole.stderr.count("is not set") == 3
