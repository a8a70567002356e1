"""amqp: RabbitMQ (AMQP 0-9-1): the connection opens, the credentials are accepted, the vhost opens.

Phases: dns -> connect -> handshake (protocol header out, Connection.Start back) -> auth (Start-Ok with
PLAIN credentials out; the broker answers Tune only once it accepts them) -> request (Connection.Open of
the vhost, Open-Ok back). Then a polite Connection.Close, untimed.

Frames are encoded and decoded by pamqp, the codec aiormq is built on. aiormq itself is not used because it
reports a broker's Connection.Close during Open as "got <Connection.Close object>", without the reply code
and text that tell a missing vhost from a connection limit. Here the broker's refusal is raised as
`BrokerClosed` with its own words ("NOT_ALLOWED - vhost x not found", "ACCESS_REFUSED - Login was refused
...") for the classifier. The client asks for `authentication_failure_close`, so a wrong password is an
explicit ACCESS_REFUSED rather than a dropped connection.

Bytes that are not AMQP (an HTTP reply, a MySQL greeting) or a broker that answers with another protocol
version are a protocol mismatch, decided here: the target answered, in the wrong protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from typing import Any, NoReturn

from infraprobe import facts
from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.probes._conn import connection
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.amqp import AmqpCheck, Target, resolve_target
from infraprobe.taxonomy import Cause, Component

FRAME_HEADER = struct.Struct(">BHI")  # type, channel, payload size
FRAME_METHOD, FRAME_END = 1, 0xCE
MAX_HANDSHAKE_FRAME = 1 << 20  # Start carries the server's properties: a few KiB; more is not AMQP
CLOSE_WAIT = 0.5


def _password(t: Target) -> str:
    # RabbitMQ's (and the AMQP URI spec's) default account is guest/guest; any other user's default is empty.
    if t.password is not None:
        return t.password
    return "guest" if (t.user or "guest") == "guest" else ""


class BrokerClosed(Exception):
    """The broker refused the connection with Connection.Close: its reply code and its own words."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code
        self.text = text


class _NotAmqp(Exception):
    """The peer's bytes are not an AMQP 0-9-1 frame."""


async def probe(cfg: AmqpCheck, run: ProbeRun) -> str:
    t = resolve_target(cfg)
    async with connection(run, t.host, t.port) as conn:
        session = _Session(conn.reader, conn.writer, run)
        start = await session.handshake()
        tune = await session.authenticate(t.user or "guest", _password(t))
        await session.open(t.vhost or "/", tune)
        await session.close()
    properties = _text_table(start.server_properties)
    _record(run, properties, tune, t.vhost or "/")
    product = f"{properties.get('product', 'AMQP broker')} {properties.get('version', '')}".strip()
    return f"connection open on {product}, vhost {t.vhost!r} opened as {t.user!r}"


