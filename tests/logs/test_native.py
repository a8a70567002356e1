"""The compiled helpers (`_fastscan.c`) answer exactly what their pure-Python twins answer, and are built.

Each helper is checked against the Python code it replaces on generated input aimed at its corner cases;
the whole scan is checked with the compiled path on and off in test_fast_path.py and test_parallel.py
(the `both_paths` fixture) and below.
"""

from __future__ import annotations

import importlib.util
import io
import random
import re
import sys
import types
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from infraprobe.logs import LogSummary, native, prefilter, scan
from infraprobe.logs.aggregate import Aggregator
from infraprobe.logs.chunks import MAX_LINE, Chunk
from infraprobe.logs.memo import _VARIABLE_BYTES, MASK_BYTE, ByteTokens
from infraprobe.logs.prefilter import _starts_of
from infraprobe.logs.timestamps import IsoStart, epoch_minute
from infraprobe.taxonomy import Component

from .conftest import NOW
from .test_fast_path import STAMPS, _one_line_incident
from .test_parallel import TRACEBACKS, noise

EPOCH = datetime.fromtimestamp(0, UTC)
compiled = pytest.mark.skipif(not native.BUILT, reason="the compiled helpers are not built (see test_built)")


def test_built() -> None:
    """The development environment (./dev setup, CI) builds the extension: were it silently skipped, every
    test of the compiled path below would skip and the scan would run its Python twin unnoticed."""
    assert native.BUILT, (
        "infraprobe.logs._fastscan is stale (built from older source): run ./dev setup"
        if native.STALE
        else "infraprobe.logs._fastscan is not built: run ./dev setup (it installs gcc and Python's headers)"
    )
    assert native.ENABLED


@pytest.mark.parametrize("api", [native.API + 1, None])
def test_an_extension_built_for_another_interface_is_refused(
    monkeypatch: pytest.MonkeyPatch, api: Any
) -> None:
    """An editable install not rebuilt after a pull keeps an older extension: the Python path runs instead
    of the new code calling it with arguments it does not know. (A pure unit: only the import decision.)"""
    import infraprobe.logs

    stale = types.ModuleType("infraprobe.logs._fastscan")
    for name in ("Ends", "FastPath", "count_newlines", "escaped_or_wide", "template"):
        setattr(stale, name, object())
    if api is not None:
        stale.API = api  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, stale.__name__, stale)
    monkeypatch.setattr(infraprobe.logs, "_fastscan", stale, raising=False)
    spec = importlib.util.find_spec("infraprobe.logs.native")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert fresh.STALE and not fresh.BUILT and not fresh.ENABLED


# Tokens aimed at the masking regex's look-behind, look-aheads and backtracking.
PIECES = [
    "0", "1", "12", "123", "1234", "123456", "1234567", "0x", "0X", "x", "g", "G", "_", "-", ".", ":", "/",
    "a", "f", "F", "deadbeef", "DEADBEEF", "cafe0123", "abcdef", "123e4567-e89b-12d3-a456-426614174000",
    "1.2.3.4", "10.0.0.1", "256.1.1.1", "1.2.3.4.5", "MY-", "010584", " ", "  ", "\t", "=", "é", "\x00", "\xff",
]  # fmt: skip
BODIES = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=24).map("".join).map(lambda s: s.encode("latin-1", "replace")),
    st.binary(max_size=120),
    st.text(alphabet="0123456789abcdefxX-_. ", max_size=80).map(str.encode),
)


@compiled
@given(BODIES)
@example(b"1.2.3.4.5")
@example(b"MY-010584 0x 0xg 0x1f_ -deadbeef1 _deadbeef1 deadbeef1- 1234567- 1234567_ 1234567.")
@example(b"123e4567-e89b-12d3-a456-426614174000x 123e4567-e89b-12d3-a456-4266141740001")
@example(b"1.2.3.4a 1.2.3.4_ 1.2.3.4- 1234.1.2.3 1.2.3.1234 01234567 abcdefab 0123456789abcdef")
@settings(max_examples=3000, deadline=None)
def test_template_is_the_regex_template(body: bytes) -> None:
    """The C masking equals `_VARIABLE_BYTES.sub` on the whole text and token by token (ByteTokens)."""
    assert native.template(body) == _VARIABLE_BYTES.sub(MASK_BYTE, body)
    assert native.template(body) == ByteTokens()(body)


