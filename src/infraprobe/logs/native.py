"""The compiled helpers of the scan (`_fastscan.c`), when they were built; the pure-Python path otherwise.

The extension is optional (pyproject.toml): where no C compiler was at hand the package still installs and
every caller takes its Python twin, with the same answer, only slower. What is compiled is the work done
per line or per match, where CPython's per-call cost dominated (docs/benchmarks.md, "Log scanning"):

- `count_newlines` for `bytes.count(b"\\n", ...)` (5 instructions a byte in CPython 3.11; SSE2 here);
- `escaped_or_wide` for the prefilter's per-chunk check (`bytes.find` of a backslash and `bytes.isascii`,
  a 4 MiB chunk's two passes in one, 64 bytes a step);
- `Ends`, hyperscan's match handler: a C callable instead of a Python function per match, and the line
  starts of `prefilter._starts_of` computed from its ends;
- `FastPath`: the one-line event of `Chunk._simple` (stamp, line end, next line's stamp, ASCII check),
  its byte template (`memo.ByteTokens`) and, when the aggregator's fast table knows that template, its
  counting (`Aggregator.simple`), so that Python is entered only for the lines the table does not know;
  and a traceback whose lines below its first are a block the scan has seen (`FastPath.block`), counted
  by the template of its whole text (`Aggregator._known_event`).

`ENABLED` is read when a scan's parts are built (prefilter call, aggregator, chunk); tests set it to False
to run the pure-Python path (tests/logs/test_native.py: both give the same answers).
"""

from __future__ import annotations

# The interface this module expects of the extension (`FASTSCAN_API` in _fastscan.c; bumped together).
API = 4

try:
    from infraprobe.logs import _fastscan
    from infraprobe.logs._fastscan import Ends, FastPath, count_newlines, escaped_or_wide, template
except ImportError:  # not built (no compiler where it was installed): the Python path
    BUILT, STALE = False, False
else:
    # An editable install keeps the extension built from the source of its last install: after a pull that
    # changed the C side, that one would be called with arguments it does not know. Refused: the Python path.
    STALE = getattr(_fastscan, "API", None) != API
    BUILT = not STALE

ENABLED = BUILT

__all__ = [
    "API",
    "BUILT",
    "ENABLED",
    "STALE",
    "Ends",
    "FastPath",
    "count_newlines",
    "escaped_or_wide",
    "template",
]
