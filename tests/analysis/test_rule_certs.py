"""cert_name_not_covered and cert_expiring: names served against the certificate, and its dates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infraprobe.analysis import Topology, observations_from
from infraprobe.analysis.model import Severity
from infraprobe.analysis.rules.certs import cert_expiring, cert_name_not_covered, covered

from .helpers import NOW, codes, components, context, result, run, service, topology


def _lb(domains: list[str]) -> dict[str, object]:
    return {
        "name": "lb",
        "backends": ["api"],
        "interval": "10s",
        "timeout": "5s",
        "unhealthy_threshold": 3,
        "domains": domains,
        "certificate": "cert",
    }


def _topo(domains: list[str], names: list[str], not_after: object = "2030-01-01") -> Topology:
    cert = {"name": "cert", "names": names, "not_after": not_after}
    return topology(services=[service()], load_balancers=[_lb(domains)], certificates=[cert])


@pytest.mark.parametrize(
    ("domain", "name", "ok"),
    [
        ("api.example.com", "api.example.com", True),
        ("API.example.com.", "api.example.com", True),
        ("api.example.com", "*.example.com", True),
        ("a.b.example.com", "*.example.com", False),
        ("example.com", "*.example.com", False),
        ("auth.example.com", "api.example.com", False),
    ],
)
def test_name_matching_allows_one_label_wildcards(domain: str, name: str, ok: bool) -> None:
    """Exact names match case-insensitively; a wildcard covers exactly one label."""
    assert covered(domain, [name]) is ok


def test_uncovered_domain_fires_with_the_missing_name() -> None:
    """auth.example.com served with a certificate for api.example.com only is a critical finding."""
    (finding,) = cert_name_not_covered(
        context(_topo(["api.example.com", "auth.example.com"], ["api.example.com"]))
    )
    assert finding.code == "cert_name_not_covered"
    assert finding.severity is Severity.CRITICAL
    assert finding.values["missing"] == ["auth.example.com"]
    assert "names (declared): api.example.com" in finding.evidence


def test_all_domains_covered_is_fine() -> None:
    """Every served name matched: no finding."""
    assert cert_name_not_covered(context(_topo(["api.example.com"], ["*.example.com"]))) == []


def test_observed_names_replace_the_declared_ones() -> None:
    """With live facts, the served certificate's SANs are judged, and the finding says observed."""
    topo = _topo(["api.example.com"], ["api.example.com"])
    (finding,) = cert_name_not_covered(context(topo, {"cert": {"sans": ["other.example.com"]}}))
    assert "names (observed): other.example.com" in finding.evidence
    assert finding.observed


def test_exactly_the_warning_window_left_is_fine() -> None:
    """21 days left with a 21-day window: no finding; one second less fires."""
    at_window = NOW + timedelta(days=21)
    assert cert_expiring(context(_topo([], ["x"], at_window.isoformat()))) == []
    just_inside = at_window - timedelta(seconds=1)
    assert codes(cert_expiring(context(_topo([], ["x"], just_inside.isoformat())))) == ["cert_expiring"]


def test_expiring_soon_is_a_warning_and_expired_is_critical() -> None:
    """Days left inside the window warn; a date in the past is critical."""
    (soon,) = cert_expiring(context(_topo([], ["x"], (NOW + timedelta(days=3)).isoformat())))
    (gone,) = cert_expiring(context(_topo([], ["x"], "2025-05-01")))
    assert soon.severity is Severity.WARNING
    assert gone.severity is Severity.CRITICAL
    assert "expired 31.5 days ago" in gone.summary


def test_observed_not_after_is_used() -> None:
    """A live not_after (ISO text) beats the declared date."""
    topo = _topo([], ["x"], "2030-01-01")
    observed = {"cert": {"not_after": (NOW + timedelta(days=2)).isoformat()}}
    (finding,) = cert_expiring(context(topo, observed))
    assert finding.values["source"] == "observed"


def test_live_tls_facts_reach_the_certificate_through_its_link() -> None:
    """A tls check linked to the certificate: observations_from(results) feeds its SANs to the rule."""
    text = components("edge", "tls-edge") + (
        "topology:\n"
        "  services: [{name: api, max_instances: 1}]\n"
        "  load_balancers: [{name: lb, component: edge, backends: [api], interval: 10s, timeout: 5s,"
        " unhealthy_threshold: 3, domains: [api.example.com], certificate: cert}]\n"
        "  certificates: [{name: cert, component: tls-edge, names: [api.example.com],"
        " not_after: 2030-01-01}]\n"
    )
    results = (result("edge"), result("tls-edge", facts={"sans": ["old.example.com"]}))
    assert run(text, *results).findings == ()  # declared names cover the domain
    analysis = run(text, *results, observations=observations_from(results))
    assert sorted(f.code for f in analysis.findings) == ["cert_name_not_covered", "drift"]
