"""The fast path (one-line events read without decoding records, counted without building them) gives
exactly the answer of the general path it short-cuts."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from infraprobe.classifier import classify_text
from infraprobe.logs import LogSummary, native, scan
from infraprobe.logs.aggregate import Aggregator
from infraprobe.logs.chunks import Chunk
from infraprobe.logs.clusters import Prepare, _masked
from infraprobe.logs.grouping import begins
from infraprobe.logs.memo import TemplateMemo
from infraprobe.logs.records import decode
from infraprobe.logs.timestamps import _HEAD, _LEADING, IsoStart, has_leading, leading
from infraprobe.taxonomy import Cause

from .conftest import NOW
from .test_parallel import ERRORS, TRACEBACKS, _log, noise

pytestmark = pytest.mark.usefixtures("both_paths")  # the compiled helpers on, then off

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


@given(STAMPS, STAMPS, st.sampled_from(["", " caf\u00e9", " \x00", " ok"]))
@example("2024-05-01 12:00:00 x", "2024-05-01 12:00:01\u0085+99:99", "")  # NEL, then an invalid zone
@settings(max_examples=500, deadline=None)
def test_iso_start_reads_what_leading_reads(line: str, after: str, tail: str) -> None:
    """Whenever the byte-level reader answers, `leading` on the decoded lines says the same: the same
    time and message start for the line, a time for the next one (so it begins its own event)."""
    line += tail
    found = IsoStart().line(f"{line}\n{after}\n".encode(), 0)
    if found is not None:
        when, minute, body_at, stop, body = found
        assert (when, body_at) == leading(line.rstrip("\r"), NOW)
        assert body == line[body_at:].encode()
        assert leading(after.rstrip("\r"), NOW)[0] is not None
        assert minute == int(when.timestamp()) // 60
        assert stop == len(line) and line.isascii() and "\x00" not in line


def test_iso_start_takes_the_common_lines() -> None:
    """The lines the fast path exists for are taken (a reader that always declined would pass above)."""
    stamps = IsoStart()
    for line in ("2024-05-01 12:00:00,123 ERROR x", "2024-05-01T12:00:59.5 x", "2024-05-01 12:00:00 x\r"):
        assert stamps.line(f"{line}\n{line}\n".encode(), 0) is not None
    zoned = "2024-05-01 12:00:00,123+01:00 x"  # a zone: `leading` decides
    assert stamps.line(f"{zoned}\n{zoned}\n".encode(), 0) is None


def _general(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Chunk, "_simple", lambda self, start, sink: 0)
    monkeypatch.setattr(native, "ENABLED", False)  # its fast path in C too


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


def test_drain_input_token_by_token_is_the_whole_line_masked() -> None:
    """`Prepare` (cached per token) gives Drain what masking the whole line gives, numbers after `=` or
    `:` across a space included."""
    rng = random.Random(11)
    lines = [e for error in ERRORS for e in error.split("\n")] + [noise(rng) for _ in range(300)]
    lines += [
        "timeout: 30 ms, retry=  2s, x:1.5us",
        "id 123e4567-e89b-12d3-a456-426614174000 at 0xDEADbeef from 10.0.0.1:8080 key abcdef0123456789",
        "a\t10.0.0.1 b\n0x1f  c=\t7",
        " ".join(str(n) for n in range(300)),  # longer than what Drain reads
        "",
        "   ",
    ]
    prepare = Prepare()
    for line in lines * 2:  # twice: the second time from the cache
        assert prepare(line) == _masked(line[:400]), line


PIECES = ["12:", "00", "2024-05-01", " ", "T", "Jan", " 1 ", "E0501 ", "12:00:00", "01/Jan/2024:", "x", ":"]
HEADS = st.one_of(
    st.text(alphabet=st.sampled_from(list("0123456789:-/ T.,+ZJanIWEF[<\u0663\u0664\t")), max_size=90),
    st.lists(st.sampled_from([*PIECES, "\u0663\u0664:", "\u0661\u0662"]), max_size=14).map("".join),
)


@given(HEADS, st.sampled_from(["", " x", "2024-05-01 12:00:00 x"]))
@settings(max_examples=800, deadline=None)
def test_clock_check_never_hides_a_timestamp(head: str, tail: str) -> None:
    """`leading` skips the full timestamp search when the line's head has no clock (`\\d\\d:\\d\\d`); it
    answers exactly what the full search answers, Unicode digits and stamps cut at 80 characters included."""
    line = head + tail
    match = _LEADING.search(line, 0, _HEAD)
    if match is None:
        assert leading(line, NOW) == (None, 0)
        assert not has_leading(line)
    else:
        assert has_leading(line)
        assert leading(line, NOW)[1] in (0, match.end())  # 0: shaped like a date but impossible


ONE_LINE = [e for e in ERRORS if "\n" not in e]


def _one_line_incident(lines: int, seed: int, *, last_newline: bool) -> bytes:
    """One-line errors with their own request ids (the byte-template path), and the lines that must
    leave it: CRLF ends, non-ASCII and invalid UTF-8 copies, NUL bytes, lines longer than the
    classifier's evidence, untimed continuation-like lines, tracebacks; maybe no final newline."""
    rng = random.Random(seed)
    out = []
    for n in range(lines):
        stamp = f"2024-05-01 12:{n // 600 % 60:02d}:{n // 10 % 60:02d},{n % 1000:03d}"
        line = f"{stamp} {rng.choice(ONE_LINE)} [request {rng.getrandbits(64):x}]".encode()
        kind = rng.random()
        if kind < 0.05:
            line += b"\r"
        elif kind < 0.08:
            line = line.replace(b"ERROR", "ERR\u00d6R".encode())
        elif kind < 0.10:
            line = line.replace(b"ERROR", b"ERR\xffOR")
        elif kind < 0.11:
            line = line.replace(b" ", b"\x00", 1)
        elif kind < 0.13:
            line += b" " + b"x" * 400
        elif kind < 0.15:
            line = f"{stamp} {rng.choice(TRACEBACKS)}".encode()
        elif kind < 0.17:
            line = b"  at the end of something that failed"
        out.append(line)
    return b"\n".join(out) + (b"\n" if last_newline else b"")


