"""What does a tcp / http / https probe cost? infraprobe's checks next to bare asyncio baselines, on loopback.

Each variant opens a new connection, does its exchange and closes, `--count` times in a row against a
fixed-response server running in a *child process* (so this process's CPU time is the client's alone);
reported as probes/s and client CPU ms per probe, median of `--repeat` runs. Loopback only; every loop is
bounded by `--count`.

    .venv/bin/python bench/bench_probes.py [--count 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import ssl
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from infraprobe.net import close_quietly
from infraprobe.probes.http import HttpCheck, TlsClient
from infraprobe.probes.tcp import TcpCheck
from infraprobe.result import Status
from infraprobe.runner import Runner
from infraprobe.testing.certs import CertAuthority

Once = Callable[[], Awaitable[None]]
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


class _Fixed(asyncio.Protocol):
    """Answers any request with RESPONSE and closes: as cheap a server as asyncio allows."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if b"\r\n\r\n" in data:
            self.transport.write(RESPONSE)
            self.transport.close()


def _serve(ports: mp.Queue[int], cert: Path, key: Path) -> None:
    async def main() -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        loop = asyncio.get_running_loop()
        plain = await loop.create_server(_Fixed, "127.0.0.1", 0, backlog=1024)
        secure = await loop.create_server(_Fixed, "127.0.0.1", 0, ssl=ctx, backlog=1024)
        for server in (plain, secure):
            ports.put(server.sockets[0].getsockname()[1])
        await asyncio.sleep(3600)  # killed by the parent long before

    asyncio.run(main())


@contextmanager
def fixed_servers(work: Path) -> Iterator[tuple[int, int, Path]]:
    """The fixed-response HTTP and HTTPS servers in a child process: (http port, https port, CA file)."""
    authority = CertAuthority()
    cert, key = authority.issue("localhost", "127.0.0.1").write(work, "server")
    ca = authority.write(work / "ca.crt")
    ports: mp.Queue[int] = mp.Queue()
    server = mp.Process(target=_serve, args=(ports, cert, key), daemon=True)
    server.start()
    try:
        yield ports.get(timeout=30), ports.get(timeout=30), ca
    finally:
        server.kill()
        server.join(5)


async def bare_connect(port: int) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    await close_quietly(writer)


async def bare_get(port: int, ctx: ssl.SSLContext | None = None) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert (await reader.read()).endswith(b"ok")
    await close_quietly(writer)


async def check(runner: Runner, component: TcpCheck | HttpCheck) -> None:
    result = await runner.check(component)
    assert result.status is Status.OK, result.message


async def measure(once: Once, count: int) -> tuple[float, float]:
    """(probes per second, client CPU ms per probe) for `count` sequential probes."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        await once()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return count / wall, cpu * 1000 / count


async def run(count: int, repeat: int, plain: int, secure: int, ca_file: str) -> None:
    runner = Runner()
    client_ctx = ssl.create_default_context(cafile=ca_file)
    variants: dict[str, Once] = {
        "bare asyncio connect + close": partial(bare_connect, plain),
        "infraprobe tcp check": partial(check, runner, TcpCheck(name="t", host="127.0.0.1", port=plain)),
        "bare asyncio HTTP/1.1 GET": partial(bare_get, plain),
        "infraprobe http check": partial(
            check, runner, HttpCheck(name="h", url=f"http://127.0.0.1:{plain}/")
        ),
        "bare asyncio HTTPS GET (shared context)": partial(bare_get, secure, client_ctx),
        "infraprobe https check": partial(
            check,
            runner,
            HttpCheck(name="s", url=f"https://localhost:{secure}/", tls=TlsClient(ca_file=ca_file)),
        ),
    }
    print(f"{'variant':42} {'probes/s':>9} {'CPU ms/probe':>13}   (median of {repeat} x {count})")
    for name, once in variants.items():
        await measure(once, min(count, 200))  # warm-up: imports, cached contexts
        runs = [await measure(once, count) for _ in range(repeat)]
        rate = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{name:42} {rate:9.0f} {cpu:13.3f}")
    runner.net.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ca = CertAuthority()
        cert, key = ca.issue("localhost", "127.0.0.1").write(Path(tmp), "server")
        ca_file = str(ca.write(Path(tmp) / "ca.crt"))
        ports: mp.Queue[int] = mp.Queue()
        server = mp.Process(target=_serve, args=(ports, cert, key), daemon=True)
        server.start()
        try:
            plain, secure = ports.get(timeout=10), ports.get(timeout=10)
            asyncio.run(run(args.count, args.repeat, plain, secure, ca_file))
        finally:
            server.kill()
            server.join(5)


if __name__ == "__main__":
    main()