@compiled
@given(st.binary(max_size=300), st.data())
@settings(max_examples=500, deadline=None)
def test_count_newlines_is_bytes_count(data: bytes, draw: st.DataObject) -> None:
    data = data.replace(b"\x0b", b"\n")  # more newlines than chance gives
    start = draw.draw(st.integers(0, len(data) + 2))
    stop = draw.draw(st.integers(0, len(data) + 40))
    assert native.count_newlines(data, start, stop) == data.count(b"\n", start, stop)
    assert native.count_newlines(bytearray(data), start, stop) == data.count(b"\n", start, stop)


# Mostly ASCII, so that a backslash or a high byte is often absent, or present only at one place: before
# `end`, after it, or on either side of a 64-byte step.
_CHUNKS = st.one_of(
    st.binary(max_size=300),
    st.tuples(
        st.integers(0, 300), st.integers(0, 300), st.sampled_from([b"\\", b"\x80", b"\xff", b"\x7f", b"a"])
    ).map(lambda t: b"x" * t[0] + t[2] + b"y" * t[1]),
)


@compiled
@given(_CHUNKS, st.data())
@example(b"a" * 63 + b"\x80", None)
@example(b"a" * 64 + b"\\", None)
@settings(max_examples=1000, deadline=None)
def test_escaped_or_wide_is_find_or_not_isascii(chunk: bytes, draw: st.DataObject | None) -> None:
    """A backslash before `end`, or a non-ASCII byte anywhere in the chunk (its twin in `prefilter`)."""
    ends = [draw.draw(st.integers(0, len(chunk) + 5))] if draw is not None else range(len(chunk) + 2)
    for end in ends:
        expected = chunk.find(b"\\", 0, end) >= 0 or not chunk.isascii()
        assert native.escaped_or_wide(chunk, end) is expected
        assert native.escaped_or_wide(bytearray(chunk), end) is expected
        assert prefilter._escaped_or_wide(chunk, end) is expected


@compiled
@given(st.binary(max_size=200).map(lambda b: b.replace(b"\x0b", b"\n")), st.data())
@settings(max_examples=500, deadline=None)
def test_ends_give_the_line_starts_of_starts_of(chunk: bytes, draw: st.DataObject) -> None:
    """`Ends` (hyperscan's handler) keeps match ends, in any order, and gives `_starts_of`'s starts."""
    ends_ = draw.draw(st.lists(st.integers(0, len(chunk)), max_size=20))
    handler = native.Ends()
    for n, e in enumerate(ends_):
        if n % 2:
            handler(0, 0, e, 0, None)
        else:
            handler.add(e)
    assert len(handler) == len(ends_)
    assert handler.line_starts(chunk) == _starts_of(chunk, sorted(ends_))
    assert len(handler) == 0


def _python_line(data: bytes, start: int) -> tuple[int, int, int, int, bytes] | None:
    found = IsoStart().line(data, start)
    if found is None:
        return None
    when, minute, body_at, stop, body = found
    return (when - EPOCH) // timedelta(microseconds=1), minute, body_at, stop, body


TAILS = ["", " caf\u00e9", " \x00", " ok", "\r", "Z", " Z", "\x1c+01:00", "+0100", "+01:0", "-01:00x", "\x85"]


