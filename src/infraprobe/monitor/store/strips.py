"""Strips: a component's hourly totals of one UTC day, or daily totals of one week, packed in one row.

Why: the status page shows 1,000 components x (24 hours + 7 days) at once. Read from the roll-ups that is
31,000 rows, and turning them into Python objects cost 300 ms; read from strips it is 4,000 rows of packed
numbers. Strips hold counts and latency sums only (what a bar and a sparkline need), summed over vantages,
for the last `Retention.strips` only; the roll-ups stay the record.

Kept exact by compaction: every raw row is rolled up once (`rollup_marks`), and the same transaction adds its
counts to the strip of its hour and of its day (`add`). A store written before strips existed gets them from
its roll-ups when it is migrated (`backfill`). SQL here is portable, as in ledger.py.

A strip is `n` slots of 56 bytes, little-endian, `n` being 24 (hours of a day) or 7 (days of a week from a
Thursday: the epoch's weeks). A slot is total, ok, warn, fail, blocked (int64), then duration sum and maximum
(float64). Slot after slot, so a window of buckets across two strips is one slice of each put end to end,
and its columns are strided views of those bytes: no Python object per number (1,000 components' 24 hours
are 168,000 numbers) until the page reads them.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from infraprobe.monitor.store.base import Retention, Series
from infraprobe.monitor.store.ledger import Cursor, Sql
from infraprobe.monitor.store.rollup import Counts, Key

SPAN = {3600: 86400, 86400: 7 * 86400}  # resolution -> seconds one strip covers
_FORMAT = struct.Struct("<5q2d")  # one slot: 5 counts then 2 sums, as in Counts
_FIELDS, _SLOT = 7, _FORMAT.size
_SWAP = sys.byteorder == "big"  # stored little-endian, so monitors on any machine share a store


def slots(resolution: int) -> int:
    return SPAN[resolution] // resolution


def start_of(bucket: float, resolution: int) -> float:
    """The start of the strip holding `bucket` (epoch seconds)."""
    return bucket - bucket % SPAN[resolution]


def empty(count: int) -> bytearray:
    return bytearray(_SLOT * count)


def add_into(buffer: bytearray, index: int, c: Counts) -> None:
    """`c` added into slot `index` of a strip or a window."""
    total, ok, warn, fail, blocked, duration_sum, duration_max = _FORMAT.unpack_from(buffer, index * _SLOT)
    _FORMAT.pack_into(
        buffer, index * _SLOT, total + c.total, ok + c.ok, warn + c.warn, fail + c.fail,
        blocked + c.blocked, duration_sum + c.duration_sum, max(duration_max, c.duration_max),
    )  # fmt: skip


def series(window: bytearray) -> Series:
    """A window's columns, as views of its bytes (which must not change size afterwards)."""
    if _SWAP:
        window = _native(window)
    counts, sums = memoryview(window).cast("q"), memoryview(window).cast("d")
    total, ok, warn, fail, blocked = (counts[k::_FIELDS] for k in range(5))
    return Series(total, ok, warn, fail, blocked, sums[5::_FIELDS], sums[6::_FIELDS])


def _native(blob: bytearray) -> bytearray:
    """Little-endian slots in this (big-endian) machine's order, which memoryview casts read."""
    items = array("q")
    items.frombytes(blob)
    items.byteswap()  # 8 bytes an item: right for the float64 fields too
    return bytearray(items.tobytes())


# -- written by compaction ----------------------------------------------------------------------------

StripKey = tuple[int, float]  # resolution, strip start (epoch seconds)


