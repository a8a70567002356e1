"""The alert policy on literal transitions: one page per root cause, reminders, recovery after a restart."""

from __future__ import annotations

from datetime import datetime, timedelta

from infraprobe.alerts.policy import AlertPolicy, Decision
from infraprobe.configfile.alerts import AlertsSettings
from infraprobe.monitor.state import Observation, State, Transition
from infraprobe.monitor.store.ledger import Incident
from infraprobe.result import Status
from infraprobe.taxonomy import Cause
from tests.monitor.helpers import T0, obs

HOOK = {"hook": {"webhook": {"url": "http://127.0.0.1:9/x"}}}


def settings(**kw: object) -> AlertsSettings:
    return AlertsSettings.model_validate({"providers": HOOK, "group_wait": 30, **kw})


def down(name: str, at: datetime = T0, blocked_by: str | None = None, before: State = State.UP) -> Transition:
    return Transition(
        name, "here", at, before, State.DOWN, "dns_failure", "infrastructure", "NXDOMAIN", blocked_by
    )


def up(name: str, at: datetime, before: State = State.DOWN) -> Transition:
    return Transition(name, "here", at, before, State.UP, None, None, "")


def failing(name: str, blocked_by: str | None = None, at: datetime = T0) -> Observation:
    o = obs(name, Status.FAIL, at=at, cause=Cause.DNS_FAILURE)
    return Observation(o.result, o.vantage, blocked_by)


def pages(decisions: list[Decision]) -> list[str]:
    return [d.payload["summary"] for d in decisions if d.event]


def test_a_root_pages_once_listing_the_dependents_it_blocks() -> None:
    """cache down with backend and public-api failing because of it: one page naming both, none for them."""
    policy = AlertPolicy(settings())
    policy.observe(failing("backend", "cache"), None, T0)
    policy.observe(failing("public-api", "cache"), None, T0)
    sent = pages(policy.observe(failing("cache"), down("cache"), T0))
    assert sent == ["cache down: dns_failure; blocked: backend, public-api"]
    later = T0 + timedelta(seconds=1)
    assert pages(policy.observe(failing("backend", "cache"), down("backend", later, "cache"), later)) == []
    assert pages(policy.tick(T0 + timedelta(hours=1))) == []


def test_a_dependent_down_first_waits_for_its_root_and_joins_its_page() -> None:
    """The dependent's threshold is reached before the root's: it is held, then listed in the root's page."""
    policy = AlertPolicy(settings())
    assert policy.observe(failing("backend", "cache"), down("backend", blocked_by="cache"), T0) == []
    t1 = T0 + timedelta(seconds=5)
    assert pages(policy.observe(failing("cache"), down("cache", t1), t1)) == [
        "cache down: dns_failure; blocked: backend"
    ]
    assert pages(policy.tick(T0 + timedelta(minutes=5))) == []


def test_a_root_page_waits_until_each_dependent_has_reported_since() -> None:
    """Dependents are probed on their own schedules: the page goes once each has said whether it fails too."""
    policy = AlertPolicy(settings(), depends_on={"backend": ["cache"], "public-api": ["backend"]})
    for name in ("cache", "backend", "public-api"):
        policy.observe(obs(name), None, T0)
    policy.observe(failing("backend", "cache"), None, T0)
    assert policy.observe(failing("cache"), down("cache"), T0) == []  # public-api not heard from yet
    t1 = T0 + timedelta(seconds=1)
    sent = pages(policy.observe(failing("public-api", "cache", at=t1), None, t1))
    assert sent == ["cache down: dns_failure; blocked: backend, public-api"]


def test_a_root_page_waits_no_longer_than_group_wait_for_a_silent_dependent() -> None:
    policy = AlertPolicy(settings(), depends_on={"backend": ["cache"]})
    policy.observe(obs("backend"), None, T0)
    policy.observe(failing("cache"), down("cache"), T0)
    assert pages(policy.tick(T0 + timedelta(seconds=29))) == []
    assert pages(policy.tick(T0 + timedelta(seconds=30))) == ["cache down: dns_failure"]


def test_a_dependent_whose_root_never_goes_down_pages_alone_after_group_wait() -> None:
    policy = AlertPolicy(settings())
    policy.observe(failing("backend", "cache"), down("backend", blocked_by="cache"), T0)
    assert pages(policy.tick(T0 + timedelta(seconds=29))) == []
    assert pages(policy.tick(T0 + timedelta(seconds=30))) == ["backend down: dns_failure"]


