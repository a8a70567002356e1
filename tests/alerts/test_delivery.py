"""Deliveries to real receivers on loopback: a webhook, a Slack-compatible hook, SMTP with STARTTLS and a
login; retries with backoff, a provider that hangs, a provider that never accepts, each counted and recorded."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from infraprobe.alerts.manager import Alerts
from infraprobe.configfile import parse_config
from infraprobe.configfile.alerts import AlertsSettings
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.state import Thresholds, Tracker
from infraprobe.monitor.store import open_store
from infraprobe.monitor.store.ledger import Delivery
from infraprobe.testing.httpservers import HttpServer
from infraprobe.testing.netfaults import ClosedPort
from tests.monitor.helpers import obs

from .conftest import SMTP_PASSWORD, SMTP_USER, Sink, SmtpServer, until
from .test_policy import down, failing, up


def make_alerts(tmp_path: Path, alerts_yaml: str, notices: list[str] | None = None) -> Alerts:
    text = "components:\n  - {name: cache, kind: tcp, host: 127.0.0.1, port: 9}\nalerts:\n" + alerts_yaml
    loaded = parse_config(text, env={"SMTP_PASSWORD": SMTP_PASSWORD})
    settings = loaded.sections["alerts"]
    assert isinstance(settings, AlertsSettings)
    out = notices if notices is not None else []
    store = open_store(f"sqlite:///{tmp_path}/h.db")
    alerts = Alerts(settings, store, redact=loaded.redactor, notice=out.append, poll=0.02)
    alerts.start()
    return alerts


def ledger(tmp_path: Path) -> list[Delivery]:
    """The deliveries as recorded, read on a connection of its own (the dispatcher's is its thread's)."""
    reader = open_store(f"sqlite:///{tmp_path}/h.db")
    try:
        return reader.deliveries(datetime(2000, 1, 1, tzinfo=UTC))
    finally:
        reader.close()


def cache_goes_down(alerts: Alerts) -> None:
    now = datetime.now(UTC)
    alerts.observed(failing("cache", at=now), Tracker("cache", Thresholds()), down("cache", now))


async def test_webhook_slack_and_email_each_get_the_page_once(
    sink: tuple[Sink, HttpServer], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    hook, server = sink
    alerts = make_alerts(
        tmp_path,
        f"""
  providers:
    hook: {{webhook: {{url: "{server.url("/hook")}", headers: {{X-Token: tok-123456}}}}}}
    chat: {{slack: {{url: "{server.url("/services/T0/B0/secret")}"}}}}
    mail:
      email: {{host: 127.0.0.1, port: {smtp_server.port}, username: {SMTP_USER}, password: "${{SMTP_PASSWORD}}",
               sender: probe@example.test, to: [oncall@example.test], ca_file: "{smtp_server.ca_file}"}}
""",
    )
    cache_goes_down(alerts)
    await until(lambda: len(hook.requests) == 2 and len(smtp_server.box.mails) == 1)
    alerts.close()
    by_path = {r.target: r for r in hook.requests}
    assert by_path["/hook"].headers["x-token"] == "tok-123456"
    (webhook_doc,) = [d for d in hook.received if "component" in d]
    assert webhook_doc["summary"] == "cache down: dns_failure" and webhook_doc["vantage"] == "here"
    (slack_doc,) = [d for d in hook.received if "text" in d]
    assert set(slack_doc) == {"text"} and "cache down: dns_failure" in slack_doc["text"]
    mail = smtp_server.box.mails[0]
    assert mail["Subject"] == "[infraprobe] cache down: dns_failure"
    assert smtp_server.box.envelopes[0].rcpt_tos == ["oncall@example.test"]
    assert sorted((d.provider, d.status, d.attempts) for d in ledger(tmp_path)) == [
        ("chat", "sent", 1),
        ("hook", "sent", 1),
        ("mail", "sent", 1),
    ]


async def test_a_failing_webhook_is_retried_with_backoff_until_it_accepts(
    sink: tuple[Sink, HttpServer], tmp_path: Path
) -> None:
    hook, server = sink
    hook.fail = 2
    notices: list[str] = []
    alerts = make_alerts(
        tmp_path,
        f"""
  providers: {{hook: {{webhook: {{url: "{server.url("/hook")}"}}}}}}
  retry: {{attempts: 5, first: 50ms}}
""",
        notices,
    )
    cache_goes_down(alerts)
    await until(lambda: len(hook.received) == 1)
    alerts.close()
    assert len(hook.requests) == 3 and len(hook.received) == 1
    (d,) = ledger(tmp_path)
    assert (d.status, d.attempts, d.error) == ("sent", 3, "HTTP 500 Internal Server Error")
    assert any("attempt 1 failed (HTTP 500 Internal Server Error); retrying in 0.05s" in n for n in notices)
    assert any("attempt 2 failed" in n and "retrying in 0.1s" in n for n in notices)


async def test_a_provider_that_never_accepts_is_given_up_and_recorded(tmp_path: Path) -> None:
    notices: list[str] = []
    with ClosedPort() as closed:
        alerts = make_alerts(
            tmp_path,
            f"""
  providers: {{hook: {{webhook: {{url: "http://127.0.0.1:{closed.port}/hook"}}}}}}
  retry: {{attempts: 2, first: 10ms}}
