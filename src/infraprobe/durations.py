"""The one duration grammar, for config values and command-line options alike.

`500ms`, `5s`, `2m`, `1h30m`, `1d`, `2w`, any case, optionally spaced (`1h 30m`); a bare number is seconds.
Config timeouts and intervals, `--since`/`--until`, `monitor` and `history` options all read durations here,
so a value that works in one place works in every other.
"""

from __future__ import annotations

import re
from typing import Any

UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h|d|w)", re.IGNORECASE)
_COMPOUND = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*)+", re.IGNORECASE)
_BARE = re.compile(r"\s*\d+(?:\.\d+)?\s*")
# For JSON Schema (editors): the same grammar, as a pattern.
PATTERN = r"^\s*(\d+(\.\d+)?\s*|(\d+(\.\d+)?\s*([mM][sS]|[sSmMhHdDwW])\s*)+)$"


def is_duration(text: str) -> bool:
    return bool(_COMPOUND.fullmatch(text) or _BARE.fullmatch(text))


def seconds(text: str) -> float:
    """`1m30s` -> 90.0. Raises ValueError for anything else."""
    if _BARE.fullmatch(text):
        return float(text)
    if not _COMPOUND.fullmatch(text):
        raise ValueError(f"invalid duration {text!r} (use e.g. 500ms, 5s, 2m, 1h30m)")
    return sum(float(p["n"]) * UNIT_SECONDS[p["unit"].lower()] for p in _PART.finditer(text))


def parse_duration(value: Any) -> float:
    """A duration in this grammar or a number of seconds: the config models' `Duration` (config/types.py).

    Here, free of pydantic, so the config's generated core schemas (configfile/_coreschemas.py) call it
    without importing pydantic (start-up of `config validate`, issue 10)."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 500ms, 5s or 2m")
    if isinstance(value, int | float):
        total = float(value)
    elif isinstance(value, str) and is_duration(value):
        total = seconds(value)
    else:
        raise ValueError(f"invalid duration {value!r} (use e.g. 500ms, 5s, 2m, 1h30m)")
    if total < 0:
        raise ValueError("a duration cannot be negative")
    return total


def span(total: float) -> str:
    """A length of time for people: `4.2s`, `3m05s`, `2h07m` (the unit that says enough, no more)."""
    whole = int(total)
    if whole < 60:
        return f"{total:.1f}s"
    hours, rest = divmod(whole, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"
