"""The app's own connections (a psycopg pool and a Redis client), opened by start-up phases.

Health checks never use these: they open their own single connection per check, so a pool that is
exhausted or broken is visible as such instead of hiding behind a check that waits in the same queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from infraprobe.lab.backend.settings import Settings

SCHEMA = "CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL)"


class NotReady(Exception):
    """A route needs a resource whose start-up phase has not finished."""


@dataclass
class Resources:
    settings: Settings
    _pool: AsyncConnectionPool | None = None
    _redis: Redis | None = None

    @property
    def pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            raise NotReady("database")
        return self._pool

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise NotReady("cache")
        return self._redis

    async def open_pool(self) -> None:
        s = self.settings
        kwargs = {"password": s.pg_password} if s.pg_password else {}
        pool = AsyncConnectionPool(
            s.pg_dsn,
            kwargs=kwargs,
            min_size=s.pool_min,
            max_size=s.pool_max,
            timeout=s.pool_timeout,
            open=False,
        )
        await pool.open(wait=True, timeout=30)
        self._pool = pool

    async def migrate(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(SCHEMA)

    async def open_redis(self) -> None:
        s = self.settings
        client = Redis.from_url(s.redis_url, password=s.redis_password)
        await client.ping()
        self._redis = client

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        if self._redis is not None:
            await self._redis.aclose()
