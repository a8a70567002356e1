"""What does a Redis probe cost? Our RESP client against redis-py, new connection each time, on loopback.

Claim under test (PERF-FACTS.md): redis-py costs several times a bare RESP exchange per probe, so the redis
probe speaks RESP itself. Each variant opens a connection, does its commands and closes, `--count` times in
a row against a throwaway redis-server on a free loopback port; reported as probes/s and client CPU ms per
probe (process time, which excludes the server's), median of `--repeat` runs. Every loop is bounded.

    .venv/bin/python bench/bench_redis_probe.py [--count 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial

import redis.asyncio as redis_asyncio

from infraprobe.net import close_quietly
from infraprobe.probes.redis import RedisCheck
from infraprobe.probes.wire.resp import RespClient, info_fields
from infraprobe.result import Status
from infraprobe.runner import Runner
from infraprobe.testing.redis import RedisServer

Once = Callable[[], Awaitable[None]]


async def resp_ping(host: str, port: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    assert await RespClient(reader, writer).call("PING") == "PONG"
    await close_quietly(writer)


async def resp_ping_info(host: str, port: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    replies = await RespClient(reader, writer).pipeline(("PING",), ("INFO",))
    assert info_fields(replies[1], ("role",))["role"] == "master"
    await close_quietly(writer)


async def redis_py(host: str, port: int, *, lean: bool, with_info: bool) -> None:
    # driver_info=None skips the two CLIENT SETINFO round trips redis-py sends on every new connection.
    if lean:
        client = redis_asyncio.Redis(host=host, port=port, driver_info=None)
    else:
        client = redis_asyncio.Redis(host=host, port=port)
    assert await client.ping()
    if with_info:
        assert (await client.info())["role"] == "master"
    await client.aclose()


async def infraprobe_check(runner: Runner, check: RedisCheck) -> None:
    assert (await runner.check(check)).status is Status.OK


def variants(server: RedisServer, runner: Runner) -> dict[str, Once]:
    at = (server.host, server.port)
    check = RedisCheck(name="bench", host=server.host, port=server.port)
    return {
        "RESP (ours): connect + PING + close": partial(resp_ping, *at),
        "redis-py lean: connect + PING + close": partial(redis_py, *at, lean=True, with_info=False),
        "redis-py default: connect + PING + close": partial(redis_py, *at, lean=False, with_info=False),
        "RESP (ours): connect + PING + INFO + close": partial(resp_ping_info, *at),
        "redis-py lean: connect + PING + INFO + close": partial(redis_py, *at, lean=True, with_info=True),
        "infraprobe redis check (Runner, phases, facts)": partial(infraprobe_check, runner, check),
    }


async def measure(once: Once, count: int) -> tuple[float, float]:
    """(probes per second, client CPU ms per probe) for `count` sequential probes."""
    for _ in range(min(50, count)):  # warm up: imports, first connections, code paths
        await once()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        await once()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return count / wall, cpu / count * 1000


async def run(count: int, repeat: int) -> None:
    runner = Runner()
    with RedisServer() as server:
        print(f"redis-server on 127.0.0.1:{server.port}; {count} probes x {repeat} runs, medians\n")
        print(f"| {'variant':<48} | probes/s | CPU ms/probe |")
        print(f"|{'-' * 50}|---------:|-------------:|")
        for name, once in variants(server, runner).items():
            runs = [await measure(once, count) for _ in range(repeat)]
            rate = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(f"| {name:<48} | {rate:8,.0f} | {cpu:12.3f} |")
    runner.net.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=2000, help="probes per run (bounded loop)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(min(args.count, 20_000), args.repeat))


if __name__ == "__main__":
    main()
