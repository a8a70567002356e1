"""The Drain log-template algorithm: the part of drain3 0.9.11 infraprobe uses, vendored (MIT, see LICENSE.txt).

drain3 has had no release since 2022 and pulls in jsonpickle and cachetools for persistence and profiling we
never use. This keeps its streaming clustering (`Drain.add_log_message`) with the same defaults (depth 4,
similarity 0.4, 100 children per node, numeric tokens as parameters, LRU eviction past `max_clusters`), typed,
with an OrderedDict for the LRU. Derived from drain3/drain.py (IBM and the Drain3 contributors), itself based
on the LogPAI team's Drain (https://github.com/logpai/logparser).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from operator import eq

PARAM = "<*>"


class LogCluster:
    __slots__ = ("cluster_id", "params", "size", "tokens")

    def __init__(self, tokens: Sequence[str], cluster_id: int) -> None:
        self.tokens = tuple(tokens)
        self.params = self.tokens.count(PARAM)  # kept with `tokens`: the similarity's tie-break reads it
        self.cluster_id = cluster_id
        self.size = 1

    def get_template(self) -> str:
        return " ".join(self.tokens)


class _Node:
    __slots__ = ("children", "cluster_ids")

    def __init__(self) -> None:
        self.children: dict[str | int, _Node] = {}  # the root's by token count, the others' by token
        self.cluster_ids: list[int] = []


class _Lru(OrderedDict[int, LogCluster]):
    """Least recently *touched* first out; `peek` reads without touching (candidates being compared)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def peek(self, key: int) -> LogCluster | None:
        return OrderedDict.get(self, key)

    def touch(self, key: int) -> None:
        self.move_to_end(key)

    def put(self, key: int, cluster: LogCluster) -> None:
        self[key] = cluster
        if len(self) > self.maxsize:
            self.popitem(last=False)


class Drain:
    def __init__(
        self, max_clusters: int, depth: int = 4, sim_th: float = 0.4, max_children: int = 100
    ) -> None:
        self.max_node_depth = depth - 2  # the prefix tree's depth below the token-count layer
        self.sim_th = sim_th
        self.max_children = max_children
        self.root = _Node()
        self.id_to_cluster = _Lru(max_clusters)
        self._counter = 0

    @property
    def clusters(self) -> Iterable[LogCluster]:
        return self.id_to_cluster.values()

    def add_log_message(self, content: str) -> LogCluster:
        tokens = tuple(content.split())
        match, same = self._tree_search(tokens)
        if match is None:
            self._counter += 1
            match = LogCluster(tokens, self._counter)
            self.id_to_cluster.put(match.cluster_id, match)
            self._add_to_tree(match)
            return match
        # Every token the template holds (not a parameter) equal: the merge would give the template back.
        # The common case once a template has settled, so it is not rebuilt.
        if same + match.params != len(match.tokens):
            match.tokens = tuple(_merged(tokens, match.tokens))
            match.params = match.tokens.count(PARAM)
        match.size += 1
        self.id_to_cluster.touch(match.cluster_id)
        return match

    def _tree_search(self, tokens: tuple[str, ...]) -> tuple[LogCluster | None, int]:
        """The cluster `tokens` joins, if any, and how many of its template's tokens they equal."""
        node = self.root.children.get(len(tokens))
        if node is None:
            return None, 0
        if not tokens:
            return self.id_to_cluster.peek(node.cluster_ids[0]), 0
        depth = 1
        for token in tokens:
            if depth >= self.max_node_depth or depth == len(tokens):
                break
            child = node.children.get(token) or node.children.get(PARAM)
            if child is None:
                return None, 0
            node, depth = child, depth + 1
        return self._best(node.cluster_ids, tokens)

    def _best(self, cluster_ids: Sequence[int], tokens: tuple[str, ...]) -> tuple[LogCluster | None, int]:
        best, best_key, best_same = None, (-1.0, -1), 0
        wild = PARAM in tokens  # a message may hold the parameter sign itself (rare)
        for cluster_id in cluster_ids:
            cluster = self.id_to_cluster.peek(cluster_id)
            if cluster is None:
                continue
            same = _same(cluster, tokens, wild)
            key = (same / len(cluster.tokens), cluster.params) if cluster.tokens else (1.0, 0)
            if key > best_key:
                best, best_key, best_same = cluster, key, same
        return (best, best_same) if best_key[0] >= self.sim_th else (None, 0)

    def _add_to_tree(self, cluster: LogCluster) -> None:
        count = len(cluster.tokens)
        node = self.root.children.setdefault(count, _Node())
        if count == 0:
            node.cluster_ids = [cluster.cluster_id]
            return
        depth = 1
        for token in cluster.tokens:
            if depth >= self.max_node_depth or depth >= count:
                # Evicted clusters leave the leaf before a new one joins it.
                node.cluster_ids = [c for c in node.cluster_ids if c in self.id_to_cluster]
                node.cluster_ids.append(cluster.cluster_id)
                return
            node = self._child(node, token)
            depth += 1

    def _child(self, node: _Node, token: str) -> _Node:
        if token in node.children:
            return node.children[token]
        if any(char.isdigit() for char in token):
            return node.children.setdefault(PARAM, _Node())
        # One slot is kept for the wildcard child that takes every token past `max_children`.
        limit = self.max_children if PARAM in node.children else self.max_children - 1
        if len(node.children) < limit:
            return node.children.setdefault(token, _Node())
        return node.children.setdefault(PARAM, _Node())


def _same(cluster: LogCluster, tokens: tuple[str, ...], wild: bool) -> int:
    """How many of the template's tokens that are not parameters `tokens` equal (the similarity is this
    over the token count, ties going to the template with more parameters)."""
    template = cluster.tokens
    if template == tokens:
        return len(template) - cluster.params
    same: int = sum(map(eq, template, tokens))  # counts a parameter facing the sign itself...
    if wild and cluster.params:
        same -= sum(a == PARAM == b for a, b in zip(template, tokens, strict=True))  # ...which is no match
    return same


def _merged(tokens: Sequence[str], template: Sequence[str]) -> list[str]:
    return [t if t == u else PARAM for t, u in zip(tokens, template, strict=True)]
