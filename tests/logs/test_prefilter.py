"""The prefilter: rule regexes are far more selective than literals, and every mode finds the same events."""

from __future__ import annotations

import io
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