@compiled
@given(STAMPS, STAMPS, st.sampled_from(TAILS), st.sampled_from(["", "\n", "x\n", "\n\n"]))
@example("2024-05-01 12:00:00", "2024-05-01 12:00:01", "+01:0", "")
@example("2024-05-01 12:00:00." + "1" * 61, "2024-05-01 12:00:01", "", "")  # the stamp ends past _HEAD
@settings(max_examples=1500, deadline=None)
def test_stamp_is_iso_start_line(line: str, after: str, tail: str, end: str) -> None:
    """`FastPath.line` reads what `IsoStart.line` reads (time in microseconds), or declines with it."""
    data = f"{line}{tail}\n{after}{end}".encode("utf-8", "surrogateescape")
    fast = native.FastPath(epoch_minute, {}, 300, MAX_LINE)
    for start in (0, len(line) + len(tail) + 1, 1):
        assert fast.line(data, start) == _python_line(data, start)


@compiled
@given(st.binary(max_size=90), st.binary(max_size=40))
@settings(max_examples=500, deadline=None)
def test_stamp_on_arbitrary_bytes(head: bytes, rest: bytes) -> None:
    stamp = b"2024-05-01T12:00:00"
    data = stamp + head + b"\n" + stamp + rest
    fast = native.FastPath(epoch_minute, {}, 300, MAX_LINE)
    assert fast.line(data, 0) == _python_line(data, 0)


@pytest.fixture
def python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "ENABLED", False)


def _scans(data: bytes, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    def run() -> dict[str, Any]:
        return scan(io.BytesIO(data), now=NOW, **kw).to_dict()

    compiled_path = run()
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        return compiled_path, run()


@compiled
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"chunk_size": 333},
        {"since": "2024-05-01T12:00:05Z", "until": "2024-05-01T12:02:40.5Z"},
        {"component": ["redis", "other"]},
        {"expect_none": ["connection_refused", "dns_failure:redis"]},
    ],
)
def test_scan_is_the_same_with_and_without(monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any]) -> None:
    """The whole summary (counts, first and last times to the microsecond, histogram, examples, line
    numbers, violations) with the compiled helpers equals the pure-Python one."""
    data = _one_line_incident(4000, 9, last_newline=True)
    with_c, without = _scans(data, monkeypatch, **kw)
    assert with_c == without
    assert with_c["events"] > 100 or kw.get("component")


