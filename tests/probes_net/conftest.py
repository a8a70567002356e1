"""Fixtures for the network probe tests: a test PKI, a runner, and real servers on loopback.

Network rule: every test talks to 127.0.0.0/8 or ::1 only; DNS failures use *.invalid or a stub on
loopback; every server is torn down at the end of its test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from infraprobe.runner import Runner
from infraprobe.testing.certs import TestPki, make_test_pki
from infraprobe.testing.httpservers import DemoApp, HttpServer


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def ca_file(pki: TestPki) -> str:
    return str(pki.ca_file)


@pytest.fixture
def ca_dir(pki: TestPki) -> Path:
    return pki.ca_file.parent


@pytest.fixture
async def runner() -> AsyncIterator[Runner]:
    r = Runner()
    yield r
    r.net.close()


@pytest.fixture
def demo() -> DemoApp:
    return DemoApp()


@pytest.fixture
async def app(demo: DemoApp) -> AsyncIterator[HttpServer]:
    async with HttpServer(demo) as server:
        yield server


@pytest.fixture
async def tls_app(demo: DemoApp, pki: TestPki) -> AsyncIterator[HttpServer]:
    async with HttpServer(demo, ssl_context=pki.healthy) as server:
        yield server
