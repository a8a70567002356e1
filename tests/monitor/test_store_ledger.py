"""The alert ledger's contract, on every backend (SQLite and PostgreSQL, via the `store` fixture)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from infraprobe.monitor.store import Retention, Store, open_store
from infraprobe.monitor.store.ledger import Incident, Outgoing

from .helpers import T0

INCIDENT = Incident("cache", T0, "dns_failure", "infrastructure", "NXDOMAIN", "here", ("backend",), T0)


def page(event: str = "down", provider: str = "hook") -> Outgoing:
    return Outgoing("cache", event, provider, {"summary": f"cache {event}", "blocked": ["backend"]})


def test_an_incident_and_its_deliveries_are_kept_and_read_back(store: Store) -> None:
    store.save_alert("cache", INCIDENT, [page(), page(provider="mail")], T0)
    assert store.open_incidents() == [INCIDENT]
    due = store.claim_due(T0)
    assert [(d.provider, d.status, d.attempts, d.payload["blocked"]) for d in due] == [
        ("hook", "pending", 0, ["backend"]),
        ("mail", "pending", 0, ["backend"]),
    ]


def test_closing_an_incident_removes_it_and_queues_the_recovery(store: Store) -> None:
    store.save_alert("cache", INCIDENT, [page()], T0)
    store.save_alert("cache", None, [page("recovery")], T0 + timedelta(minutes=1))
    assert store.open_incidents() == []
    assert [d.event for d in store.deliveries(T0)] == ["down", "recovery"]


def test_an_attempt_is_recorded_retried_then_sent_keeping_why_it_took_several(store: Store) -> None:
    store.save_alert("cache", INCIDENT, [page()], T0)
    (d,) = store.claim_due(T0)
    store.delivery_attempted(d.id, T0, "HTTP 500 Internal Server Error", T0 + timedelta(seconds=4))
    assert store.claim_due(T0 + timedelta(seconds=3)) == []
    (again,) = store.claim_due(T0 + timedelta(seconds=4))
    assert again.attempts == 1 and again.error == "HTTP 500 Internal Server Error"
    store.delivery_attempted(d.id, T0 + timedelta(seconds=4))
    (done,) = store.deliveries(T0)
    assert (done.status, done.attempts, done.error) == ("sent", 2, "HTTP 500 Internal Server Error")
    assert done.sent_at == T0 + timedelta(seconds=4)
    assert store.claim_due(T0 + timedelta(hours=1)) == []


def test_a_delivery_out_of_attempts_is_failed_and_never_due_again(store: Store) -> None:
    store.save_alert("cache", INCIDENT, [page()], T0)
    (d,) = store.claim_due(T0)
    store.delivery_attempted(d.id, T0, "connection refused")
    (failed,) = store.deliveries(T0)
    assert (failed.status, failed.attempts, failed.error) == ("failed", 1, "connection refused")
    assert store.claim_due(T0 + timedelta(days=1)) == []


def test_the_ledger_outlives_the_connection(store: Store, store_url: str) -> None:
    """What a monitor restart relies on: another connection (a new process) sees the same incidents."""
    store.save_alert("cache", INCIDENT, [page()], T0)
    store.close()
    reopened = open_store(store_url)
    try:
        assert reopened.open_incidents() == [INCIDENT]
        assert len(reopened.claim_due(T0)) == 1
    finally:
        reopened.close()


def test_a_claimed_delivery_is_nobody_elses_until_its_lease_ends(store: Store, store_url: str) -> None:
    """Two monitors sharing a store: a delivery one claimed is not sent by the other; a claim never
    recorded (the monitor died mid-send) is due again after the lease."""
    store.save_alert("cache", INCIDENT, [page()], T0)
    other = open_store(store_url)
    try:
        (mine,) = store.claim_due(T0, lease=30)
        assert other.claim_due(T0 + timedelta(seconds=29)) == []
        (again,) = other.claim_due(T0 + timedelta(seconds=30))
        assert again.id == mine.id
    finally:
        other.close()


def test_one_delivery_per_provider_at_a_time_and_none_to_a_busy_one(store: Store) -> None:
    store.save_alert("cache", INCIDENT, [page(provider="hook"), page(provider="mail")], T0)
    store.save_alert(
        "db", replace(INCIDENT, component="db"), [page(provider="hook"), page(provider="mail")], T0
    )
    ids = [d.id for d in store.deliveries(T0)]
    assert [d.id for d in store.claim_due(T0)] == ids[:2]  # hook, mail: not the second one to hook yet
    assert [d.id for d in store.claim_due(T0, busy=["mail"])] == ids[2:3]  # the second mail one waits
    assert [d.id for d in store.claim_due(T0)] == ids[3:]


def test_monitors_sharing_a_store_page_each_change_once(store: Store, store_url: str) -> None:
    """Every monitor sees the same verdict and decides the same page: only the first to record it sends it."""
    other = open_store(store_url)
    try:
        assert store.save_alert("cache", INCIDENT, [page()], T0)
        assert not other.save_alert("cache", INCIDENT, [page()], T0)
        remind_at = T0 + timedelta(hours=1)
        reminded = replace(INCIDENT, reminded=remind_at)
        assert store.save_alert("cache", reminded, [page("reminder")], remind_at, remind_due=T0)
        assert not other.save_alert("cache", reminded, [page("reminder")], remind_at, remind_due=T0)
        assert other.save_alert("cache", None, [page("recovery")], remind_at)
        assert not store.save_alert("cache", None, [page("recovery")], remind_at)
        assert [d.event for d in store.deliveries(T0)] == ["down", "reminder", "recovery"]
    finally:
        other.close()


def test_compaction_expires_finished_deliveries_with_the_transitions_and_keeps_pending_ones(
    store: Store,
) -> None:
    store.save_alert("cache", INCIDENT, [page(), page(provider="mail")], T0)
    sent, _pending = store.claim_due(T0)
    store.delivery_attempted(sent.id, T0)
    done = store.compact(T0 + timedelta(days=401), Retention())
    assert done.deleted["alert_deliveries"] == 1
    assert [d.provider for d in store.deliveries(T0)] == ["mail"]


def test_a_down_period_another_monitor_saw_end_is_not_opened_again(store: Store, store_url: str) -> None:
    """A monitor that read the others' views late decides a page for an incident already closed: refused.
    A new down period, begun after that recovery, opens as usual."""
    other = open_store(store_url)
    try:
        assert store.save_alert("cache", INCIDENT, [page()], T0)
        assert store.save_alert("cache", None, [page("recovery")], T0 + timedelta(minutes=1))
        late = replace(INCIDENT, opened=T0 + timedelta(seconds=30))
        assert not other.save_alert("cache", late, [page()], T0 + timedelta(minutes=1, seconds=1))
        assert other.open_incidents() == []
        again = replace(INCIDENT, opened=T0 + timedelta(minutes=2))
        assert other.save_alert("cache", again, [page()], T0 + timedelta(minutes=2))
        assert [d.event for d in store.deliveries(T0)] == ["down", "recovery", "down"]
    finally:
        other.close()
