"""What the quorum costs a monitor: deciding from every vantage's views, per own result, and reading the views.

    .venv/bin/python bench/bench_quorum.py [--components 1000] [--vantages 3] [--repeats 20]

- `decide`: the full decision (verdicts for every component and the path findings) over components x vantages
  views, as after each read of the other vantages (once a second) or a change of the monitor's own state;
- `Quorum.local`: one own result that changes no state (the common case: one verdict is redone);
- `Quorum.local` flipping: own results that take one component down (a network cause, so it is a path suspect)
  and up again, with the other vantages reporting: what decided every component per change before (`decide`);
- `views()`: reading every vantage's views from a throwaway PostgreSQL (`infraprobe.testing.postgres`, on
  loopback), as each monitor does once a second.

Best of `--repeats` after a warm-up, in milliseconds. Bounded: `--repeats` runs of each.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from infraprobe.configfile import parse_config
from infraprobe.monitor.quorum import Policy, Rules, decide, fresh_window
from infraprobe.monitor.state import Observation, State, View
from infraprobe.monitor.store import open_store
from infraprobe.monitor.vantages import Quorum
from infraprobe.result import CheckResult, Component, Diagnosis, Status
from infraprobe.taxonomy import Cause
from infraprobe.testing.postgres import PostgresServer

NOW = datetime.now(UTC)


def best_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def views(components: int, vantages: int) -> list[View]:
    at = NOW - timedelta(seconds=2)
    return [
        View(f"v{j}", f"c{i}", State.UP, NOW - timedelta(hours=1), at, "ok", None, None, "connected")
        for i in range(components)
        for j in range(vantages)
    ]


def observation(name: str, down: bool = False) -> Observation:
    status, cause = (Status.FAIL, Cause.NETWORK_UNREACHABLE) if down else (Status.OK, None)
    diagnosis = Diagnosis.of(cause, Component.OTHER, "unreachable") if cause else None
    result = CheckResult(
        component=name, kind="tcp", status=status, started_at=NOW, duration=0.001, diagnosis=diagnosis
    )
    state = State.DOWN if down else State.UP
    return Observation(result, "v0", None, state, NOW - timedelta(hours=1))


def quorum(components: int, peers: list[View]) -> Quorum:
    rows = "".join(f"  - {{name: c{i}, kind: tcp, host: 127.0.0.1, port: 1}}\n" for i in range(components))
    q = Quorum("v0", Policy.MAJORITY)
    q.configure(parse_config("components:\n" + rows).config.components)
    q.refreshed([v for v in peers if v.vantage != "v0"])
    for i in range(components):
        q.local(observation(f"c{i}"), None)
    return q


def stored(v: View) -> Observation:
    result = CheckResult(component=v.component, kind="tcp", status=Status.OK, started_at=v.at, duration=0.001)
    return Observation(result, v.vantage, None, v.state, v.since)


def store_read_ms(all_views: list[View], repeats: int) -> float:
    with PostgresServer() as pg:
        store = open_store(pg.dsn())
        try:
            store.write([stored(v) for v in all_views], [])
            assert len(store.views()) == len(all_views)
            return best_ms(store.views, repeats)
        finally:
            store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=1000)
    parser.add_argument("--vantages", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    all_views = views(args.components, args.vantages)
    rules = Rules(Policy.MAJORITY, {f"c{i}": fresh_window(60, 10) for i in range(args.components)})
    full = best_ms(lambda: decide(all_views, rules, NOW), args.repeats)
    q = quorum(args.components, all_views)
    one = observation("c0")
    local = best_ms(lambda: q.local(one, None), args.repeats)
    flips = iter([observation("c1", down=True), observation("c1")] * (args.repeats + 1))
    flip = best_ms(lambda: q.local(next(flips), None), 2 * args.repeats)
    read = store_read_ms(all_views, args.repeats)
    print(
        f"{args.components} components x {args.vantages} vantages ({len(all_views)} views), best of "
        f"{args.repeats}: decide {full:.2f} ms; Quorum.local (no change) {local:.3f} ms; "
        f"Quorum.local (a change, others reporting) {flip:.3f} ms; "
        f"PostgreSQL views() {read:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
