"""`infraprobe history --alerts`: every delivery in the ledger, as sent, failed, retrying or pending, on both
backends, in table, JSON and markdown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infraprobe.cli.main import main
from infraprobe.monitor.store import open_store
from infraprobe.monitor.store.ledger import Incident, Outgoing

pytestmark = pytest.mark.needs_pg

CONFIG = """environment: shop
components:
  - {name: cache, kind: tcp, host: 127.0.0.1, port: 1}
  - {name: db, kind: tcp, host: 127.0.0.1, port: 1}
alerts: {providers: {hook: {webhook: {url: "http://127.0.0.1:1/h"}}, chat: {slack: {url: "http://127.0.0.1:1/s"}}}}
"""


def _ledger(url: str, now: datetime) -> None:
    """cache paged to hook (sent after a retry) and chat (failed); db paged to hook (retrying) and chat (not
    tried yet); an old delivery outside the window."""
    store = open_store(url)
    try:
        old = now - timedelta(days=40)
        store.save_alert(
            "db", Incident("db", old, None, None, "", "v"), [Outgoing("db", "down", "hook", {})], old
        )
        (first,) = store.claim_due(old)
        store.delivery_attempted(first.id, old)
        store.save_alert("db", None, [], old)
        for name in ("cache", "db"):
            incident = Incident(name, now, "connection_refused", "infrastructure", "refused", "v1")
            doc = {"id": f"{name}@x", "summary": f"{name} down: connection_refused"}
            store.save_alert(name, incident, [Outgoing(name, "down", p, doc) for p in ("hook", "chat")], now)
        (d_hook, d_chat) = store.claim_due(now)  # cache's to both providers
        store.delivery_attempted(d_hook.id, now, "HTTP 502 Bad Gateway", now + timedelta(seconds=2))
        store.delivery_attempted(d_hook.id, now + timedelta(seconds=2))
        store.delivery_attempted(d_chat.id, now, "Connection refused")
        (db_hook,) = store.claim_due(now + timedelta(seconds=3), busy=["chat"])
        store.delivery_attempted(db_hook.id, now, "no answer within 10s", now + timedelta(minutes=5))
    finally:
        store.close()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main(["history", *args])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    return out


def test_deliveries_with_their_status_provider_attempts_and_error(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "shop.yaml"
    config.write_text(CONFIG)
    _ledger(store_url, datetime.now(UTC))
    common = [str(config), "--store", store_url, "--alerts"]
    doc = json.loads(_run(capsys, *common, "--format", "json"))
    assert doc["schema"] == "infraprobe.alerts/v1"
    got = [(d["component"], d["provider"], d["status"], d["attempts"], d["error"]) for d in doc["deliveries"]]
    assert got == [
        ("cache", "hook", "sent", 2, "HTTP 502 Bad Gateway"),
        ("cache", "chat", "failed", 1, "Connection refused"),
        ("db", "hook", "retrying", 1, "no answer within 10s"),
        ("db", "chat", "pending", 0, ""),
    ]
    assert doc["counts"] == {"sent": 1, "failed": 1, "retrying": 1, "pending": 1}
    assert doc["deliveries"][0]["sent_at"] and doc["deliveries"][2]["next_attempt"]
    assert doc["deliveries"][0]["summary"] == "cache down: connection_refused"
    table = _run(capsys, *common, "--component", "db")
    assert "2 delivery(ies) since" in table and "1 retrying, 1 pending" in table and "cache" not in table
    markdown = _run(capsys, *common, "--format", "markdown", "--since", "50d")
    assert "| db | down | hook | sent |" in markdown  # the 40-day-old one, within 50 days
    assert "5 delivery(ies)" in markdown


def test_an_empty_ledger_says_none(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "shop.yaml"
    config.write_text(CONFIG)
    empty = open_store(store_url)
    empty.schema_version()  # created, with no delivery
    empty.close()
    table = _run(capsys, str(config), "--store", store_url, "--alerts")
    assert "0 delivery(ies) since" in table and "none" in table