class _Session:
    """The connection-level exchange of AMQP 0-9-1 up to Open-Ok, one phase per round trip."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, run: ProbeRun) -> None:
        self.reader, self.writer, self.run = reader, writer, run

    async def handshake(self) -> Any:
        from pamqp import commands, header

        with self.run.phase(Phase.HANDSHAKE):
            self.writer.write(header.ProtocolHeader().marshal())
            return await self._expect(commands.Connection.Start)

    async def authenticate(self, user: str, password: str) -> Any:
        from pamqp import commands

        start_ok = commands.Connection.StartOk(
            client_properties={
                "product": "infraprobe",
                "capabilities": {"authentication_failure_close": True},
            },
            mechanism="PLAIN",
            response=f"\0{user}\0{password}",
        )
        with self.run.phase(Phase.AUTH):
            self._send(start_ok)
            return await self._expect(commands.Connection.Tune)

    async def open(self, vhost: str, tune: Any) -> None:
        from pamqp import commands

        # The broker's own limits accepted as they are (asking for more is refused); no heartbeats: the
        # connection lives for one round trip more.
        tune_ok = commands.Connection.TuneOk(
            channel_max=tune.channel_max, frame_max=tune.frame_max, heartbeat=0
        )
        with self.run.phase(Phase.REQUEST):
            self._send(tune_ok)
            self._send(commands.Connection.Open(virtual_host=vhost))
            await self._expect(commands.Connection.OpenOk)

    async def close(self) -> None:
        """Say goodbye so the broker logs no "client unexpectedly closed TCP connection"; never wait long."""
        from pamqp import commands

        self._send(
            commands.Connection.Close(
                reply_code=200, reply_text="infraprobe check done", class_id=0, method_id=0
            )
        )
        with contextlib.suppress(OSError, TimeoutError, BrokerClosed, _NotAmqp, asyncio.IncompleteReadError):
            async with asyncio.timeout(CLOSE_WAIT):
                await self._read_frame()

    def _send(self, method: Any) -> None:
        from pamqp import frame

        self.writer.write(frame.marshal(method, 0))

    async def _expect(self, wanted: type) -> Any:
        from pamqp import commands

        try:
            got = await self._read_frame()
        except _NotAmqp as exc:
            _mismatch(self.run, str(exc))
        if isinstance(got, commands.Connection.Close):
            raise BrokerClosed(got.reply_code or 0, got.reply_text)
        if not isinstance(got, wanted):
            _mismatch(self.run, f"expected {wanted.__name__}, got {type(got).__name__}")
        return got

    async def _read_frame(self) -> Any:
        """One frame. Anything that does not parse as AMQP raises _NotAmqp with what arrived instead."""
        from pamqp import exceptions, frame, header

        head = await self.reader.readexactly(FRAME_HEADER.size)
        if head.startswith(b"AMQP"):
            version = await self.reader.readexactly(1)
            raise _NotAmqp(
                f"the broker speaks another AMQP version: {(head + version)[4:]!r} (we speak 0-9-1)"
            )
        kind, _, size = FRAME_HEADER.unpack(head)
        if kind != FRAME_METHOD or size > MAX_HANDSHAKE_FRAME:
            raise _NotAmqp(f"not an AMQP frame: the peer sent {head + await _peek(self.reader)!r}")
        body = await self.reader.readexactly(size + 1)
        try:
            value: Any
            _, _, value = frame.unmarshal(head + body)
        except exceptions.UnmarshalingException as exc:
            raise _NotAmqp(f"not an AMQP frame ({exc})") from None
        if isinstance(value, header.ProtocolHeader):
            raise _NotAmqp("the broker answered with a protocol header: it speaks another version")
        return value


async def _peek(reader: asyncio.StreamReader) -> bytes:
    """A little more of what the peer sent, for the evidence (an HTTP status line, a greeting)."""
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(0.2):
            return await reader.read(40)
    return b""


def _mismatch(run: ProbeRun, what: str) -> NoReturn:
    run.fail(Cause.PROTOCOL_MISMATCH, f"not an AMQP 0-9-1 broker: {what}", rule="amqp_not_amqp")


def _text_table(table: dict[str, Any]) -> dict[str, str]:
    """Server properties as text (pamqp gives long strings as bytes or str, depending on the field)."""
    return {k: v.decode(errors="replace") if isinstance(v, bytes) else str(v) for k, v in table.items()}


def _record(run: ProbeRun, properties: dict[str, str], tune: Any, vhost: str) -> None:
    run.fact(facts.PRODUCT, properties.get("product"))
    run.fact(facts.SERVER_VERSION, properties.get("version"))
    run.fact(facts.VHOST, vhost)
    run.fact(facts.CHANNEL_MAX, int(tune.channel_max))
    run.fact(facts.FRAME_MAX, int(tune.frame_max))


def _prepare(cfg: AmqpCheck, net: Net) -> None:
    import pamqp.frame  # noqa: F401  (loaded before the clocks start, not inside a handshake phase)


SPEC = ProbeSpec(
    "amqp",
    AmqpCheck,
    probe,
    Component.AMQP,
    "RabbitMQ / AMQP 0-9-1: connection open, auth, vhost open",
    prepare=_prepare,
)