def add(cur: Cursor, sql: Sql, fresh: Mapping[Key, Counts], since: float) -> None:
    """Add newly rolled-up sums (`rollup.roll_raw`, before `rollup.merge` adds the stored roll-ups into them)
    to their strips: read, add, write; the caller holds the roll-up lock. Vantages add into the same slot.
    Strips that end before `since` are left out (retention deletes them)."""
    grouped: dict[StripKey, dict[str, list[tuple[int, Counts]]]] = {}
    for (_, component, resolution, bucket), sums in fresh.items():
        if resolution not in SPAN:
            continue
        at = bucket.timestamp()
        start = start_of(at, resolution)
        if start + SPAN[resolution] > since:
            slot = int(at - start) // resolution
            grouped.setdefault((resolution, start), {}).setdefault(component, []).append((slot, sums))
    for (resolution, start), by_component in grouped.items():
        names = sorted(by_component)
        stored = _stored(cur, sql, resolution, start, names)
        rows = []
        for name in names:
            strip = stored.get(name) or empty(slots(resolution))
            for index, c in by_component[name]:
                add_into(strip, index, c)
            rows.append((name, resolution, start, bytes(strip)))
        cur.executemany(sql(_UPSERT), rows)


def _stored(
    cur: Cursor, sql: Sql, resolution: int, start: float, names: Sequence[str]
) -> dict[str, bytearray]:
    marks = ", ".join("?" * len(names))
    cur.execute(
        sql(
            f"SELECT component, slots FROM strips WHERE resolution = ? AND start = ? AND component IN ({marks})"
        ),
        [resolution, start, *names],
    )
    return {name: bytearray(blob) for name, blob in cur.fetchall()}


_UPSERT = (
    "INSERT INTO strips (component, resolution, start, slots) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (resolution, start, component) DO UPDATE SET slots = excluded.slots"
)


# -- read by the status page --------------------------------------------------------------------------


def read(
    rows: Iterable[tuple[str, float, bytes]], resolution: int, first: float, count: int
) -> dict[str, bytearray]:
    """`count` slots of each component from bucket `first` on, from its strips' rows (component, start,
    slots). Each bucket is in one strip only: a window is slices of strips put end to end."""
    n = slots(resolution)
    parts: dict[str, dict[int, bytes]] = {}
    for component, start, blob in rows:
        offset = int(float(start) - first) // resolution  # of the strip's first slot in the window
        parts.setdefault(component, {})[offset] = blob
    first_offset = -(int(first - start_of(first, resolution)) // resolution)
    cuts = [(o, max(0, -o) * _SLOT, min(n, count - o) * _SLOT) for o in range(first_offset, count, n)]
    nothing, out = bytes(empty(n)), {}
    for component, found in parts.items():
        window = bytearray()
        for o, lo, hi in cuts:
            window += found.get(o, nothing)[lo:hi]
        out[component] = window
    return out


# -- a store written before strips existed ------------------------------------------------------------


def backfill(cur: Cursor, sql: Sql) -> None:
    """Strips from the roll-ups already stored, as far back from the newest bucket as `Retention.strips` keeps
    (a migration step; raw rows not rolled up yet are added by the next compaction, as for any store)."""
    keep = Retention().strips.total_seconds()
    for resolution in SPAN:
        cur.execute(sql("SELECT MAX(bucket) FROM rollups WHERE resolution = ?"), [resolution])
        newest = cur.fetchall()[0][0]
        if newest is None:
            continue
        since = start_of(float(newest) - keep, resolution)
        cur.execute(
            sql(
                "SELECT component, bucket, SUM(total), SUM(ok), SUM(warn), SUM(fail), SUM(blocked), "
                "SUM(duration_sum), MAX(duration_max) FROM rollups WHERE resolution = ? AND bucket >= ? "
                "GROUP BY component, bucket"
            ),
            [resolution, since],
        )
        built: dict[Key, Counts] = {}
        for component, bucket, total, ok, warn, fail, blocked, duration_sum, duration_max in cur.fetchall():
            counts = Counts(int(total), int(ok), int(warn), int(fail), int(blocked))
            counts.duration_sum, counts.duration_max = float(duration_sum), float(duration_max)
            bucket_at = datetime.fromtimestamp(float(bucket), UTC)
            built[("", component, resolution, bucket_at)] = counts  # vantages summed: strips have none
        add(cur, sql, built, since)
