"""The store over SQL, shared by SQLite and PostgreSQL: a backend only says how to connect and what fails.

SQL here is written once with `?` placeholders and portable types; `Dialect` adapts both. The connection
runs in autocommit mode and every unit of work is an explicit BEGIN ... COMMIT, so both drivers behave alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from infraprobe.monitor.state import Observation, State, Transition, View
from infraprobe.monitor.store import ledger, strips
from infraprobe.monitor.store import verdicts as quorum_rows
from infraprobe.monitor.store.base import (
    Compaction,
    ResultRow,
    Retention,
    Rollup,
    Series,
    StoreUnavailable,
    Window,
)
from infraprobe.monitor.store.ledger import Cursor
from infraprobe.monitor.store.migrations import MIGRATIONS, Migration
from infraprobe.monitor.store.rollup import RESOLUTIONS, Counts, Key, Sums, floor_to, merge, roll, roll_raw
from infraprobe.monitor.verdict_log import VantageEvent, VerdictChange

_RESULT_COLS = "id, vantage, component, kind, at, status, duration, cause, layer, blocked_by, message, phases"
_TRANSITION_COLS = "vantage, component, at, from_state, to_state, cause, layer, evidence, blocked_by, streak"
_ROLLUP_COLS = (
    "vantage, component, resolution, bucket, total, ok, warn, fail, blocked, duration_sum, duration_max, "
    "histogram, causes"
)
_VIEW_COLS = "vantage, component, state, since, at, status, cause, layer, evidence"
_VIEWS_SINCE = 4  # the migration that adds vantage_views (a store opened with fewer migrations has none)
_VERDICTS_SINCE = 7  # ... verdict_transitions and vantage_events
_STRIPS_SINCE = 8  # ... strips
_MARK = "COALESCE((SELECT last_id FROM rollup_marks m WHERE m.vantage = results.vantage), 0)"
# The rows not rolled up yet, by a range of ids the database can seek to (a day of raw results kept is a
# million rows at 1,000 components): every vantage's rows below the lowest mark were in a compaction that
# gave that vantage a mark, so the lowest mark bounds them all; the per-vantage mark then decides. The lowest
# mark is read first and passed as a value: given a subquery instead, PostgreSQL's planner cannot tell the
# range is small and scans a component index over every raw row kept (measured: bench/bench_statuspage.py).
_NOT_ROLLED = f"id > ? AND id > {_MARK}"
_LOWEST_MARK = "SELECT COALESCE(MIN(last_id), 0) FROM rollup_marks"
# Raw rows rolled up per transaction. Small enough that compaction's transient objects stay a few MB (the
# monitor's RSS), and each batch holds the GIL the loop needs for a short time only.
_BATCH = 2_000
_RAW_COLS = "id, vantage, component, at, status, duration, cause, blocked_by"


class Connection(Protocol):
    def cursor(self) -> Any: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    param: str  # "?" or "%s"
    id_type: str
    float_type: str
    blob_type: str

    def sql(self, text: str) -> str:
        return text if self.param == "?" else text.replace("?", self.param)

    def ddl(self, text: str) -> str:
        return text.format(id=self.id_type, float=self.float_type, blob=self.blob_type)


class SqlStore:
    """`Store` over a DB-API connection. Subclasses provide `_connect` and `_unavailable`."""

    dialect: Dialect
    url: str

    def __init__(self, url: str, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.url = url
        self._migrations = migrations
        self._conn: Connection | None = None
        self._version = 0

    # -- to provide --------------------------------------------------------------------------------

    def _connect(self) -> Connection:
        raise NotImplementedError

    def _unavailable(self, exc: BaseException) -> bool:
        """True when `exc` means the database is out of reach (reconnect later), not a bug."""
        raise NotImplementedError

    def _lock_migrations(self, cur: Cursor) -> None:
        """Serialise migrations between monitors sharing one database (where the backend needs it)."""

    # -- connection and transactions ---------------------------------------------------------------

    def _begin_exclusive(self, cur: Cursor) -> None:
        """Start a transaction no other writer of this store runs at the same time (roll-ups)."""
        cur.execute("BEGIN")

    # Reads of roll-ups or strips plus the raw rows not rolled up yet take several statements, and must see one
    # state of the store: a compaction committed between them would count its rows twice or not at all.
    _BEGIN_SNAPSHOT = "BEGIN"  # SQLite: a transaction reads one snapshot, from its first read to its end

    def _packed_reader(self, conn: Connection) -> Cursor:
        """A cursor for reads of packed bytes (strips), in the driver's cheapest form for them."""
        cursor: Cursor = conn.cursor()
        return cursor

    @contextmanager
    def _tx(self, exclusive: bool = False, packed: bool = False, snapshot: bool = False) -> Iterator[Cursor]:
        try:
            cur = self._cursor(packed)
            if exclusive:
                self._begin_exclusive(cur)
            else:
                cur.execute(self._BEGIN_SNAPSHOT if snapshot else "BEGIN")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                self._rollback(cur)
                raise
        except Exception as exc:
            if self._unavailable(exc):
                self._drop()
                raise StoreUnavailable(f"{self.url}: {_one_line(exc)}") from exc
            raise

    def _cursor(self, packed: bool = False) -> Cursor:
        if self._conn is None:
            conn = self._connect()
            try:
                self._migrate(conn.cursor())
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        if packed:
            return self._packed_reader(self._conn)
        cursor: Cursor = self._conn.cursor()
        return cursor

    def _rollback(self, cur: Cursor) -> None:
        try:
            cur.execute("ROLLBACK")
        except Exception:
            self._drop()  # the connection is gone with the transaction; the next call reconnects

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass  # closing a broken connection can fail too; it is being thrown away either way
            self._conn = None

    def close(self) -> None:
        self._drop()

    # -- migrations --------------------------------------------------------------------------------

    def _migrate(self, cur: Cursor) -> None:
        d = self.dialect
        cur.execute("BEGIN")
        try:
            self._lock_migrations(cur)
            cur.execute(
                d.ddl(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, at {float})"
                )
            )
            cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            current = int(cur.fetchall()[0][0])
            for version, statements in self._migrations:
                if version > current:
                    for step in statements:
                        if isinstance(step, str):
                            cur.execute(d.ddl(step))
                        else:
                            step(cur, d.sql)
                    cur.execute(d.sql("INSERT INTO schema_migrations VALUES (?, ?)"), (version, time.time()))
                    current = version
            cur.execute("COMMIT")
        except BaseException:
            self._rollback(cur)
            raise
        self._version = current

    def schema_version(self) -> int:
        with self._tx():
            return self._version

    # -- writing -----------------------------------------------------------------------------------

    def write(
        self,
        observations: Sequence[Observation],
        transitions: Sequence[Transition],
        verdicts: Sequence[VerdictChange] = (),
        events: Sequence[VantageEvent] = (),
    ) -> None:
        d = self.dialect
        with self._tx() as cur:
            if self._version >= _VERDICTS_SINCE:
                quorum_rows.write(cur, d.sql, verdicts, events)
            if observations:
                cur.executemany(
                    d.sql(f"INSERT INTO results ({_RESULT_COLS[4:]}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"),
                    [_result_params(o) for o in observations],
                )
            if transitions:
                cur.executemany(
                    d.sql(f"INSERT INTO transitions ({_TRANSITION_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)"),
                    [_transition_params(t) for t in transitions],
                )
            if observations and self._version >= _VIEWS_SINCE:
                cur.executemany(d.sql(_UPSERT_VIEW), [_view_params(v) for v in _newest_views(observations)])

    # -- reading -----------------------------------------------------------------------------------

    def results(
        self, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[ResultRow]:
        where, params = _window(since, until, components)
        with self._tx() as cur:
            cur.execute(
                self.dialect.sql(f"SELECT {_RESULT_COLS} FROM results WHERE {where} ORDER BY at, id"), params
            )
            return [_result_row(r) for r in cur.fetchall()]

    def transitions(
        self, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[Transition]:
        where, params = _window(since, until, components)
        before, before_params = _window(datetime.fromtimestamp(0, UTC), since, components)
        latest_before = f"SELECT MAX(id) FROM transitions WHERE {before} GROUP BY vantage, component"
        query = (
            f"SELECT {_TRANSITION_COLS} FROM transitions WHERE ({where}) OR id IN ({latest_before}) "
            "ORDER BY at, id"
        )
        with self._tx() as cur:
            cur.execute(self.dialect.sql(query), [*params, *before_params])
            return [_transition(r) for r in cur.fetchall()]

    def rollups(
        self, resolution: int, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[Rollup]:
        where, params = _window(floor_to(since, resolution), until, components, column="bucket")
        tail_where, tail_params = _window(since, until, components)
        with self._tx(snapshot=True) as cur:
            cur.execute(
                self.dialect.sql(f"SELECT {_ROLLUP_COLS} FROM rollups WHERE resolution = ? AND {where}"),
                [resolution, *params],
            )
            stored = [_rollup(r) for r in cur.fetchall()]
            cur.execute(
                self.dialect.sql(f"SELECT {_RESULT_COLS} FROM results WHERE {tail_where} AND {_NOT_ROLLED}"),
                [*tail_params, _lowest_mark(cur)],
            )
            tail = roll((_result_row(r) for r in cur.fetchall()), (resolution,))
        return merge(stored, tail) + [
            r for r in stored if (r.vantage, r.component, r.resolution, r.bucket) not in tail
        ]

    def series(self, windows: Sequence[Window], components: Sequence[str] = ()) -> list[dict[str, Series]]:
        # Two strips per component and window (strips.py), and the raw rows not rolled up yet, read once for
        # all windows: 5,000 rows for a page of 1,000 components where the roll-ups would be 31,000.
        starts = [floor_to(w.first, w.resolution).timestamp() for w in windows]
        with self._tx(packed=True, snapshot=True) as cur:
            found = [
                self._strips(cur, w.resolution, start, w.count, components)
                for w, start in zip(windows, starts, strict=True)
            ]
            tail = self._not_rolled(cur, _ts(min(starts, default=0)), components)
        for w, start, buffers in zip(windows, starts, found, strict=True):
            sums: dict[tuple[str, int], Counts] = {}
            for component, at, status, duration, blocked_by in tail:
                index = int(float(at) - start) // w.resolution
                # A result stamped ahead of our clock (another vantage's) waits for its bucket.
                if 0 <= index < w.count:
                    sums.setdefault((component, index), Counts()).add(
                        status, float(duration), bool(blocked_by)
                    )
            for (component, index), counts in sums.items():
                if component not in buffers:
                    buffers[component] = strips.empty(w.count)
                strips.add_into(buffers[component], index, counts)
        return [{name: strips.series(b) for name, b in buffers.items()} for buffers in found]

    def _strips(
        self, cur: Cursor, resolution: int, start: float, count: int, components: Sequence[str]
    ) -> dict[str, bytearray]:
        end = start + count * resolution
        where, params = _window(_ts(strips.start_of(start, resolution)), _ts(end), components, "start")
        cur.execute(
            self.dialect.sql(f"SELECT component, start, slots FROM strips WHERE resolution = ? AND {where}"),
            [resolution, *params],
        )
        return strips.read(cur.fetchall(), resolution, start, count)

    def _not_rolled(self, cur: Cursor, since: datetime, components: Sequence[str]) -> list[Any]:
        """Raw results at or after `since` not rolled up yet: component, at, status, duration, blocked_by."""
        # No upper bound on `at`: with one, the planner walks the `at` index over a day of raw rows instead of
        # seeking the id range of the rows not rolled up (330 ms against 1 ms on the bench's store).
        where, params = _window(since, None, components)
        cur.execute(
            self.dialect.sql(
                f"SELECT component, at, status, duration, blocked_by FROM results WHERE {where} AND {_NOT_ROLLED}"
            ),
            [*params, _lowest_mark(cur)],
        )
        return cur.fetchall()

    def verdict_transitions(
        self, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[VerdictChange]:
        with self._tx() as cur:
            return quorum_rows.verdict_transitions(cur, self.dialect.sql, since, until, components)

    def vantage_events(self, since: datetime, until: datetime | None = None) -> list[VantageEvent]:
        with self._tx() as cur:
            return quorum_rows.vantage_events(cur, self.dialect.sql, since, until)

    def views(self, since: datetime | None = None) -> list[View]:
        where = "at >= ?" if since else "1 = 1"
        with self._tx() as cur:
            cur.execute(
                self.dialect.sql(
                    f"SELECT {_VIEW_COLS} FROM vantage_views WHERE {where} ORDER BY vantage, component"
                ),
                [since.timestamp()] if since else [],
            )
            return [_view(r) for r in cur.fetchall()]

    # -- the alert ledger (ledger.py) ---------------------------------------------------------------

    def save_alert(
        self,
        component: str,
        incident: ledger.Incident | None,
        outgoing: Sequence[ledger.Outgoing],
        now: datetime,
        remind_due: datetime | None = None,
    ) -> bool:
        with self._tx() as cur:
            return ledger.save_alert(cur, self.dialect.sql, component, incident, outgoing, now, remind_due)

    def open_incidents(self) -> list[ledger.Incident]:
        with self._tx() as cur:
            return ledger.open_incidents(cur, self.dialect.sql)

    def claim_due(
        self, now: datetime, limit: int = 100, lease: float = 60.0, busy: Sequence[str] = ()
    ) -> list[ledger.Delivery]:
        # Exclusive: it reads, then writes what it read (SQLite would refuse to upgrade a stale read).
        with self._tx(exclusive=True) as cur:
            return ledger.claim_due(cur, self.dialect.sql, now, limit, lease, busy)

    def delivery_attempted(
        self, delivery_id: int, now: datetime, error: str = "", retry_at: datetime | None = None
    ) -> None:
        with self._tx() as cur:
            ledger.delivery_attempted(cur, self.dialect.sql, delivery_id, now, error, retry_at)

    def deliveries(self, since: datetime, components: Sequence[str] = ()) -> list[ledger.Delivery]:
        with self._tx() as cur:
            return ledger.deliveries(cur, self.dialect.sql, since, components)

    # -- compaction --------------------------------------------------------------------------------

    def compact(self, now: datetime, retention: Retention) -> Compaction:
        rolled = 0
        for _ in range(1000):  # bounded: each pass rolls up one batch
            done = self._roll_batch((now - retention.strips).timestamp())
            rolled += done
            if done < _BATCH:
                break
        return Compaction(rolled, self._delete_expired(now, retention))

    def _roll_batch(self, strips_since: float) -> int:
        d = self.dialect
        # Exclusive: two monitors sharing a store must not both roll up the same rows (each would add them).
        with self._tx(exclusive=True) as cur:
            cur.execute(
                d.sql(f"SELECT {_RAW_COLS} FROM results WHERE id > {_MARK} ORDER BY id LIMIT ?"), [_BATCH]
            )
            rows = cur.fetchall()
            if not rows:
                return 0
            fresh = roll_raw(r[1:] for r in rows)
            if self._version >= _STRIPS_SINCE:  # before merge, which adds the stored roll-ups into fresh
                strips.add(cur, d.sql, fresh, strips_since)
            merged = merge(self._existing(cur, fresh), fresh)
            cur.executemany(d.sql(_UPSERT_ROLLUP), [_rollup_params(r) for r in merged])
            last: dict[str, int] = {}
            for row in rows:  # ordered by id: the last one seen per vantage is its highest
                last[row[1]] = int(row[0])
            for vantage, last_id in last.items():
                cur.execute(d.sql(_UPSERT_MARK), [vantage, last_id])
            return len(rows)

    def _existing(self, cur: Cursor, fresh: dict[Key, Sums]) -> list[Rollup]:
        """The stored roll-ups `fresh` adds to: per vantage and resolution, its buckets' range and components
        only (a batch covers a slice of the components; reading every component's day row would not)."""
        out: list[Rollup] = []
        for vantage, resolution in {(k[0], k[2]) for k in fresh}:
            keys = [k for k in fresh if k[0] == vantage and k[2] == resolution]
            buckets = [k[3].timestamp() for k in keys]
            components = sorted({k[1] for k in keys})
            cur.execute(
                self.dialect.sql(
                    f"SELECT {_ROLLUP_COLS} FROM rollups WHERE vantage = ? AND resolution = ? "
                    f"AND bucket >= ? AND bucket <= ? AND component IN ({', '.join('?' * len(components))})"
                ),
                [vantage, resolution, min(buckets), max(buckets), *components],
            )
            out.extend(_rollup(r) for r in cur.fetchall())
        return out

    def _delete_expired(self, now: datetime, retention: Retention) -> dict[str, int]:
        t = now.timestamp()
        statements = {
            "results_ok": (
                f"DELETE FROM results WHERE status = 'ok' AND at < ? AND id <= {_MARK}",
                [t - retention.raw_ok.total_seconds()],
            ),
            "results_failures": (
                f"DELETE FROM results WHERE status <> 'ok' AND at < ? AND id <= {_MARK}",
                [t - retention.raw_failures.total_seconds()],
            ),
            "transitions": (
                "DELETE FROM transitions WHERE at < ?",
                [t - retention.transitions.total_seconds()],
            ),
            "views": (
                "DELETE FROM vantage_views WHERE at < ?",
                [t - retention.transitions.total_seconds()],
            ),
            "verdict_transitions": (
                "DELETE FROM verdict_transitions WHERE at < ?",
                [t - retention.transitions.total_seconds()],
            ),
            "vantage_events": (
                "DELETE FROM vantage_events WHERE at < ?",
                [t - retention.transitions.total_seconds()],
            ),
            # Deliveries done with (sent or failed) are kept as long as the state changes they announced.
            "alert_deliveries": (
                "DELETE FROM alert_deliveries WHERE status <> 'pending' AND created < ?",
                [t - retention.transitions.total_seconds()],
            ),
            **{
                f"rollups_{r}": (
                    "DELETE FROM rollups WHERE resolution = ? AND bucket < ?",
                    [r, t - retention.of_resolution(r).total_seconds()],
                )
                for r in RESOLUTIONS
            },
            **{
                f"strips_{r}": (
                    "DELETE FROM strips WHERE resolution = ? AND start < ?",
                    [r, t - retention.strips.total_seconds() - span],
                )
                for r, span in strips.SPAN.items()
                if self._version >= _STRIPS_SINCE
            },
        }
        deleted: dict[str, int] = {}
        with self._tx() as cur:
            for name, (statement, params) in statements.items():
                deleted[name] = int(cur.execute(self.dialect.sql(statement), params).rowcount)
        return deleted


_UPSERT_ROLLUP = (
    f"INSERT INTO rollups ({_ROLLUP_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (vantage, component, resolution, bucket) DO UPDATE SET total = excluded.total, "
    "ok = excluded.ok, warn = excluded.warn, fail = excluded.fail, blocked = excluded.blocked, "
    "duration_sum = excluded.duration_sum, duration_max = excluded.duration_max, "
    "histogram = excluded.histogram, causes = excluded.causes"
)
# A row flushed late (after a store outage) never replaces a newer view.
_UPSERT_VIEW = (
    f"INSERT INTO vantage_views ({_VIEW_COLS}) VALUES (?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (vantage, component) DO UPDATE SET state = excluded.state, since = excluded.since, "
    "at = excluded.at, status = excluded.status, cause = excluded.cause, layer = excluded.layer, "
    "evidence = excluded.evidence WHERE excluded.at >= vantage_views.at"
)
_UPSERT_MARK = (
    "INSERT INTO rollup_marks (vantage, last_id) VALUES (?, ?) "
    "ON CONFLICT (vantage) DO UPDATE SET last_id = excluded.last_id"
)


def _lowest_mark(cur: Cursor) -> int:
    cur.execute(_LOWEST_MARK)
    return int(cur.fetchall()[0][0])


def _window(
    since: datetime, until: datetime | None, components: Sequence[str], column: str = "at"
) -> tuple[str, list[Any]]:
    clauses = [f"{column} >= ?"]
    params: list[Any] = [since.timestamp()]
    if until is not None:
        clauses.append(f"{column} < ?")
        params.append(until.timestamp())
    if components:
        clauses.append(f"component IN ({', '.join('?' for _ in components)})")
        params.extend(components)
    return " AND ".join(clauses), params


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)


def _result_params(o: Observation) -> tuple[Any, ...]:
    r = o.result
    phases = json.dumps({p.name: round(p.seconds, 6) for p in r.phases})
    return (
        o.vantage,
        r.component,
        r.kind,
        r.started_at.timestamp(),
        r.status.value,
        r.duration,
        o.cause,
        o.layer,
        o.blocked_by,
        r.message,
        phases,
    )


def _result_row(row: Sequence[Any]) -> ResultRow:
    return ResultRow(
        int(row[0]), row[1], row[2], row[3], _ts(row[4]), row[5], float(row[6]), row[7], row[8], row[9],
        row[10], json.loads(row[11]),
    )  # fmt: skip


def _transition_params(t: Transition) -> tuple[Any, ...]:
    return (
        t.vantage,
        t.component,
        t.at.timestamp(),
        t.before.value,
        t.after.value,
        t.cause,
        t.layer,
        t.evidence,
        t.blocked_by,
        t.streak,
    )


def _transition(row: Sequence[Any]) -> Transition:
    return Transition(
        row[1], row[0], _ts(row[2]), State(row[3]), State(row[4]), row[5], row[6], row[7], row[8], int(row[9])
    )


def _newest_views(observations: Sequence[Observation]) -> list[View]:
    """One view per vantage and component: the newest observation's (a batch holds many per component)."""
    newest: dict[tuple[str, str], Observation] = {}
    for o in observations:
        key = (o.vantage, o.component)
        if key not in newest or o.result.started_at >= newest[key].result.started_at:
            newest[key] = o
    return [View.of(o) for o in newest.values()]


def _view_params(v: View) -> tuple[Any, ...]:
    since = v.since.timestamp() if v.since else None
    return (
        v.vantage,
        v.component,
        v.state.value,
        since,
        v.at.timestamp(),
        v.status,
        v.cause,
        v.layer,
        v.evidence,
    )


def _view(row: Sequence[Any]) -> View:
    since = _ts(row[3]) if row[3] is not None else None
    return View(row[0], row[1], State(row[2]), since, _ts(row[4]), row[5], row[6], row[7], row[8])


def _rollup(row: Sequence[Any]) -> Rollup:
    histogram = {int(k): int(v) for k, v in json.loads(row[11]).items()}
    return Rollup(
        row[0], row[1], int(row[2]), _ts(row[3]), int(row[4]), int(row[5]), int(row[6]), int(row[7]),
        int(row[8]), float(row[9]), float(row[10]), histogram, json.loads(row[12]),
    )  # fmt: skip


def _rollup_params(r: Rollup) -> tuple[Any, ...]:
    return (
        r.vantage, r.component, r.resolution, r.bucket.timestamp(), r.total, r.ok, r.warn, r.fail, r.blocked,
        r.duration_sum, r.duration_max, json.dumps(r.histogram), json.dumps(r.causes),
    )  # fmt: skip


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
