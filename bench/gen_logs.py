"""Generate a large, realistic application log for `bench_logs.py` and the memory test.

Noise is what a busy web service writes: access lines, SQL debug lines, worker and cache statistics, slow
request warnings, with varying ids, addresses and latencies. A fraction of *events* (default 0.1%) are
failures drawn from a few dozen real error texts, each copy with its own request id, (redis-py, SQLAlchemy, psycopg, nginx, TLS, Java and
Python tracebacks) plus a few errors no signature knows (to exercise clustering). Timestamps advance
~25 ms per line, Python logging style. Deterministic for a given seed.

    python bench/gen_logs.py /tmp/bench.log --size-mb 500
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

ERRORS = (
    "ERROR [app.cache] Error -3 connecting to cache.prod.invalid:6379. Temporary failure in name resolution.",
    "ERROR [app.cache] Redis VPC connectivity error -3 (Temporary failure in name resolution)",
    "ERROR [app.cache] Error 111 connecting to 192.0.2.18:6379. Connection refused.",
    "ERROR [app.cache] Timeout connecting to server",
    "ERROR [app.cache] OOM command not allowed when used memory > 'maxmemory'.",
    "ERROR [app.cache] NOAUTH Authentication required.",
    "ERROR [app.cache] READONLY You can't write against a read only replica.",
    "ERROR [app.cache] LOADING Redis is loading the dataset in memory",
    "ERROR [app.db] QueuePool limit of size 10 overflow 15 reached, connection timed out, timeout 30.00",
    'ERROR [app.db] connection to server at "192.0.2.19", port 5432 failed: FATAL:  sorry, too many clients already',
    'ERROR [app.db] connection to server at "192.0.2.19", port 5432 failed: FATAL:  remaining connection slots are reserved for non-replication superuser connections',
    'ERROR [app.db] connection to server at "db.prod.invalid" failed: could not translate host name "db.prod.invalid" to address: Name or service not known',
    'ERROR [app.db] connection to server at "192.0.2.19", port 5432 failed: Connection refused',
    'ERROR [app.db] FATAL:  password authentication failed for user "app"',
    'ERROR [app.db] FATAL:  database "orders" does not exist',
    "ERROR [app.db] canceling statement due to statement timeout",
    "ERROR [app.db] FATAL:  the database system is starting up",
    "ERROR [app.db] cannot execute UPDATE in a read-only transaction",
    "ERROR [app.db] server closed the connection unexpectedly",
    "ERROR [app.http] upstream returned status 503 Service Unavailable for GET /api/v1/inventory",
    "ERROR [app.http] 502 Bad Gateway from payments.internal",
    "ERROR [app.http] 504 Gateway Time-out from search.internal",
    "ERROR [app.http] HTTPSConnectionPool(host='payments.example.invalid', port=443): Max retries exceeded "
    "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
    "failed: certificate has expired (_ssl.c:1006)')))",
    "ERROR [app.http] [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in "
    "certificate chain",
    "ERROR [app.http] hostname 'api.internal' doesn't match 'other.internal'",
    "ERROR [app.http] [SSL: WRONG_VERSION_NUMBER] wrong version number",
    "ERROR [app.http] ConnectionResetError: [Errno 104] Connection reset by peer",
    "ERROR [app.http] [Errno 101] Network is unreachable",
    "ERROR [app.http] [Errno 113] No route to host",
    "ERROR [app.http] ReadTimeout: HTTPConnectionPool(host='search.internal', port=80): Read timed out. (read timeout=5)",
    "ERROR [app.http] ConnectTimeout: connection to 192.0.2.20:443 timed out",
    "ERROR [app.ws] server rejected WebSocket connection: HTTP 403",
    "ERROR [app.http] MemoryError",
    "ERROR [app.http] Traceback (most recent call last):\n"
    '  File "/app/handlers.py", line 41, in get_order\n'
    "    return cache.get(key)\n"
    '  File "/usr/lib/python3/site-packages/redis/connection.py", line 707, in connect\n'
    "    raise ConnectionError(self._error_message(e))\n"
    "redis.exceptions.ConnectionError: Error -3 connecting to cache.prod.invalid:6379. "
    "Temporary failure in name resolution.",
    "ERROR [app.db] Exception in request\n"
    "Traceback (most recent call last):\n"
    '  File "/app/db.py", line 12, in run\n'
    "    conn = engine.connect()\n"
    "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, "
    "timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)",
    "ERROR [main] c.e.orders.Client - request failed\n"
    "java.net.ConnectException: Connection refused\n"
    "\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n"
    "\tat java.base/sun.nio.ch.Net.connect(Net.java:579)\n"
    "\t... 12 more",
    "ERROR [app.billing] invoice 4411 could not be rendered: template 'invoice_v2' missing block 'footer'",
    "ERROR [app.billing] invoice 9127 could not be rendered: template 'invoice_v2' missing block 'header'",
    "CRITICAL [app.worker] job 83 failed after 3 attempts: KeyError 'customer_id'",
)

PATHS = ("/api/v1/orders", "/api/v1/items", "/api/v1/search", "/api/v1/users", "/healthz", "/static/app.js")


def noise(rng: random.Random) -> str:
    """One ordinary line; the mix and the numbers are what production logs look like."""
    kind = rng.random()
    ip = f"10.0.{rng.randrange(256)}.{rng.randrange(256)}"
    if kind < 0.45:
        path = f"{rng.choice(PATHS)}/{rng.randrange(100000)}"
        status = rng.choice((200, 200, 200, 201, 204, 301, 304))
        return f'INFO [uvicorn.access] {ip}:{rng.randrange(1024, 65535)} - "GET {path} HTTP/1.1" {status} {rng.randrange(90, 9000)}'
    if kind < 0.65:
        return (
            "DEBUG [sqlalchemy.engine] SELECT orders.id, orders.status, orders.total FROM orders "
            f"WHERE orders.user_id = %(user_id)s LIMIT {rng.choice((10, 20, 50))} [cached since {rng.random() * 900:.4g}s ago]"
        )
    if kind < 0.80:
        return f"INFO [app.worker] job {rng.getrandbits(32):08x} processed in {rng.randrange(1, 400)} ms (queue=default, attempts=1)"
    if kind < 0.90:
        return (
            f"INFO [app.cache] hit ratio {rng.random():.2f} over the last 60 s (keys={rng.randrange(10**6)})"
        )
    if kind < 0.97:
        return f"INFO [app.auth] user {rng.randrange(10**6)} signed in from {ip}"
    return f"WARNING [app.http] slow request GET {rng.choice(PATHS)} took {rng.randrange(1000, 4000)} ms"


def _with_request_id(error: str, rng: random.Random) -> str:
    """Every copy of a failure carries its own request id, as in a real incident: few messages, no two
    lines alike (an exact-text memo misses every one)."""
    first, newline, rest = error.partition("\n")
    return f"{first} [request {rng.getrandbits(64) | 1 << 63:x}]{newline}{rest}"


def generate(out: BinaryIO, size: int, error_rate: float, seed: int) -> int:
    """Write about `size` bytes; return the number of failure events written."""
    rng = random.Random(seed)
    pool = [noise(rng) for _ in range(50_000)]  # sampling a pool keeps generation fast
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    step = timedelta(milliseconds=25)
    written = failures = 0
    while written < size:
        lines = []
        for _ in range(10_000):
            when += step
            stamp = when.strftime("%Y-%m-%d %H:%M:%S,") + f"{when.microsecond // 1000:03d}"
            if rng.random() < error_rate:
                failures += 1
                lines.append(f"{stamp} {_with_request_id(rng.choice(ERRORS), rng)}")
            else:
                lines.append(f"{stamp} {pool[rng.randrange(len(pool))]}")
        block = ("\n".join(lines) + "\n").encode()
        out.write(block)
        written += len(block)
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", help="file to write, or - for stdout")
    parser.add_argument("--size-mb", type=float, default=500)
    parser.add_argument("--error-rate", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    size = int(args.size_mb * 1024 * 1024)
    if args.out == "-":
        failures = generate(sys.stdout.buffer, size, args.error_rate, args.seed)
    else:
        with open(args.out, "wb") as out:
            failures = generate(out, size, args.error_rate, args.seed)
    print(f"{failures} failure events", file=sys.stderr)


if __name__ == "__main__":
    main()
