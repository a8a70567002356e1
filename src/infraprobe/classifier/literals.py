"""A fast matcher for the rule needles: which of a fixed set of literals occur in a text.

Three backends with identical results (a test checks it on the whole corpus): Hyperscan when the optional
`hyperscan` extra is installed (about 3 µs a line), else the standard library; and, for the first few texts
only, a plain `in` per literal, which needs no build (start-up of a one-off `classify`). For `re`, a plain alternation of
~500 literals makes the engine try every literal at every position; compiled as a trie
(`conn(?:ection (?:refused|reset)|ect timed out)`) each position costs one branch on its first character,
and greedy branches return the longest literal at a position, which implies all its prefixes.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# A dependency on x86-64 Linux only (pyproject.toml); elsewhere the pure-Python trie below. Looked up without
# importing it: the module is loaded when the first automaton is built, which a one-off `classify` never does.
_HAVE_HS = importlib.util.find_spec("hyperscan") is not None

_Trie = dict[str, "_Trie"]
_END = ""  # key marking "a literal ends here"; no literal character is the empty string


def _build(words: Iterable[str]) -> _Trie:
    root: _Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return root


def _pattern(node: _Trie) -> str:
    branches = [re.escape(char) + _pattern(child) for char, child in sorted(node.items()) if char != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body


def trie_regex(words: Iterable[str]) -> str:
    """A regex matching exactly the given literals, greedy: the longest literal at a position wins."""
    return _pattern(_build(words))


class _ReBackend:
    def __init__(self, words: tuple[str, ...]) -> None:
        source = trie_regex(words)
        self._any = re.compile(source)
        self._each = re.compile(f"(?=({source}))")
        # A literal found at a position implies every shorter literal that is its prefix.
        self._prefixes = {w: frozenset(p for p in words if w.startswith(p)) for w in words}

    def any_in(self, text: str) -> bool:
        return self._any.search(text) is not None

    def found_in(self, text: str) -> set[str]:
        found: set[str] = set()
        for m in self._each.finditer(text):
            found |= self._prefixes[m.group(1)]
        return found


def _hyperscan() -> Any:
    import hyperscan  # imported once, by the first automaton (see _HAVE_HS)

    return hyperscan


# Compiles hyperscan expressions, all with the same flags, into a block-mode database. By default here and
# now (~18 ms for the classifier's needles, in every process that classifies many texts); a caller that
# keeps compiled databases on disk passes its own for the span of its work (`compiled_by`: the log scan's
# cache loads one in ~3 ms). A context variable, not a module setting: nothing outlives that span.
Compiler = Callable[[list[bytes], int], Any]
_compiler: ContextVar[Compiler | None] = ContextVar("literal_compiler", default=None)


@contextmanager
def compiled_by(compiler: Compiler | None) -> Iterator[None]:
    """Compile the automata built inside the block with `compiler` (None: the default, no cache); on
    leaving, error or not, the compiler in force before is back."""
    token = _compiler.set(compiler)
    try:
        yield
    finally:
        _compiler.reset(token)


def _compile(expressions: list[bytes], flags: int) -> Any:
    db = _hyperscan().Database()
    db.compile(expressions=expressions, ids=list(range(len(expressions))), flags=flags)
    return db


def _hs_literal(word: str) -> bytes:
    """Hyperscan compiles regexes: spell every non-alphanumeric character as a hex escape."""
    return "".join(c if c.isalnum() else f"\\x{ord(c):02x}" for c in word).encode()


class _HyperscanBackend:
    def __init__(self, words: tuple[str, ...]) -> None:
        self._words = words
        expressions = [_hs_literal(w) for w in words]
        self._db: Any = (_compiler.get() or _compile)(expressions, _hyperscan().HS_FLAG_SINGLEMATCH)
        # A scratch space must not be shared by concurrent scans; one per thread.
        self._local = threading.local()

    def _scan(self, text: str, on_match: Any) -> None:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = _hyperscan().Scratch(self._db)
        self._db.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match, scratch=scratch)

    def any_in(self, text: str) -> bool:
        hits: list[int] = []

        def stop(index: int, start: int, end: int, flags: int, context: object) -> bool:
            hits.append(index)
            return True  # stop scanning at the first literal

        try:
            self._scan(text, stop)
        except _hyperscan().ScanTerminated:
            pass
        return bool(hits)

    def found_in(self, text: str) -> set[str]:
        found: set[str] = set()

        def collect(index: int, start: int, end: int, flags: int, context: object) -> None:
            found.add(self._words[index])

        self._scan(text, collect)
        return found


class _ScanBackend:
    """`literal in text` for each literal: nothing to build, a few microseconds for one short text."""

    def __init__(self, words: tuple[str, ...]) -> None:
        self._words = words

    def any_in(self, text: str) -> bool:
        return any(w in text for w in self._words)

    def found_in(self, text: str) -> set[str]:
        return {w for w in self._words if w in text}


# Building an automaton costs ~15 ms (Hyperscan) to ~30 ms (re) for the classifier's ~650 needles: more than
# a one-off `classify` spends in total. The first texts are scanned literal by literal; the automaton is
# built once a caller (a log scan, `--jsonl`) has shown it has many texts to match, or meets a long one (a
# literal-by-literal scan is one pass per literal: quadratic-looking on a megabyte line).
_SCANS_BEFORE_BUILD = 32
_SCAN_MAX_CHARS = 4096


class LiteralSet:
    """Finds which of a fixed set of lowercase ASCII literals occur in a text (overlaps included)."""

    def __init__(self, words: Iterable[str], *, backend: str = "auto") -> None:
        self.words = tuple(sorted(set(words)))
        use_hs = backend == "hyperscan" or (backend == "auto" and _HAVE_HS)
        self.backend = "scan" if backend == "scan" else "hyperscan" if use_hs else "re"
        self._scans = _SCANS_BEFORE_BUILD if backend == "auto" else 0
        self._impl: _ScanBackend | _ReBackend | _HyperscanBackend = _ScanBackend(self.words)
        if not self._scans and self.backend != "scan":
            self._build()

    def _build(self) -> None:
        self._impl = _HyperscanBackend(self.words) if self.backend == "hyperscan" else _ReBackend(self.words)

    def _matcher(self, text: str) -> _ScanBackend | _ReBackend | _HyperscanBackend:
        if self._scans:
            self._scans = self._scans - 1 if len(text) <= _SCAN_MAX_CHARS else 0
            if not self._scans:
                self._build()
        return self._impl

    def any_in(self, text: str) -> bool:
        return self._matcher(text).any_in(text)

    def found_in(self, text: str, start: int = 0, end: int | None = None) -> set[str]:
        text = text[start:end] if start or end is not None else text
        return self._matcher(text).found_in(text)
