"""The prefilter: which lines of a large chunk can matter at all.

Full classification costs far more per line than reading it, so the scan only classifies candidate lines.
A line is a candidate when it holds an error-looking word (for clustering), a NUL byte (counted as
binary), or when some classifier rule could fire on it:

- with the rule regexes at hand (`Patterns.rules`), hyperscan runs *those*, case-insensitively, over the
  chunk. The classifier's literal `SIGNATURES` include short needles (`500`, `eof`, `reset`) that only gate
  a regex needing more context, and hit several percent of ordinary lines; the regexes hit the failures.
  Hyperscan's ASCII matching equals Python's only on ASCII text without escapes, so in a chunk holding a
  non-ASCII byte or a backslash (JSON), every line with a literal signature *and* such a byte is added too.
- otherwise (no rules, or no hyperscan) the literal signatures decide, which is exact by the classifier's
  contract ("no needle, no diagnosis"), only slower downstream.

Hyperscan is used without HS_FLAG_SINGLEMATCH on purpose: in block mode that flag reports a pattern once
per scan call, i.e. once per chunk, while every line that holds one is needed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from infraprobe.logs import native

BINARY = b"\x00"  # lines holding a NUL are binary: matching them lets the scan count every one


@dataclass(frozen=True, slots=True)
class Patterns:
    signatures: tuple[str, ...]  # lowercase literals; every classifiable line holds one
    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the classifier's (regex, needles), if known
    words: tuple[str, ...] = ()  # error-looking words, for events no rule explains


class Prefilter(Protocol):
    name: str

    def line_starts(self, chunk: bytes, end: int) -> list[int]:
        """Ascending starts of the candidate lines in `chunk[:end]`."""
        ...

    def classifying(self) -> AbstractContextManager[None]:
        """The span of a scan: the classifier's automata built inside it may come from this prefilter's
        compiled cache (`classifier.literals.compiled_by`); nothing is left installed after it."""
        ...


def make_prefilter(patterns: Patterns, *, prefer: str = "auto") -> Prefilter:
    """Hyperscan when importable (and not `prefer="python"`), else the pure-Python matcher."""
    if prefer != "python":
        try:
            return HyperscanPrefilter(patterns)
        except ImportError:
            if prefer == "hyperscan":
                raise
    return PythonPrefilter(patterns)


def _needles(literals: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(sorted({lit.lower().encode("utf-8") for lit in literals if lit}))


def _minimal(needles: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Drop needles that contain another: they add nothing, and each costs the fallback a pass."""
    kept: list[bytes] = []
    for needle in sorted(needles, key=len):
        if not any(k in needle for k in kept):
            kept.append(needle)
    return tuple(kept)


class HyperscanPrefilter:
    name = "hyperscan"

    def __init__(self, patterns: Patterns) -> None:
        from infraprobe.logs import hscache  # imports hyperscan: ImportError selects the fallback

        literals = (*patterns.words, "\x00")
        if patterns.rules:
            words = tuple((hscache.escape(w), (w,)) for w in literals)
            self._main = hscache.compile_regexes((*patterns.rules, *words))
            self._net: Any = hscache.compile_literals(_needles(patterns.signatures))
        else:
            # Escaped into regexes rather than hyperscan's literal API, which cannot hold a NUL byte.
            every = (*patterns.signatures, *literals)
            self._main = hscache.compile_regexes(tuple((hscache.escape(x), (x,)) for x in every))
            self._net = None

    def classifying(self) -> AbstractContextManager[None]:
        # The classifier's own automata (built in every scanning process once it has classified a few
        # texts) come from the same cache: ~3 ms to load instead of ~20 ms to compile, twice per large file.
        from infraprobe.classifier import literals
        from infraprobe.logs import hscache

        return literals.compiled_by(hscache.compile_plain)

    def line_starts(self, chunk: bytes, end: int) -> list[int]:
        # The match handler runs for every match (four or so per failure line): in C where built.
        ends = native.Ends() if native.ENABLED else _Ends()
        # No copy: hyperscan reads the buffer in place. The views are released on return, so a reused
        # buffer (bytearray) can be resized for the next chunk.
        with memoryview(chunk) as whole, whole[:end] as view:
            self._main.scan(view, ends)
            if self._net is not None and _escaped_or_wide(chunk, end):
                extra = _Ends()
                self._net.scan(view, extra)
                for e in extra:
                    if _unsafe_line(chunk, e):
                        ends.add(e)
        return ends.line_starts(chunk)


class _Ends(list[int]):
    """A hyperscan match handler keeping the match ends (native.Ends, in Python)."""

    def __call__(self, _id: int, _from: int, to: int, _flags: int, _ctx: Any) -> None:
        self.append(to)

    def add(self, end: int) -> None:
        self.append(end)

    def line_starts(self, chunk: bytes) -> list[int]:
        return _starts_of(chunk, sorted(self))


def _escaped_or_wide(chunk: bytes, end: int) -> bool:
    # The whole chunk (a little past `end`) is checked: looser, and no copy.
    if native.ENABLED:  # both passes in one (SSE2)
        return native.escaped_or_wide(chunk, end)
    return chunk.find(b"\\", 0, end) >= 0 or not chunk.isascii()


def _unsafe_line(chunk: bytes, match_end: int) -> bool:
    """A line where byte-level regex matching may differ from the classifier's (escapes, non-ASCII)."""
    start = chunk.rfind(b"\n", 0, match_end) + 1
    stop = chunk.find(b"\n", match_end)
    line = chunk[start : stop if stop >= 0 else len(chunk)]
    return b"\\" in line or not line.isascii()


class PythonPrefilter:
    name = "python"

    def __init__(self, patterns: Patterns) -> None:
        self._needles = (*_minimal(_needles((*patterns.signatures, *patterns.words))), BINARY)

    def classifying(self) -> AbstractContextManager[None]:
        return nullcontext()  # no cache: the classifier compiles its own

    def line_starts(self, chunk: bytes, end: int) -> list[int]:
        lowered = chunk[:end].lower()  # ASCII-only, like hyperscan's CASELESS
        ends: list[int] = []
        for needle in self._needles:
            at = lowered.find(needle)
            while at >= 0:
                ends.append(at + len(needle))
                # Resume at the next line: one hit per line is all the scan needs.
                next_line = lowered.find(b"\n", at)
                at = -1 if next_line < 0 else lowered.find(needle, next_line + 1)
        return _starts_of(chunk, sorted(ends))


def _starts_of(chunk: bytes, match_ends: list[int]) -> list[int]:
    starts: list[int] = []
    line_end = -1
    for to in match_ends:
        if to <= line_end:
            continue  # another pattern on a line already taken
        starts.append(chunk.rfind(b"\n", 0, max(to - 1, 0)) + 1)
        newline = chunk.find(b"\n", max(to - 1, 0))
        line_end = len(chunk) if newline < 0 else newline
    return starts
