"""Probes per CPU-second: infraprobe's checks next to blackbox_exporter's, on the same targets, in one run.

Targets, each in its own process so no prober pays for them: a fixed-response HTTP and HTTPS server, a DNS stub,
a redis-server, all on 127.0.0.1. blackbox_exporter (Debian package `prometheus-blackbox-exporter`, installed
with apt-get when missing, as ./dev installs its packages; skipped with a message when that is impossible) is
started by this script on a free loopback port and driven through `/probe?module=...&target=...` as Prometheus
drives it, `--concurrency` requests at a time over keep-alive connections; its CPU time is read from /proc.
infraprobe's checks run in this process (`Runner.check`, `--concurrency` at a time) and their CPU time is this
process's. A bare asyncio loop per kind, doing the same exchange with nothing else (no phases, facts or result),
is the practical limit. With `--monitor`, `infraprobe monitor` on the same components has its own `/probe` driven
the same way (its CPU from /proc), in the first round.

Both sides pay for what they do per probe; blackbox_exporter also parses the HTTP request for `/probe` and writes
its metrics (that is how it is used), while infraprobe's figure is the check alone (the monitor calls it so).
The machine may be shared: CPU time, not wall time, is measured; `--repeat` rounds run the kinds interleaved and
the medians are reported, with the load average before and after.

    .venv/bin/python bench/bench_vs_blackbox.py --count 3000 --repeat 5     # the figures in docs/benchmarks.md
    .venv/bin/python bench/bench_vs_blackbox.py --count 300 --repeat 1      # proves it works
    .venv/bin/python bench/bench_vs_blackbox.py --profile tls --count 3000  # top functions of one kind's check
    .venv/bin/python bench/bench_vs_blackbox.py --kinds http --repeat 5     # one kind's rows only

Loopback only; every loop is bounded by --count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import ipaddress
import json
import multiprocessing as mp
import os
import pstats
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench_probes import fixed_servers

from infraprobe.config.model import ComponentBase
from infraprobe.net import close_quietly
from infraprobe.probes.dns import DnsCheck, parse_nameserver
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
KINDS = ("tcp", "http", "tls", "dns", "redis")
Once = Callable[[], Awaitable[None]]


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


async def bounded(count: int, concurrency: int, once: Once) -> None:
    left = count

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await once()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def cpu_ms(once: Once, count: int, concurrency: int) -> float:
    """This process's CPU ms per call of `once`, `concurrency` in flight, after a warm-up."""
    await bounded(min(count, 100), concurrency, once)
    cpu = time.process_time()
    await bounded(count, concurrency, once)
    return (time.process_time() - cpu) * 1000 / count


def our_check(runner: Runner, component: ComponentBase) -> Once:
    runner.prepare([component])

    async def once() -> None:
        result = await runner.check(component)
        assert result.status is not Status.FAIL, result.message

    return once


async def ours(component: ComponentBase, count: int, concurrency: int, runner: Runner) -> float:
    return await cpu_ms(our_check(runner, component), count, concurrency)


# The bare loops: each kind's exchange with asyncio's lowest-level socket calls and nothing else.


async def _raw(port: int, exchange: Callable[[socket.socket], Awaitable[None]] | None = None) -> None:
    loop = asyncio.get_running_loop()
    with socket.socket() as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        if exchange is not None:
            await exchange(sock)


async def _until_closed(sock: socket.socket, request: bytes) -> None:
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(sock, request)
    while await loop.sock_recv(sock, 65536):
        pass