@pytest.fixture
def simple_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The calls of `Aggregator.simple`: the Python per-line path."""
    calls = []
    original = Aggregator.simple

    def counting(self: Aggregator, *args: Any) -> bool:
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(Aggregator, "simple", counting)
    return calls


def _scan_lines(lines: list[str]) -> LogSummary:
    return scan(io.BytesIO(("\n".join(lines) + "\n").encode()), now=NOW)


@compiled
def test_known_lines_never_reach_python(simple_calls: list[Any]) -> None:
    """Once a template is in the fast table, its lines are counted in C: `Aggregator.simple` (the
    Python per-line path) is called only for the first lines of each template."""
    rng = random.Random(4)
    lines = [
        f"2024-05-01 12:{n // 60 % 60:02d}:{n % 60:02d}.{n:06d} ERROR Error 111 connecting to 192.0.2.{rng.randrange(250)}:6379. "
        f"Connection refused. [request {rng.getrandbits(64) | 1 << 63:x}]"
        for n in range(3000)
    ]
    summary = _scan_lines(lines)
    assert summary.events == 3000
    assert len(simple_calls) <= 3
    finding = summary.findings[0]
    assert (finding.first_seen, finding.last_seen) == (
        datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 12, 49, 59, 2999, tzinfo=UTC),
    )


@compiled
def test_exact_texts_are_left_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """A line whose text has a verdict of its own in the memo is not counted by its template in C."""
    fast = native.FastPath(epoch_minute, {" x 1": object()}, 300, MAX_LINE)
    fast.put(native.template(b" x 1"), 0, 0)
    data = b"2024-05-01 12:00:00 x 1\n2024-05-01 12:00:00 x 1\n2024-05-01 12:00:00 x 2\n"
    noon = 1714564800000000
    # Stopped at the first line, which Python is asked about (read: time, minute, message start, end).
    assert fast.run(data, len(data), [0, 24], 0, 0, 0) == (0, 0, 0, 0, 0, (noon, 28576080, 19, 23, True))
    fast = native.FastPath(epoch_minute, {}, 300, MAX_LINE)
    fast.put(native.template(b" x 1"), 0, 0)
    fast.put(native.template(b" x 2"), -2, 0)  # an unexplained template: Python's general path
    # The third line has no stamped line after it: `_simple` would decline it (None).
    assert fast.run(data, len(data), [0, 24, 48], 0, 0, 0) == (2, 48, 24, 2, noon, None)
    assert fast.drain() == (2, [(0, 2, noon, noon)], [(28576080, 0, 2)])
    assert fast.drain() == (0, [], [])
    data += b"2024-05-01 12:00:00 x 3\n"
    assert fast.run(data, len(data), [48], 0, 0, 0) == (0, 0, 0, 0, 0, (noon, 28576080, 19, 71, False))


@compiled
def test_unexplained_lines_skip_the_template_table(simple_calls: list[Any]) -> None:
    """An unexplained one-line error's template is remembered as such: its later lines go straight to
    the general path (Drain) without `Aggregator.simple` masking them again."""
    lines = [
        f"2024-05-01 12:00:{n % 60:02d} ERROR invoice {100000 + n} could not be rendered: template 'v{n % 2}' missing block"
        for n in range(1000)
    ]
    summary = _scan_lines(lines)
    assert summary.events == 1000
    assert sum(c.count for c in summary.clusters) == 1000
    assert len(simple_calls) <= 4  # two templates, each asked twice: a memo miss, then the verdict remembered


def test_the_python_path_runs_where_the_module_is_not_built(python_only: None) -> None:
    """With the helpers off (as where they were not built) the scan still counts every line, in Python."""
    lines = [
        f"2024-05-01 12:00:{n % 60:02d} ERROR Error 111 connecting to 192.0.2.1:6379. Connection refused."
        for n in range(500)
    ]
    summary = _scan_lines(lines)
    assert summary.events == 500
    assert re.search(r"Error 111", summary.findings[0].example.text)


def _traceback_incident(events: int, seed: int) -> bytes:
    """Tracebacks under timestamped first lines (each with its own request id), their blocks repeated:
    Java frames (tabs), Python frames, chained ones (blank lines), an exception line whose masked id makes
    it longer or shorter than the classifier's evidence bound, a block with one more frame below it now and
    then, CRLF or non-ASCII now and then, noise between them, and one at the very end."""
    rng = random.Random(seed)
    long_tail = (
        "redis.exceptions.ConnectionError: Error 111 connecting to 192.0.2.1:6379. Connection refused. id "
    )
    kinds = [*TRACEBACKS, "ERROR [app] failed\n" + '  File "x.py", line 1, in f\n' + long_tail + "{id}"]
    out = []
    for n in range(events):
        stamp = f"2024-05-01 12:{n // 60 % 60:02d}:{n % 60:02d},{n % 1000:03d}"
        text = rng.choice(kinds).replace("{id}", f"{rng.getrandbits(rng.choice([40, 400, 1200])):x}")
        first, _, rest = text.partition("\n")
        first = f"{first} [request {rng.getrandbits(64) | 1 << 63:x}]"
        roll = rng.random()
        if roll < 0.03:
            first += "\r"
        elif roll < 0.06:
            rest += "\n    one more frame"
        elif roll < 0.08:
            rest = rest.replace("line", "lïne", 1)
        out.append(f"{stamp} {first}\n{rest}\n")
        if rng.random() < 0.3:
            out.append(f"{stamp} {noise(rng)}\n")
    return "".join(out).encode()


@compiled
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"chunk_size": 4096},
        {"since": "2024-05-01T12:00:05Z", "until": "2024-05-01T12:02:40.5Z"},
        {"component": ["redis", "other"]},
        {"expect_none": ["pool_exhausted"]},
    ],
)
def test_tracebacks_are_the_same_with_and_without(
    monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any]
) -> None:
    """Tracebacks counted in C (a known block below a timestamped first line) give the summary of the
    Python path: counts, times, histogram, examples, line numbers, violations, clusters."""
    data = _traceback_incident(3000, 11)
    with_c, without = _scans(data, monkeypatch, **kw)
    assert with_c == without
    assert with_c["events"] > 1000 or kw


@compiled
def test_known_tracebacks_never_reach_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a traceback's block and its template are known, its later events are counted in C: the
    general path (`Chunk._span`) sees only the first few of each kind."""
    spans = []
    original = Chunk._span

    def counting(self: Chunk, start: int, floor: int) -> Any:
        spans.append(start)
        return original(self, start, floor)

    monkeypatch.setattr(Chunk, "_span", counting)
    rng = random.Random(5)
    text = ""
    for n in range(3000):
        first, _, rest = TRACEBACKS[n % 3].partition("\n")
        stamp = f"2024-05-01 12:{n // 60 % 60:02d}:{n % 60:02d},{n % 1000:03d}"
        text += f"{stamp} {first} [request {rng.getrandbits(64) | 1 << 63:x}]\n{rest}\n"
    summary = scan(io.BytesIO(text.encode()), now=NOW)
    assert summary.events == 3000
    assert len(spans) <= 3 * 4  # per kind: a memo miss, the block remembered, then its template


