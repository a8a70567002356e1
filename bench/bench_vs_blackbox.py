"""Probes per CPU-second: infraprobe's checks next to blackbox_exporter's, on the same targets, in one run.

Targets, each in its own process so no prober pays for them: a fixed-response HTTP and HTTPS server, a DNS stub,
a redis-server. blackbox_exporter (Debian package `prometheus-blackbox-exporter`) is started by this script on a
free loopback port and driven through `/probe?module=...&target=...` as Prometheus drives it, `--concurrency`
requests at a time over keep-alive connections; its CPU time is read from /proc. infraprobe's checks run in this
process (`Runner.check`, `--concurrency` at a time) and their CPU time is this process's; and `infraprobe monitor`
on the same components has its own `/probe` driven the same way (its CPU from /proc). A bare asyncio loop
(connect, or TLS handshake with a shared context) is the practical limit.

Both sides pay for what they do per probe; blackbox_exporter also parses the HTTP request for `/probe` and writes
its metrics (that is how it is used), while infraprobe's figure is the check alone (the monitor calls it so).

    .venv/bin/python bench/bench_vs_blackbox.py --count 5000           # a quiet machine
    .venv/bin/python bench/bench_vs_blackbox.py --count 300            # proves it works

Loopback only; every loop is bounded by --count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench_probes import fixed_servers

from infraprobe.config.model import ComponentBase
from infraprobe.net import close_quietly
from infraprobe.probes.dns import DnsCheck
from infraprobe.probes.http import HttpCheck
from infraprobe.probes.redis import RedisCheck
from infraprobe.probes.tcp import TcpCheck
from infraprobe.probes.tls import TlsCheck
from infraprobe.result import Status
from infraprobe.runner import Runner
from infraprobe.testing._localserver import free_port
from infraprobe.testing.dnsstub import DnsStub
from infraprobe.testing.redis import RedisServer

TICKS = os.sysconf("SC_CLK_TCK")
DNS_NAME = "svc.bench.test"
BLACKBOX = "prometheus-blackbox-exporter"


def blackbox_config(ca_file: Path) -> str:
    return f"""modules:
  tcp_connect: {{prober: tcp, timeout: 5s}}
  http_2xx: {{prober: http, timeout: 5s}}
  tls_connect: {{prober: tcp, timeout: 5s, tcp: {{tls: true, tls_config: {{ca_file: "{ca_file}"}}}}}}
  dns_a: {{prober: dns, timeout: 5s, dns: {{query_name: "{DNS_NAME}", query_type: "A", transport_protocol: udp, preferred_ip_protocol: ip4}}}}
  redis_ping:
    prober: tcp
    timeout: 5s
    tcp:
      query_response: [{{send: "PING"}}, {{expect: "^[+]PONG"}}]
"""


def _dns_serve(ports: mp.Queue[int]) -> None:
    async def serve() -> None:
        async with DnsStub({DNS_NAME: ["127.0.0.1"]}) as stub:
            ports.put(stub.port)
            await asyncio.sleep(3600)  # killed by the parent long before

    asyncio.run(serve())


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def bounded(count: int, concurrency: int, once: Callable[[], Awaitable[None]]) -> None:
    left = count

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await once()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def ours(component: ComponentBase, count: int, concurrency: int, runner: Runner) -> float:
    async def once() -> None:
        result = await runner.check(component)
        assert result.status is not Status.FAIL, result.message

    runner.prepare([component])
    await bounded(min(count, 100), concurrency, once)  # warm-up
    cpu = time.process_time()
    await bounded(count, concurrency, once)
    return (time.process_time() - cpu) * 1000 / count


async def bare(port: int, ctx: ssl.SSLContext | None, count: int, concurrency: int) -> float:
    async def once() -> None:
        host = "localhost" if ctx else None
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname=host)
        await close_quietly(writer)

    await bounded(min(count, 100), concurrency, once)
    cpu = time.process_time()
    await bounded(count, concurrency, once)
    return (time.process_time() - cpu) * 1000 / count


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 response body, Content-Length or chunked (Go switches to chunked past its buffer)."""
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return await reader.readexactly(int(line.split(b":")[1]))
    body = b""
    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
        body += (await reader.readexactly(size + 2))[:-2]
    await reader.readuntil(b"\r\n")
    return body


async def via_probe(port: int, pid: int, query: str, count: int, concurrency: int) -> float:
    """CPU ms per `/probe` request of the server process `pid`, driven `concurrency` at a time (keep-alive)."""
    request = f"GET /probe?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    free = asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]()
    for _ in range(concurrency):
        free.put_nowait(await asyncio.open_connection("127.0.0.1", port))

    async def once() -> None:
        reader, writer = await free.get()
        writer.write(request)
        body = await read_response(reader)
        assert b"probe_success 1" in body, body[-300:]
        free.put_nowait((reader, writer))

    await bounded(min(count, 100), concurrency, once)
    cpu = cpu_of(pid)
    await bounded(count, concurrency, once)
    spent = cpu_of(pid) - cpu
    while not free.empty():
        await close_quietly(free.get_nowait()[1])
    return spent * 1000 / count


