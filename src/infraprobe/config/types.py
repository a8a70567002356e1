"""Small value types shared by config models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from infraprobe import durations


def parse_duration(value: Any) -> float:
    """A duration in the one grammar (`infraprobe.durations`: `250ms`, `1m30s`, ...) or a number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 500ms, 5s or 2m")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and durations.is_duration(value):
        seconds = durations.seconds(value)
    else:
        raise ValueError(f"invalid duration {value!r} (use e.g. 500ms, 5s, 2m, 1h30m)")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": durations.PATTERN},
            ],
            "description": "seconds, or a string such as 500ms, 5s, 2m, 1h30m",
        }
    ),
]
