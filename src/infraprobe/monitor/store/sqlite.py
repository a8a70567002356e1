"""The default store: one SQLite file, created on first use, in WAL mode so `history` reads while `monitor` writes.

`synchronous=NORMAL` under WAL keeps every committed transaction through a crash of the process (SIGKILL);
only a power cut can lose the last commits, which is the trade every local monitor makes for speed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from infraprobe.monitor.store.ledger import Cursor
from infraprobe.monitor.store.sql import Connection, Dialect, SqlStore


class SqliteStore(SqlStore):
    dialect = Dialect("?", "INTEGER PRIMARY KEY AUTOINCREMENT", "REAL", "BLOB")

    def __init__(self, path: str | Path, **kw: object) -> None:
        self.path = Path(path)
        super().__init__(f"sqlite:///{self.path}", **kw)  # type: ignore[arg-type]

    def _connect(self) -> Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode (isolation_level=None): SqlStore issues BEGIN/COMMIT itself, as for PostgreSQL.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _begin_exclusive(self, cur: Cursor) -> None:
        # IMMEDIATE takes the write lock before the first read, so the rows read are the rows rolled up.
        cur.execute("BEGIN IMMEDIATE")

    def _unavailable(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError)
