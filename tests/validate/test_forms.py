"""The check forms against real servers: consistently, within, logs since T, and flows."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema

from infraprobe.configfile import LoadedConfig
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.httpservers import HttpServer
from infraprobe.validate import OUTPUT_SCHEMA, Selection, validate
from tests.validate.conftest import GOOD_TOKEN, STALE_TOKEN, AuthWebSocket, Login, SlowStart

CATEGORY = "validation:\n  categories:\n    - name: c\n      critical: true\n      checks:\n"


async def test_a_flapping_endpoint_fails_consistently_with_the_count(
    flapping: HttpServer, write_env: Callable[[str], LoadedConfig]
) -> None:
    loaded = write_env(
        f'components:\n  - {{name: api, kind: http, url: "{flapping.url("/health")}"}}\n'
        + CATEGORY
        + "        - {component: api, consistently: {attempts: 6, over: 0.6s}}\n"
        + "        - {component: api, consistently: {attempts: 4, at_least: 50%}, name: half}\n"
    )
    # One after the other: run together, their requests would interleave on the one flapping server.
    (strict,) = (await validate(loaded, Selection(only=("c/api 6x over 0.6s",)))).checks
    (half,) = (await validate(loaded, Selection(only=("half",)))).checks
    assert not strict.passed
    assert strict.message == "3 of 6 attempts passed [3 app_error]"
    assert strict.facts["failed_attempts"] == [2, 4, 6]
    assert strict.facts["causes"] == {"app_error": 3}
    assert len(strict.attempts) == 6
    assert strict.diagnosis is not None and strict.diagnosis.cause is Cause.APP_ERROR
    assert 0.5 <= strict.duration < 3.0  # spread over the window, not back to back
    assert half.passed and half.message == "2 of 4 attempts passed (needed 2) [2 app_error]"


async def test_within_waits_for_a_slow_starter_and_reports_how_long(
    write_env: Callable[[str], LoadedConfig],
) -> None:
    async with HttpServer(SlowStart(ready_after=3.0)) as server:
        loaded = write_env(
            f'components:\n  - {{name: db, kind: http, url: "{server.url("/")}"}}\n'
            + CATEGORY
            + "        - {component: db, within: 10s, every: 0.25s}\n"
            + "        - {component: db, within: 1s, every: 0.25s, name: too short}\n"
        )
        report = await validate(loaded)
    waited, short = report.checks
    assert waited.passed, waited.message
    took = waited.facts["took_s"]
    assert isinstance(took, float) and 2.9 <= took <= 4.5, took
    assert waited.message.startswith(f"healthy after {took:.1f} s")
    assert not short.passed
    assert short.message.startswith("not healthy within 1 s")
    assert short.diagnosis is not None and short.diagnosis.cause is Cause.APP_ERROR


def _dns_log(path: Path, when: datetime) -> None:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(
        f"{stamp} INFO worker started\n"
        f"{stamp} ERROR redis.exceptions.ConnectionError: Error -3 connecting to cache-vpc:6379. "
        "Temporary failure in name resolution.\n"
    )


async def test_logs_a_dns_error_after_t_fails_and_one_before_t_passes(
    tmp_path: Path, write_env: Callable[[str], LoadedConfig]
) -> None:
    fix_time = datetime.now(UTC) - timedelta(hours=1)
    _dns_log(tmp_path / "after.log", fix_time + timedelta(minutes=20))
    _dns_log(tmp_path / "before.log", fix_time - timedelta(minutes=20))
    since = fix_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    loaded = write_env(
        "components:\n  - {name: cache, kind: redis, host: 127.0.0.1, port: 6379}\n"
        + CATEGORY
        + f"        - {{logs: [after.log], expect_none: dns_failure, component: cache, since: '{since}'}}\n"
        + f"        - {{logs: [before.log], expect_none: dns_failure, component: cache, since: '{since}'}}\n"
        + "        - {logs: [after.log, before.log], cause: dns_failure, at_most: 1, since: 2h}\n"
        + "        - {logs: [after.log, before.log], cause: dns_failure, at_most: 2, since: 2h, name: two}\n"
    )
    report = await validate(loaded)
    jsonschema.validate(report.to_dict(), OUTPUT_SCHEMA)  # logs facts and a diagnosis from a log line
    after, before, at_most_one, at_most_two = report.checks
    assert not after.passed
    assert after.facts["count"] == 1
    assert after.diagnosis is not None
    assert (after.diagnosis.cause, after.diagnosis.layer) == (Cause.DNS_FAILURE, Layer.INFRASTRUCTURE)
    assert "after.log:2:" in after.diagnosis.evidence and "Error -3" in after.diagnosis.evidence
    assert before.passed and before.facts["count"] == 0
    assert not at_most_one.passed and at_most_one.message.startswith("2 dns_failure events since")
    assert at_most_two.passed


async def test_a_missing_log_file_fails_the_check(write_env: Callable[[str], LoadedConfig]) -> None:
    """Absence of errors cannot be shown from a file that is not there."""
    loaded = write_env(
        "components:\n  - {name: api, kind: http, url: 'http://127.0.0.1:1/'}\n"
        + CATEGORY
        + "        - {logs: [gone.log], expect_none: dns_failure}\n"
    )
    (check,) = (await validate(loaded)).checks
    assert not check.passed and check.message.startswith("could not read")


def _flow_env(login: HttpServer, events: AuthWebSocket) -> str:
    return f"""
