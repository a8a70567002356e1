"""History stores: `open_store(url)` picks the backend from the URL's scheme.

store = open_store("sqlite:///var/lib/infraprobe/history.db")   # four slashes: an absolute path
store = open_store("postgresql://monitor:pw@db.example:5432/infraprobe")
"""

from __future__ import annotations

from pathlib import Path

from infraprobe.errors import UsageError
from infraprobe.monitor.store.base import (
    Compaction,
    ResultRow,
    Retention,
    Rollup,
    Series,
    Store,
    StoreUnavailable,
    Window,
)

SCHEMES = ("sqlite", "postgresql", "postgres")


def open_store(url: str) -> Store:
    """A store for `url`: `sqlite:///relative.db`, `sqlite:////absolute.db`, a bare path, or `postgresql://...`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        from infraprobe.monitor.store.sqlite import SqliteStore

        return SqliteStore(Path(url))
    if scheme == "sqlite":
        from infraprobe.monitor.store.sqlite import SqliteStore

        if not rest.startswith("/") or rest == "/":
            raise UsageError(
                "a SQLite store URL is sqlite:///PATH (e.g. sqlite:///history.db)", field="--store"
            )
        return SqliteStore(Path(rest[1:]))
    if scheme in ("postgresql", "postgres"):
        # psycopg (libpq) is loaded only for a PostgreSQL store.
        from infraprobe.monitor.store.postgres import PostgresStore

        return PostgresStore(url)
    raise UsageError(f"unknown store scheme {scheme!r}; expected one of: sqlite, postgresql", field="--store")


__all__ = [
    "Compaction",
    "ResultRow",
    "Retention",
    "Rollup",
    "Series",
    "Store",
    "StoreUnavailable",
    "Window",
    "open_store",
]
