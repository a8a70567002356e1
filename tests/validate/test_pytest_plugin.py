"""The pytest plugin, run by pytester: checks collected as items with their markers, -m and -k selection,
the fixture, failures explained with cause and guidance, and nothing at all without --infraprobe."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# Imported here, outside the inner runs: pytester drops the modules an in-process run imported once it ends, so
# the engine (imported lazily by the plugin) came back as a new module with a new `Validation` class in the
# second run of one test, while the config loader's registry still held the first run's class ("no
# `validation:` section to run" when this file ran alone; the full suite had imported it earlier).
import infraprobe.validate.engine  # noqa: F401
from infraprobe.testing.netfaults import ClosedPort

pytest_plugins = ["pytester"]


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_port() -> Iterator[int]:
    """A real HTTP server on loopback, on a thread: the inner pytest runs in this process and blocks."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def _inner_ini(pytester: pytest.Pytester) -> None:
    # Inner runs that load every installed plugin (as the inert test does) meet pytest-asyncio, which warns
    # when its loop scope is unset.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> pytest.RunResult:
    """An inner run with only this plugin: loading every installed plugin costs ~2 s a run here. The
    entry point itself is exercised by test_inert_without_the_option, which loads plugins as users do."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester.runpytest("-p", "infraprobe.pytest_plugin", "-p", "no:cacheprovider", *args)


@pytest.fixture
def staging(pytester: pytest.Pytester, api_port: int) -> Iterator[Path]:
    with ClosedPort() as closed:
        path = pytester.path / "staging.yaml"
        path.write_text(
            f"""
components:
  - {{name: api, kind: http, url: "http://127.0.0.1:{api_port}/health"}}
  - {{name: redis, kind: redis, host: 127.0.0.1, port: {closed.port}, timeout: 2s}}
validation:
  categories:
    - name: connectivity
      critical: true
      checks:
        - {{component: api}}
        - {{component: api, consistently: {{attempts: 2}}}}
    - name: cache
      checks:
        - {{component: redis}}
"""
        )
        yield path


def test_checks_are_items_with_markers_and_a_teams_tests_use_the_fixture(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, staging: Path
) -> None:
    pytester.makepyfile(
        test_e2e="""
        def test_cache_cause(infraprobe):
            assert infraprobe.config.component("redis").kind == "redis"
            result = infraprobe.check("redis")
            assert not result.ok
            assert result.diagnosis.cause.value == "connection_refused"

        def test_api(infraprobe):
            assert infraprobe.check("api").ok
        """
    )
    result = _run(pytester, monkeypatch, "--infraprobe", str(staging), "-v")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_e2e.py::test_cache_cause PASSED*",
            "*test_e2e.py::test_api PASSED*",
            "*staging.yaml::connectivity/api PASSED*",
            "*staging.yaml::connectivity/api 2x PASSED*",
            "*staging.yaml::cache/redis FAILED*",
            "*cache/redis: *Connect call failed*",
            "*cause: connection_refused (infrastructure, redis)*",
            "*next: Check the server process is running*",
        ]
    )


def test_select_with_m_critical_and_k(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, staging: Path
) -> None:
    critical = _run(pytester, monkeypatch, "--infraprobe", str(staging), "-m", "critical")
    critical.assert_outcomes(passed=2, deselected=1)
    redis = _run(pytester, monkeypatch, "--infraprobe", str(staging), "-k", "redis")
    redis.assert_outcomes(failed=1, deselected=2)


def test_inert_without_the_option(pytester: pytest.Pytester, staging: Path) -> None:
    pytester.makepyfile(
        test_own="""
        def test_plain():
            assert True

        def test_wants_infraprobe(infraprobe):
            raise AssertionError("never runs without --infraprobe")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*no infraprobe config: run pytest with --infraprobe CONFIG*"])
    assert "staging.yaml" not in result.stdout.str()


def test_a_broken_config_is_a_usage_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    path = pytester.path / "broken.yaml"
    path.write_text(
        "components: []\nvalidation:\n  categories:\n    - {name: c, checks: [{component: db}]}\n"
    )
    result = _run(pytester, monkeypatch, "--infraprobe", str(path))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = "broken.yaml:4:38: validation.categories[0].checks[0].component: no component of that name"
    assert expected in result.stderr.str()
    assert "Traceback" not in result.stderr.str()