components:
  - {{name: auth, kind: http, url: "{login.url("/")}"}}
  - {{name: live, kind: websocket, url: "{events.url("/events")}"}}
validation:
  categories:
    - name: flows
      critical: true
      checks:
        - {{flow: login-and-subscribe}}
  flows:
    - name: login-and-subscribe
      steps:
        - name: login
          http: auth
          path: /login
          method: POST
          json: {{user: probe}}
          expect: {{status: [200]}}
          capture: {{token: $.token}}
        - name: subscribe
          websocket: live
          headers: {{Authorization: "Bearer {{{{ token }}}}"}}
          send: '{{"subscribe": "orders"}}'
          expect: ['"subscribed"', order.created]
          within: 2s
"""


async def test_a_flow_logs_in_and_receives_its_events(
    login: tuple[HttpServer, Login], events: AuthWebSocket, write_env: Callable[[str], LoadedConfig]
) -> None:
    (check,) = (await validate(write_env(_flow_env(login[0], events)))).checks
    assert check.passed, check.message
    assert [r.component for r in check.attempts] == ["login", "subscribe"]
    assert check.attempts[1].phase("handshake") is not None and check.attempts[1].phase("message") is not None
    assert set(check.facts["steps_ms"]) == {"login", "subscribe"}  # type: ignore[arg-type]
    assert GOOD_TOKEN not in json.dumps(check.to_dict())  # the captured token is a secret


async def test_a_flow_whose_websocket_rejects_the_token_fails_at_that_step(
    login: tuple[HttpServer, Login], events: AuthWebSocket, write_env: Callable[[str], LoadedConfig]
) -> None:
    server, handler = login
    handler.token = STALE_TOKEN  # login works, but hands out a token the WebSocket refuses
    report = await validate(write_env(_flow_env(server, events)))
    jsonschema.validate(report.to_dict(), OUTPUT_SCHEMA)
    (check,) = report.checks
    assert not check.passed
    assert check.facts["failed_step"] == "subscribe"
    assert check.attempts[0].ok and check.attempts[0].facts["status"] == 200
    assert check.diagnosis is not None and check.diagnosis.cause is Cause.WEBSOCKET_REJECTED
    assert check.attempts[1].facts["status"] == 403
    assert check.message.startswith("failed at step 2/2 'subscribe' (websocket_rejected)")
    assert STALE_TOKEN not in json.dumps(check.to_dict())


async def test_a_flow_stops_at_a_failed_login(
    login: tuple[HttpServer, Login], events: AuthWebSocket, write_env: Callable[[str], LoadedConfig]
) -> None:
    text = _flow_env(login[0], events).replace("{user: probe}", "{user: intruder}")
    (check,) = (await validate(write_env(text))).checks
    assert check.facts["failed_step"] == "login" and len(check.attempts) == 1
    assert check.diagnosis is not None and check.diagnosis.cause is Cause.AUTH_FAILED


async def test_a_flow_times_out_waiting_for_an_event(
    login: tuple[HttpServer, Login], events: AuthWebSocket, write_env: Callable[[str], LoadedConfig]
) -> None:
    text = (
        _flow_env(login[0], events)
        .replace("order.created]", "order.shipped]")
        .replace("within: 2s", "within: 0.5s")
    )
    (check,) = (await validate(write_env(text))).checks
    assert check.diagnosis is not None and check.diagnosis.cause is Cause.READ_TIMEOUT
    assert "no message containing 'order.shipped' within 0.5s (1 of 2 expected received)" in check.message


async def test_a_step_that_is_no_valid_request_once_filled_in_fails_there(
    login: tuple[HttpServer, Login], events: AuthWebSocket, write_env: Callable[[str], LoadedConfig]
) -> None:
    """A captured value that makes the next step's URL invalid fails that step, without a traceback."""
    text = _flow_env(login[0], events).replace(
        "        - name: subscribe\n          websocket: live\n",
        '        - name: subscribe\n          websocket: "ws://127.0.0.1:99999/{{ token }}"\n',
    )
    (check,) = (await validate(write_env(text))).checks
    assert not check.passed and check.facts["failed_step"] == "subscribe"
    assert "not a valid websocket request once filled in: URL has an invalid port" in check.message
    assert GOOD_TOKEN not in check.message