async def _redis_ping_info(sock: socket.socket) -> None:
    """PING and INFO pipelined, as the check sends them; reads the +PONG line and the whole INFO bulk."""
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(sock, b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nINFO\r\n")
    data = b""
    while b"\r\n" not in data.partition(b"+PONG\r\n")[2]:
        data += await loop.sock_recv(sock, 65536)
    header, _, body = data.partition(b"+PONG\r\n")[2].partition(b"\r\n")
    size = int(header[1:])
    while len(body) < size + 2:
        body += await loop.sock_recv(sock, 65536)


def dns_query(name: str, ident: int = 0x1234) -> bytes:
    """One A query, recursion desired, as a stub resolver sends it."""
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
    return (
        ident.to_bytes(2, "big")
        + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
        + labels
        + b"\x00\x00\x01\x00\x01"
    )


async def _dns(port: int, query: bytes) -> None:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.connect(("127.0.0.1", port))
        await loop.sock_sendall(sock, query)
        answer = await loop.sock_recv(sock, 4096)
        assert answer[:2] == query[:2] and answer[3] & 0x0F == 0, answer


async def _handshake(port: int, ctx: ssl.SSLContext) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost")
    await _close(writer)


async def _streams(port: int) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    """asyncio's plain close, not ours: the limit must not move when our code does."""
    writer.close()
    await writer.wait_closed()


def bare_loops(t: dict[str, int], ca: Path) -> dict[str, Once]:
    """The practical limit of each kind, and asyncio's streams (what a connect costs with them)."""
    client = ssl.create_default_context(cafile=str(ca))
    get = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{t['http']}\r\nConnection: close\r\n\r\n".encode()
    query = dns_query(DNS_NAME)
    return {
        "tcp": lambda: _raw(t["http"]),
        "http": lambda: _raw(t["http"], lambda s: _until_closed(s, get)),
        "tls": lambda: _handshake(t["https"], client),
        "dns": lambda: _dns(t["dns"], query),
        "redis": lambda: _raw(t["redis"], _redis_ping_info),
        "streams": lambda: _streams(t["http"]),
    }


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


@dataclass
class Endpoint:
    """A process serving `/probe` on loopback: blackbox_exporter or infraprobe monitor."""

    port: int
    pid: int


Figures = dict[str, dict[str, float]]  # column -> kind -> CPU ms per probe


async def one_round(
    args: argparse.Namespace, t: dict[str, int], ca: Path, bb: Endpoint | None, mon: Endpoint | None
) -> Figures:
    runner = Runner()
    n, c = args.count, args.concurrency
    loops = bare_loops(t, ca)
    out: Figures = {"infraprobe": {}, "blackbox": {}, "bare": {}, "monitor": {}}
    for kind, component, query in kinds(t, ca):
        if kind not in args.kinds:
            continue
        out["infraprobe"][kind] = await ours(component, n, c, runner)
        if bb is not None:
            out["blackbox"][kind] = await via_probe(bb.port, bb.pid, query, n, c)
        out["bare"][kind] = await cpu_ms(loops[kind], n, c)
        if mon is not None:
            out["monitor"][kind] = await via_probe(mon.port, mon.pid, f"component={component.name}", n, c)
    out["bare"]["streams"] = await cpu_ms(loops["streams"], n, c)
    runner.net.close()
    return with_ratios(out)


def with_ratios(f: Figures) -> Figures:
    """Per round, so the medians of ratios are medians of what each round measured side by side."""
    ours_, bb, bare = f["infraprobe"], f["blackbox"], f["bare"]
    f["ratio"] = {kind: bb[kind] / ours_[kind] for kind in ours_ if kind in bb}
    f["over"] = {kind: ours_[kind] / bare[kind] - 1 for kind in ours_}
    return f


def medians(rounds: list[Figures]) -> Figures:
    columns = {column for r in rounds for column in r}
    return {
        column: {
            kind: statistics.median(r[column][kind] for r in rounds if kind in r.get(column, {}))
            for kind in {k for r in rounds for k in r.get(column, {})}
        }
        for column in columns
    }


def show(title: str, f: Figures) -> None:
    print(title)
    print(
        f"{'kind':6} {'infraprobe':>10} {'blackbox':>9} {'ratio':>6} {'bare':>7} {'over bare':>9} {'monitor /probe':>15}"
    )
    for kind in (k for k in KINDS if k in f["infraprobe"]):
        ours_, bb, bare = f["infraprobe"][kind], f["blackbox"].get(kind), f["bare"][kind]
        ratio = f"{f['ratio'][kind]:5.2f}x" if bb else "    -"
        bb_text = f"{bb:9.3f}" if bb else "        -"
        mon = f["monitor"].get(kind)
        mon_text = f"{mon:15.3f}" if mon is not None else ""
        print(f"{kind:6} {ours_:10.3f} {bb_text} {ratio} {bare:7.3f} {f['over'][kind]:+8.0%} {mon_text}")
    print(f"bare asyncio open_connection + close (streams): {f['bare']['streams']:.3f}")


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "?",
    )  # fmt: skip
    return f"nproc {os.cpu_count()}, {cpu}, Python {sys.version.split()[0]}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def compare(
    args: argparse.Namespace, t: dict[str, int], ca: Path, bb: Endpoint | None, mon: Endpoint | None
) -> None:
    print(f"CPU ms per probe, concurrency {args.concurrency}, {args.count} probes each (lower is better)")
    print(f"machine: {machine()}; load average before: {load()}")
    rounds = []
    for i in range(args.repeat):
        rounds.append(await one_round(args, t, ca, bb, mon if i == 0 else None))
        show(f"-- round {i + 1} (load average {load()})", rounds[-1])
    if args.repeat > 1:
        show(f"== median of {args.repeat} rounds (each column, ratios too, its own median)", medians(rounds))
    print(f"load average after: {load()}")


