"""tcp: can a TCP connection be opened, and how long does it take?

Refused, timed out, unreachable and reset reach the runner as the kernel's own errors (and a timeout
in the connect phase), so the classifier tells them apart exactly. An optional banner check reads what
the server sends first (SSH, SMTP, ...), which also catches a listener that resets after accepting.
"""

from __future__ import annotations

import asyncio
import errno

from infraprobe import facts
from infraprobe.phases import Phase
from infraprobe.probes._conn import Conn, connection, open_socket
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.tcp import TcpCheck
from infraprobe.taxonomy import Cause, Component

BANNER_BYTES = 4096


async def probe(cfg: TcpCheck, run: ProbeRun) -> str:
    if cfg.expect_banner is None:
        # Only the connection matters: a bare socket, without streams (they cost as much CPU as the connect).
        sock, _ = await open_socket(run, cfg.host, cfg.port)
        sock.close()
    else:
        async with connection(run, cfg.host, cfg.port) as conn:
            await _check_banner(cfg.expect_banner, run, conn)
    return f"connected to {cfg.host}:{cfg.port}"


async def _check_banner(expected: str, run: ProbeRun, conn: Conn) -> None:
    with run.phase(Phase.FIRST_BYTE):
        banner = await _read_banner(conn.reader, expected.encode())
    text = banner.decode("utf-8", "replace")
    run.fact(facts.BANNER, text[:200])
    if expected not in text:
        run.fail(
            Cause.PROTOCOL_MISMATCH,
            f"expected banner {expected!r}, got {text[:80]!r}",
            summary="Something listens on the port, but not the service expected (wrong port or service).",
            rule="tcp_banner",
        )


async def _read_banner(reader: asyncio.StreamReader, expected: bytes) -> bytes:
    """Read until the expected text or a first full line shows up, the peer stops, or BANNER_BYTES arrive
    (a different service's banner must not make the probe wait for the deadline)."""
    data = b""
    while expected not in data and b"\n" not in data and len(data) < BANNER_BYTES:
        chunk = await reader.read(BANNER_BYTES - len(data))
        if not chunk:
            if not data:  # closed without a word: as abrupt as a reset, from the client's side
                raise ConnectionResetError(errno.ECONNRESET, "server closed the connection without a banner")
            break
        data += chunk
    return data


SPEC = ProbeSpec(
    "tcp", TcpCheck, probe, Component.TCP, "open a TCP connection; refused, timed out, unreachable"
)

__all__ = ["SPEC", "TcpCheck", "probe"]
