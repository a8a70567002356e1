"""Time `classify_text` on every labelled text (corpus and held-out): typical and worst cost per text.

    python bench/bench_classify.py [--repeats 5]

Each text is classified `repeats` times after one warm-up call, and its best time kept (the others measure
the machine, not the classifier). Prints the median, p90, p99 and maximum over texts, the slowest texts, and
how many exceed one millisecond.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

from infraprobe.classifier import classify_text

ROOT = Path(__file__).resolve().parent.parent
SETS = ("tests/classifier/corpus/*.yaml", "tests/classifier/heldout/*.yaml")


def texts() -> list[str]:
    found = [
        e["text"]
        for pattern in SETS
        for p in sorted(ROOT.glob(pattern))
        for e in yaml.safe_load(p.read_text())
    ]
    return list(dict.fromkeys(found))


def best_time(text: str, repeats: int) -> float:
    classify_text(text)  # compiles the rules this text reaches, as a long-running process already has
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        classify_text(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    corpus = texts()
    times = sorted((best_time(t, args.repeats), t) for t in corpus)
    us = [t * 1e6 for t, _ in times]
    q = statistics.quantiles(us, n=100)
    print(
        f"{len(us)} texts, best of {args.repeats}: median {statistics.median(us):.1f} µs, p90 {q[89]:.1f} µs, "
        f"p99 {q[98]:.1f} µs, max {us[-1]:.1f} µs; over 1 ms: {sum(u > 1000 for u in us)}"
    )
    for seconds, text in times[-3:]:
        print(f"  {seconds * 1e6:8.1f} µs  {len(text):6d} chars  {text[:70]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
