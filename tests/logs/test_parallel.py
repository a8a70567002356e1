"""A file split over worker processes gives exactly the summary of one sequential stream."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from infraprobe.logs import LogSummary, parallel, scan

from .conftest import NOW

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from gen_logs import ERRORS, noise

pytestmark = pytest.mark.usefixtures("both_paths")  # the compiled helpers on, then off

TRACEBACKS = [e for e in ERRORS if "\n" in e] + [
    'ERROR [app] chained\nTraceback (most recent call last):\n  File "a.py", line 1, in f\n'
    "KeyError: 'x'\n\nDuring handling of the above exception, another exception occurred:\n\n"
    'Traceback (most recent call last):\n  File "b.py", line 2, in g\n'
    "redis.exceptions.ConnectionError: Error 111 connecting to 192.0.2.11:6379. Connection refused.",
]
GARBAGE = ("\x00\x01\x02 binary ERROR\n", "caf\udce9 ERROR half a byte\n", "\n", "   \n")


RANGES = 24


def _log(lines: int, seed: int) -> bytes:
    """Noise, tracebacks (most of the bytes, so cuts are looked for inside them), JSON lines, garbage."""
    rng = random.Random(seed)
    out: list[str] = []
    for n in range(lines):
        stamp = f"2024-05-01 12:{n // 6000 % 60:02d}:{n // 100 % 60:02d},{n % 1000:03d}"
        kind = rng.random()
        if kind < 0.25:
            out.append(f"{stamp} {rng.choice(TRACEBACKS)}\n")
        elif kind < 0.35:
            message = rng.choice(ERRORS).split(" ", 2)[2] if rng.random() < 0.5 else noise(rng)
            out.append(json.dumps({"message": message, "time": stamp.replace(" ", "T") + "Z"}) + "\n")
        elif kind < 0.40:
            out.append(rng.choice(GARBAGE))
        else:
            out.append(f"{stamp} {noise(rng)}\n")
    return "".join(out).encode("utf-8", "surrogateescape")


def _stream(data: bytes, path: Path, **kw: Any) -> LogSummary:
    """The reference: the same bytes through the plain stream path (no ranges, no workers)."""
    source = io.BytesIO(data)
    source.name = str(path)
    return scan(source, now=NOW, **kw)


@pytest.fixture
def tiny_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_SIZE", 0)
    monkeypatch.setattr(parallel, "MIN_RANGE", 16 << 10)


@pytest.mark.parametrize("seed", [1, 2])
def test_split_scan_equals_one_stream(tmp_path: Path, tiny_ranges: None, seed: int) -> None:
    """Many ranges, cut points near tracebacks, small chunks: the JSON summary is identical."""
    data = _log(3000, seed)
    path = tmp_path / "app.log"
    path.write_bytes(data)
    # Enough ranges that some cut targets land inside tracebacks whatever the exact byte layout is.
    ranges = parallel.plan(path, RANGES, NOW)
    assert len(ranges) >= 8
    targets = [len(data) * k // RANGES for k in range(1, RANGES)]
    inside = [t for t in targets if data[data.rfind(b"\n", 0, t) + 1 :][:1] in (b" ", b"\t", b"T", b"r")]
    assert inside, "no split point fell inside a traceback: the test data needs more of them"
    expected = _stream(data, path).to_dict()
    assert expected["events"] > 100
    for chunk_size in (1 << 22, 4096):
        assert scan(path, now=NOW, workers=RANGES, chunk_size=chunk_size).to_dict() == expected
    assert scan(path, now=NOW, workers=1).to_dict() == expected


def test_filters_and_assertions_agree(tmp_path: Path, tiny_ranges: None) -> None:
    """Time window, component filter and --expect-none occurrences are the same split or not."""
    data = _log(2000, 3)
    path = tmp_path / "app.log"
    path.write_bytes(data)
    kw: dict[str, Any] = {"since": "2024-05-01T12:00:05Z", "expect_none": ["dns_failure"]}
    assert scan(path, now=NOW, workers=6, **kw).to_dict() == _stream(data, path, **kw).to_dict()
    kw = {"component": "redis"}
    assert scan(path, now=NOW, workers=6, **kw).to_dict() == _stream(data, path, **kw).to_dict()


def test_lost_worker_is_rescanned(tmp_path: Path, tiny_ranges: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies after sending some unexplained events: the parent scans its range, and Drain
    sees none of them twice."""
    data = _log(2000, 4)
    path = tmp_path / "app.log"
    path.write_bytes(data)

    def dying(job: Any, part: parallel.Range, out: Any) -> None:
        sent: list[Any] = []
        job.tally(part, lambda *item: sent.append(item))
        assert len(sent) > 3  # the test needs unexplained events to be sent before the death
        batch = parallel._Batch(out)
        for item in sent[:3]:
            batch.add(*item)
        batch.flush()
        out.close()
        out.join_thread()
        os._exit(1)

    monkeypatch.setattr(parallel, "_work", dying)
    monkeypatch.setattr(parallel, "_POLL", 0.05)
    expected = _stream(data, path).to_dict()
    assert sum(c["count"] for c in expected["clusters"]) > 4 * len(parallel.plan(path, 4, NOW))
    assert scan(path, now=NOW, workers=4).to_dict() == expected


def test_small_or_unsplittable_inputs_are_one_stream(tmp_path: Path) -> None:
    """Below MIN_SIZE a file is one range; gzip and JSON documents are never split."""
    small = tmp_path / "small.log"
    small.write_bytes(_log(200, 5))
    assert len(parallel.plan(small, 8, NOW)) == 1
    document = tmp_path / "export.json"
    document.write_text(json.dumps([{"message": "x"}]))
    assert parallel.plan(document, 8, NOW) == []
    assert parallel.plan("-", 8, NOW) == []


def test_the_parent_range_is_the_smaller(tmp_path: Path, tiny_ranges: None) -> None:
    """The parent scans `PARENT_LESS` less than an even share (it also merges and prints): the first range
    ends near that target, the others split the rest evenly, and together they cover the file."""
    data = _log(4000, 6)
    path = tmp_path / "app.log"
    path.write_bytes(data)
    for parts in (2, 3):
        ranges = parallel.plan(path, parts, NOW)
        assert len(ranges) == parts
        assert ranges[0].start == 0 and ranges[-1].end == len(data)
        assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
        even = len(data) / parts
        first = ranges[0].end - ranges[0].start
        assert abs(first - even * (1 - parallel.PARENT_LESS)) < 2000  # a cut is at the next event start
        others = [r.end - r.start for r in ranges[1:]]
        assert all(abs(size - (len(data) - first) / (parts - 1)) < 2000 for size in others)
