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


class _Cursor(Protocol):
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
    cur: _Cursor,
    sql: Sql,
    component: str,
    incident: Incident | None,
    outgoing: Sequence[Outgoing],
    now: datetime,
) -> None:
    """The incident as it now stands (None: closed) and its deliveries, in the caller's transaction."""
    cur.execute(sql("DELETE FROM alert_incidents WHERE component = ?"), [component])
    if incident is not None:
        cur.execute(
            sql(f"INSERT INTO alert_incidents ({_INCIDENT_COLS}) VALUES (?,?,?,?,?,?,?,?)"),
            _incident_params(incident),
        )
    if outgoing:
        cols = "component, event, provider, created, payload, status, attempts, next_at, error"
        cur.executemany(
            sql(f"INSERT INTO alert_deliveries ({cols}) VALUES (?,?,?,?,?,'pending',0,?,'')"),
            [_outgoing_params(o, now) for o in outgoing],
        )


def open_incidents(cur: _Cursor, sql: Sql) -> list[Incident]:
    cur.execute(sql(f"SELECT {_INCIDENT_COLS} FROM alert_incidents ORDER BY opened, component"))
    return [_incident(r) for r in cur.fetchall()]


def due_deliveries(cur: _Cursor, sql: Sql, now: datetime, limit: int) -> list[Delivery]:
    cur.execute(
        sql(
            f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'pending' AND next_at <= ? "
            "ORDER BY id LIMIT ?"
        ),
        [now.timestamp(), limit],
    )
    return [_delivery(r) for r in cur.fetchall()]


def delivery_attempted(
    cur: _Cursor, sql: Sql, delivery_id: int, now: datetime, error: str, retry_at: datetime | None
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


def deliveries(cur: _Cursor, sql: Sql, since: datetime, components: Sequence[str] = ()) -> list[Delivery]:
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
