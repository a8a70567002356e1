"""The prefilter: rule regexes are far more selective than literals, and every mode finds the same events."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from infraprobe.logs import LogSummary, TextClassifier, scan

from .conftest import NOW

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from gen_logs import generate


@pytest.fixture(scope="module")
def sample() -> bytes:
    out = io.BytesIO()
    generate(out, 2 << 20, 0.002, seed=3)
    return out.getvalue()


def _scan(data: bytes, classifier: TextClassifier, prefilter: str = "auto") -> LogSummary:
    return scan(io.BytesIO(data), now=NOW, classifier=classifier, prefilter=prefilter)


def _answer(s: LogSummary) -> tuple[object, ...]:
    return tuple((f.cause, f.component, f.count, f.first_seen) for f in s.findings), s.events, s.lines


def test_every_prefilter_mode_gives_the_same_answer(sample: bytes) -> None:
    """Hyperscan with rule regexes, hyperscan with literals only, and pure Python agree on realistic noise."""
    full = TextClassifier.default()
    literal_only = TextClassifier(full.classify, full.signatures)
    with_rules = _scan(sample, full)
    assert with_rules.events > 0
    assert _answer(_scan(sample, literal_only)) == _answer(with_rules)
    assert _answer(_scan(sample, literal_only, prefilter="python")) == _answer(with_rules)


def test_rule_regexes_pass_far_fewer_lines_than_literals(sample: bytes) -> None:
    """Short literal needles (`500`, `eof`) hit ordinary lines; the rule regexes hit about the failures."""
    full = TextClassifier.default()
    with_rules = _scan(sample, full)
    literal_only = _scan(sample, TextClassifier(full.classify, full.signatures))
    assert literal_only.candidates > 10 * with_rules.candidates
    assert with_rules.candidates <= 2 * with_rules.events


def test_json_escapes_and_non_ascii_still_reach_the_classifier() -> None:
    """Where bytes differ from the decoded text (escaped quotes, UTF-8), literal hits are classified too."""
    line = '{"message": "FATAL:  database \\"caf\\u00e9\\" does not exist", "time": "2024-05-01T12:00:00Z"}\n'
    utf8 = '2024-05-01 12:00:00,000 ERROR x: FATAL:  database "café" does not exist\n'
    summary = scan(io.BytesIO((line + utf8).encode()), now=NOW)
    assert [(f.cause.value, f.count) for f in summary.findings] == [("resource_missing", 2)]


def test_a_rule_s_scanner_pattern_finds_every_line_its_regex_does() -> None:
    """`Rule.prefilter` replaces a rule's regex in the hyperscan pass; a line it missed would never be
    classified. On the classifier's corpus and on access lines of every shape, each line holding the end of a
    match of the regex is a line the looser pattern matches."""
    from infraprobe.classifier.rules import RULES

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "classifier"))
    from corpus_loader import load

    access = [
        f'{who} - "{verb} /api/v1/x?q=1 HTTP/{version}" {status}'
        for who in ("10.0.3.7:51234", "[::1]:8000", "INFO:     ", "uvicorn.access INFO: ")
        for verb in ("GET", "POST")
        for version in ("1.0", "1.1", "2")
        for status in ("500", "503", "200")
    ]
    access += [
        f"Request finished HTTP/1.1 GET http://h/x - {s} - application/json 12.1ms" for s in (500, 503)
    ]
    words = ("status", "status code", "status_code", "statuscode", "http", "http/1.1", "http/2", "response")
    words += ("response code", "returned", "code", "error", "got", "received", "but was")
    statuses = [
        f"upstream {w}{sep}{n} x"
        for w in words
        for sep in ("", " ", ": ", '="', " ('")
        for n in (500, 503, 404)
    ]
    texts = [e.text.lower() for e in load()] + [t.lower() for t in access + statuses]
    checked = 0
    for rule in (r for r in RULES if r.prefilter):
        looser = re.compile(rule.prefilter or "")
        for text in texts:
            for match in rule.pattern.finditer(text):
                start = text.rfind("\n", 0, match.end() - 1) + 1
                end = text.find("\n", match.end() - 1)
                assert looser.search(text[start : end if end >= 0 else len(text)]), (rule.id, text)
                checked += 1
    assert checked > 200
