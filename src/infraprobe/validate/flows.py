"""The flow form: HTTP steps that capture values by JSON path, then WebSocket steps that use them.

Each step is an ordinary check run by the runner on the probes' own code (`http.exchange`,
`websocket.open_session`), so it gets phase timings, deadlines and a classified cause like any check:
a token the WebSocket refuses is `websocket_rejected` at that step. Captured values are secrets: they are
masked in every later result, and in the capturing step's own body excerpt.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from infraprobe import facts
from infraprobe.config.model import ComponentBase
from infraprobe.configfile.validation import Flow, Step
from infraprobe.configfile.validation_refs import VARIABLE
from infraprobe.phases import Phase
from infraprobe.probes import http, websocket
from infraprobe.probes._httpexpect import HttpExpect, json_get
from infraprobe.probes._url import Url
from infraprobe.probes.base import ProbeFn, ProbeRun, ProbeSpec
from infraprobe.probes.http import HttpCheck
from infraprobe.probes.websocket import WebSocketCheck
from infraprobe.probes.wire.websocket import WsSession
from infraprobe.redact import Redactor
from infraprobe.result import CheckResult, Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Component
from infraprobe.validate.context import Context, Planned
from infraprobe.validate.outcome import CheckOutcome

_MISSING = json_get({}, "missing")  # the sentinel json_get returns for an absent path


@dataclass
class _Values:
    """Values captured so far; also the secrets every later output must mask."""

    captured: dict[str, str] = field(default_factory=dict)

    def fill(self, text: str) -> str:
        return VARIABLE.sub(lambda m: self.captured[m.group(1)], text)

    def fill_any(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.fill(value)
        if isinstance(value, dict):
            return {k: self.fill_any(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill_any(v) for v in value]
        return value


async def flow(ctx: Context, planned: Planned) -> CheckOutcome:
    assert planned.check.flow is not None
    spec = ctx.validation.flow(planned.check.flow)
    values = _Values()
    start = ctx.clock()
    results: list[CheckResult] = []
    for step in spec.steps:
        result = await _run_step(ctx, step, values)
        results.append(result)
        ctx.listener.note(planned.id, f"step {step.name}: {result.status.value}")
        if not result.ok:
            break
    return _outcome(planned, spec, results, ctx.clock() - start)


def _outcome(planned: Planned, spec: Flow, results: list[CheckResult], duration: float) -> CheckOutcome:
    last = results[-1]
    passed = last.ok and len(results) == len(spec.steps)
    if passed:
        message = f"{len(results)} steps passed"
    else:
        cause = f" ({last.diagnosis.cause.value})" if last.diagnosis else ""
        message = f"failed at step {len(results)}/{len(spec.steps)} {last.component!r}{cause}: {last.message}"
    return planned.outcome(
        passed=passed,
        duration=duration,
        message=message,
        diagnosis=None if passed else last.diagnosis,
        attempts=tuple(results),
        facts={
            "steps": len(spec.steps),
            "completed": sum(r.ok for r in results),
            "failed_step": None if passed else last.component,
            "steps_ms": {r.component: round(r.duration * 1000, 3) for r in results},
        },
    )


async def _run_step(ctx: Context, step: Step, values: _Values) -> CheckResult:
    redactor = ctx.runner.redactor.with_secrets(values.captured.values())
    try:
        component = _component(ctx, step, values)
    except ValidationError as exc:
        return _invalid_step(step, exc, redactor)
    spec = _http_spec(step, values) if step.kind == "http" else _ws_spec(step)
    runner = Runner(net=ctx.runner.net, redactor=redactor, clock=ctx.runner.clock, registry={step.kind: spec})
    return await runner.check(component)


def _component(ctx: Context, step: Step, values: _Values) -> ComponentBase:
    """The step as a check of its kind: the named component's settings, the step's own on top."""
    base = ctx.config.component(step.target).model_dump() if step.names_component else {}
    url = base.get("url", "") if step.names_component else values.fill(step.target)
    if step.path is not None:
        url = Url.parse(url, _SCHEMES).join(values.fill(step.path), _SCHEMES).text
    headers = {**base.get("headers", {}), **{k: values.fill(v) for k, v in step.headers.items()}}
    fields: dict[str, Any] = {
        **{k: base[k] for k in _INHERITED[step.kind] if k in base},
        "name": step.name,
        "url": url,
        "headers": headers,
    }
    if step.timeout is not None:
        fields["timeout"] = step.timeout
    if step.kind == "http":
        return HttpCheck.model_validate({**fields, **_http_fields(step, values, headers)})
    fields["timeout"] = fields.get("timeout", 5.0) + step.within  # the messages get their own deadline
    return WebSocketCheck.model_validate(fields)


_SCHEMES = ("http", "https", "ws", "wss")
# What a step takes from the component it names (its url and headers are merged apart).
_INHERITED = {
    "http": ("tls", "timeout", "critical", "follow_redirects", "max_redirects", "max_body_bytes"),
    "websocket": ("tls", "timeout", "critical", "origin", "subprotocols"),
}


def _http_fields(step: Step, values: _Values, headers: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"method": step.method, "expect": step.expect or HttpExpect()}
    if step.json_body is not None:
        out["body"] = json.dumps(values.fill_any(step.json_body))
        out["headers"] = {"content-type": "application/json", **headers}
    elif step.body is not None:
        out["body"] = values.fill(step.body)
    return out


def _http_spec(step: Step, values: _Values) -> ProbeSpec[Any]:
    return ProbeSpec("http", HttpCheck, _http_probe(step, values), Component.HTTP, f"flow step {step.name}")


def _ws_spec(step: Step) -> ProbeSpec[Any]:
    return ProbeSpec(
        "websocket", WebSocketCheck, _ws_probe(step), Component.WEBSOCKET, f"flow step {step.name}"
    )


def _http_probe(step: Step, values: _Values) -> ProbeFn[HttpCheck]:
    async def probe(cfg: HttpCheck, run: ProbeRun) -> str:
        start = run.clock()
        response = await http.exchange(cfg, run)
        if step.capture:
            _capture(run, step.capture, response.body, values)
        return f"HTTP {response.status} {response.reason} in {(run.clock() - start) * 1000:.0f} ms"

    return probe


def _capture(run: ProbeRun, wanted: Mapping[str, str], body: bytes, values: _Values) -> None:
    try:
        doc = json.loads(body)
    except ValueError:
        run.fail(Cause.APP_ERROR, "response body is not JSON, nothing to capture", rule="flow_capture")
    for name, path in wanted.items():
        value = json_get(doc, path)
        if value is _MISSING:
            run.fail(Cause.APP_ERROR, f"response has no {path} to capture as {name}", rule="flow_capture")
        values.captured[name] = value if isinstance(value, str) else json.dumps(value)
    run.fact(facts.CAPTURED, sorted(wanted))
    excerpt = run.get(facts.BODY_EXCERPT)
    if excerpt is not None:  # the token is in the body it came from
        run.fact(facts.BODY_EXCERPT, Redactor(values.captured.values())(excerpt))


def _ws_probe(step: Step) -> ProbeFn[WebSocketCheck]:
    async def probe(cfg: WebSocketCheck, run: ProbeRun) -> str:
        async with websocket.open_session(cfg, run) as session:
            received = await _exchange(run, session, step)
        return f"WebSocket open, {len(step.messages)} sent, {len(received)} expected received"

    return probe


async def _exchange(run: ProbeRun, session: WsSession, step: Step) -> list[str]:
    expected = step.expect if isinstance(step.expect, tuple) else ()
    received: list[str] = []
    with run.phase(Phase.MESSAGE):
        try:
            async with asyncio.timeout(step.within):
                for message in step.messages:
                    await session.send_text(message)
                for text in expected:
                    received.append(await websocket.await_match(run, session, _containing(text)))
        except TimeoutError:
            wanted = expected[len(received)]
            run.fail(
                Cause.READ_TIMEOUT,
                f"no message containing {wanted!r} within {step.within:g}s ({len(received)} of "
                f"{len(expected)} expected received)",
                rule="flow_websocket_expect",
            )
    return received


def _containing(text: str) -> Callable[[str], bool]:
    return lambda message: text in message


def _invalid_step(step: Step, exc: ValidationError, redactor: Redactor) -> CheckResult:
    problem = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    return CheckResult(
        component=step.name,
        kind=step.kind,
        status=Status.FAIL,
        started_at=datetime.now(UTC),
        duration=0.0,
        message=redactor(f"the step is not a valid {step.kind} request once filled in: {problem}"),
    )
