"""Receivers the alert tests count deliveries on: an HTTP sink (webhook and Slack) and an SMTP server with
STARTTLS and a login (aiosmtpd), both on loopback, with certificates made at test time."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from infraprobe.alerts.manager import Alerts
from infraprobe.configfile import parse_config
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.recorder import Recorder
from infraprobe.monitor.state import State
from infraprobe.monitor.store import open_store
from infraprobe.monitor.vantages import Quorum
from infraprobe.testing._localserver import free_port
from infraprobe.testing.certs import CertAuthority
from infraprobe.testing.httpservers import HttpServer, Reply, Request

SMTP_USER, SMTP_PASSWORD = "alerts", "smtp-Pw-c4n4ry"


@dataclass
class Sink:
    """Counts alert POSTs. `fail` answers 500 to the next N requests; `hang` holds every request open."""

    received: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    fail: int = 0
    hang: bool = False

    async def __call__(self, request: Request) -> Reply:
        self.requests.append(request)
        if self.hang:
            await asyncio.sleep(3600)
        if self.fail > 0:
            self.fail -= 1
            return Reply(500, b"try later")
        self.received.append(json.loads(request.body))
        return Reply(200, b"ok")

    def events(self, key: str = "event") -> list[tuple[str, str]]:
        return [(doc.get("component", ""), doc.get(key, "")) for doc in self.received]


@pytest.fixture
async def sink() -> AsyncIterator[tuple[Sink, HttpServer]]:
    handler = Sink()
    async with HttpServer(handler) as server:
        yield handler, server


class _Mailbox:
    def __init__(self) -> None:
        self.mails: list[Message] = []
        self.envelopes: list[Envelope] = []
        self.password = SMTP_PASSWORD  # the one login accepted (a test may set its own)

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            self.password.encode(),
        )
        return AuthResult(success=ok)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert session.ssl is not None, "mail arrived without STARTTLS"
        self.envelopes.append(envelope)
        self.mails.append(message_from_bytes(envelope.original_content or b""))
        return "250 OK"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@dataclass
class SmtpServer:
    port: int
    ca_file: Path
    box: _Mailbox


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """STARTTLS required, login required (only after TLS), certificate from a CA made here."""
    ca = CertAuthority()
    context = ca.issue("localhost", "127.0.0.1").server_context(tmp_path, "smtp")
    box = _Mailbox()
    controller = Controller(
        box, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
        authenticator=box.authenticate, auth_required=True, auth_require_tls=True, ready_timeout=10,
    )  # fmt: skip
    controller.start()
    try:
        yield SmtpServer(controller.port, ca.write(tmp_path / "smtp-ca.crt"), box)
    finally:
        controller.stop()


async def until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


class Run:
    """One monitor process's worth of parts: monitor, recorder and alerts on one store, started and stopped.
    With a `Quorum`, wired as `infraprobe monitor` does: alerts held back by its path reasons."""

    def __init__(self, text: str, db: str, vantage: str = "e2e", quorum: Quorum | None = None) -> None:
        loaded = parse_config(text)
        self.recorder = Recorder(open_store(db), flush_every=0.05)
        alerts = Alerts.for_config(loaded, db)
        assert alerts is not None
        self.alerts, self.quorum = alerts, quorum
        if quorum is not None:
            alerts.add_suppressor(quorum.path_reason)
        self.monitor = Monitor(
            loaded, recorder=self.recorder, listeners=[alerts], vantage=vantage, quorum=quorum
        )
        self.stop = asyncio.Event()

    async def __aenter__(self) -> Run:
        self.recorder.start()
        self.alerts.start()
        self.task = asyncio.create_task(self.monitor.run(self.stop))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        await self.task
        self.alerts.close()
        self.recorder.close()
        if self.quorum is not None and self.quorum.peers is not None:
            self.quorum.peers.close()

    def state(self, name: str) -> State:
        return self.monitor.trackers[name].state
