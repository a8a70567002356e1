"""`HealthChecks.from_config`: the app and `infraprobe check` share one YAML; Mount needs the lifespan."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from infraprobe.asgi import HealthApp, HealthChecks

from .conftest import serve


def test_mounted_checks_started_by_the_lifespan_watch_the_config(tmp_path: Path) -> None:
    """Probed before any health request (the lifespan starts them); the path component is not watched."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(5)
        config = tmp_path / "env.yaml"
        config.write_text(
            "components:\n"
            "  - {name: vpc, kind: path}\n"
            f"  - {{name: db, kind: tcp, host: 127.0.0.1, port: {listener.getsockname()[1]}}}\n"
        )
        checks = HealthChecks.from_config(config, interval=30)
        assert list(checks.monitors) == ["db"]

        @contextlib.asynccontextmanager
        async def lifespan(app: Any) -> AsyncIterator[None]:
            async with checks:  # with Mount, nothing else starts them before the first health request
                yield

        app = Starlette(routes=[Mount("/health", app=HealthApp(checks))], lifespan=lifespan)
        with serve(app) as base:
            conn, _ = listener.accept()  # the first check, with no health request made yet
            conn.close()
            ready = httpx.get(f"{base}/health/ready", timeout=5)
    assert ready.status_code == 200, ready.text