async def profile(args: argparse.Namespace, t: dict[str, int], ca: Path) -> None:
    """Our check of one kind under cProfile: where its CPU goes, top functions by own time."""
    runner = Runner()
    component = next(c for kind, c, _ in kinds(t, ca) if kind == args.profile)
    once = our_check(runner, component)
    await bounded(min(args.count, 200), args.concurrency, once)
    profiler = cProfile.Profile()
    profiler.enable()
    await bounded(args.count, args.concurrency, once)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
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


def blackbox_binary() -> str | None:
    """The Debian package's binary, installed with apt-get when missing (root or sudo); None if impossible."""
    binary = shutil.which(BLACKBOX)
    if binary is not None:
        return binary
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if shutil.which("apt-get") is None or (sudo and shutil.which("sudo") is None):
        return None
    print(f"installing the Debian package {BLACKBOX} (apt-get)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", BLACKBOX]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=False)
    return shutil.which(BLACKBOX)


@contextlib.contextmanager
def process(proc: subprocess.Popen[bytes]) -> Iterator[None]:
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def blackbox(work: Path, ca: Path) -> Iterator[Endpoint | None]:
    binary = blackbox_binary()
    if binary is None:
        print(f"SKIPPED blackbox_exporter: {BLACKBOX} is not installed and apt-get could not install it "
              f"(run as root, or: sudo apt-get install {BLACKBOX})", file=sys.stderr)  # fmt: skip
        yield None
        return
    (work / "blackbox.yml").write_text(blackbox_config(ca))
    port = free_port()
    cmd = [binary, f"--config.file={work / 'blackbox.yml'}", f"--web.listen-address=127.0.0.1:{port}"]
    proc = subprocess.Popen([*cmd, "--log.level=error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with process(proc):
        yield Endpoint(wait_for_port(proc, port), proc.pid)


@contextlib.contextmanager
def monitor(work: Path, t: dict[str, int], ca: Path, wanted: bool) -> Iterator[Endpoint | None]:
    if not wanted:
        yield None
        return
    proc, port = start_monitor(work, t, ca)
    with process(proc):
        yield Endpoint(port, proc.pid)


@contextlib.contextmanager
def targets(work: Path) -> Iterator[tuple[dict[str, int], Path]]:
    """Every target in its own process on 127.0.0.1: (ports by name, the CA file of the HTTPS server)."""
    with fixed_servers(work) as (http, https, ca):
        ports: mp.Queue[int] = mp.Queue()
        dns = mp.Process(target=_dns_serve, args=(ports,), daemon=True)
        dns.start()
        try:
            with RedisServer(maxclients=10_000) as redis:
                yield {"http": http, "https": https, "dns": ports.get(timeout=30), "redis": redis.port}, ca
        finally:
            dns.kill()
            dns.join(5)


def connects_to(component: ComponentBase) -> str:
    if isinstance(component, DnsCheck):
        assert component.nameserver is not None, "the system resolver is not this machine's loopback"
        return parse_nameserver(component.nameserver)[0]
    url = getattr(component, "url", None)
    return urlsplit(url).hostname or "" if url else str(getattr(component, "host", ""))


def loopback_only(t: dict[str, int], ca: Path) -> None:
    """Every component this script probes must point at this machine's loopback."""
    for _, component, _ in kinds(t, ca):
        host = connects_to(component)
        assert host == "localhost" or ipaddress.ip_address(host).is_loopback, component


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the medians are reported")
    parser.add_argument("--monitor", action="store_true", help="also drive `infraprobe monitor`'s /probe")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=KINDS, help="only these kinds")
    parser.add_argument("--profile", choices=KINDS, help="profile our check of one kind instead")
    parser.add_argument("--top", type=int, default=30, help="functions listed by --profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, targets(Path(tmp)) as (t, ca):
        loopback_only(t, ca)
        if args.profile:
            asyncio.run(profile(args, t, ca))
            return
        with blackbox(Path(tmp), ca) as bb, monitor(Path(tmp), t, ca, args.monitor) as mon:
            asyncio.run(compare(args, t, ca, bb, mon))


if __name__ == "__main__":
    main()
