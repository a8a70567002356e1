"""The lines below an event's first line, remembered by their bytes: a traceback's frames are read once.

An incident's log repeats a few tracebacks thousands of times, each under a first line of its own (its
time, a request id), but the lines below it (frames, the exception) are the same bytes every time. Which
of those lines continue the event is decided by `grouping.continues` on each line and the one above it;
below a first line that `grouping.begins` (timestamped, unindented, not JSON) without NUL, the first
continuation line reads only properties every such first line shares (not blank, not indented,
timestamped, no NUL), and the others read lines of the block itself. So where the same bytes follow such
a line again, the same lines continue the event, with the same texts: the scanner takes them whole
(`Chunk._span`), and decides from the line after them on, as always. `tests/logs/test_blocks.py`
checks that scans with and without this give the same summaries.
"""

from __future__ import annotations

from dataclasses import dataclass

from infraprobe.logs.records import Record

MAX_BLOCKS = 256  # distinct blocks remembered; the table starts again when full (memory stays flat)
MAX_BLOCK_BYTES = 16 * 1024  # a longer block is read line by line each time
MAX_BLOCK_LINES = 100


@dataclass(frozen=True, slots=True)
class Block:
    """Lines that continued an event below its first line: their bytes (each with its newline), count,
    texts joined by newlines, how many had invalid UTF-8, where the last one starts and its record."""

    data: bytes
    lines: int
    text: str
    repaired: int
    last_at: int
    last: Record


class Blocks(dict[bytes, Block]):
    """Blocks by the bytes of their first line (a bounded table)."""

    def remember(self, key: bytes, block: Block) -> None:
        if len(block.data) > MAX_BLOCK_BYTES or block.lines > MAX_BLOCK_LINES:
            return
        if len(self) >= MAX_BLOCKS:
            self.clear()
        self[key] = block
