"""The fast path (one-line events read without decoding records, counted without building them) gives
exactly the answer of the general path it short-cuts."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infraprobe.logs import LogSummary, scan
from infraprobe.logs.aggregate import Aggregator
from infraprobe.logs.chunks import Chunk
from infraprobe.logs.timestamps import IsoStart, leading

from .conftest import NOW
from .test_parallel import _log

STAMPS = st.builds(
    "{}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}{}{}{}".format,
    st.sampled_from(["2024", "1969", "1970", "0001", "9999"]),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["T", " ", "t", "_"]),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 61),
    st.sampled_from(["", ",5", ".123", ",123456", ".1234567890", "." + "9" * 70, ",", "."]),
    st.sampled_from(["", "Z", " Z", "+01:00", " -0530", "+99:99", "\r", "\x1cZ", "-", "+1"]),
    st.sampled_from(["", " ERROR x", "ERROR", "\tx", " +01:00 late zone"]),
)


@given(STAMPS)
@settings(max_examples=400, deadline=None)
def test_iso_start_reads_what_leading_reads(line: str) -> None:
    """Whenever the byte-level reader answers, `leading` on the decoded line says the same."""
    stamps = IsoStart()
    data = line.encode() + b"\n"
    found = stamps.at(data, 0)
    assert stamps.begins(data, 0) is (found is not None)
    if found is not None:
        when, minute, end = found
        assert (when, end) == leading(line.rstrip("\r"), NOW)
        assert minute == int(when.timestamp()) // 60


def test_iso_start_takes_the_common_lines() -> None:
    """The lines the fast path exists for are taken (a reader that always declined would pass above)."""
    stamps = IsoStart()
    for line in (
        b"2024-05-01 12:00:00,123 ERROR x\n",
        b"2024-05-01T12:00:59.5 x\n",
        b"2024-05-01 12:00:00 x\n",
    ):
        assert stamps.at(line, 0) is not None
    assert stamps.at(b"2024-05-01 12:00:00,123+01:00 x\n", 0) is None  # a zone: `leading` decides


def _general(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Chunk, "_simple", lambda self, start, sink: 0)


def _incident(lines: int, seed: int) -> bytes:
    """An incident's log: mostly one-line errors (the fast path), tracebacks, JSON, garbage, CRLF ends."""
    rng = random.Random(seed)
    out = []
    for part in _log(lines, seed).split(b"\n"):
        if rng.random() < 0.05:
            part += b"\r"
        out.append(part)
    return b"\n".join(out)


CASES: list[dict[str, Any]] = [
    {},
    {"expect_none": ["dns_failure", "unknown", "connection_refused:postgres"]},
    {"since": "2024-05-01T12:00:05Z", "until": "2024-05-01T12:00:40Z"},
    {"component": ["redis", "other"]},
]


@pytest.mark.parametrize("kw", CASES)
def test_fast_path_changes_nothing(monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any]) -> None:
    """The same summary, examples, line numbers, histogram and violations included, with and without it."""
    data = _incident(4000, 7)

    def run() -> LogSummary:
        return scan(io.BytesIO(data), now=NOW, chunk_size=64 << 10, **kw)

    fast = run().to_dict()
    with monkeypatch.context() as patch:
        _general(patch)
        assert run().to_dict() == fast
    assert fast["events"] > 100


def test_fast_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most one-line events of an incident's log are counted without an Event being built."""
    built = []
    original = Aggregator.add

    def counting(self: Aggregator, event: Any) -> None:
        built.append(event)
        original(self, event)

    monkeypatch.setattr(Aggregator, "add", counting)
    lines = [
        f"2024-05-01 12:00:{n % 60:02d},{n % 1000:03d} ERROR [app] Error 111 connecting to 192.0.2.{n % 250}:6379. Connection refused."
        for n in range(2000)
    ]
    summary = scan(io.BytesIO(("\n".join(lines) + "\n").encode()), now=NOW)
    assert summary.events == 2000
    assert len(built) < 5
    assert summary.findings[0].first_seen == datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
