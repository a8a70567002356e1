"""Timestamps: the leading one of a text line, the value of a JSON time field, and `--since` arguments.

Everything returned is timezone-aware UTC; a timestamp without an offset is taken as UTC (servers and
containers log in UTC far more often than not, and guessing the reader's zone would be worse).
Formats without a year (syslog, klog) take the reference time's year and step back one year when that lands in the future.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from infraprobe import durations

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}

# Searched in a line's first 80 characters, so prefixes such as `[`, `<134>`, `web-1 | `, `time="` and
# the client address of an access log line are allowed; the look-behind keeps it off the middle of a number.
_LEADING = re.compile(
    r"(?<![\w.:/+-])(?:"
    r"(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:\s?(?:Z|[+-]\d\d:?\d\d))?)"
    r"|(?P<clf>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?: [+-]\d{4})?)"
    r"|(?P<sys>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d)"
    r"|[IWEF](?P<klog>\d{4} \d\d:\d\d:\d\d(?:\.\d+)?)"
    r")"
)
_HEAD = 80
# Every form above holds two digits, a colon and two digits (its clock): lines without them, most lines of a
# traceback among them, are answered by this search, which skips to the digits in C, instead of trying
# `_LEADING`'s look-behind and four branches at each of 80 positions (about ten times the cost).
_CLOCK = re.compile(r"\d\d:\d\d")
# The common case of `_LEADING`, on bytes: a zone-less ISO 8601 timestamp at a line's start. The fraction
# is possessive, so a zone after it makes the match fail instead of shortening the fraction.
_NO_ZONE = rb"(?![ \t\r\f\v\x1c-\x1f]?(?:Z|[+-]\d\d:?\d\d))"
# Groups: 1 the stamp, 2 its minute, 3 its second, 4 its fraction.
# Nor a non-ASCII byte: decoded, it could be a Unicode space that `leading` reads before a zone.
_STAMP = re.compile(
    rb"((\d{4}-\d\d-\d\d[T ]\d\d:\d\d):([0-5]\d)(?:[.,](\d++))?+)" + _NO_ZONE + rb"(?![\x80-\xff])"
)
_MAX_CACHED = 4096
_SECONDS = {f"{s:02d}".encode(): timedelta(seconds=s) for s in range(60)}


def leading(line: str, ref: datetime) -> tuple[datetime | None, int]:
    """The timestamp near the start of `line` and the index where it ends, or (None, 0).

    `ref` (the scan's "now") supplies the year for formats that omit it.
    """
    match = _LEADING.search(line, 0, _HEAD) if _has_clock(line) else None
    if match is None:
        return None, 0
    try:
        return _from_match(match, ref), match.end()
    except ValueError:  # shaped like a date but impossible (month 13): not a timestamp
        return None, 0


class IsoStart:
    """`leading` for the common case, on bytes: see `line`. Each distinct minute is parsed once (an
    incident's lines share a few thousand), seconds and fractions are added as cached timedeltas."""

    def __init__(self) -> None:
        self._minutes: dict[bytes, tuple[datetime, int] | None] = {}
        self._fractions: dict[bytes, timedelta] = {}

    def line(self, data: bytes, start: int) -> tuple[datetime, int, int, int, bytes] | None:
        """For a line of ASCII text without NUL that starts with a zone-less ISO 8601 timestamp, and is
        followed by another line that does: (time, minutes since the epoch, where the timestamp ends,
        where the line ends, the bytes after the timestamp), the time and end `leading` reads in its
        decoded text (and `leading` finds a time in the next line too). None for anything else: then
        `leading` decides. The line's end is found with `find` (memchr) and checked with `isascii`:
        far cheaper than a regex character class walking the line."""
        match = _STAMP.match(data, start)
        # `leading` looks no further than _HEAD characters into a line.
        if match is None or match.end() - start > _HEAD:
            return None
        stop = data.find(b"\n", match.end())
        after = _STAMP.match(data, stop + 1) if stop >= 0 else None
        if after is None or after.end() - stop - 1 > _HEAD:
            return None
        body = bytes(data[match.end() : stop])
        if not body.isascii() or b"\x00" in body:
            return None
        minute = self._minute(match[2])
        if minute is None or self._minute(after[2]) is None:
            return None
        when = minute[0] + _SECONDS[match[3]]
        if fraction := match[4]:
            when += self._fraction(fraction)
        return when, minute[1], match.end() - start, stop, body

    def stamp(self, line: bytes) -> tuple[datetime, int] | None:
        """For one ASCII line (without its newline) that starts with a zone-less ISO 8601 timestamp: the
        time and end `leading` reads in its decoded text, trailing CRs stripped (as `line` reads them,
        without the next line's condition). None for anything else: then `leading` decides. The scanner
        decodes an event's first line with this when it is not a one-line event (a traceback's)."""
        match = _STAMP.match(line)
        if match is None or match.end() > _HEAD or not line.isascii():
            return None
        minute = self._minute(match[2])
        if minute is None:
            return None
        when = minute[0] + _SECONDS[match[3]]
        if fraction := match[4]:
            when += self._fraction(fraction)
        return when, match.end()

    def begins(self, data: bytes, start: int) -> bool:
        """True when the line at `start` surely starts an event (`grouping.begins`): it starts with a
        zone-less ISO 8601 timestamp that `leading` reads. False: decode it to know."""
        match = _STAMP.match(data, start)
        return match is not None and match.end() - start <= _HEAD and self._minute(match[2]) is not None

    def _minute(self, text: bytes) -> tuple[datetime, int] | None:
        try:
            return self._minutes[text]
        except KeyError:
            pass
        if len(self._minutes) >= _MAX_CACHED:
            self._minutes.clear()
        parsed = self._minutes[text] = _parse_minute(text)
        return parsed

    def _fraction(self, digits: bytes) -> timedelta:
        # As parse_iso reads it: the first six digits, padded to microseconds.
        known = self._fractions.get(digits)
        if known is None:
            known = timedelta(microseconds=int(digits[:6].ljust(6, b"0")))
            if len(self._fractions) < _MAX_CACHED:
                self._fractions[digits] = known
        return known


def _parse_minute(text: bytes) -> tuple[datetime, int] | None:
    """A stamp's `YYYY-MM-DD?HH:MM` and its minutes since the epoch, or None when `leading` reads no time."""
    try:
        when = parse_iso(text.decode() + ":00")
    except ValueError:  # month 13, say: `leading` finds no timestamp either
        return None
    # Before 1970 a minute's number is not that of each of its seconds (int() rounds towards 0).
    return (when, int(when.timestamp()) // 60) if when.timestamp() >= 0 else None


def epoch_minute(text: bytes) -> int | None:
    """`IsoStart`'s minute, as the compiled fast path asks for it (native.FastPath, once per minute)."""
    parsed = _parse_minute(text)
    return None if parsed is None else parsed[1]


def has_leading(line: str) -> bool:
    return _has_clock(line) and _LEADING.search(line, 0, _HEAD) is not None


def _has_clock(line: str) -> bool:
    """Whether the head of `line` could hold a timestamp (see `_CLOCK`); `find` first, as it runs in C."""
    return line.find(":", 2, _HEAD - 2) >= 0 and _CLOCK.search(line, 0, _HEAD) is not None


def _from_match(match: re.Match[str], ref: datetime) -> datetime:
    if iso := match["iso"]:
        return parse_iso(iso)
    if clf := match["clf"]:
        fmt = "%d/%b/%Y:%H:%M:%S %z" if len(clf) > 20 else "%d/%b/%Y:%H:%M:%S"
        return _utc(datetime.strptime(clf, fmt))
    if sys_ := match["sys"]:
        month, day, clock = sys_.split()
        return _yearless(ref, _MONTHS[month], int(day), clock)
    klog = match["klog"]
    return _yearless(ref, int(klog[:2]), int(klog[2:4]), klog[5:])


def _yearless(ref: datetime, month: int, day: int, clock: str) -> datetime:
    when = _utc(datetime.fromisoformat(f"{ref.year:04d}-{month:02d}-{day:02d}T{clock}"))
    # A December line read in January belongs to last year.
    return when.replace(year=ref.year - 1) if when > ref + timedelta(days=2) else when


def parse_iso(text: str) -> datetime:
    """ISO 8601 / RFC 3339, with `,` or `.` fractions of any length and an optional space before the zone."""
    text = text.strip()
    if len(text) > 19 and text[19] in ".,":
        head, frac = text[:19], text[20:]
        digits = len(frac) - len(frac.lstrip("0123456789"))
        text = f"{head}.{frac[:digits][:6].ljust(6, '0')}{frac[digits:].strip()}"
    return _utc(datetime.fromisoformat(text.replace(" Z", "Z").replace(" +", "+").replace(" -", "-")))


def from_value(value: Any) -> datetime | None:
    """A JSON time field: RFC 3339 text, epoch seconds/ms/µs/ns (number or digits), or {seconds, nanos}."""
    try:
        if isinstance(value, dict):
            seconds = float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
            return _epoch(seconds)
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return _epoch(float(value))
        if isinstance(value, str) and value.strip():
            return _epoch(float(value)) if value.strip().isdigit() else parse_iso(value)
    except (ValueError, OverflowError, OSError, TypeError):
        return None
    return None


def _epoch(number: float) -> datetime:
    # Exports differ in unit (CloudWatch ms, journald µs, Go ns); the magnitude tells which. At most three
    # steps: 1e999 or Infinity would otherwise divide forever.
    for _ in range(3):
        if abs(number) <= 1e11:
            break
        number /= 1000
    return datetime.fromtimestamp(number, UTC)


def parse_when(text: str, now: datetime) -> datetime:
    """`--since`/`--until`: ISO 8601, `now`, or a duration before `now` (`90s`, `15m`, `2h`, `1d`, `1h30m`)."""
    text = text.strip()
    if text.lower() == "now":
        return now
    ago = text[:-3].rstrip() if text.lower().endswith("ago") else text
    if ago and durations.is_duration(ago):
        seconds = durations.seconds(ago)
        try:
            return now - timedelta(seconds=seconds)
        except OverflowError:  # 99999999999999999999d: before year 1
            raise ValueError(f"duration {text!r} reaches back before year 1") from None
    try:
        return parse_iso(text)
    except ValueError:
        raise ValueError(
            f"cannot read time {text!r}: use ISO 8601 (2024-05-01T12:00:00Z), 'now', or a duration like 15m, 2h, 1d"
        ) from None


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
