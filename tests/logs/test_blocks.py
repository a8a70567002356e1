"""The lines below an event's first line read as a remembered block, and decoded without a timestamp
search, and first lines whose time is read by `IsoStart.stamp`, give exactly the answer of decoding every
line in full: the same summaries, the same grouping."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infraprobe.logs import LogSummary, chunks, scan
from infraprobe.logs.blocks import Blocks
from infraprobe.logs.chunks import Chunk
from infraprobe.logs.grouping import begins, continues
from infraprobe.logs.records import decode, decode_indented
from infraprobe.logs.timestamps import IsoStart

from .conftest import NOW
from .test_fast_path import CASES
from .test_parallel import TRACEBACKS, noise

# Tracebacks whose lines below the first one are the same bytes every time, and ones that share a first
# frame with them but go on differently: longer, shorter, another exception, lines that stop the block
# (NUL, JSON, a timestamped indented line, invalid UTF-8, CRLF), blank lines before a marker.
SHARED_FRAME = '  File "/app/handlers.py", line 41, in get_order\n'
VARIANTS = [
    *TRACEBACKS,
    "ERROR [app] failed\n" + SHARED_FRAME + "    return cache.get(key)\nValueError: bad key",
    "ERROR [app] failed\n" + SHARED_FRAME + "    return cache.get(key)\n    more\n\tat x.y(Z.java:1)",
    "ERROR [app] failed\n" + SHARED_FRAME,
    "ERROR [app] failed\n" + SHARED_FRAME + '  {"message": "indented JSON ERROR"}\n    after',
    "ERROR [app] failed\n" + SHARED_FRAME + "    nul \x00 inside\n    after",
    "ERROR [app] failed\n" + SHARED_FRAME + "    2024-05-01 12:00:00,000 stamped frame\n    after",
    "ERROR [app] failed\n" + SHARED_FRAME + "    caf\udce9 invalid\n    after",
    "ERROR [app] failed\n" + SHARED_FRAME + "    crlf\r\n    after\r",
    "ERROR [app] failed\n" + SHARED_FRAME + "\n\nTraceback (most recent call last):\n  File x\nKeyError: 1",
    "ERROR [app] failed\n   \n" + SHARED_FRAME + "KeyError: 2",
]


def _log(lines: int, seed: int) -> bytes:
    """Tracebacks (each first line with its own request id, sometimes JSON or indented or untimed) among
    noise lines."""
    rng = random.Random(seed)
    out = []
    for n in range(lines):
        stamp = f"2024-05-01 12:{n // 600 % 60:02d}:{n // 10 % 60:02d},{n % 1000:03d}"
        kind = rng.random()
        if kind < 0.5:
            first, _, rest = rng.choice(VARIANTS).partition("\n")
            head = f"{stamp} {first} [request {rng.getrandbits(64):x}]"
            if kind < 0.03:
                head = '{"message": "ERROR json head", "time": "2024-05-01T12:00:00Z"}'
            elif kind < 0.06:
                head = "  " + head
            elif kind < 0.08:
                head = "Traceback (most recent call last):"
            out.append(f"{head}\n{rest}" if rest else head)
        else:
            out.append(f"{stamp} {noise(rng)}")
    return "\n".join(out).encode("utf-8", "surrogateescape") + b"\n"


def _line_by_line(patch: pytest.MonkeyPatch) -> None:
    """Every line below a candidate decoded in full (`records.decode`), one by one."""
    patch.setattr(chunks, "decode_indented", lambda raw: None)
    patch.setattr(Blocks, "remember", lambda self, key, block: None)
    patch.setattr(IsoStart, "stamp", lambda self, line: None)


@pytest.mark.parametrize("kw", CASES[:3])
@pytest.mark.parametrize("chunk_size", [64 << 10, 4096, 333])
def test_blocks_change_nothing(monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any], chunk_size: int) -> None:
    """The same summary with blocks and the light decoding as with every line decoded in full, chunk
    boundaries inside tracebacks included; and blocks were taken (the test is not vacuous)."""
    data = _log(3000, chunk_size)
    taken = []
    known = Chunk._known_block

    def counting(self: Chunk, at: int, first: int) -> Any:
        block = known(self, at, first)
        taken.append(block is not None)
        return block

    def run() -> LogSummary:
        return scan(io.BytesIO(data), now=NOW, chunk_size=chunk_size, **kw)

    with monkeypatch.context() as patch:
        patch.setattr(Chunk, "_known_block", counting)
        fast = run().to_dict()
    assert sum(taken) > 300
    with monkeypatch.context() as patch:
        _line_by_line(patch)
        assert run().to_dict() == fast
    assert fast["events"] > 100


LINES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\t",
            "  \x1c",
            "  File x",
            "\tat a.b(C.java:1)",
            '  {"message": "x"}',
            "  2024-05-01 12:00:00 x",
            "  \x00",
            "Traceback (most recent call last):",
            "During handling of the above exception, another exception occurred:",
            "java.net.ConnectException: refused",
            "KeyError: 'x'",
            "2024-05-01 12:00:00,000 ERROR x",
            "\u00a0 nbsp",
        ]
    ),
    st.text(alphabet=st.sampled_from(list(" \t{}x0:\r\x00\u2003\x85")), max_size=12),
)


@given(LINES, LINES, LINES)
@settings(max_examples=600, deadline=None)
def test_light_decoding_groups_the_same(line: str, above: str, below: str) -> None:
    """Where `decode_indented` answers, its record equals `decode`'s but for the time, and every grouping
    decision it takes part in (as the line, the line above or the line below) is the same."""
    raw = line.encode("utf-8", "surrogateescape")
    light = decode_indented(raw)
    if light is None:
        assert raw[:1] not in (b" ", b"\t") or b"{" in raw
        return
    full = decode(raw, NOW)
    assert (light.text, light.is_json, light.severity, dict(light.fields), light.repaired) == (
        full.text,
        full.is_json,
        full.severity,
        dict(full.fields),
        full.repaired,
    )
    up, down = decode(above.encode("utf-8", "surrogateescape"), NOW), decode(below.encode(), NOW)
    assert begins(light) == begins(full)
    assert continues(light, up, down) == continues(full, up, down)
    assert continues(down, light, None) == continues(down, full, None)
    assert continues(up, down, light) == continues(up, down, full)


@pytest.mark.parametrize("pad", [262_000, 262_100, 262_140])
def test_a_block_is_not_taken_past_the_event_size_bound(monkeypatch: pytest.MonkeyPatch, pad: int) -> None:
    """Under a first line so long that the event's byte bound falls inside a remembered block, the event
    ends where reading line by line ends it."""
    frames = "".join(f'  File "/app/f{n}.py", line {n}, in f\n' for n in range(8)) + "KeyError: 'x'\n"
    stamp = "2024-05-01 12:00:00,000"
    data = (f"{stamp} ERROR first\n{frames}{stamp} ERROR {'x' * pad}\n{frames}{stamp} INFO after\n").encode()

    def run() -> dict[str, Any]:
        return scan(io.BytesIO(data), now=NOW, chunk_size=1 << 20).to_dict()

    blocked = run()
    with monkeypatch.context() as patch:
        _line_by_line(patch)
        assert run() == blocked


@given(
    st.lists(
        st.sampled_from(["ERROR", " ", "error", "xERROR", "ERRORS", "\t", "failed", "ok", "[", "_", "Error"]),
        max_size=8,
    ).map("".join)
)
@settings(max_examples=500, deadline=None)
def test_looks_like_error_short_cut_is_the_regex(text: str) -> None:
    """The level word found by `in` (" ERROR ") answers as the regex would."""
    from infraprobe.logs.grouping import LOOKS_LIKE_ERROR, looks_like_error
    from infraprobe.logs.records import Record

    record = Record(text, None, "", {}, False, 0, False)
    assert looks_like_error(record, text) == (LOOKS_LIKE_ERROR.search(text) is not None)
