"""Versioned schema migrations, applied in order on open: a store written by an older version opens in a newer one.

Never edit a released migration: add the next one. `{id}`, `{float}` and `{blob}` are filled per backend (an
auto-increment key, a double-precision number, bytes) so SQLite and PostgreSQL share one list. A step is a
statement, or a function of the cursor (and the backend's placeholder adapter) where SQL alone cannot do it.
"""

from __future__ import annotations

from collections.abc import Callable

from infraprobe.monitor.store import strips
from infraprobe.monitor.store.ledger import Cursor, Sql

Step = str | Callable[[Cursor, Sql], None]
Migration = tuple[int, tuple[Step, ...]]

MIGRATIONS: tuple[Migration, ...] = (
    (
        1,
        (
            """CREATE TABLE results (
                id {id}, vantage TEXT NOT NULL, component TEXT NOT NULL, kind TEXT NOT NULL,
                at {float} NOT NULL, status TEXT NOT NULL, duration {float} NOT NULL,
                cause TEXT, layer TEXT, blocked_by TEXT, message TEXT NOT NULL, phases TEXT NOT NULL)""",
            "CREATE INDEX results_component_at ON results (component, at)",
            "CREATE INDEX results_at ON results (at)",
            """CREATE TABLE transitions (
                id {id}, vantage TEXT NOT NULL, component TEXT NOT NULL, at {float} NOT NULL,
                from_state TEXT NOT NULL, to_state TEXT NOT NULL, cause TEXT, layer TEXT,
                evidence TEXT NOT NULL, blocked_by TEXT, streak INTEGER NOT NULL)""",
            "CREATE INDEX transitions_component_at ON transitions (component, at)",
        ),
    ),
    (
        2,
        (
            """CREATE TABLE rollups (
                vantage TEXT NOT NULL, component TEXT NOT NULL, resolution INTEGER NOT NULL,
                bucket {float} NOT NULL, total INTEGER NOT NULL, ok INTEGER NOT NULL, warn INTEGER NOT NULL,
                fail INTEGER NOT NULL, blocked INTEGER NOT NULL, duration_sum {float} NOT NULL,
                duration_max {float} NOT NULL, histogram TEXT NOT NULL, causes TEXT NOT NULL,
                PRIMARY KEY (vantage, component, resolution, bucket))""",
            # Per vantage, the last result id already summed into rollups: late rows (flushed after a store
            # outage) are rolled up by id, so none is missed whatever its timestamp.
            "CREATE TABLE rollup_marks (vantage TEXT PRIMARY KEY, last_id BIGINT NOT NULL)",
        ),
    ),
    (
        3,
        (
            # The alert ledger (ledger.py): incidents paged and not recovered, and the deliveries outbox.
            """CREATE TABLE alert_incidents (
                component TEXT PRIMARY KEY, opened {float} NOT NULL, cause TEXT, layer TEXT,
                evidence TEXT NOT NULL, vantage TEXT NOT NULL, blocked TEXT NOT NULL, reminded {float})""",
            """CREATE TABLE alert_deliveries (
                id {id}, component TEXT NOT NULL, event TEXT NOT NULL, provider TEXT NOT NULL,
                created {float} NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
                attempts INTEGER NOT NULL, next_at {float} NOT NULL, sent_at {float}, error TEXT NOT NULL)""",
            "CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_at)",
            "CREATE INDEX alert_deliveries_created ON alert_deliveries (created)",
        ),
    ),
    (
        4,
        (
            # Each vantage's newest view of each component (state, last result): monitors sharing a store
            # decide the quorum from these few rows instead of scanning results.
            """CREATE TABLE vantage_views (
                vantage TEXT NOT NULL, component TEXT NOT NULL, state TEXT NOT NULL, since {float},
                at {float} NOT NULL, status TEXT NOT NULL, cause TEXT, layer TEXT, evidence TEXT NOT NULL,
                PRIMARY KEY (vantage, component))""",
        ),
    ),
    (
        5,
        # The status page reads one resolution over a time range for every component at once; the primary key
        # leads with the vantage, so without this index that read scans every roll-up row kept.
        ("CREATE INDEX rollups_resolution_bucket ON rollups (resolution, bucket)",),
    ),
    (
        6,
        (
            # Measured (bench/bench_statuspage.py): reading the rows through 5's index cost three times the CPU
            # of reading the index alone. Covering, and only for hours and days (what the page reads), so the
            # two days of minute roll-ups, most of the table, do not double in size.
            "DROP INDEX IF EXISTS rollups_resolution_bucket",
            """CREATE INDEX rollups_totals ON rollups (resolution, bucket, component, total, ok, warn, fail,
                blocked, duration_sum, duration_max) WHERE resolution >= 3600""",
        ),
    ),
    (
        7,
        (
            # The quorum over time (verdict_log.py): each monitor's verdict changes, with who saw what, and
            # its vantage events (a path finding opened, widened, closed; a vantage silent or back).
            """CREATE TABLE verdict_transitions (
                id {id}, decided_by TEXT NOT NULL, component TEXT NOT NULL, at {float} NOT NULL,
                from_state TEXT NOT NULL, to_state TEXT NOT NULL, cause TEXT, layer TEXT,
                evidence TEXT NOT NULL, policy TEXT NOT NULL, down TEXT NOT NULL, degraded TEXT NOT NULL,
                up TEXT NOT NULL, set_aside TEXT NOT NULL)""",
            "CREATE INDEX verdict_transitions_component_at ON verdict_transitions (component, at)",
            """CREATE TABLE vantage_events (
                id {id}, reported_by TEXT NOT NULL, vantage TEXT NOT NULL, kind TEXT NOT NULL,
                topic TEXT NOT NULL, at {float} NOT NULL, message TEXT NOT NULL, components TEXT NOT NULL,
                causes TEXT NOT NULL, seen_up_by TEXT NOT NULL)""",
            "CREATE INDEX vantage_events_at ON vantage_events (at)",
        ),
    ),
    (
        8,
        (
            # The status page's hourly and daily totals packed per component, day or week (strips.py): 2,000
            # rows to read for 1,000 components instead of 31,000. Filled from the roll-ups already stored.
            """CREATE TABLE strips (
                component TEXT NOT NULL, resolution INTEGER NOT NULL, start {float} NOT NULL,
                slots {blob} NOT NULL, PRIMARY KEY (resolution, start, component))""",
            strips.backfill,
        ),
    ),
)

LATEST = MIGRATIONS[-1][0]
