"""The vendored Drain: lines differing in parameters share a template; the template count is bounded."""

from __future__ import annotations

from infraprobe.logs.drain import PARAM, Drain


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
