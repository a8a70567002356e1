"""The vendored Drain as it was before its similarity and merge were made cheaper (commit c56e12e): the
oracle `test_drain.py` compares the fast one with, message by message. Not used by the scanner."""

# mypy: ignore-errors
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

PARAM = "<*>"


class LogCluster:
    __slots__ = ("cluster_id", "size", "tokens")

    def __init__(self, tokens: Sequence[str], cluster_id: int) -> None:
        self.tokens = tuple(tokens)
        self.cluster_id = cluster_id
        self.size = 1

    def get_template(self) -> str:
        return " ".join(self.tokens)


class _Node:
    __slots__ = ("children", "cluster_ids")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
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


class ReferenceDrain:
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
        tokens = content.split()
        match = self._tree_search(tokens)
        if match is None:
            self._counter += 1
            match = LogCluster(tokens, self._counter)
            self.id_to_cluster.put(match.cluster_id, match)
            self._add_to_tree(match)
            return match
        match.tokens = tuple(_merged(tokens, match.tokens))
        match.size += 1
        self.id_to_cluster.touch(match.cluster_id)
        return match

    def _tree_search(self, tokens: list[str]) -> LogCluster | None:
        node = self.root.children.get(str(len(tokens)))
        if node is None:
            return None
        if not tokens:
            return self.id_to_cluster.peek(node.cluster_ids[0])
        depth = 1
        for token in tokens:
            if depth >= self.max_node_depth or depth == len(tokens):
                break
            child = node.children.get(token) or node.children.get(PARAM)
            if child is None:
                return None
            node, depth = child, depth + 1
        return self._best(node.cluster_ids, tokens)

    def _best(self, cluster_ids: Sequence[int], tokens: list[str]) -> LogCluster | None:
        best, best_key = None, (-1.0, -1)
        for cluster_id in cluster_ids:
            cluster = self.id_to_cluster.peek(cluster_id)
            if cluster is None:
                continue
            key = _similarity(cluster.tokens, tokens)
            if key > best_key:
                best, best_key = cluster, key
        return best if best_key[0] >= self.sim_th else None

    def _add_to_tree(self, cluster: LogCluster) -> None:
        count = len(cluster.tokens)
        node = self.root.children.setdefault(str(count), _Node())
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


def _similarity(template: Sequence[str], tokens: Sequence[str]) -> tuple[float, int]:
    """(share of equal non-parameter tokens, parameter count): the higher, the better the match."""
    if not template:
        return 1.0, 0
    params = sum(t == PARAM for t in template)
    same = sum(a == b for a, b in zip(template, tokens, strict=True) if a != PARAM)
    return same / len(template), params


def _merged(tokens: Sequence[str], template: Sequence[str]) -> list[str]:
    return [t if t == u else PARAM for t, u in zip(tokens, template, strict=True)]
