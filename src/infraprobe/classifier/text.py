"""Classification of error *texts*: one line, a log record, or a whole traceback.

A text is unescaped (JSON-quoted logs), lowercased, cut into the links of its exception chain, and each
link is matched against the ordered rules (first hit wins inside a link). Across links the innermost
specific hit wins: Python prints the innermost exception first ("The above exception was the direct
cause..."), Java and Node print it last ("Caused by:", "[cause]:"). Stack-frame lines are blanked first,
because source code and method names ("createTimeoutException") would otherwise look like errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infraprobe.classifier.literals import LiteralSet
from infraprobe.classifier.model import Rule
from infraprobe.classifier.rules import RULES, SIGNATURES

_LITERALS = LiteralSet(SIGNATURES)


def _rules_by_needle() -> dict[str, tuple[int, ...]]:
    """needle -> indexes of the rules it gates, in table order (one pass over the rules, not needles x rules)."""
    index: dict[str, list[int]] = {}
    for i, r in enumerate(RULES):
        for needle in dict.fromkeys(r.needles):
            index.setdefault(needle, []).append(i)
    return {needle: tuple(rules) for needle, rules in index.items()}


_RULES_BY_NEEDLE = _rules_by_needle()
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|([nrt\"'/\\]))")
# A raw Windows path (C:\Users\me\redis\connection.py, single backslashes) means the text is not
# JSON-escaped: unescaping it would turn the "\r" of "\redis" into a carriage return.
_RAW_WINDOWS_PATH = re.compile(r"\b[a-zA-Z]:\\[^\\\s]")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_PY_CHAIN = re.compile(
    r"the above exception was the direct cause of the following exception:"
    r"|during handling of the above exception, another exception occurred:"
)
_INNER_AFTER = re.compile(r"caused by:|\[cause\]:|\bcause: ")
_DOTNET_INNER = " ---> "
_CHAINED = re.compile(r"(?i)cause| ---> ")  # a one-line text with a chain marker takes the chain path
# A Python frame is its `File "...", line N` line and every line indented deeper under it (the source line,
# 3.11+'s ^^^/~~~ markers, multi-line calls, loguru's variable annotations); the prefix may carry a
# `docker compose` service tag, ExceptionGroup's `|` rails or loguru's `>`. Node/Java frames are `at ...`.
_FRAMES = re.compile(
    r"(?m)^((?:[\w.-]{1,60} +\| ?)?[ \t|]*)(?:> ?)?file \"[^\"\n]*\", line \d+[^\n]*(?:\n\1[ \t]{2,}[^\n]*)*$"
    r"|^[ \t|]*at [^\n]*$"
)
_MAX_UNESCAPES = 3  # a JSON log inside a JSON log line (Docker's json-file driver) is escaped twice
_MAX_CHARS = 65_536  # a traceback longer than this is cut in its middle, keeping both ends of the chain


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that matched, where it matched, and how deep in the chain (0 = innermost)."""

    rule: Rule
    text: str  # the prepared text (unescaped, original case), for evidence
    low: str  # the same, lowercased, with frames blanked
    start: int
    end: int


_SIMPLE_ESCAPES = (("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t"), ('\\"', '"'), ("\\'", "'"), ("\\/", "/"))


def _unescape(text: str) -> str:
    if "\\u" not in text:  # fast path: str.replace per escape, escaped backslashes split off first
        parts = text.split("\\\\")
        for i, part in enumerate(parts):
            if "\\" in part:
                for escaped, plain in _SIMPLE_ESCAPES:
                    part = part.replace(escaped, plain)
                parts[i] = part
        return "\\".join(parts)

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        return _ESCAPES.get(m.group(2), m.group(2))

    return _ESCAPE.sub(one, text)


