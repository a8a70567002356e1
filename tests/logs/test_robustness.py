"""Garbled input never stops a scan, and chunk boundaries never change the answer."""

from __future__ import annotations

import gzip
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infraprobe.logs import LogSummary, scan

from .conftest import NOW, Scan, by_cause

LINES = (
    "2024-05-01 12:00:00,000 INFO app: GET / 200\n",
    "2024-05-01 12:00:01,000 ERROR app: request failed\n",
    "Traceback (most recent call last):\n",
    '  File "a.py", line 1, in <module>\n',
    "redis.exceptions.ConnectionError: Error -3 connecting to c.invalid:6379. Temporary failure in name resolution.\n",
    "sqlalchemy.exc.TimeoutError: QueuePool limit of size 1 overflow 0 reached, connection timed out, timeout 0.10\n",
    "\n",
    '{"message": "FATAL:  sorry, too many clients already", "time": "2024-05-01T12:00:02Z"}\n',
    "May  1 12:00:03 host app: ERROR job 4 failed: KeyError\n",
    "\x00\x01binary\xff\n",
)
LOGS = st.lists(st.sampled_from(LINES), max_size=40).map("".join)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _scan(data: bytes, chunk_size: int = 1 << 22, prefilter: str = "auto") -> LogSummary:
    return scan(io.BytesIO(data), now=NOW, chunk_size=chunk_size, prefilter=prefilter)


def _shape(s: LogSummary) -> tuple[object, ...]:
    findings = sorted((f.cause, f.component, f.count, f.first_seen, f.example.line) for f in s.findings)
    clusters = sorted((c.count, c.example.line) for c in s.clusters)
    return findings, clusters, s.lines, dict(s.skipped), s.events


@SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    """Arbitrary bytes (plain, or behind a gzip magic) scan without raising."""
    for payload in (data, b"\x1f\x8b" + data, b"[" + data, b'{"events": [' + data):
        summary = _scan(payload, chunk_size=512)
        assert summary.sources[0].bytes <= len(payload) + 8 * len(payload) + 64 or summary.sources[0].error


@SETTINGS
@given(LOGS, st.integers(min_value=1, max_value=400))
def test_truncated_gzip_counts_and_keeps_what_was_read(text: str, cut: int) -> None:
    """A gzip stream cut short is reported as truncated; nothing raises."""
    packed = gzip.compress(text.encode())
    summary = _scan(packed[: max(len(packed) - cut, 2)], chunk_size=256)
    if cut > 8 and text:  # past the 8-byte trailer some data is missing for sure
        assert summary.skipped.get("truncated") == 1
        assert summary.sources[0].error


@SETTINGS
@given(LOGS, st.sampled_from([64, 97, 300, 4096]))
def test_chunk_size_does_not_change_the_answer(text: str, chunk_size: int) -> None:
    """Events cut by chunk boundaries (tracebacks included) are found whole, with the same lines and times."""
    data = text.encode("utf-8", "surrogateescape")
    assert _shape(_scan(data, chunk_size=chunk_size)) == _shape(_scan(data))


@SETTINGS
@given(LOGS)
def test_python_fallback_agrees_with_hyperscan(text: str) -> None:
    """The pure-Python prefilter finds the same events as the hyperscan one."""
    data = text.encode()
    assert _shape(_scan(data, prefilter="python")) == _shape(_scan(data))


def test_invalid_utf8_binary_and_giant_lines_are_counted(scan_text: Scan) -> None:
    """Invalid UTF-8 is read with replacement; NUL lines are skipped; a giant line is cut, not fatal."""
    bad = b"2024-05-01 12:00:00,000 ERROR caf\xe9: FATAL:  sorry, too many clients already\n"
    binary = b"\x00\x00ERROR\x00\n" * 3
    giant = b"x" * (3 << 20) + b" connection refused\n"
    summary = scan_text(bad + binary + giant + bad, chunk_size=1 << 20)
    assert by_cause(summary) == {"db_connection_limit:postgres": 2}
    assert summary.repaired == 2
    assert summary.skipped == {"binary": 3, "too_long": 1}
    assert summary.lines == 6


def test_malformed_json_document_is_reported_not_raised(scan_text: Scan) -> None:
    """A JSON export cut in the middle keeps the records before the cut and says why it stopped."""
    records = [
        {"message": "FATAL:  sorry, too many clients already", "timestamp": "2024-05-01T12:00:00Z"}
    ] * 3
    text = json.dumps(records, indent=2)
    summary = scan_text(text[: len(text) * 2 // 3], name="cut.json")
    assert summary.skipped == {"truncated": 1}
    assert 1 <= summary.events <= 2
    assert "JSON" in summary.sources[0].error


def test_unreadable_source_does_not_stop_the_others(scan_text: Scan, tmp_path: object) -> None:
    """A missing file is reported per source while the other sources are scanned."""
    ok = scan_text("2024-05-01 12:00:00,000 ERROR x: FATAL:  sorry, too many clients already\n")
    both = scan([ok.sources[0].name, "/nonexistent/infraprobe.log"], now=NOW)
    assert both.events == 1
    assert both.skipped == {"unreadable": 1}
    assert "No such file" in both.sources[1].error