@pytest.mark.parametrize("kw", CASES)
@pytest.mark.parametrize(("chunk", "last_newline"), [(64 << 10, True), (333, False), (4096, True)])
def test_byte_templates_change_nothing(
    monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any], chunk: int, last_newline: bool
) -> None:
    """One-line errors counted by byte template give the general path's summary, with lines cut by chunk
    boundaries, CRLF, garbled and binary copies of the same messages, and a last line without newline."""
    data = _one_line_incident(3000, 5, last_newline=last_newline)

    def run() -> LogSummary:
        return scan(io.BytesIO(data), now=NOW, chunk_size=chunk, **kw)

    fast = run().to_dict()
    with monkeypatch.context() as patch:
        _general(patch)
        assert run().to_dict() == fast
    assert fast["events"] > 1000 or kw


def test_byte_templates_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The byte table answers the lines of explained one-line errors: after the first two lines of a
    template (learnt, then put in the table) the memo is not asked again."""
    asked = []
    original = TemplateMemo.known

    def counting(self: TemplateMemo, text: str) -> Any:
        asked.append(text)
        return original(self, text)

    monkeypatch.setattr(TemplateMemo, "known", counting)
    explained = [e for e in ONE_LINE if classify_text(e).cause is not Cause.UNKNOWN]
    rng = random.Random(3)
    lines = [
        f"2024-05-01 12:00:{n // 100:02d},{n % 1000:03d} {rng.choice(explained)} [request {rng.getrandbits(64) | 1 << 63:x}]"
        for n in range(3000)
    ]
    summary = scan(io.BytesIO(("\n".join(lines) + "\n").encode()), now=NOW)
    assert summary.events == 3000
    # Three asks per template (a miss, the general path's, the hit that fills the table); the last line
    # of the file takes the general path (no line after it shows that it ends there).
    assert len(asked) <= 3 * len(explained) + 1


@given(STAMPS, st.sampled_from(["", " caf\u00e9", "\u0085+99:99 x", "\u00a0+01:00", " \x00", "{"]))
@example("2024-05-01 12:00:00", "\u0085+99:99 x")  # NEL is a space to `leading`: an invalid zone
@settings(max_examples=500, deadline=None)
def test_stamped_line_begins_as_decoded(line: str, tail: str) -> None:
    """`IsoStart.begins` (the traceback scanner's shortcut past the next event's line) never says a
    line begins an event where the decoded record does not, whatever follows the stamp."""
    raw = (line + tail).encode("utf-8", "surrogateescape")
    if IsoStart().begins(raw + b"\n", 0):
        assert begins(decode(raw, NOW))


@given(STAMPS, st.sampled_from(["", " caf\u00e9", " \x00", " ok", "\r", "\r\r", " \x85+01:00"]))
@settings(max_examples=500, deadline=None)
def test_iso_stamp_of_a_line_reads_what_leading_reads(line: str, tail: str) -> None:
    """`IsoStart.stamp` (an event's first line read without `leading`), where it answers: the time and
    message start `leading` reads in the decoded line, trailing CRs stripped; and lines it must leave to
    `leading` (non-ASCII) it leaves."""
    line += tail
    raw = line.encode("utf-8")
    found = IsoStart().stamp(raw)
    if found is not None:
        assert found == leading(line.rstrip("\r"), NOW)
        assert line.isascii()


def test_iso_stamp_takes_the_common_first_lines() -> None:
    """The first lines the shortcut exists for are taken (a reader that always declined would pass above)."""
    stamps = IsoStart()
    for line in ("2024-05-01 12:00:00,123 ERROR x", "2024-05-01T12:00:59.5 x\r", "2024-05-01 12:00:00"):
        assert stamps.stamp(line.encode()) == leading(line.rstrip("\r"), NOW)
        assert stamps.stamp(line.encode()) is not None
