"""The hyperscan cache is trusted only when a file proves it was built from these patterns by this user.

A different valid database planted at the cache path used to be loaded as found, so `logs --expect-none`
passed on a failing log. These tests plant one and check the matcher still matches what it must.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

hyperscan = pytest.importorskip("hyperscan")
from infraprobe.logs import hscache  # noqa: E402  (only where hyperscan is installed)

RULES = (("connection refused", ("connection refused",)), ("too many clients", ("too many clients",)))
LINE = b"FATAL: could not connect: Connection refused"


def _matches(db: object) -> list[int]:
    found: list[int] = []
    db.scan(LINE, match_event_handler=lambda i, *_: found.append(i))  # type: ignore[attr-defined]
    return found


def _harmless_database() -> bytes:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[b"never-in-any-log-zzz"], ids=[0], flags=0)
    return bytes(hyperscan.dumpb(db))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INFRAPROBE_CACHE_DIR", str(tmp_path))
    assert _matches(hscache.compile_regexes(RULES)) == [0]  # the genuine file is written
    return tmp_path


def _plant(cache: Path, how: str) -> None:
    [path] = cache.glob("hs-*.db")
    data, fake = path.read_bytes(), _harmless_database()
    if how == "raw":  # a valid database of other patterns, as found
        path.write_bytes(fake)
    elif how == "edited":  # our header, someone else's payload
        path.write_bytes(data[: len(data) - len(data[len(hscache._MAGIC) + 64 :])] + fake)
    else:  # a file others could have written: not read even though (here) it is genuine but edited
        path.write_bytes(data[: len(hscache._MAGIC) + 64] + fake)
        path.chmod(0o666)


@pytest.mark.parametrize("how", ["raw", "edited", "world-writable"])
def test_a_planted_database_is_not_loaded(cache: Path, how: str) -> None:
    _plant(cache, how)
    assert _matches(hscache.compile_regexes(RULES)) == [0]


def test_genuine_cache_files_are_reused(cache: Path) -> None:
    """The verification accepts its own files: a second compile loads the file instead of rewriting it."""
    [path] = cache.glob("hs-*.db")
    before = path.stat().st_mtime_ns
    assert _matches(hscache.compile_regexes(RULES)) == [0]
    assert path.stat().st_mtime_ns == before


def test_cache_key_material_does_not_depend_on_the_hash_seed() -> None:
    """Rule needles and a gRPC rule's alternation were built from sets: each run hashed to another key and
    recompiled the database (about 10 s per `infraprobe logs`)."""
    script = (
        "import hashlib; from infraprobe.logs.api import _rule_patterns; "
        "print(hashlib.sha256(repr(_rule_patterns()).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1


def test_classifier_automata_from_the_cache_find_what_a_fresh_compile_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan has the classifier's literal automata compiled through this cache (`literals.compiled_by`):
    the cached database finds exactly the literals a fresh one does, the second build loads the file, and
    a planted file is rebuilt, as for the prefilter's."""
    from infraprobe.classifier import SIGNATURES, literals

    monkeypatch.setenv("INFRAPROBE_CACHE_DIR", str(tmp_path))
    texts = [
        "psycopg2.OperationalError: connection to server failed: Connection refused",
        "redis.exceptions.ConnectionError: Error -3 connecting to cache:6379. Temporary failure in name resolution.",
        "GET /healthz 200 in 3 ms",
        "SSL: CERTIFICATE_VERIFY_FAILED certificate verify failed: certificate has expired",
    ]
    with literals.compiled_by(None):
        fresh = literals.LiteralSet(SIGNATURES, backend="hyperscan")
    expected = [fresh.found_in(text.lower()) for text in texts]
    assert any(expected) and not all(expected)
    with literals.compiled_by(hscache.compile_plain):
        for _ in range(2):
            cached = literals.LiteralSet(SIGNATURES, backend="hyperscan")
            assert [cached.found_in(text.lower()) for text in texts] == expected
        [path] = tmp_path.glob("hs-*.db")
        before = path.stat().st_mtime_ns
        literals.LiteralSet(SIGNATURES, backend="hyperscan")
        assert path.stat().st_mtime_ns == before  # loaded, not compiled and written again
        path.write_bytes(path.read_bytes()[: len(hscache._MAGIC) + 64] + _harmless_database())
        planted = literals.LiteralSet(SIGNATURES, backend="hyperscan")
        assert [planted.found_in(text.lower()) for text in texts] == expected


def test_a_scan_leaves_no_compiler_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is the scan's compiler only while it runs: afterwards, and after a scan that raised, a
    library user's automata are compiled by the classifier's default again."""
    from infraprobe.classifier import literals
    from infraprobe.logs import api, prefilter

    monkeypatch.setenv("INFRAPROBE_CACHE_DIR", str(tmp_path))
    log = tmp_path / "app.log"
    log.write_text("2026-01-01T00:00:00Z ERROR connection refused\n")
    seen: list[object] = []
    real = prefilter.HyperscanPrefilter.line_starts

    def spy(self: prefilter.HyperscanPrefilter, chunk: bytes, end: int) -> list[int]:
        seen.append(literals._compiler.get())
        return real(self, chunk, end)

    monkeypatch.setattr(prefilter.HyperscanPrefilter, "line_starts", spy)
    api.scan(log, prefilter="hyperscan")
    assert seen and seen[0] is hscache.compile_plain
    assert literals._compiler.get() is None

    def fail(self: prefilter.HyperscanPrefilter, chunk: bytes, end: int) -> list[int]:
        raise RuntimeError("boom")

    monkeypatch.setattr(prefilter.HyperscanPrefilter, "line_starts", fail)
    with pytest.raises(RuntimeError):
        api.scan(log, prefilter="hyperscan")
    assert literals._compiler.get() is None
