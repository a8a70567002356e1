"""What the lab needs on the machine, and exactly how to get what is missing."""

from __future__ import annotations

import importlib.util
import shutil

from infraprobe.testing.postgres import ServerUnavailable, find_bindir

BACKEND_MODULES = ("fastapi", "uvicorn", "psycopg_pool", "redis")


def missing() -> list[str]:
    """One line per missing piece, each saying how to install it; empty when the lab can run."""
    problems = []
    try:
        find_bindir()
    except ServerUnavailable:
        problems.append(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: `apt-get install postgresql` "
            "(Debian/Ubuntu; `./dev setup` does it), or set INFRAPROBE_PG_BIN to their directory"
        )
    if shutil.which("redis-server") is None:
        problems.append(
            "redis-server not found: `apt-get install redis-server` (Debian/Ubuntu; `./dev setup` does it)"
        )
    absent = [m for m in BACKEND_MODULES if importlib.util.find_spec(m) is None]
    if absent:
        problems.append(
            f"the reference backend needs {', '.join(absent)}: `pip install 'infraprobe[lab]'` (`./dev setup` does it)"
        )
    return problems
