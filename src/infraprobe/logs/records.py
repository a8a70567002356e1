"""One physical line -> a record: its message, time, severity and (for JSON) the other fields.

JSON lines are recognised by their first byte and read with the field names of the common exporters
(Google Cloud Logging LogEntry, CloudWatch, Kubernetes/Docker json-file, journald, structured loggers);
anything else, including JSON that does not parse, is a text line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from infraprobe.logs import timestamps

MESSAGE_FIELDS = ("message", "msg", "textPayload", "jsonPayload.message", "jsonPayload.msg", "log")
MESSAGE_FIELDS_EXTRA = ("MESSAGE", "@message", "jsonPayload.error", "error")
TIME_FIELDS = ("timestamp", "time", "ts", "@timestamp", "__REALTIME_TIMESTAMP", "receiveTimestamp")
SEVERITY_FIELDS = ("severity", "level", "levelname", "log.level", "jsonPayload.severity", "jsonPayload.level")
_FIELDS_KEPT = 20  # other fields kept per record: enough to see resource labels, bounded for memory
# Fields are masked and cut to their shown size by the aggregator; kept longer here so that the cut never
# falls inside a secret before it is masked. Nested values are kept as JSON, so their keys still mask them.
_FIELD_CHARS = 4096


# Not frozen: a frozen dataclass is built through object.__setattr__, field by field (5x slower), and the
# scan builds one or more per event. Nothing changes a record after it is built.
@dataclass(slots=True)
class Record:
    """A decoded line. `body_at` is where the message starts after a leading timestamp (text lines)."""

    text: str
    time: datetime | None = None
    severity: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    is_json: bool = False
    body_at: int = 0
    repaired: bool = False  # invalid UTF-8 was replaced


def decode(raw: bytes, ref: datetime) -> Record:
    """Decode one line (without its newline). Never raises."""
    text, repaired = _utf8(raw)
    if text[:1] == "{" or text.lstrip()[:1] == "{":
        record = _json_record(text, repaired)
        if record is not None:
            return record
    text = text.rstrip("\r")
    when, body_at = timestamps.leading(text, ref)
    return Record(text, when, "", {}, False, body_at, repaired)


def decode_indented(raw: bytes) -> Record | None:
    """`decode` for a line that starts with a space or a tab and holds no `{` (so it is no JSON), except
    that its timestamp is not looked for (time None, `body_at` 0); None for any other line. Such a line
    continues the event above it or is blank whatever its time (`grouping.continues`, `grouping.begins`),
    and whether it holds one is read from its text where it matters (`grouping._timestamped`): the scanner
    decodes the lines below an event's first one with this, which is most of a traceback."""
    if raw[:1] not in (b" ", b"\t") or b"{" in raw:
        return None
    text, repaired = _utf8(raw)
    return Record(text.rstrip("\r"), None, "", {}, False, 0, repaired)


def _utf8(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


def _json_record(text: str, repaired: bool) -> Record | None:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    return from_object(obj, text, repaired)


def from_object(obj: Mapping[str, Any], raw: str, repaired: bool = False) -> Record:
    """Build a record from a decoded JSON object; `raw` is the text used when no message field exists."""
    message_key, message = _first(obj, MESSAGE_FIELDS + MESSAGE_FIELDS_EXTRA)
    if message is None:
        payload = obj.get("jsonPayload")
        message = json.dumps(payload, ensure_ascii=False) if isinstance(payload, dict) else raw
    elif not isinstance(message, str):
        message = json.dumps(message, ensure_ascii=False)
    time_key, time_value = _first(obj, TIME_FIELDS)
    _, severity = _first(obj, SEVERITY_FIELDS)
    used = {message_key, time_key}  # a dotted key's parent stays: jsonPayload holds more than the message
    return Record(
        text=message.rstrip("\r\n"),
        time=timestamps.from_value(time_value) if time_value is not None else None,
        severity=str(severity).upper() if isinstance(severity, str | int) else "",
        fields=_other_fields(obj, used),
        is_json=True,
        repaired=repaired,
    )


def _first(obj: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, Any]:
    """The first present field among dotted `names` (`jsonPayload.message` looks inside `jsonPayload`)."""
    for name in names:
        value: Any = obj
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                break
        if value is not None and value != "":
            return name, value
    return "", None


def _other_fields(obj: Mapping[str, Any], used: set[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in obj.items():
        if key in used:
            continue
        if len(kept) >= _FIELDS_KEPT:
            break
        kept[key] = value if _small(value) else _json_text(value)[:_FIELD_CHARS]
    return kept


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _small(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= _FIELD_CHARS
    return value is None or isinstance(value, bool | int | float) or len(str(value)) <= _FIELD_CHARS
