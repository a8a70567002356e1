"""The vendored Drain: lines differing in parameters share a template; the template count is bounded."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from infraprobe.logs.clusters import Prepare, _masked
from infraprobe.logs.drain import PARAM, Drain

from .drain_reference import ReferenceDrain


def test_lines_differing_in_one_word_share_a_template() -> None:
    drain = Drain(max_clusters=10)
    first = drain.add_log_message("invoice 4411 could not be rendered: missing block footer")
    second = drain.add_log_message("invoice 9127 could not be rendered: missing block header")
    other = drain.add_log_message("job failed after three attempts")
    assert first.cluster_id == second.cluster_id != other.cluster_id
    assert second.get_template() == f"invoice {PARAM} could not be rendered: missing block {PARAM}"
    assert second.size == 2


def test_least_recently_used_templates_are_evicted() -> None:
    """Past max_clusters the template touched longest ago goes; a touched one stays."""
    drain = Drain(max_clusters=2)
    a = drain.add_log_message("alpha beta gamma")
    b = drain.add_log_message("one two")
    drain.add_log_message("alpha beta gamma")  # touch a: b is now the oldest
    c = drain.add_log_message("x y z w v")
    assert set(drain.id_to_cluster) == {a.cluster_id, c.cluster_id}
    assert b.cluster_id not in drain.id_to_cluster


# Few distinct tokens, so messages collide, merge, tie and evict: parameters, the sign itself, digits.
_TOKENS = st.sampled_from(["a", "b", "c", "<*>", "x1", "22", "err", "<ID>", "a:", "=5"])
_MESSAGES = st.lists(st.lists(_TOKENS, max_size=5).map(" ".join), max_size=60)


@given(
    _MESSAGES,
    st.integers(1, 6),
    st.integers(3, 5),
    st.sampled_from([0.0, 0.4, 0.5, 0.75, 1.0]),
    st.integers(2, 4),
)
@settings(max_examples=400, deadline=None)
def test_same_clusters_as_the_reference_drain(
    messages: list[str], max_clusters: int, depth: int, sim_th: float, max_children: int
) -> None:
    """Message by message the same cluster, template and size as the Drain before its similarity and
    merge were made cheaper (a settled template is no longer rebuilt), and the same clusters alive."""
    fast = Drain(max_clusters, depth, sim_th, max_children)
    reference = ReferenceDrain(max_clusters, depth, sim_th, max_children)
    for message in messages:
        got, want = fast.add_log_message(message), reference.add_log_message(message)
        assert (got.cluster_id, got.get_template(), got.size) == (
            want.cluster_id,
            want.get_template(),
            want.size,
        )
        assert [(c.cluster_id, c.get_template(), c.size) for c in fast.clusters] == [
            (c.cluster_id, c.get_template(), c.size) for c in reference.clusters
        ]


def test_a_settled_template_is_kept_and_a_differing_line_still_merges() -> None:
    """The shortcut (no rebuild when every kept token is equal) must not stop a real merge."""
    drain = Drain(max_clusters=10)
    drain.add_log_message("job 1 failed on host a")
    merged = drain.add_log_message("job 2 failed on host b")
    assert merged.get_template() == f"job {PARAM} failed on host {PARAM}"
    assert drain.add_log_message("job 3 failed on host c").get_template() == merged.get_template()
    # The parameter sign in a message is no match for a parameter: it does not count as equal.
    again = drain.add_log_message(f"job {PARAM} failed on {PARAM} {PARAM}")
    assert again.get_template() == f"job {PARAM} failed on {PARAM} {PARAM}"


_PIECES = st.sampled_from(
    [
        "a",
        "F",
        "0",
        "9",
        "0x",
        "0X",
        "-",
        ".",
        ":",
        "=",
        " ",
        "\t",
        "ms",
        "µs",
        "1.2.3.4",
        "deadbeef",
        "_",
        "\u0663",
    ]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
@example("id deadbeef0a9F x:=1.5ms")  # a token of twelve hex digits exactly
@settings(max_examples=1500, deadline=None)
def test_drain_input_skips_no_mask_that_applies(line: str) -> None:
    """`Prepare` runs a mask on a token only when the token has what the mask needs (a hyphen, a dot,
    `0x`, twelve characters), and the number mask only after a `=` or `:`: the same as masking the whole
    line with every pattern, twice over (the second time from its cache)."""
    prepare = Prepare()
    assert prepare(line) == _masked(line[:400])
    assert prepare(line) == _masked(line[:400])
    uuid = "123e4567-e89b-12d3-a456-426614174000"
    assert prepare(f"{uuid} {line}") == _masked(f"{uuid} {line}"[:400])