def test_reminders_while_down_then_one_recovery_listing_what_was_blocked() -> None:
    policy = AlertPolicy(settings(remind_every="10m"))
    policy.observe(failing("backend", "cache"), None, T0)
    policy.observe(failing("cache"), down("cache"), T0)
    assert pages(policy.tick(T0 + timedelta(minutes=9))) == []
    assert pages(policy.tick(T0 + timedelta(minutes=10))) == [
        "cache still down: dns_failure (for 10m00s); blocked: backend"
    ]
    assert pages(policy.tick(T0 + timedelta(minutes=15))) == []
    back = T0 + timedelta(minutes=21)
    decisions = policy.observe(obs("cache", at=back), up("cache", back), back)
    assert pages(decisions) == ["cache recovered (up) after 21m00s: was dns_failure; had blocked: backend"]
    assert decisions[0].incident is None and "cache" not in policy.open


def test_after_a_restart_an_open_incident_recovers_and_does_not_page_again() -> None:
    """Incidents come back from the ledger: unknown -> down is no new page, unknown -> up sends the recovery."""
    incident = Incident("cache", T0, "dns_failure", "infrastructure", "NXDOMAIN", "here", ("backend",), T0)
    t1 = T0 + timedelta(minutes=3)
    policy = AlertPolicy(settings(), [incident])
    assert policy.observe(failing("cache", at=t1), down("cache", t1, before=State.UNKNOWN), t1) == []
    policy = AlertPolicy(settings(), [incident])
    sent = pages(policy.observe(obs("cache", at=t1), up("cache", t1, before=State.UNKNOWN), t1))
    assert sent == ["cache recovered (up) after 3m00s: was dns_failure; had blocked: backend"]


def test_a_dependent_still_down_after_its_root_recovers_pages_on_its_own() -> None:
    policy = AlertPolicy(settings())
    policy.observe(failing("cache"), down("cache"), T0)
    policy.observe(failing("backend", "cache"), down("backend", blocked_by="cache"), T0)
    t1 = T0 + timedelta(minutes=1)
    policy.observe(obs("cache", at=t1), up("cache", t1), t1)
    assert pages(policy.tick(t1 + timedelta(seconds=30))) == ["backend down: dns_failure"]


def test_a_suppressor_holds_pages_until_it_lets_go() -> None:
    """The hook a vantage_path_failure finding uses: nothing pages while it names a reason."""
    reason: dict[str, str] = {"cache": "vantage_path_failure: vantage here"}
    policy = AlertPolicy(settings(), suppressors=[reason.get])
    assert policy.observe(failing("cache"), down("cache"), T0) == []
    assert pages(policy.tick(T0 + timedelta(hours=1))) == []
    reason.clear()
    assert pages(policy.tick(T0 + timedelta(hours=1))) == ["cache down: dns_failure"]


def test_a_suppressed_component_that_recovers_never_pages() -> None:
    policy = AlertPolicy(settings(), suppressors=[lambda name: "path"])
    policy.observe(failing("cache"), down("cache"), T0)
    t1 = T0 + timedelta(seconds=5)
    assert policy.observe(obs("cache", at=t1), up("cache", t1), t1) == []
    policy.suppressors.clear()
    assert policy.tick(t1) == []


def test_overrides_choose_providers_reminders_and_silence() -> None:
    two = {**HOOK, "mail": {"slack": {"url": "http://127.0.0.1:9/s"}}}
    s = AlertsSettings.model_validate(
        {
            "providers": two,
            "send_to": ["hook"],
            "components": {"api": {"send_to": ["mail"], "remind_every": 60}, "batch": {"enabled": False}},
        }
    )
    policy = AlertPolicy(s)
    assert [d.providers for d in policy.observe(failing("api"), down("api"), T0)] == [("mail",)]
    assert [d.providers for d in policy.observe(failing("db"), down("db"), T0)] == [("hook",)]
    assert policy.observe(failing("batch"), down("batch"), T0) == []
    assert [d.payload["component"] for d in policy.tick(T0 + timedelta(seconds=60))] == ["api"]


def test_the_payload_has_every_field_the_webhook_promises() -> None:
    policy = AlertPolicy(settings())
    (decision,) = policy.observe(failing("cache"), down("cache"), T0)
    doc = decision.payload
    assert doc["component"] == "cache" and doc["state"] == "down" and doc["event"] == "down"
    assert (
        doc["cause"] == "dns_failure" and doc["layer"] == "infrastructure" and doc["evidence"] == "NXDOMAIN"
    )
    assert doc["since"] == T0.isoformat() and doc["vantage"] == "here" and "dig" in doc["guidance"]
