"""Five whys: from the symptom users see down to the finding or failure that explains it.

The chain starts at the most user-facing failed component a root cause blocks (an HTTP health endpoint
before a database check) and follows `depends_on` edges through failed components to the root. Every link
quotes a check result or a finding, so a reader can verify each step instead of trusting the conclusion.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

from infraprobe.analysis.graph import Graph
from infraprobe.analysis.model import Why
from infraprobe.result import CheckResult

USER_FACING = frozenset({"http", "websocket", "tls"})


def build_whys(
    graph: Graph,
    failed: Mapping[str, CheckResult],
    anchor: str,
    blocked: Sequence[str],
    tail: Sequence[Why],
    shortcuts: frozenset[str] = frozenset(),
    anchor_failure: bool = True,
) -> tuple[Why, ...]:
    """`shortcuts` are failed components the root explains directly (no depends_on edge needed);
    `anchor_failure` says whether the anchor's own failed check is part of the story."""
    chain = [n for n in _chain(graph, anchor, blocked, shortcuts) if n in failed]
    links = [_link(node, chain[i - 1] if i else None, failed[node], graph) for i, node in enumerate(chain)]
    if anchor in failed and anchor_failure:
        links.append(_link(anchor, chain[-1] if chain else None, failed[anchor], graph))
    # Every link after the first answers "why?" about the one before it.
    tail_links = [
        Why(w.component, f"because {w.statement}" if links or i else w.statement, w.source, w.ref)
        for i, w in enumerate(tail)
    ]
    return (*links, *tail_links)


def check_statement(result: CheckResult) -> str:
    cause = f" ({result.diagnosis.cause.value})" if result.diagnosis else ""
    return f"{result.message or result.status.value}{cause}"


def _link(node: str, before: str | None, result: CheckResult, graph: Graph) -> Why:
    if before is None:
        text = f"{node} fails: {check_statement(result)}"
    elif node in graph.deps.get(before, ()) or node in graph.effective_deps(before):
        text = f"because {node}, which {before} depends on, fails: {check_statement(result)}"
    else:
        text = f"because {node} fails: {check_statement(result)}"
    return Why(node, text, "check", node)


def _chain(graph: Graph, anchor: str, blocked: Sequence[str], shortcuts: frozenset[str]) -> list[str]:
    """The symptom, then each node on a shortest dependency path to `anchor` (the anchor excluded)."""
    if not blocked:
        return []
    symptom = _symptom(graph, blocked)
    allowed = set(blocked)
    previous: dict[str, str | None] = {symptom: None}
    queue = deque([symptom])
    while queue:
        node = queue.popleft()
        nexts = [*graph.deps.get(node, ()), *([anchor] if node in shortcuts else [])]
        if anchor in nexts:
            return _unwind(previous, node)
        for dep in nexts:
            if dep not in previous and (dep in allowed or graph.is_path(dep)):
                previous[dep] = node
                queue.append(dep)
    return [symptom]


def _symptom(graph: Graph, blocked: Sequence[str]) -> str:
    """A blocked component nothing else blocked depends on: user-facing first, then the farthest."""
    inside = set(blocked)
    tops = [n for n in blocked if not any(d in inside for d in graph.dependents(n))] or list(blocked)
    order = {n: i for i, n in enumerate(blocked)}
    return min(tops, key=lambda n: (graph.kinds.get(n) not in USER_FACING, -order[n]))


def _unwind(previous: Mapping[str, str | None], last: str) -> list[str]:
    path = [last]
    while (before := previous[path[-1]]) is not None:
        path.append(before)
    return path[::-1]
