"""The template memo never changes a verdict: a memoised diagnosis equals a fresh one, evidence included."""

from __future__ import annotations

import random
import re

import pytest

from infraprobe.classifier import classify_text
from infraprobe.classifier.diagnose import EVIDENCE_CHARS
from infraprobe.logs import native
from infraprobe.logs.memo import _VARIABLE, TemplateMemo, Tokens, template
from tests.classifier.corpus_loader import load

ENTRIES = load()


def _variant(text: str, rng: random.Random) -> str:
    """The same message with every maskable token replaced by another value of its kind."""
    return _VARIABLE.sub(lambda m: _other(m[0], rng), text)


def _other(token: str, rng: random.Random) -> str:
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", token):
        return f"203.0.113.{rng.randrange(1, 255)}"
    if token.isdigit():
        return str(rng.randrange(10**5, 10**9))
    if token.lower().startswith("0x"):
        return f"0x{rng.getrandbits(48):x}"
    hexed = "".join(rng.choice("0123456789abcdef") for _ in token if _ != "-")
    hexed = "a1" + hexed[2:]  # keep it a hex id: a digit and a letter
    if "-" in token:
        return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:32]}"
    return hexed


def test_masking_merges_what_varies_and_keeps_what_decides() -> None:
    """Ids, addresses and long numbers are masked; errnos, statuses and ports are not."""
    a = "req 5f2b9c1e0d44 from 198.51.100.7 took 1234567 us: [Errno 111] Connection refused, port 5432"
    b = "req 9e0a7d2b1c33 from 203.0.113.9 took 987654 us: [Errno 111] Connection refused, port 5432"
    assert template(a) == template(b)
    assert template("HTTP 502 Bad Gateway") != template("HTTP 503 Service Unavailable")
    assert template("Error -3 connecting") != template("Error 111 connecting")
    assert template("(10061) refused") != template("(10060) timed out")
    assert template("[MY-010584] [Repl]") != template("[MY-013360] [Server]")


@pytest.mark.parametrize("seed", [1, 2])
def test_a_memoised_verdict_equals_a_fresh_one_on_the_whole_corpus(seed: int) -> None:
    """Primed with each corpus text, the memo answers a variant exactly as the classifier does, and back."""
    rng = random.Random(seed)
    memo = TemplateMemo(classify_text, EVIDENCE_CHARS)
    wrong = []
    for entry in ENTRIES:
        variant = _variant(entry.text, rng)
        for first, second in ((entry.text, variant), (variant, entry.text)):
            memo(first)
            if memo(second) != classify_text(second):
                wrong.append(entry.where)
    assert not wrong, wrong[:10]
    assert memo.hits > len(ENTRIES)  # the memo did answer: variants share their original's template


def test_the_memo_is_bounded() -> None:
    """A log of all-distinct messages stops filling the memo at its bound and still answers correctly."""
    from infraprobe.logs import memo as module

    small = TemplateMemo(classify_text, EVIDENCE_CHARS)
    original, module.MAX_TEMPLATES = module.MAX_TEMPLATES, 3
    try:
        texts = [f"ERROR job {word} failed: Connection refused" for word in ("a", "b", "c", "d", "e")]
        assert [small(t) for t in texts] == [classify_text(t) for t in texts]
        assert len(small._by_template) + len(small._by_text) == 3
    finally:
        module.MAX_TEMPLATES = original


@pytest.mark.parametrize("compiled", [True, False])
def test_token_by_token_masking_is_the_template(monkeypatch: pytest.MonkeyPatch, compiled: bool) -> None:
    """The cached, token-by-token masking the memo uses (or, on ASCII text, the compiled one) gives the
    whole-text template, on the corpus, its variants, and texts where tokens touch spaces, tabs, line
    breaks and the edges, whole tracebacks and non-ASCII ones among them."""
    if compiled and not native.BUILT:
        pytest.skip("the compiled helpers are not built (tests/logs/test_native.py::test_built fails)")
    monkeypatch.setattr(native, "ENABLED", compiled)
    rng = random.Random(3)
    tokens = Tokens()
    texts = [e.text for e in ENTRIES] + [_variant(e.text, rng) for e in ENTRIES]
    texts += ["", " ", "  0x1f  ", "a\t1234567 b", "x-1234567 1234567-x", "id=5f2b9c1e0d44\n198.51.100.7:80"]
    texts += ["caf\u00e9 deadbeef01 \u0663\u0664\u0665\u0666\u0667\u0668 x", "\u00a0deadbeef01\u2003"]
    assert sum(t.isascii() for t in texts) > 100 and not all(t.isascii() for t in texts)
    for text in texts:
        assert tokens(text) == template(text), text


def test_the_remembered_last_answer_follows_what_the_memo_learns() -> None:
    """`known` answers a text asked about just before from memory, until the memo learns: "not known",
    then learned, is known; and a text learned under a template a later text shares is answered from the
    tables, not from the answer given before."""
    memo = TemplateMemo(classify_text, EVIDENCE_CHARS)
    first = "Error 111 connecting to 192.0.2.18:6379. Connection refused. [request 9f3ab12cd4e5f6a7]"
    second = first.replace("9f3ab12cd4e5f6a7", "0123456789abcdef")
    assert memo.known(first) is None and memo.known(first) is None
    memo.verdict(first)  # learned
    learned = memo.known(first)
    assert learned is not None and memo.evidence(first, learned) == classify_text(first)
    assert memo.known(second) == learned and memo.known(second) == learned
    assert memo.evidence(second, learned) == classify_text(second)
    assert memo.hits == 3 and memo.misses == 1