@compiled
def test_the_event_size_bound_is_the_scanners() -> None:
    """The compiled path stops taking a block where `Chunk._span` does."""
    from infraprobe.logs import _fastscan, chunks

    assert _fastscan.MAX_EVENT_BYTES == chunks.MAX_EVENT_BYTES


@compiled
def test_a_known_block_is_taken_where_chunk_span_would_take_it() -> None:
    """`FastPath.run` on a traceback: its block known and its template in the table, it counts the event
    where `Chunk._span` would make exactly the first line plus the block of it, and the memo would answer
    from the template; else it stops there for Python (None: the general path)."""
    block = b"  File x\nValueError: bad\n"

    def log(*ids: str, after: bytes = b"2024-05-01 12:00:09 next\n", first: bytes = b"") -> bytes:
        return (
            b"".join(
                f"2024-05-01 12:00:0{n} ERROR boom [request {i}]".encode() + first + b"\n" + block
                for n, i in enumerate(ids)
            )
            + after
        )

    def fast(evidence_chars: int = 300, line: int = 0) -> native.FastPath:
        path = native.FastPath(epoch_minute, {}, evidence_chars, MAX_LINE)
        path.block(b"  File x", block)
        path.put(native.template(b" ERROR boom [request abc12345]\n" + block[:-1]), 0, 0, line)
        return path

    short, long = "abc12345", "abc12345" * 8  # the same template: an 8+ hex-digit id is masked
    data = log(short, long)
    second = data.index(b"2024-05-01 12:00:01")
    noon = 1714564800000000
    assert fast().run(data, len(data), [0, second], 0, 0, 0)[:5] == (
        2,
        len(data) - 25,
        second,
        2,
        noon + 1000000,
    )
    # Over the evidence bound (30 characters), the memo answers only where the evidence line fits.
    assert fast(30).run(data, len(data), [0, second], 0, 0, 0) == (1, second, 0, 1, noon, None)
    assert fast(30, line=2).run(data, len(data), [0, second], 0, 0, 0)[:4] == (2, len(data) - 25, second, 2)
    for other in (
        log(
            short, after=b"    one more frame\n2024-05-01 12:00:09 next\n"
        ),  # the event goes on below the block
        log(short, after=b""),  # nothing after it in the chunk: it may go on in the next
        log(short, first=b"\r"),  # a CR: its text is not its bytes
        log(short, first=b" caf\xc3\xa9"),
        log(short).replace(b"bad", b"BAD"),  # another block under the same first line
    ):
        assert fast().run(other, len(other), [0], 0, 0, 0) == (0, 0, 0, 0, 0, None)
    path = fast()
    path.put(native.template(b" ERROR boom [request abc12345]\n" + block[:-1]), -2, 0)  # Drain's
    assert path.run(data, len(data), [0], 0, 0, 0) == (0, 0, 0, 0, 0, None)


