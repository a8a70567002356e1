"""Classify each distinct message template once.

An incident's log repeats a few hundred messages tens of thousands of times, each copy with its own
request id, address, port or duration, so an exact-text memo misses almost every time and the classifier
(~70 µs a text) dominates the scan. The memo key is the text with those variable tokens masked.

Masking is conservative on purpose: the classifier reads some numbers (`Errno 111`, `Error -3`, HTTP
statuses, well-known ports), so only tokens it never decides on are masked: UUIDs, hex ids, 0x values,
IPv4 addresses and free-standing numbers of six or more digits. A memo hit also re-derives the evidence
from the text at hand (the same line of it), so a report never shows one event's evidence for another. A corpus test
checks that a memoised verdict equals a fresh one for every corpus text and variants of it.

Cost per hit: the masking regex runs per space-separated token, and each distinct token is masked once
(`Tokens`): the pattern never matches a space and treats one like the edge of the text, so masking token
by token gives the same key, and most tokens of an incident's lines (words, paths, short codes) repeat.
The evidence of a hit is re-derived only when a caller needs it (`evidence`): an aggregator needs it
for the first event of each finding and the first few of each `--expect-none`, not for the other ten
thousand.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from infraprobe.logs import native
from infraprobe.result import Diagnosis

_VARIABLE = re.compile(
    # One guard first (a token start that is a hex digit): Python's re tries every alternative at every
    # position otherwise, which made masking cost as much as classifying.
    r"(?<![\w-])(?=[\da-f])(?:"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"  # UUIDs
    r"|0x[0-9a-f]+\b"  # pointers, addresses
    r"|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"  # hex ids, digests
    r"|\d{1,3}(?:\.\d{1,3}){3}\b"  # IPv4 addresses
    # Counters, ids, epoch times. Not codes: ports and errnos have five digits at most (WSAECONNREFUSED is
    # 10061), and a number joined to a word by a hyphen is a code too (MySQL's MY-010584).
    r"|\d{6,}(?![\w-]))",
    re.IGNORECASE,
)
MASK = "\x00"
_VARIABLE_BYTES = re.compile(_VARIABLE.pattern.encode("ascii"), re.IGNORECASE)
MASK_BYTE = MASK.encode("ascii")
# Bounded in count and size: a log of unique messages must not grow the memo (memory stays flat).
MAX_TEMPLATES = 4096
MAX_TEXT = 2048  # longer texts (whole tracebacks) are classified every time
MAX_TOKENS = 1 << 16  # distinct tokens remembered; the cache starts again when full (memory stays flat)

# A verdict: the diagnosis of the text's template, and the line of the text its evidence is (None: the
# diagnosis's own evidence is exact for this text).
Verdict = tuple[Diagnosis, int | None]


def template(text: str) -> str:
    """The memo key: `text` with its variable tokens masked."""
    return _VARIABLE.sub(MASK, text)


class Tokens(dict[str, str]):
    """`template`, token by token, each distinct token masked once (a dict: `map` over its lookup runs
    in C, which is most of the saving). An ASCII text goes to the compiled masking when it is built
    (`native.template`, the same as the regex on bytes: tests/logs/test_native.py; and on ASCII the
    pattern means on bytes what it means on text, see `ByteTokens`): a traceback's whole text is one call
    instead of a lookup per token, and a new token (an id) no regex."""

    def __init__(self) -> None:
        super().__init__()
        self._compiled = native.template if native.ENABLED else None

    def __call__(self, text: str) -> str:
        if self._compiled is not None and text.isascii():
            return self._compiled(text.encode("ascii")).decode("ascii")
        return " ".join(map(self.__getitem__, text.split(" ")))

    def __missing__(self, token: str) -> str:
        if len(self) >= MAX_TOKENS:
            self.clear()
        masked = self[token] = _VARIABLE.sub(MASK, token)
        return masked


class ByteTokens(dict[bytes, bytes]):
    """`Tokens` for ASCII bytes, so that a line read on the bytes needs no decoding to find its template:
    on ASCII the pattern means the same on bytes as on text, so two lines have the same byte template
    exactly when their decoded texts have the same `template`."""

    def __call__(self, text: bytes) -> bytes:
        return b" ".join(map(self.__getitem__, text.split(b" ")))

    def __missing__(self, token: bytes) -> bytes:
        if len(self) >= MAX_TOKENS:
            self.clear()
        masked = self[token] = _VARIABLE_BYTES.sub(MASK_BYTE, token)
        return masked


class TemplateMemo:
    """`memo(text)` is `classify(text)`, computed once per template (exact text when evidence is not a line)."""

    def __init__(self, classify: Callable[[str], Diagnosis], evidence_chars: int) -> None:
        self._classify = classify
        self._evidence_chars = evidence_chars  # the classifier's own bound on evidence
        self._by_template: dict[str, tuple[Diagnosis, int]] = {}
        self._by_text: dict[str, Diagnosis] = {}
        self._template = Tokens()
        # The last text `known` was asked about and its answer, until the tables change: the scanner
        # asks twice about an event that takes the general path after its fast path declined it.
        self._recent: tuple[str | None, Verdict | None] = (None, None)
        self.hits = 0
        self.misses = 0

    def __call__(self, text: str) -> Diagnosis:
        return self.evidence(text, self.verdict(text))

    @property
    def evidence_chars(self) -> int:
        return self._evidence_chars

    @property
    def exact_texts(self) -> dict[str, Diagnosis]:
        """The texts with a verdict of their own (`exact`): the compiled fast path reads this dict as it
        grows, so it is never replaced."""
        return self._by_text

    def exact(self, text: bytes) -> bool:
        """Whether the ASCII `text` has a verdict of its own (which a lookup by template must not hide)."""
        return bool(self._by_text) and text.decode("ascii") in self._by_text

    def verdict(self, text: str) -> Verdict:
        """`classify(text)`, its evidence left to `evidence` (so a hit costs one masking and a lookup)."""
        known = self.known(text)
        if known is not None:
            return known
        self.misses += 1
        return self._learn(text, self._template(text)), None

    def known(self, text: str) -> Verdict | None:
        """The verdict if the memo holds it, else None (nothing is classified)."""
        recent, answer = self._recent
        if text == recent:
            self.hits += answer is not None
            return answer
        answer = self._lookup(text)
        self._recent = (text, answer)
        self.hits += answer is not None
        return answer

    def _lookup(self, text: str) -> Verdict | None:
        exact = self._by_text.get(text) if self._by_text else None  # usually empty: no hashing then
        if exact is not None:
            return exact, None
        known = self._by_template.get(self._template(text))
        # The evidence line of a text no longer than the bound fits in it whatever its whitespace.
        if known is not None and (len(text) <= self._evidence_chars or self._fits(text, known[1])):
            return known
        return None

    @staticmethod
    def evidence(text: str, verdict: Verdict) -> Diagnosis:
        """The verdict's diagnosis with the evidence of `text` (the line it names)."""
        diagnosis, line = verdict
        return diagnosis if line is None else _with(diagnosis, _line(text, line))

    def _fits(self, text: str, line: int) -> bool:
        return len(_line(text, line)) <= self._evidence_chars

    def _learn(self, text: str, key: str) -> Diagnosis:
        self._recent = (None, None)  # the tables may change: `known` answers anew
        diagnosis = self._classify(text)
        if len(text) > MAX_TEXT or len(self._by_template) + len(self._by_text) >= MAX_TEMPLATES:
            return diagnosis
        line = _evidence_line(text, diagnosis.evidence)
        if line is None or len(diagnosis.evidence) >= self._evidence_chars:
            self._by_text[text] = diagnosis
        else:
            self._by_template[key] = (diagnosis, line)
        return diagnosis


def _evidence_line(text: str, evidence: str) -> int | None:
    """Which whole line of `text` the evidence is (the classifier collapses its whitespace), if any."""
    for number, line in enumerate(text.splitlines()):
        if " ".join(line.split()) == evidence:
            return number
    return None


def _with(d: Diagnosis, evidence: str) -> Diagnosis:
    # Built directly: dataclasses.replace costs as much as the rest of a memo hit.
    return Diagnosis(d.cause, d.layer, d.component, d.summary, d.guidance, d.owner, evidence, d.rule)


def _line(text: str, number: int) -> str:
    # Same template, same line count: masked tokens never hold a line break.
    return " ".join(text.splitlines()[number].split())
