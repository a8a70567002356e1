"""Loads the labelled corpus under tests/classifier/corpus/ (one file per subject, one entry format).

Every entry is a mapping: `text`, `cause`, `component`, `source` (where the text came from), `round` (the
blind round that collected it, 0 for the seed corpus), and optionally `phase` and `given` (what a probe
would pass), `layer` (for causes whose layer is decided per instance) and `known_miss` (why the classifier
is known to get it wrong). The format and the labelling rules are in docs/classify.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from infraprobe.taxonomy import Cause, Component, Layer

CORPUS_DIR = Path(__file__).parent / "corpus"
REQUIRED = frozenset({"text", "cause", "component", "source", "round"})
OPTIONAL = frozenset({"phase", "given", "layer", "known_miss"})
# The components that have a file of their own; the rest go by cause (see `subject`).
_OWN_FILE = frozenset({"postgres", "mysql", "redis", "websocket", "amqp", "grpc"})
_BY_CAUSE = {
    "protocol_mismatch": "protocol",
    "unknown": "unknown",
    "dns_failure": "dns",
    "upstream_unavailable": "proxies",
    "pool_exhausted": "pools",
}


@dataclass(frozen=True)
class Entry:
    text: str
    cause: str
    component: str
    source: str
    round: int
    phase: str | None = None
    given: str | None = None  # the component argument a probe would pass
    layer: str | None = None  # only for causes whose layer is decided per instance
    where: str = ""
    known_miss: str | None = None  # why the classifier is known to get this real-world entry wrong

    @property
    def id(self) -> str:
        return self.where


def subject(cause: str, component: str) -> str:
    """The corpus file (stem) an entry with this label belongs in."""
    if cause in _BY_CAUSE:
        return _BY_CAUSE[cause]
    if cause.startswith("tls_"):
        return "tls"
    if component in _OWN_FILE:
        return component
    if cause == "app_error":
        return "apps"
    return {"http": "http", "tcp": "network"}.get(component, "other")


def _check(raw: object, where: str) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an entry is a mapping, got {type(raw).__name__}")
    missing, extra = REQUIRED - raw.keys(), raw.keys() - REQUIRED - OPTIONAL
    if missing or extra:
        raise ValueError(f"{where}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    Cause(raw["cause"])  # raises ValueError on a label the taxonomy does not have
    Component(raw["component"])
    if raw.get("layer") is not None:
        Layer(raw["layer"])
    if not isinstance(raw["text"], str) or not isinstance(raw["round"], int):
        raise ValueError(f"{where}: text must be a string and round an integer")
    return raw


def _entry(raw: object, where: str) -> Entry:
    fields = _check(raw, where)
    return Entry(**fields, where=where)  # type: ignore[arg-type]


def load_file(path: Path) -> list[Entry]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [_entry(raw, f"{path.stem}:{i}") for i, raw in enumerate(items)]


def load() -> list[Entry]:
    return [entry for path in sorted(CORPUS_DIR.glob("*.yaml")) for entry in load_file(path)]
