"""The MariaDB launcher: a server of its own on a free loopback port, never the machine's."""

from __future__ import annotations

import pymysql
import pytest

from tests.servers import MARIADB_PASSWORD, mariadb


def test_server_is_its_own_on_loopback() -> None:
    """It listens on 127.0.0.1 on a port of its own, with its own data directory (no my.cnf read)."""
    db = mariadb()
    ((port, bind, datadir),) = db.sql("SELECT @@port, @@bind_address, @@datadir")
    assert (port, bind) == (db.port, "127.0.0.1")
    assert port != 3306
    assert datadir.rstrip("/") == str(db.data)


def test_account_and_database_exist_with_the_password() -> None:
    """The test account logs in over TCP with its password only, into its database."""
    db = mariadb()
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER(), DATABASE()")
        assert cur.fetchone() == ("probe@%", "probe")
    with pytest.raises(pymysql.err.OperationalError) as info:
        db.connect(password="not-" + MARIADB_PASSWORD)
    assert info.value.args[0] == 1045
    assert db.url().startswith(f"mysql://probe:{MARIADB_PASSWORD}@127.0.0.1:{db.port}/")
