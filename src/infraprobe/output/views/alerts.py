"""`infraprobe history --alerts` as a Report: every alert delivery in a window, from the store's ledger.

Each delivery's text (its summary, its last error) is masked by the config's redactor field by field before
the report is built, so a secret never reaches a renderer, whatever the format escapes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from infraprobe.monitor.store.ledger import Delivery
from infraprobe.output.model import Block, Heading, Paragraph, Report, Table

_TONE = {"sent": "ok", "failed": "fail", "retrying": "warn", "pending": "muted"}


def status_of(d: Delivery) -> str:
    """sent, failed, retrying (pending after a failed attempt) or pending (not tried yet)."""
    if d.status == "pending" and d.attempts:
        return "retrying"
    return d.status


def delivery_dict(d: Delivery, redact: Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": d.id,
        "incident": redact(str(d.payload.get("id", ""))),
        "component": d.component,
        "event": d.event,
        "provider": d.provider,
        "status": status_of(d),
        "attempts": d.attempts,
        "created": d.created.isoformat(),
        "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        "next_attempt": d.next_at.isoformat() if d.status == "pending" else None,
        "error": redact(d.error),
        "summary": redact(str(d.payload.get("summary", ""))),
    }


def deliveries_report(
    deliveries: Sequence[Delivery],
    since: datetime,
    now: datetime,
    environment: str = "",
    redact: Callable[[str], str] = str,
) -> Report:
    rows = [delivery_dict(d, redact) for d in deliveries]
    counts = Counter(r["status"] for r in rows)
    blocks: list[Block] = [_summary(counts, len(rows), since, now)]
    blocks += [Heading("Deliveries"), _table(deliveries, rows) if rows else Paragraph("none")]
    title = f"infraprobe alert deliveries: {environment}" if environment else "infraprobe alert deliveries"
    data = {
        "generated_at": now.isoformat(),
        "since": since.isoformat(),
        "counts": {s: counts.get(s, 0) for s in _TONE},
        "deliveries": rows,
    }
    return Report(title, tuple(blocks), data, 0, kind="alerts")


def _summary(counts: Counter[str], total: int, since: datetime, now: datetime) -> Paragraph:
    parts = ", ".join(f"{counts[s]} {s}" for s in _TONE if counts.get(s))
    text = (
        f"{total} delivery(ies) since {_at(since)}" + (f": {parts}" if parts else "") + f"; as of {_at(now)}"
    )
    return Paragraph(text, "fail" if counts.get("failed") else "ok")


def _table(deliveries: Sequence[Delivery], rows: list[dict[str, Any]]) -> Table:
    cells = tuple(
        (
            _at(d.created),
            r["component"],
            r["event"],
            r["provider"],
            r["status"],
            str(r["attempts"]),
            _at(d.sent_at) if d.sent_at else (_at(d.next_at) if d.status == "pending" else ""),
            r["error"],
            r["summary"],
        )
        for d, r in zip(deliveries, rows, strict=True)
    )
    columns = (
        "created", "component", "event", "provider", "status", "attempts", "sent / next try", "last error",
        "summary",
    )  # fmt: skip
    return Table(columns, cells, tuple(_TONE[r["status"]] for r in rows), shrink=(8, 7), spare=(6, 0, 5))


def _at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
