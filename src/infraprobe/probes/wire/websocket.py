"""A WebSocket client session over a stream the probe opened itself, on websockets' sans-I/O protocol.

Driving `websockets.client.ClientProtocol` directly (instead of its asyncio client) keeps dns, connect
and tls as the probe's own timed phases, and reuses the cached SSL contexts like the http probe does.
Messages are capped by the protocol's max_size; time by the runner's deadline.
"""

from __future__ import annotations

import asyncio
import errno
from dataclasses import dataclass

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.http11 import Response as WsResponse

READ_CHUNK = 64 * 1024
MAX_MESSAGE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Closed:
    """The server closed the WebSocket cleanly (with a close frame) before what we waited for."""

    code: int
    reason: str


class WsSession:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, protocol: ClientProtocol):
        self._reader = reader
        self._writer = writer
        self.protocol = protocol
        self._pending: list[Frame] = []
        self._fragments: list[bytes] = []
        self._binary = False

    async def handshake(self, request: Request) -> WsResponse | None:
        """Send the opening handshake; the server's response, accepted (101) or not, or None when the
        answer was not HTTP at all (the protocol's handshake_exc then says why)."""
        self.protocol.send_request(request)
        await self._flush()
        while True:
            more = await self._receive()
            events = self.protocol.events_received()
            responses = [e for e in events if isinstance(e, WsResponse)]
            if responses:
                self._pending = [e for e in events if isinstance(e, Frame)]  # sent right behind the 101
                return responses[0]
            if self.protocol.handshake_exc is not None:
                return None
            if not more:
                raise ConnectionResetError(
                    errno.ECONNRESET, "server closed the connection during the WebSocket handshake"
                )

    async def send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        await self._flush()

    async def next_message(self) -> str | Closed:
        """The next complete data message (binary shown as its repr), or the server's clean close."""
        while True:
            received = [e for e in self.protocol.events_received() if isinstance(e, Frame)]
            frames, self._pending = self._pending + received, []
            for i, frame in enumerate(frames):
                message = self._assemble(frame)
                if message is not None:
                    self._pending = frames[i + 1 :]
                    return message
            await self._flush()  # pongs and close replies the protocol queued
            if self.protocol.close_rcvd is not None:
                return Closed(self.protocol.close_rcvd.code, self.protocol.close_rcvd.reason)
            if not await self._receive():
                # EOF without a close frame is what RFC 6455 calls 1006, abnormal closure.
                raise ConnectionResetError(
                    errno.ECONNRESET,
                    "WebSocket closed abnormally (1006): connection dropped without a close frame",
                )

    def _assemble(self, frame: Frame) -> str | None:
        if frame.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            return None
        if frame.opcode is not Opcode.CONT:
            self._binary = frame.opcode is Opcode.BINARY
        self._fragments.append(bytes(frame.data))
        if not frame.fin:
            return None
        data, self._fragments = b"".join(self._fragments), []
        return repr(data) if self._binary else data.decode("utf-8", "replace")

    async def close(self) -> None:
        """Say goodbye with 1000; the caller closes the socket without waiting for the reply."""
        if self.protocol.close_sent is None and self.protocol.close_rcvd is None:
            self.protocol.send_close(1000)
            await self._flush()

    async def _receive(self) -> bool:
        """Feed the protocol one read; False at EOF."""
        data = await self._reader.read(READ_CHUNK)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        return bool(data)

    async def _flush(self) -> None:
        # An empty chunk asks for a half-close; the probe closes the whole socket itself, soon after.
        chunks = [c for c in self.protocol.data_to_send() if c]
        if chunks:
            self._writer.write(b"".join(chunks))
            await self._writer.drain()
