"""The alert ledger: open incidents and an outbox of deliveries, kept in the history store.

Why in the store: a monitor restarted while a component is down must still send the recovery, must not page
again for an incident it already paged, and must finish deliveries a provider had not accepted yet. An alert
decision is written as one transaction (the incident as it now stands, plus one pending delivery per
provider); a delivery leaves `pending` only when a provider accepted it (`sent`) or its retries ran out
(`failed`), and every attempt's error is kept. SQL here is portable (`?` placeholders, adapted per backend by
the caller's `sql` function), like the rest of the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

Sql = Callable[[str], str]  # adapts `?` placeholders to the backend's


class Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Incident:
    """A component paged as down and not recovered yet, with the dependents its failure blocks."""

    component: str
    opened: datetime
    cause: str | None
    layer: str | None
    evidence: str
    vantage: str
    blocked: tuple[str, ...] = ()
    reminded: datetime | None = None  # the last page sent for it (down or reminder); None: not paged


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A delivery to make: one event, to one provider, with the payload every provider renders from."""

    component: str
    event: str  # down | reminder | recovery
    provider: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    component: str
    event: str
    provider: str
    created: datetime
    payload: dict[str, Any]
    status: str  # pending | sent | failed
    attempts: int
    next_at: datetime
    sent_at: datetime | None
    error: str


_INCIDENT_COLS = "component, opened, cause, layer, evidence, vantage, blocked, reminded"
_DELIVERY_COLS = "id, component, event, provider, created, payload, status, attempts, next_at, sent_at, error"


def save_alert(
    cur: Cursor,
    sql: Sql,
    component: str,
    incident: Incident | None,
    outgoing: Sequence[Outgoing],
    now: datetime,
    remind_due: datetime | None = None,
) -> bool:
    """Make one change to an incident and queue its deliveries, in the caller's transaction.

    Monitors sharing a store race for each change (they all see the same verdict): a change is made only if
    the incident is still as the caller believes (not opened yet, nor closed since it began; still open;
    last reminded by `remind_due`), and only the monitor that made it queues the page. Returns whether this
    call made it.
    """
    event = outgoing[0].event if outgoing else None
    if incident is None:
        made = _changed(cur, sql("DELETE FROM alert_incidents WHERE component = ?"), [component])
    elif event == "down":
        made = _changed(
            cur, sql(_OPEN), [*_incident_params(incident), component, incident.opened.timestamp()]
        )
    elif event == "reminder":
        due = (remind_due or now).timestamp()
        remind = (
            "UPDATE alert_incidents SET reminded = ? WHERE component = ? AND COALESCE(reminded, opened) <= ?"
        )
        made = _changed(cur, sql(remind), [now.timestamp(), component, due])
    else:  # no page: the list of what it blocks grew
        update = "UPDATE alert_incidents SET blocked = ? WHERE component = ?"
        made = _changed(cur, sql(update), [json.dumps(incident.blocked), component])
    if made and outgoing:
        cols = "component, event, provider, created, payload, status, attempts, next_at, error"
        cur.executemany(
            sql(f"INSERT INTO alert_deliveries ({cols}) VALUES (?,?,?,?,?,'pending',0,?,'')"),
            [_outgoing_params(o, now) for o in outgoing],
        )
    return made


# Not when another monitor already recorded this down period's end: a monitor that read the others' views a
# moment late would otherwise open (and page) an incident just closed, as a second one.
_OPEN = (
    f"INSERT INTO alert_incidents ({_INCIDENT_COLS}) SELECT ?,?,?,?,?,?,?,? WHERE NOT EXISTS ("
    "SELECT 1 FROM alert_deliveries WHERE component = ? AND event = 'recovery' AND created >= ?) "
    "ON CONFLICT (component) DO NOTHING"
)


def _changed(cur: Cursor, statement: str, params: Sequence[Any]) -> bool:
    return int(cur.execute(statement, params).rowcount) > 0


def open_incidents(cur: Cursor, sql: Sql) -> list[Incident]:
    cur.execute(sql(f"SELECT {_INCIDENT_COLS} FROM alert_incidents ORDER BY opened, component"))
    return [_incident(r) for r in cur.fetchall()]


def claim_due(
    cur: Cursor, sql: Sql, now: datetime, limit: int, lease: float, busy: Sequence[str] = ()
) -> list[Delivery]:
    """Pending deliveries due now, except to `busy` providers, the oldest one per provider, each claimed for
    `lease` seconds (its next attempt moved past the lease): another monitor sharing the store does not send
    it too, and one claimed by a monitor that died is due again when the lease ends."""
    skip = f" AND provider NOT IN ({', '.join('?' for _ in busy)})" if busy else ""
    cur.execute(
        sql(
            f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'pending' AND next_at <= ?{skip} "
            "ORDER BY id LIMIT ?"
        ),
        [now.timestamp(), *busy, limit],
    )
    first: dict[str, Delivery] = {}
    for d in map(_delivery, cur.fetchall()):
        first.setdefault(d.provider, d)  # one in flight per provider: the others wait their turn, unclaimed
    rows = list(first.values())
    claim = "UPDATE alert_deliveries SET next_at = ? WHERE id = ? AND status = 'pending' AND next_at = ?"
    until = now.timestamp() + lease
    return [d for d in rows if _changed(cur, sql(claim), [until, d.id, d.next_at.timestamp()])]


def delivery_attempted(
    cur: Cursor, sql: Sql, delivery_id: int, now: datetime, error: str, retry_at: datetime | None
) -> None:
    """One attempt's outcome: sent (no error), pending again until `retry_at`, or failed for good."""
    if not error:  # the last failed attempt's error, if any, stays: it says why it took several
        cur.execute(
            sql(
                "UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ? WHERE id = ?"
            ),
            [now.timestamp(), delivery_id],
        )
        return
    status, next_at = ("pending", retry_at) if retry_at else ("failed", now)
    cur.execute(
        sql(
            "UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, next_at = ?, error = ? WHERE id = ?"
        ),
        [status, next_at.timestamp(), error, delivery_id],
    )


def deliveries(cur: Cursor, sql: Sql, since: datetime, components: Sequence[str] = ()) -> list[Delivery]:
    where, params = "created >= ?", list[Any]([since.timestamp()])
    if components:
        where += f" AND component IN ({', '.join('?' for _ in components)})"
        params += list(components)
    cur.execute(sql(f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE {where} ORDER BY id"), params)
    return [_delivery(r) for r in cur.fetchall()]


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def _incident_params(i: Incident) -> tuple[Any, ...]:
    reminded = i.reminded.timestamp() if i.reminded else None
    return (
        i.component, i.opened.timestamp(), i.cause, i.layer, i.evidence, i.vantage, json.dumps(i.blocked),
        reminded,
    )  # fmt: skip


def _incident(row: Sequence[Any]) -> Incident:
    opened = _ts(row[1])
    assert opened is not None
    return Incident(row[0], opened, row[2], row[3], row[4], row[5], tuple(json.loads(row[6])), _ts(row[7]))


def _outgoing_params(o: Outgoing, now: datetime) -> tuple[Any, ...]:
    t = now.timestamp()
    return (o.component, o.event, o.provider, t, json.dumps(o.payload), t)


def _delivery(row: Sequence[Any]) -> Delivery:
    created, next_at = _ts(row[4]), _ts(row[8])
    assert created is not None and next_at is not None
    return Delivery(
        int(row[0]), row[1], row[2], row[3], created, json.loads(row[5]), row[6], int(row[7]), next_at,
        _ts(row[9]), row[10],
    )  # fmt: skip
