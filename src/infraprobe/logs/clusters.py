"""Templates of errors no signature explains (drain3), so a new failure kind shows up with a count.

Drain is fed one line per event: the first line's message (after its timestamp) and, for a traceback, its
last line, which names the exception. Numbers, addresses and ids are masked first so one kind of error
lands in one template. The number of templates is capped (drain3 evicts the least recently used), which
keeps memory independent of the log size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infraprobe.logs.model import Cluster, Occurrence

MAX_CLUSTERS = 1000
_MAX_CHARS = 400  # drain's cost grows with tokens; the start of an error says what it is
_MASKS = (
    (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "UUID"),
    (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b", "IP"),
    (r"\b0x[0-9a-fA-F]+\b", "HEX"),
    (r"\b[0-9a-fA-F]{12,}\b", "ID"),
    (r"(?<=[=:])\s*\d+(?:\.\d+)?(?:ms|s|us|µs)?\b", "NUM"),
)


@dataclass(slots=True)
class _Tally:
    count: int
    first: datetime | None
    last: datetime | None
    example: Occurrence


class Clusters:
    """Count unexplained errors per template; drain3 is imported on the first one only."""

    def __init__(self, max_clusters: int = MAX_CLUSTERS) -> None:
        self._max = max_clusters
        self._miner: Any = None
        self._tallies: dict[int, _Tally] = {}

    def add(self, line: str, when: datetime | None, example: Occurrence) -> None:
        result = self._template_miner().add_log_message(line[:_MAX_CHARS])
        tally = self._tallies.get(result["cluster_id"])
        if tally is None:
            self._tallies[result["cluster_id"]] = _Tally(1, when, when, example)
            if len(self._tallies) > 2 * self._max:
                self._forget_evicted()
            return
        tally.count += 1
        if when is not None:
            tally.first = when if tally.first is None else min(tally.first, when)
            tally.last = when if tally.last is None else max(tally.last, when)

    def result(self) -> tuple[Cluster, ...]:
        if self._miner is None:
            return ()
        live = {c.cluster_id: c.get_template() for c in self._miner.drain.clusters}
        clusters = [
            Cluster(live.get(cid, t.example.text), t.count, t.first, t.last, t.example)
            for cid, t in self._tallies.items()
        ]
        return tuple(sorted(clusters, key=lambda c: (-c.count, c.template)))

    def _forget_evicted(self) -> None:
        # Templates drain3 evicted can never grow again; dropping their tallies bounds memory when
        # every unexplained error is unique (garbage input).
        live = set(self._miner.drain.id_to_cluster.keys())
        self._tallies = {cid: t for cid, t in self._tallies.items() if cid in live}

    def _template_miner(self) -> Any:
        if self._miner is None:
            from drain3 import TemplateMiner
            from drain3.masking import MaskingInstruction
            from drain3.template_miner_config import TemplateMinerConfig

            config = TemplateMinerConfig()  # built here, so no drain3.ini is read from the working dir
            config.drain_max_clusters = self._max
            config.masking_instructions = [MaskingInstruction(p, name) for p, name in _MASKS]
            self._miner = TemplateMiner(config=config)
        return self._miner
