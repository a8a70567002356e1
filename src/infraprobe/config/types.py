"""Small value types shared by config models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from infraprobe import durations
from infraprobe.durations import parse_duration

__all__ = ["Duration", "parse_duration"]


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
