"""Properties over arbitrary input: the classifier never raises and its answers are consistent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from infraprobe.classifier import SIGNATURES, classify, classify_text
from infraprobe.phases import Phase
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import CAUSES, Cause, Component

PHASES = st.sampled_from([None, *Phase])
WORDS = st.sampled_from(
    [
        *SIGNATURES[:200:7],
        "Traceback",
        "\nCaused by: ",
        "\\n",
        '\\"',
        ":5432",
        "https://x",
        "The above exception was the direct cause of the following exception:",
        '\n  File "a"',
    ]
)
TEXTS = st.one_of(
    st.text(max_size=400),
    st.lists(WORDS | st.text(max_size=20), max_size=30).map(" ".join),
    st.binary(max_size=300).map(lambda b: b.decode("utf-8", "replace")),
)


def _consistent(d: Diagnosis) -> None:
    assert isinstance(d, Diagnosis)
    if d.cause is not Cause.TLS_HOSTNAME_MISMATCH:
        assert d.layer is CAUSES[d.cause].layer
    assert len(d.evidence) <= 300
    assert d.rule


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, phase=PHASES, component=st.none() | st.sampled_from(list(Component)))
def test_classify_never_raises_and_is_consistent(
    text: str, phase: str | None, component: Component | None
) -> None:
    """Any text, with any phase and component, gives a Diagnosis whose layer matches its cause."""
    _consistent(classify(text, phase=phase, component=component))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_signatures_contain_every_classifiable_text(text: str) -> None:
    """Whatever the classifier labels contains a SIGNATURES literal (so a literal prefilter loses nothing)."""
    if classify_text(text).cause is not Cause.UNKNOWN:
        low = text.lower()
        assert any(s in low for s in SIGNATURES)


@settings(max_examples=100, deadline=None)
@given(message=st.text(max_size=200), phase=PHASES)
def test_exceptions_never_raise(message: str, phase: str | None) -> None:
    """Exceptions with arbitrary messages (and chained) classify without raising."""
    outer = RuntimeError(message)
    outer.__cause__ = OSError(111, message)
    _consistent(classify(outer, phase=phase))
