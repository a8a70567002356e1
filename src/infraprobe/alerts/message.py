"""What an alert says: one payload (the webhook's JSON) that the Slack text and the e-mail are rendered from.

Pure functions over plain data, so the text of every provider is tested on literals and a delivery retried
after a restart says exactly what the first attempt said (the payload is stored, not rebuilt).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from infraprobe.durations import span
from infraprobe.monitor.store.ledger import Incident
from infraprobe.taxonomy import CAUSES, Cause

DOWN, REMINDER, RECOVERY = "down", "reminder", "recovery"
REMOVED = "removed"  # the state a recovery names when the component left the config instead of coming back


def payload(event: str, incident: Incident, state: str, now: datetime) -> dict[str, Any]:
    """The alert as JSON-ready data: what the generic webhook posts, and what every other text comes from."""
    doc: dict[str, Any] = {
        "id": f"{incident.component}@{incident.opened.isoformat()}",  # one incident, whatever the event
        "event": event,
        "component": incident.component,
        "state": state,
        "cause": incident.cause,
        "layer": incident.layer,
        "guidance": guidance(incident.cause),
        "evidence": incident.evidence,
        "since": incident.opened.isoformat(),
        "vantage": incident.vantage,
        "blocked": list(incident.blocked),
        "at": now.isoformat(),
        "down_for": round(max(0.0, (now - incident.opened).total_seconds()), 3),
    }
    doc["summary"] = summary(doc)
    return doc


def guidance(cause: str | None) -> str:
    try:
        return CAUSES[Cause(cause)].guidance if cause else ""
    except (ValueError, KeyError):
        return ""


def summary(doc: dict[str, Any]) -> str:
    """One line: `cache down: dns_failure; blocked: backend, public-api`."""
    cause = doc.get("cause") or "no cause"
    blocked = doc.get("blocked") or []
    took = span(float(doc.get("down_for") or 0))
    if doc["event"] == RECOVERY and doc["state"] == REMOVED:
        line = f"{doc['component']} removed from config (no longer monitored) after {took} down: was {cause}"
        return line + (f"; had blocked: {', '.join(blocked)}" if blocked else "")
    if doc["event"] == RECOVERY:
        line = f"{doc['component']} recovered ({doc['state']}) after {took}: was {cause}"
        return line + (f"; had blocked: {', '.join(blocked)}" if blocked else "")
    still = " still" if doc["event"] == REMINDER else ""
    line = f"{doc['component']}{still} down: {cause}" + (f" (for {took})" if still else "")
    return line + (f"; blocked: {', '.join(blocked)}" if blocked else "")


def body(doc: dict[str, Any]) -> str:
    """The longer text (e-mail body, Slack message): the summary, then what is known and what to check."""
    lines = [doc["summary"], ""]
    fields = (("layer", "layer"), ("evidence", "evidence"), ("since", "since"), ("vantage", "seen from"))
    lines += [f"{label}: {doc[key]}" for key, label in fields if doc.get(key)]
    if doc.get("guidance") and doc["event"] != RECOVERY:
        lines += ["", f"check next: {doc['guidance']}"]
    return "\n".join(lines)
