"""The canary suite for alerts: webhook URLs and headers, a Slack URL (its path is its token) and an SMTP
password hold canaries; a real `monitor` pages through them, with deliveries that succeed and that fail, and its
output, every stored row (payloads and delivery errors included) and config errors are grepped for them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from infraprobe.output.formats import FORMATS
from infraprobe.testing.httpservers import HttpServer
from infraprobe.testing.netfaults import ClosedPort
from tests.alerts.conftest import SMTP_USER, Sink, SmtpServer, sink, smtp_server
from tests.core.test_secrets import CANARY, LITERAL, ODD, _cli, assert_clean

__all__ = ["sink", "smtp_server"]  # fixtures, imported for pytest

pytestmark = pytest.mark.slow

CONFIG = """
components:
  - {{name: cache, kind: tcp, host: 127.0.0.1, port: {closed}, interval: 0.2s, timeout: 0.5s, failure_threshold: 1}}
alerts:
  providers:
    refused: {{webhook: {{url: "http://127.0.0.1:{closed}/hook?token=${{PW}}", headers: {{X-Api-Key: "${{PW}}"}}}}}}
    echo:
      webhook: {{url: "http://127.0.0.1:{sink}/hook/{literal}", headers: {{X-Key: "{literal}", X-Odd: "${{ODD}}"}}}}
    chat: {{slack: {{url: "http://127.0.0.1:{sink}/services/T0/B0/${{PW}}"}}}}
    mail:
      email: {{host: 127.0.0.1, port: {smtp}, username: {user}, password: "${{PW}}", sender: a@example.test,
              to: [b@example.test], ca_file: "{ca}"}}
  retry: {{attempts: 2, first: 100ms}}
"""


async def test_monitor_alerting_through_secret_urls_headers_and_passwords(
    sink: tuple[Sink, HttpServer], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    hook, server = sink
    hook.fail = 1  # the first delivery to this receiver fails: a retry path with an error line
    smtp_server.box.password = CANARY  # the login given by ${PW} is the right one: mail goes through
    with ClosedPort() as closed:
        path = tmp_path / "c.yaml"
        path.write_text(
            CONFIG.format(
                closed=closed.port, sink=server.port, literal=LITERAL, smtp=smtp_server.port,
                ca=smtp_server.ca_file, user=SMTP_USER,
            )
        )  # fmt: skip
        db = tmp_path / "h.db"
        output = await _cli("monitor", str(path), "--store", f"sqlite:///{db}", "--for", "3s")
    # The run really happened: pages went out, one receiver took them, the others failed and said so.
    assert "alert down for cache to chat: sent" in output, output
    assert "alert down for cache to refused: failed after 2 attempt(s)" in output
    assert "alert down for cache to mail: sent" in output and "alert down for cache to echo: sent" in output
    assert len(smtp_server.box.mails) == 1
    targets = {r.target for r in hook.requests}
    assert f"/services/T0/B0/{CANARY}" in targets and f"/hook/{LITERAL}" in targets
    with sqlite3.connect(db) as conn:
        rows = [repr(r) for table in ("alert_deliveries", "alert_incidents") for r in conn.execute(f"SELECT * FROM {table}")]  # fmt: skip
    assert len(rows) == 5
    assert_clean(output, "monitor with alerts")
    # Every delivery read back (`history --alerts`), in every format: statuses, errors and summaries, masked.
    listings = {
        fmt: await _cli("history", str(path), "--store", f"sqlite:///{db}", "--alerts", "--format", fmt)
        for fmt in FORMATS
    }
    assert '"provider": "refused"' in listings["json"] and '"status": "failed"' in listings["json"]
    assert "refused" in listings["table"] and "failed" in listings["markdown"]
    for fmt, listing in listings.items():
        assert_clean(listing, f"history --alerts --format {fmt}")
    assert_clean("\n".join(rows), "alert ledger")
    assert_clean(json.dumps(hook.received) + str(smtp_server.box.mails[0]), "what the receivers got")
    assert ODD not in output


BAD = [
    'alerts:\n  providers:\n    s: {slack: {url: "ftp://hooks/${PW}"}}\n',
    f'alerts:\n  providers:\n    s: {{slack: {{url: "hooks.example/{LITERAL}"}}}}\n',
    'alerts:\n  providers:\n    m: {email: {host: h, password: "${PW}", sender: a@b.c, to: [x@y.z]}}\n',
    f'alerts:\n  providers:\n    w: {{webhook: {{url: "http://h/", headers: {{X: 5}}, extra: "{LITERAL}"}}}}\n',
]


@pytest.mark.parametrize("index", range(len(BAD)))
async def test_alerts_config_errors_never_quote_the_secret(tmp_path: Path, index: int) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("components:\n  - {name: a, kind: tcp, host: 127.0.0.1, port: 1}\n" + BAD[index])
    output = await _cli("config", "validate", str(path))
    assert "error:" in output and "alerts.providers" in output and "Traceback" not in output, output
    assert_clean(output, f"config validate on bad alerts config {index}")
