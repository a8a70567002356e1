"""Score the classifier on labelled texts it was not tuned on: causes and components right, and the misses.

    python bench/score_classifier.py tests/classifier/heldout/*.yaml [--misses]

Each file is a YAML list of {text, cause, component, ...} entries in the corpus format (docs/classify.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from infraprobe.classifier import classify_text


def score(entries: list[dict[str, str]], show_misses: bool) -> tuple[int, int, int]:
    causes = components = 0
    for entry in entries:
        got = classify_text(entry["text"])
        cause_ok, component_ok = got.cause.value == entry["cause"], got.component.value == entry["component"]
        causes += cause_ok
        components += component_ok
        if show_misses and not (cause_ok and component_ok):
            print(
                f"  want {entry['cause']}/{entry['component']} got {got.cause.value}/{got.component.value}"
                f" [{got.rule}] {entry['text'][:120]!r}"
            )
    return len(entries), causes, components


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--misses", action="store_true", help="list the texts classified wrongly")
    args = parser.parse_args()
    entries = [e for path in args.files for e in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    n, causes, components = score(entries, args.misses)
    print(
        f"{n} texts: causes {causes}/{n} = {causes / n:.1%}, components {components}/{n} = {components / n:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
