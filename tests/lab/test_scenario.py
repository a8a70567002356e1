"""Scenarios, their numbers, and the config the lab writes: the arithmetic alone must name the faults
that are arithmetic (connector, pool, startup, tls), and nothing once they are fixed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from infraprobe.analysis import analyze
from infraprobe.configfile import load_config
from infraprobe.lab.envconfig import DB_PASSWORD_VAR, REDIS_PASSWORD_VAR, Endpoints, Scene, render_config
from infraprobe.lab.scenario import EXPECTED, OUTAGE, SCENARIOS, Fault, parse_scenario, sizing
from infraprobe.taxonomy import Layer

ENDS = Endpoints(
    "api.lab.test", 443, "backend.lab.test", 8000, "db.lab.test", 5432, "cache.lab.test", 6379, "/ca.crt"
)
STATIC = frozenset({Fault.CONNECTOR, Fault.POOL, Fault.STARTUP, Fault.TLS})  # found without probing
SINCE = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
ENV = {DB_PASSWORD_VAR: "pw-db", REDIS_PASSWORD_VAR: "pw-redis"}


def test_scenarios_are_the_outage_and_each_fault_alone() -> None:
    assert SCENARIOS["outage"] == OUTAGE == {Fault.DNS, Fault.CONNECTOR, Fault.POOL, Fault.STARTUP, Fault.TLS}
    for fault in Fault:
        assert parse_scenario(fault.value) == {fault}
    assert parse_scenario("dns+tls") == {Fault.DNS, Fault.TLS}


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown scenario 'dnss'; known: outage, dns"):
        parse_scenario("dns+dnss")


@pytest.mark.parametrize("fault", list(Fault))
def test_each_fault_changes_only_its_own_numbers(fault: Fault) -> None:
    fixed, broken = sizing(frozenset()), sizing(frozenset({fault}))
    changed = {k for k, v in vars(fixed).items() if vars(broken)[k] != v}
    own = {
        Fault.DNS: set(),
        Fault.ROUTE: set(),
        Fault.CONNECTOR: {"connector_cap"},
        Fault.POOL: {"db_max_connections"},
        Fault.STARTUP: {"db_wait", "redis_wait", "lb_startup_window"},
        Fault.TLS: set(),
    }
    assert changed == own[fault]


def _static_roots(tmp_path: Path, faults: frozenset[Fault]) -> set[tuple[str, str, str]]:
    names = ("api.lab.test",) if Fault.TLS in faults else ("api.lab.test", "login.lab.test")
    path = tmp_path / "lab.yaml"
    path.write_text(render_config("lab-test", ENDS, Scene(sizing(faults), names, SINCE)))
    roots = analyze(load_config(path, env=ENV)).root_causes
    return {(r.component, r.cause, Layer(r.layer).value) for r in roots}


@pytest.mark.parametrize(
    "faults", [frozenset(), OUTAGE, *({f} for f in STATIC)], ids=lambda fs: "+".join(sorted(fs)) or "fixed"
)
def test_the_written_config_names_exactly_the_arithmetic_faults(
    tmp_path: Path, faults: frozenset[Fault]
) -> None:
    faults = frozenset(faults)
    expected = {(e.component, e.cause, e.layer.value) for f, e in EXPECTED.items() if f in faults & STATIC}
    assert _static_roots(tmp_path, faults) == expected


def test_the_written_config_holds_no_secret(tmp_path: Path) -> None:
    text = render_config("lab-test", ENDS, Scene(sizing(OUTAGE), ("api.lab.test",), SINCE))
    assert "pw-db" not in text and "${LAB_DB_PASSWORD}" in text and "${LAB_REDIS_PASSWORD}" in text
