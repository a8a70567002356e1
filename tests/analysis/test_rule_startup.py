"""startup_budget_exceeds_probe: the platform's patience against the service's own start-up budget."""

from __future__ import annotations

from typing import Any

from infraprobe.analysis.rules.startup import startup_budget_exceeds_probe

from .helpers import codes, context, service, topology


def _fires(budget: str, **lb: Any) -> list[str]:
    balancer = {
        "name": "lb",
        "backends": ["api"],
        "interval": "10s",
        "timeout": "5s",
        "unhealthy_threshold": 3,
        **lb,
    }
    topo = topology(services=[service(startup_budget=budget)], load_balancers=[balancer])
    return codes(startup_budget_exceeds_probe(context(topo)))


def test_budget_equal_to_interval_times_threshold_is_fine() -> None:
    """10 s x 3 = 30 s of patience for a 30 s start-up: no finding."""
    assert _fires("30s") == []


def test_one_second_over_the_patience_fires() -> None:
    """A 31 s start-up against 30 s of patience fires."""
    assert _fires("31s") == ["startup_budget_exceeds_probe"]


def test_initial_delay_adds_to_the_patience() -> None:
    """initial_delay 570 s + 10 s x 3 = 600 s covers a 600 s database wait."""
    assert _fires("600s", initial_delay="570s") == []
    assert _fires("601s", initial_delay="570s") == ["startup_budget_exceeds_probe"]


def test_explicit_startup_window_overrides_the_formula() -> None:
    """A declared start-up window is the patience, whatever the interval and threshold."""
    assert _fires("600s", startup_window="10m") == []
    assert _fires("600s", startup_window="599s") == ["startup_budget_exceeds_probe"]


def test_evidence_shows_the_formula() -> None:
    """The finding spells out interval x threshold and both durations."""
    balancer = {
        "name": "lb",
        "backends": ["api"],
        "interval": "10s",
        "timeout": "5s",
        "unhealthy_threshold": 3,
    }
    topo = topology(services=[service(startup_budget="600s")], load_balancers=[balancer])
    (finding,) = startup_budget_exceeds_probe(context(topo))
    assert (
        finding.evidence
        == "lb gives up after interval 10s x unhealthy_threshold 3 = 30s; api startup_budget 600s > 30s"
    )
    assert finding.components == ("api", "lb")


def test_service_without_budget_is_not_judged() -> None:
    """No declared start-up budget: nothing to compare."""
    balancer = {
        "name": "lb",
        "backends": ["api"],
        "interval": "1s",
        "timeout": "1s",
        "unhealthy_threshold": 1,
    }
    assert (
        startup_budget_exceeds_probe(context(topology(services=[service()], load_balancers=[balancer]))) == []
    )