def kinds(t: dict[str, int], ca: Path) -> list[tuple[str, ComponentBase, str]]:
    """(kind, our component, blackbox_exporter's /probe query) on the same targets."""
    http, https, dns, redis = t["http"], t["https"], t["dns"], t["redis"]
    return [
        ("tcp", TcpCheck(name="t", host="127.0.0.1", port=http), f"module=tcp_connect&target=127.0.0.1:{http}"),
        ("http", HttpCheck(name="h", url=f"http://127.0.0.1:{http}/"), f"module=http_2xx&target=http://127.0.0.1:{http}/"),
        ("tls", TlsCheck(name="s", host="localhost", port=https, ca_file=str(ca)), f"module=tls_connect&target=localhost:{https}"),
        ("dns", DnsCheck(name="d", host=DNS_NAME, record_types=("A",), nameserver=f"127.0.0.1:{dns}"), f"module=dns_a&target=127.0.0.1:{dns}"),
        ("redis", RedisCheck(name="r", url=f"redis://127.0.0.1:{redis}/0"), f"module=redis_ping&target=127.0.0.1:{redis}"),
    ]  # fmt: skip


async def compare(
    args: argparse.Namespace, t: dict[str, int], ca: Path, bb: tuple[int, int], mon: tuple[int, int]
) -> None:
    (bb_port, bb_pid), (mon_port, mon_pid) = bb, mon
    runner = Runner()
    client = ssl.create_default_context(cafile=str(ca))
    n, c = args.count, args.concurrency
    print(f"CPU ms per probe, concurrency {c}, {n} probes each (lower is better)")
    print(f"{'kind':6} {'infraprobe':>11} {'blackbox':>9} {'ratio':>6} {'infraprobe via its /probe':>26}")
    for kind, component, query in kinds(t, ca):
        mine = await ours(component, n, c, runner)
        other = await via_probe(bb_port, bb_pid, query, n, c)
        endpoint = await via_probe(mon_port, mon_pid, f"component={component.name}", n, c)
        print(f"{kind:6} {mine:11.3f} {other:9.3f} {other / mine:5.2f}x {endpoint:26.3f}")
    plain, secure = await bare(t["http"], None, n, c), await bare(t["https"], client, n, c)
    print(f"bare asyncio: connect+close {plain:.3f}; TLS handshake (shared context) {secure:.3f}")
    runner.net.close()


def start_monitor(work: Path, t: dict[str, int], ca: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`infraprobe monitor` on the same components, checking each once an hour: its /probe does the work."""
    lines = []
    for _, component, _ in kinds(t, ca):
        fields = component.model_dump(exclude_defaults=True, exclude={"tls"})
        lines.append(f"  - {json.dumps({**fields, 'kind': component.kind, 'interval': 3600})}")
    (work / "monitor.yaml").write_text("components:\n" + "\n".join(lines) + "\n")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "infraprobe",
        "monitor",
        str(work / "monitor.yaml"),
        "--metrics",
        f"127.0.0.1:{port}",
    ]
    proc = subprocess.Popen(
        [*cmd, "--store", f"sqlite:///{work / 'm.db'}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return proc, wait_for_port(proc, port)


def wait_for_port(proc: subprocess.Popen[bytes], port: int) -> int:
    for _ in range(300):  # bounded: 30 s
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"nothing listened on {port}")


def start_blackbox(work: Path, ca: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which(BLACKBOX)
    if binary is None:
        sys.exit(f"{BLACKBOX} not found: apt-get install prometheus-blackbox-exporter")
    (work / "blackbox.yml").write_text(blackbox_config(ca))
    port = free_port()
    cmd = [binary, f"--config.file={work / 'blackbox.yml'}", f"--web.listen-address=127.0.0.1:{port}"]
    proc = subprocess.Popen([*cmd, "--log.level=error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, wait_for_port(proc, port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fixed_servers(Path(tmp)) as (http, https, ca):
        ports: mp.Queue[int] = mp.Queue()
        dns = mp.Process(target=_dns_serve, args=(ports,), daemon=True)
        dns.start()
        targets = {"http": http, "https": https, "dns": ports.get(timeout=30)}
        bb, bb_port = start_blackbox(Path(tmp), ca)
        try:
            with RedisServer(maxclients=10_000) as redis:
                targets["redis"] = redis.port
                mon, mon_port = start_monitor(Path(tmp), targets, ca)
                try:
                    asyncio.run(compare(args, targets, ca, (bb_port, bb.pid), (mon_port, mon.pid)))
                finally:
                    mon.kill()
                    mon.wait()
        finally:
            bb.kill()
            bb.wait()
            dns.kill()
            dns.join(5)


if __name__ == "__main__":
    main()
