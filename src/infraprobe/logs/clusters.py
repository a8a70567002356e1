"""Templates of errors no signature explains (Drain, vendored in `logs/drain`), so a new failure kind shows up with a count.

Drain is fed one line per event: the first line's message (after its timestamp) and, for a traceback, its
last line, which names the exception. Numbers, addresses and ids are masked first (`Prepare`, pure, so
scan workers do it) so one kind of error lands in one template. An example is built (masked for secrets
and cut, which costs more than Drain) only for the first event of a template. The number of templates is
capped (Drain evicts the least recently used), which keeps memory independent of the log size.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from infraprobe.logs.drain import Drain
from infraprobe.logs.model import Cluster, Occurrence

MAX_CLUSTERS = 1000
_MAX_CHARS = 400  # drain's cost grows with tokens; the start of an error says what it is
_MASKS = tuple(
    (re.compile(pattern), f"<{name}>")
    for pattern, name in (
        (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "UUID"),
        (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b", "IP"),
        (r"\b0x[0-9a-fA-F]+\b", "HEX"),
        (r"\b[0-9a-fA-F]{12,}\b", "ID"),
        (r"(?<=[=:])\s*\d+(?:\.\d+)?(?:ms|s|us|µs)?\b", "NUM"),
    )
)
# The first four never match a space and see one as the edge of the text, so they can be applied token by
# token (each distinct token once: `Prepare`); the last may span spaces and runs over the whole line.
_IN_TOKEN, _ACROSS = _MASKS[:4], _MASKS[4]
# What each in-token pattern cannot match without (a UUID's hyphen, an address's dot, `0x`, a 12-digit id's
# length), so that a new token (an id, which every line of an incident has) pays one regex, not four.
_NEEDS: tuple[Callable[[str], bool], ...] = (
    lambda t: "-" in t and len(t) >= 36,
    lambda t: "." in t,
    lambda t: "0x" in t or "0X" in t,
    lambda t: len(t) >= 12,
)
MAX_TOKENS = 1 << 16  # distinct tokens remembered; the cache starts again when full


@dataclass(slots=True)
class _Tally:
    count: int
    first: datetime | None
    last: datetime | None
    example: Occurrence


class Clusters:
    """Count unexplained errors per template."""

    def __init__(self, max_clusters: int = MAX_CLUSTERS) -> None:
        self._max = max_clusters
        self._drain = Drain(max_clusters)
        self._tallies: dict[int, _Tally] = {}

    def add(self, prepared: str, when: datetime | None, example: Callable[[], Occurrence]) -> None:
        """Count one unexplained event; `prepared` is its line through `prepare`."""
        cluster_id = self._drain.add_log_message(prepared).cluster_id
        tally = self._tallies.get(cluster_id)
        if tally is None:
            self._tallies[cluster_id] = _Tally(1, when, when, example())
            if len(self._tallies) > 2 * self._max:
                self._forget_evicted()
            return
        tally.count += 1
        if when is not None:
            tally.first = when if tally.first is None else min(tally.first, when)
            tally.last = when if tally.last is None else max(tally.last, when)

    def result(self) -> tuple[Cluster, ...]:
        live = {c.cluster_id: c.get_template() for c in self._drain.clusters}
        clusters = [
            Cluster(live.get(cid, t.example.text), t.count, t.first, t.last, t.example)
            for cid, t in self._tallies.items()
        ]
        return tuple(sorted(clusters, key=lambda c: (-c.count, c.template)))

    def _forget_evicted(self) -> None:
        # Templates Drain evicted can never grow again; dropping their tallies bounds memory when
        # every unexplained error is unique (garbage input).
        live = set(self._drain.id_to_cluster.keys())
        self._tallies = {cid: t for cid, t in self._tallies.items() if cid in live}


class Prepare(dict[str, str]):
    """`prepare(line)`: what Drain reads of a line, its start with numbers, addresses and ids masked.
    The same as masking the whole line (tested), at a fraction of the cost: an incident's unexplained
    lines repeat most of their tokens."""

    def __call__(self, line: str) -> str:
        tokens = " ".join(map(self.__getitem__, line[:_MAX_CHARS].split(" ")))
        # The number mask follows a `=` or a `:`: without one, nothing to do.
        return _ACROSS[0].sub(_ACROSS[1], tokens) if "=" in tokens or ":" in tokens else tokens

    def __missing__(self, token: str) -> str:
        if len(self) >= MAX_TOKENS:
            self.clear()
        masked = token
        for (pattern, mask), possible in zip(_IN_TOKEN, _NEEDS, strict=True):
            if possible(masked):
                masked = pattern.sub(mask, masked)
        self[token] = masked
        return masked


def _masked(line: str) -> str:
    for pattern, mask in _MASKS:
        line = pattern.sub(mask, line)
    return line