""",
            notices,
        )
        cache_goes_down(alerts)
        await until(lambda: any("giving up" in n for n in notices))
        alerts.close()
    (d,) = ledger(tmp_path)
    assert (d.status, d.attempts, d.error) == ("failed", 2, "Connection refused")


async def test_a_hanging_provider_holds_up_only_itself_and_times_out(
    sink: tuple[Sink, HttpServer], tmp_path: Path
) -> None:
    hung, hung_server = sink
    hung.hang = True
    ok = Sink()
    async with HttpServer(ok) as ok_server:
        alerts = make_alerts(
            tmp_path,
            f"""
  providers:
    hung: {{webhook: {{url: "{hung_server.url("/hook")}"}}}}
    ok: {{webhook: {{url: "{ok_server.url("/hook")}"}}}}
  timeout: 1s
  retry: {{attempts: 1}}
""",
        )
        started = time.monotonic()
        cache_goes_down(alerts)
        submitted = time.monotonic() - started
        await until(lambda: len(ok.received) == 1, timeout=5)
        assert not hung.received  # the hung one is still waiting while the other was delivered
        await until(lambda: all(d.status != "pending" for d in ledger(tmp_path)), timeout=10)
        alerts.close()
    assert submitted < 0.5, "submitting an alert must not wait for any provider"
    by_provider = {d.provider: d for d in ledger(tmp_path)}
    assert by_provider["ok"].status == "sent"
    assert (by_provider["hung"].status, by_provider["hung"].error) == ("failed", "no answer within 1s")


async def test_email_refuses_a_server_without_starttls(tmp_path: Path) -> None:
    """A plain SMTP server (no TLS offered): the password is never sent in clear; the delivery fails."""
    from aiosmtpd.controller import Controller

    from infraprobe.testing._localserver import free_port

    from .conftest import _Mailbox

    controller = Controller(_Mailbox(), hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    notices: list[str] = []
    try:
        alerts = make_alerts(
            tmp_path,
            f"""
  providers:
    mail: {{email: {{host: 127.0.0.1, port: {controller.port}, username: u, password: "${{SMTP_PASSWORD}}",
                    sender: a@example.test, to: [b@example.test]}}}}
  retry: {{attempts: 1}}
""",
            notices,
        )
        cache_goes_down(alerts)
        await until(lambda: any("giving up" in n for n in notices))
        alerts.close()
    finally:
        controller.stop()
    (d,) = ledger(tmp_path)
    assert d.error == "the server does not offer STARTTLS; refusing to send in clear"


async def test_reminders_go_out_at_the_interval_while_down_then_the_recovery(
    sink: tuple[Sink, HttpServer], tmp_path: Path
) -> None:
    hook, server = sink
    alerts = make_alerts(
        tmp_path,
        f"""
  providers: {{hook: {{webhook: {{url: "{server.url("/hook")}"}}}}}}
  remind_every: 200ms
""",
    )
    cache_goes_down(alerts)
    tracker = Tracker("cache", Thresholds())
    deadline = time.monotonic() + 10
    while len(hook.received) < 3:  # reminders are due on the next observation after the interval
        assert time.monotonic() < deadline, f"only {hook.events()}"
        now = datetime.now(UTC)
        alerts.observed(failing("cache", at=now), tracker, None)
        await asyncio.sleep(0.05)
    now = datetime.now(UTC)
    alerts.observed(obs("cache", at=now), tracker, up("cache", now))
    await until(lambda: hook.events()[-1] == ("cache", "recovery"))
    alerts.close()
    events = [e for _, e in hook.events()]
    assert events[0] == "down" and events[-1] == "recovery" and set(events[1:-1]) == {"reminder"}
    assert hook.received[1]["summary"].startswith("cache still down: dns_failure (for ")


async def test_a_config_reload_switches_providers_for_the_next_page(tmp_path: Path) -> None:
    """The monitor tells its alerts about a reload: the next page goes to the provider the new file names."""
    old, new = Sink(), Sink()
    async with HttpServer(old) as old_server, HttpServer(new) as new_server:
        alerts = make_alerts(tmp_path, f'  providers: {{a: {{webhook: {{url: "{old_server.url("/")}"}}}}}}\n')
        components = "components:\n  - {name: cache, kind: tcp, host: 127.0.0.1, port: 9}\n"
        monitor = Monitor(parse_config(components), listeners=[alerts], vantage="here")
        text = components + f'alerts:\n  providers: {{b: {{webhook: {{url: "{new_server.url("/")}"}}}}}}\n'
        monitor.reload(parse_config(text))
        cache_goes_down(alerts)
        await until(lambda: len(new.received) == 1)
        alerts.close()
    assert old.requests == [] and new.events() == [("cache", "down")]
