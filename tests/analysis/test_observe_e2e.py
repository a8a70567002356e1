"""`analyze --observe` against real servers: drift and capacity computed with the limits they report."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from infraprobe.cli.main import main
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer

pytestmark = [pytest.mark.needs_pg, pytest.mark.needs_redis]


def _config(tmp_path: Path, pg: PostgresServer, redis: RedisServer) -> Path:
    # On paper the database accepts 100 and Redis 10000; the live servers were started with 10 and 16.
    text = f"""
environment: e2e
components:
  - {{name: db, kind: postgres, dsn: "{pg.dsn()}"}}
  - {{name: cache, kind: redis, url: "{redis.url()}"}}
topology:
  services:
    - name: api
      max_instances: 2
      pools: [{{server: db, size: 5}}, {{server: cache, size: 10}}]
  databases: [{{name: db, max_connections: 100, reserved_connections: 3}}]
  caches: [{{name: cache, maxclients: 10000}}]
"""
    path = tmp_path / "env.yaml"
    path.write_text(text)
    return path


def _analyze(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    with pytest.raises(SystemExit) as done:
        main(["analyze", "--format", "json", *args])
    code = done.value.code
    assert isinstance(code, int)
    return code, json.loads(capsys.readouterr().out)


def _by_code(data: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["code"] == code]


def test_observe_reports_drift_and_capacity_with_observed_limits(
    tmp_path: Path, small_pg: PostgresServer, small_redis: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Declared 100 / observed 10 connections: a drift finding, and 10 pooled > 7 usable computed with 10."""
    code, data = _analyze(capsys, str(_config(tmp_path, small_pg, small_redis)), "--observe")
    assert code == 1
    assert data["observed"] is True
    drift = {(f["components"][0], f["values"]["field"]): f["evidence"] for f in _by_code(data, "drift")}
    assert drift[("db", "max_connections")] == "db max_connections: declared 100, observed 10"
    assert drift[("cache", "maxclients")] == "cache maxclients: declared 10000, observed 16"
    pools = {f["components"][0]: f for f in _by_code(data, "pool_over_capacity")}
    assert (
        "10 > max_connections 10 (observed; declared 100) - reserved 3 (observed) = 7 usable"
        in pools["db"]["evidence"]
    )
    assert "20 > maxclients 16 (observed; declared 10000)" in pools["cache"]["evidence"]
    assert pools["db"]["observed"] is True
    roots = {(r["component"], r["cause"]): r for r in data["root_causes"]}
    assert roots[("db", "pool_over_capacity")]["confidence"] == "high"
    assert small_pg.password not in json.dumps(data)


def test_without_observe_the_declared_numbers_pass(
    tmp_path: Path, small_pg: PostgresServer, small_redis: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same environment judged on paper fits (10 <= 97, 20 <= 10000): no findings, exit code 0."""
    code, data = _analyze(capsys, str(_config(tmp_path, small_pg, small_redis)))
    assert (code, data["findings"], data["root_causes"]) == (0, [], [])
    assert data["probed"] is True


def test_observe_reports_how_close_to_the_cap_the_server_is(
    tmp_path: Path, small_pg: PostgresServer, small_redis: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Five held connections plus the probe's own: 6 of 7 usable in use, over 80%, a warning."""
    with ExitStack() as held:
        for _ in range(5):
            held.enter_context(small_pg.connect())
        _, data = _analyze(capsys, str(_config(tmp_path, small_pg, small_redis)), "--observe")
    (near,) = _by_code(data, "connections_near_limit")
    assert near["severity"] == "warning"
    assert near["values"] == {"in_use": 6, "limit": 7}
