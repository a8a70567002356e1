"""The quorum's rows in the store: verdict changes and vantage events (see monitor/verdict_log.py).

Like ledger.py: portable SQL with `?` placeholders, run in the caller's transaction. Lists (vantage names,
components) and counts are JSON text, as elsewhere in the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from infraprobe.monitor.quorum import PathFinding
from infraprobe.monitor.state import State, Transition
from infraprobe.monitor.verdict_log import EventKind, VantageEvent, VerdictChange

Sql = Callable[[str], str]

_VERDICT_COLS = (
    "decided_by, component, at, from_state, to_state, cause, layer, evidence, policy, down, degraded, up, "
    "set_aside"
)
_EVENT_COLS = "reported_by, vantage, kind, topic, at, message, components, causes, seen_up_by"


class _Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> list[Any]: ...


def write(cur: _Cursor, sql: Sql, verdicts: Sequence[VerdictChange], events: Sequence[VantageEvent]) -> None:
    if verdicts:
        cur.executemany(
            sql(f"INSERT INTO verdict_transitions ({_VERDICT_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"),
            [_verdict_params(v) for v in verdicts],
        )
    if events:
        cur.executemany(
            sql(f"INSERT INTO vantage_events ({_EVENT_COLS}) VALUES (?,?,?,?,?,?,?,?,?)"),
            [_event_params(e) for e in events],
        )


def verdict_transitions(
    cur: _Cursor, sql: Sql, since: datetime, until: datetime | None, components: Sequence[str]
) -> list[VerdictChange]:
    rows = _with_state_before(
        cur, sql, "verdict_transitions", _VERDICT_COLS, "component", since, until, components
    )
    return [_verdict(r) for r in rows]


def vantage_events(cur: _Cursor, sql: Sql, since: datetime, until: datetime | None) -> list[VantageEvent]:
    rows = _with_state_before(cur, sql, "vantage_events", _EVENT_COLS, "vantage, topic", since, until, ())
    return [_event(r) for r in rows]


def _with_state_before(
    cur: _Cursor,
    sql: Sql,
    table: str,
    cols: str,
    key: str,
    since: datetime,
    until: datetime | None,
    components: Sequence[str],
) -> list[Any]:
    """Rows in [since, until), plus the last row before `since` per `key`: what held when the window began."""
    where, params = _window(since, until, components)
    before, before_params = _window(datetime.fromtimestamp(0, UTC), since, components)
    latest_before = f"SELECT MAX(id) FROM {table} WHERE {before} GROUP BY {key}"
    cur.execute(
        sql(f"SELECT {cols} FROM {table} WHERE ({where}) OR id IN ({latest_before}) ORDER BY at, id"),
        [*params, *before_params],
    )
    return cur.fetchall()


def _window(since: datetime, until: datetime | None, components: Sequence[str]) -> tuple[str, list[Any]]:
    clauses, params = ["at >= ?"], list[Any]([since.timestamp()])
    if until is not None:
        clauses.append("at < ?")
        params.append(until.timestamp())
    if components:
        clauses.append(f"component IN ({', '.join('?' for _ in components)})")
        params.extend(components)
    return " AND ".join(clauses), params


def _verdict_params(v: VerdictChange) -> tuple[Any, ...]:
    t = v.transition
    names = (json.dumps(list(n)) for n in (v.down, v.degraded, v.up, v.set_aside))
    return (
        t.vantage, t.component, t.at.timestamp(), t.before.value, t.after.value, t.cause, t.layer,
        t.evidence, v.policy, *names,
    )  # fmt: skip


def _verdict(row: Sequence[Any]) -> VerdictChange:
    t = Transition(row[1], row[0], _ts(row[2]), State(row[3]), State(row[4]), row[5], row[6], row[7])
    down, degraded, up, aside = (tuple(json.loads(row[i])) for i in range(9, 13))
    return VerdictChange(t, row[8], down, degraded, up, aside)


def _event_params(e: VantageEvent) -> tuple[Any, ...]:
    f = e.finding
    components, causes, seen = (f.components, dict(f.causes), f.seen_up_by) if f else ((), {}, ())
    return (
        e.reported_by, e.vantage, e.kind.value, e.kind.topic, e.at.timestamp(), e.message,
        json.dumps(list(components)), json.dumps(causes), json.dumps(list(seen)),
    )  # fmt: skip


def _event(row: Sequence[Any]) -> VantageEvent:
    kind, components = EventKind(row[2]), tuple(json.loads(row[6]))
    finding = None
    if components:
        finding = PathFinding(row[1], components, json.loads(row[7]), tuple(json.loads(row[8])))
    return VantageEvent(kind, row[1], _ts(row[4]), row[5], finding, row[0])


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)