def prepare(text: str) -> tuple[str, str]:
    """The text to show (unescaped) and the text to match (lowercased, frames blanked), equal in length."""
    if len(text) > _MAX_CHARS:
        text = text[: _MAX_CHARS // 2] + "\n" + text[-_MAX_CHARS // 2 :]
    for _ in range(_MAX_UNESCAPES):
        if "\\" not in text or _RAW_WINDOWS_PATH.search(text):
            break
        text = _unescape(text)
        if "\\n" not in text and '\\"' not in text:  # no escaped layer left
            break
    low = text.lower()
    if len(low) != len(text):  # a few Unicode letters change length when lowercased; show lowercase then
        text = low
    if "\n" in low:
        low = _FRAMES.sub(lambda m: " " * len(m.group()), low)
    return text, low


def _segments(low: str) -> list[tuple[int, int]]:
    """Spans of the chain's links, innermost first."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in [*_PY_CHAIN.finditer(low), None]:
        end = m.start() if m else len(low)
        spans.extend(_split_inner_after(low, start, end))
        start = m.end() if m else start
    return spans


def _split_inner_after(low: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts: list[int] = []
    at = low.find(_DOTNET_INNER, start, end)
    while at >= 0:  # .NET prints the outer exception first and each inner one after " ---> "
        cuts.append(at)
        at = low.find(_DOTNET_INNER, at + len(_DOTNET_INNER), end)
    at = low.find("cause", start, end)
    while at >= 0:  # every marker says "cause": find it literally, then check the marker around it
        m = _INNER_AFTER.match(low, at - 1, end) if at > start and low[at - 1] == "[" else None
        m = m or _INNER_AFTER.match(low, at, end)
        if m is not None:
            cuts.append(m.start())
        at = low.find("cause", at + 5, end)
    bounds = [start, *sorted(cuts), end]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)][::-1]


def _first_rule(
    low: str, start: int, end: int, present: set[str] | None = None
) -> tuple[Rule, int, int] | None:
    """The first rule in table order that matches inside low[start:end]; only rules whose needles occur."""
    if present is None:
        present = _LITERALS.found_in(low, start, end)
    for i in sorted({i for needle in present for i in _RULES_BY_NEEDLE[needle]}):
        m = _search(RULES[i], low, start, end)
        if m is not None:
            return RULES[i], m.start(), m.end()
    return None


def _search(r: Rule, low: str, start: int, end: int) -> re.Match[str] | None:
    """The rule's first match in low[start:end] whose line its `unless` pattern does not excuse."""
    m = r.pattern.search(low, start, end)
    while m is not None and r.unless is not None:
        line_start = low.rfind("\n", start, m.start()) + 1
        line_end = low.find("\n", m.end(), end)
        line_end = end if line_end < 0 else line_end
        if not r.unless.search(low, max(line_start, start), line_end):
            return m
        m = r.pattern.search(low, line_end, end)  # the rest of an excused line is excused too
    return m


def _match_line(text: str) -> Hit | None:
    """Fast path for the common case: one line, nothing escaped, no chain."""
    low = text.lower()
    present = _LITERALS.found_in(low)
    if not present:
        return None
    found = _first_rule(low, 0, len(low), present)
    if found is None:
        return None
    return Hit(found[0], text if len(low) == len(text) else low, low, found[1], found[2])


def match(text: str) -> Hit | None:
    """The innermost specific rule hit in `text`, else the innermost generic one, else None."""
    if "\n" not in text and "\\" not in text and not _CHAINED.search(text) and len(text) <= _MAX_CHARS:
        return _match_line(text)
    # Gate on the raw text, so SIGNATURES match exactly what a log scanner sees on disk.
    if not _LITERALS.any_in(text.lower()):
        return None
    shown, low = prepare(text)
    weak: Hit | None = None
    for start, end in _segments(low):
        found = _first_rule(low, start, end)
        if found is None:
            continue
        hit = Hit(found[0], shown, low, found[1], found[2])
        if not hit.rule.weak:
            return hit
        weak = weak or hit
    return weak
