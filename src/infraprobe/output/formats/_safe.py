"""Text from targets (error messages, response bodies) may carry terminal control sequences: printed raw,
a hostile server could recolour, retitle or rewrite the user's terminal. Renderers show them, never obey."""

from __future__ import annotations

# Every C0 control but tab and newline (renderers handle those), and DEL.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x09), *range(0x0B, 0x20), 0x7F)}


def inert(text: str) -> str:
    return text.translate(_CONTROL)
