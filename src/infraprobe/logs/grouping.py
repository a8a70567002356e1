"""Which lines belong together: multi-line Python and Java tracebacks are one event.

The rules look at a line and its neighbours only, so the scanner can apply them around a candidate line
without reading the rest of the chunk. A line continues the event above it when it has no timestamp of its
own and it is:

- indented (traceback frames, Java `\tat ...`, `... 12 more`);
- a traceback marker (`Traceback (most recent call last):` right after a timestamped header or a blank,
  `During handling of the above exception...`, `The above exception was the direct cause...`, `Caused by:`);
- a qualified exception class line (`java.net.ConnectException: ...`, `redis.exceptions.ConnectionError: ...`);
- a Python exception line (`ValueError: ...`) right after an indented line (the end of a traceback);
- blank, when the line after it is a traceback marker (the separator in a chained traceback).
"""

from __future__ import annotations

import re

from infraprobe.logs import timestamps
from infraprobe.logs.records import Record

_MARKER = re.compile(
    r"(?:Traceback \(most recent call last\)|During handling of the above exception"
    r"|The above exception was the direct cause|Caused by: |Suppressed: )"
)
_TRACEBACK = "Traceback (most recent call last)"
_QUALIFIED_EXCEPTION = re.compile(r"(?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Fault)\b")
_PY_EXCEPTION = re.compile(r"[A-Za-z_][\w.]*(?::(?:\s|$)|$)")

# Error-looking words for events no signature explains; `\w*error` also catches `ConnectionError`.
LOOKS_LIKE_ERROR = re.compile(
    r"\b(?:\w*error|\w*exception|fatal|traceback|failed|failure|critical|panic|severe)\b", re.IGNORECASE
)
ERROR_SEVERITIES = frozenset(
    {"ERROR", "ERR", "CRITICAL", "CRIT", "ALERT", "EMERGENCY", "EMERG", "FATAL", "PANIC"}
)
# The same words as literals, for the prefilter (every match of LOOKS_LIKE_ERROR contains one).
ERROR_LITERALS = (
    "error",
    "exception",
    "fatal",
    "traceback",
    "failed",
    "failure",
    "critical",
    "panic",
    "severe",
)


def continues(line: Record, above: Record, below: Record | None) -> bool:
    """Whether `line` belongs to the same event as the line `above` it."""
    text = line.text
    if "\x00" in text or "\x00" in above.text:
        return False
    if not text.strip():
        return below is not None and _MARKER.match(below.text) is not None
    if text[0] in " \t":
        return True
    if _starts_event(line):
        return False
    if _MARKER.match(text):
        return not text.startswith(_TRACEBACK) or not above.text.strip() or _timestamped(above)
    if _QUALIFIED_EXCEPTION.match(text):
        return True
    return above.text[:1] in (" ", "\t") and _PY_EXCEPTION.match(text) is not None


def begins(line: Record) -> bool:
    """Whether `line` starts an event whatever its neighbours say (`continues` is False for it): a
    non-blank, unindented text line with a timestamp of its own. Lets the scanner skip decoding them."""
    return _starts_event(line) and line.text[:1] not in ("", " ", "\t")


def cut_before(line: Record, above: Record) -> bool:
    """Whether a scan may be split between `above` and `line`: `line` starts an event, has a time, and
    is not a marker (which would make a blank `above` continue the event before it)."""
    if line.time is None or not line.text.strip() or not above.text.strip():
        return False
    if "\x00" in line.text or "\x00" in above.text or _MARKER.match(line.text):
        return False
    return not continues(line, above, None)


def _starts_event(line: Record) -> bool:
    # A JSON record carries its own time, so only its message decides; a text line with a leading
    # timestamp is a new log record by definition.
    return not line.is_json and line.time is not None


def _timestamped(line: Record) -> bool:
    return line.time is not None or timestamps.has_leading(line.text)


def looks_like_error(record: Record, text: str) -> bool:
    """An event that no signature explains but that reads like a failure (worth clustering)."""
    # " ERROR " (a text line's level) is a match of LOOKS_LIKE_ERROR: found without running it.
    return (
        record.severity in ERROR_SEVERITIES or " ERROR " in text or LOOKS_LIKE_ERROR.search(text) is not None
    )
