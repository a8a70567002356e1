"""Loads the labelled corpus under tests/classify/corpus/ into uniform entries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CORPUS_DIR = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Entry:
    text: str
    cause: str
    component: str
    phase: str | None = None
    given: str | None = None  # the component argument a probe would pass
    layer: str | None = None  # only for causes whose layer is decided per instance
    where: str = ""
    known_miss: str | None = None  # why the classifier is known to get this real-world entry wrong

    @property
    def id(self) -> str:
        return self.where


def _entry(raw: object, where: str) -> Entry:
    if isinstance(raw, list):
        cause, component, text = raw
        return Entry(text=text, cause=cause, component=component, where=where)
    if isinstance(raw, dict):
        return Entry(
            text=raw["text"],
            cause=raw["cause"],
            component=raw["component"],
            phase=raw.get("phase"),
            given=raw.get("given"),
            layer=raw.get("layer"),
            where=where,
            known_miss=raw.get("known_miss"),
        )
    raise TypeError(f"{where}: unexpected corpus entry {raw!r}")


def load() -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        entries.extend(_entry(raw, f"{path.stem}:{i}") for i, raw in enumerate(items))
    return entries