@pytest.mark.parametrize("components", [frozenset(), frozenset({Component.REDIS})])
def test_add_unexplained_is_add_for_a_template_the_memo_knows_unexplained(components: frozenset[Any]) -> None:
    """What the scanner calls for a line C found Drain's (`Aggregator.add_unexplained`) counts and clusters
    it as `add` does once the memo holds the template's unknown verdict: errors counted and clustered,
    a line that does not read like one (or any, under a component filter) not counted."""
    from infraprobe.classifier import classify_text
    from infraprobe.logs.aggregate import Filters
    from infraprobe.logs.chunks import Event
    from infraprobe.logs.memo import TemplateMemo
    from infraprobe.logs.records import Record
    from infraprobe.redact import NO_SECRETS

    def event(n: int, message: str) -> Event:
        when = NOW - timedelta(minutes=n)
        text = f"2024-05-01 12:00:00 {message} [request {0xABC0000000 + n:x}]"
        return Event("app.log", n, when, text, Record(text, when, "", {}, False, 20, False), n)

    lines = ["ERROR invoice 4411 could not be rendered", "INFO invoice 4411 rendered"]
    aggregators = [
        Aggregator(TemplateMemo(classify_text, 300), Filters(components=components), (), NO_SECRETS)
        for _ in range(2)
    ]
    for aggregator in aggregators:
        for message in lines:
            aggregator.add(event(0, message))  # the memo learns both templates (unknown verdicts)
    for n in range(1, 40):
        aggregators[0].add(event(n, lines[n % 2]))
        aggregators[1].add_unexplained(event(n, lines[n % 2]))
    summaries = [
        (a.events, a.untimed, a.findings(), a.unexplained(), a.histogram(), a.violations())
        for a in aggregators
    ]
    assert summaries[0] == summaries[1]
    assert summaries[0][0] == (0 if components else 20)


@compiled
def test_drain_into_adds_what_drain_lists() -> None:
    """`drain_into` puts the histogram into per-minute Counters as Aggregator's loop over `drain()` did
    (existing minutes and causes added to, new ones made), and returns the same events and slot counts."""
    from collections import Counter

    rng = random.Random(8)
    lines = b"".join(
        f"2024-05-01 12:{rng.randrange(5):02d}:{rng.randrange(60):02d} x {rng.randrange(3)}\n".encode()
        for _ in range(400)
    )
    data = lines + b"2024-05-01 12:59:59 end\n"
    starts = [i for i in range(len(lines)) if i == 0 or lines[i - 1] == 10]
    paths = [native.FastPath(epoch_minute, {}, 300, MAX_LINE) for _ in range(2)]
    for path in paths:
        for n in range(3):
            path.put(native.template(f" x {n}".encode()), n % 2, n)  # two slots, three causes
        assert path.run(data, len(data), starts, 0, 0, 0)[3] == 400
    causes = ["a", "b", "c"]
    before = {28576080: Counter({"a": 5, "z": 1})}
    expected = {minute: Counter(row) for minute, row in before.items()}
    events, slots, histogram = paths[0].drain()
    for minute, cause, count in histogram:
        expected.setdefault(minute, Counter())[causes[cause]] += count
    minutes = {minute: Counter(row) for minute, row in before.items()}
    assert paths[1].drain_into(minutes, causes, Counter) == (events, slots)
    assert minutes == expected and all(type(row) is Counter for row in minutes.values())
    assert len(minutes) == 5 and events == 400
    assert paths[1].drain_into(minutes, causes, Counter) == (0, [])  # forgotten once drained
    assert minutes == expected
