"""`config validate` runs the models' core schemas without pydantic (configfile/plain.py): the schemas are the
models' own, and a file reads the same both ways (the same errors in the same order, the same values)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel

from infraprobe.configfile import _coreschemas, coreschemas_gen
from infraprobe.configfile.loader import parse_config
from infraprobe.configfile.plain import Plain, check_text
from infraprobe.errors import ConfigError, ConfigErrors
from infraprobe.probes.registry import MODELS
from tests.config.test_fuzz import configs

INVALID = Path(__file__).parent / "invalid"


def test_every_model_a_file_without_sections_needs_is_written() -> None:
    assert list(_coreschemas.SCHEMAS) == ["ConfigHeader", "Defaults", *MODELS]


@pytest.mark.parametrize("name", list(coreschemas_gen.models()))
def test_written_schema_is_the_models_own(name: str) -> None:
    """What `_coreschemas.py` holds is what pydantic builds from the model now: rerun
    `python -m infraprobe.configfile.coreschemas_gen` after changing a model."""
    built = coreschemas_gen.canonical(coreschemas_gen.core_schema(coreschemas_gen.models()[name]))
    assert coreschemas_gen.canonical(_coreschemas.SCHEMAS[name]()) == built


def test_the_generator_refuses_a_validator_it_cannot_name() -> None:
    """A validator written as a method cannot be called without its model's module (and pydantic)."""
    from pydantic import field_validator

    class Methodical(BaseModel):
        port: int

        @field_validator("port")
        @classmethod
        def _port(cls, value: int) -> int:
            return value

    with pytest.raises(ValueError, match="not a module-level function"):
        coreschemas_gen.canonical(coreschemas_gen.core_schema(Methodical))


def _values(value: Any) -> Any:
    """Validated values, nested models included, comparable between a model and its stand-in."""
    if isinstance(value, BaseModel | Plain):
        return (type(value).__name__, {k: _values(v) for k, v in value})
    if isinstance(value, dict):
        return {k: _values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_values(v) for v in value)
    return value


def _outcomes(text: str, env: dict[str, str] | None = None) -> tuple[Any, Any]:
    """(the loader's, the generated schemas') outcome of one file: its error lines, or its values."""

    def outcome(plain: bool) -> Any:
        try:
            if plain:
                checked = check_text(text, "env.yaml", env, plain=True)
                return [_values(c) for c in checked.components], checked.warnings, checked.deprecations
            loaded = parse_config(text, "env.yaml", env)
            return [_values(c) for c in loaded.config.components], loaded.warnings, loaded.deprecations
        except ConfigErrors as exc:
            return exc.lines()
        except ConfigError as exc:
            return [exc.one_line()]

    return outcome(False), outcome(True)


# Each kind's own checks, bounds and nested models, met and not met.
COMPONENTS = [
    "{name: web, kind: tcp, host: 127.0.0.1, port: 1, timeout: 250ms, depends_on: [db]}",
    "{name: w b, kind: tcp, host: '', port: 0, timeout: 5x, interval: -1, bogus: 1, max_latency: true}",
    "{name: h, kind: http, url: 'https://u:p@h/x', headers: {X-A: b}, expect: {status: [200], json: {$.a[0]: 1}}}",
    "{name: h, kind: http, url: 'ftp://h/', headers: {'bad name': x}, method: TRACE}",
    "{name: h, kind: http, url: 'http://h/', expect: {body_regex: '(', json: {'$.a[': 1}, stauts: [1]}}",
    "{name: h, kind: http, url: 'http://h/', expect: 5, tls: {verfy: false}, max_redirects: 99}",
    "{name: t, kind: tls, host: h, server_name: '', min_days: -1, require_names: [a]}",
    "{name: d, kind: dns, host: h, nameserver: '127.0.0.1:5353', expect_addresses: ['::0001']}",
    "{name: d, kind: dns, host: h, nameserver: 'x', expect_addresses: ['1.2.3.4', bad], record_types: []}",
    "{name: r, kind: redis, url: 'redis://:pw@cache:6380/2'}",
    "{name: r, kind: redis, url: 'redis://cache/abc', host: cache}",
    "{name: r, kind: redis, url: 'redis://cache/abc'}",
    "{name: r, kind: redis, max_clients_ratio: 0, expect_role: primary}",
    "{name: r, kind: redis, url: 'redis://cache/0', expect_role: any}",
    "{name: a, kind: amqp, url: 'amqp://u:p@mq/%2F'}",
    "{name: a, kind: amqp, url: 'http://mq/'}",
    "{name: m, kind: mysql, host: db, min_headroom: 10%}",
    "{name: m, kind: mysql, url: 'mysql://db:99999/x', min_headroom: ten}",
    "{name: p, kind: postgres, host: db, port: 5433, min_headroom: 5}",
    "{name: p, kind: postgres, dsn: 'postgresql://db/app', host: db}",
    "{name: p, kind: postgres, dsn: 'host=a,b dbname=x'}",
    "{name: p, kind: postgres, host: db, min_headroom: 'x%'}",
    "{name: s, kind: websocket, url: 'wss://h/ws', message_timeout: 2s, subprotocols: [chat]}",
    "{name: s, kind: websocket, url: 'http://h/', message_timeout: 0, expect_regex: '('}",
    "{name: g, kind: grpc, host: h, port: 50051, metadata: {authorization: Bearer x}}",
    "{name: g, kind: grpc, host: h, metadata: [a]}",
    "{name: n, kind: path, max_connections: 0}",
    "{name: n, kind: path, max_connections: 10}",
    "{name: r, kind: redis, host: cache, expect_role: master}",
    "{name: r, kind: redis, host: cache, expect_role: master, role: replica}",
    "{name: m, kind: mysql, host: db, expect_writable: false}",
    "{name: p, kind: postgres, host: db, expect_primary: [1]}",
    "{name: p, kind: postgres, host: db, role: standby}",
    "{name: x, kind: tcp, host: h, port: 1, password: hunter2, critical: maybe}",
    "5",
]


@pytest.mark.parametrize("component", COMPONENTS)
@pytest.mark.parametrize(
    "head", ["", "version: 1\nenvironment: e\n", "defaults: {timeout: 2s, category: db}\n"]
)
def test_a_component_reads_the_same_both_ways(head: str, component: str) -> None:
    loader, plain = _outcomes(f"{head}components:\n  - {component}\n")
    assert plain == loader


@pytest.mark.parametrize(
    "text",
    [
        "version: 2\ndefaults: 5\ncomponents: []\n",
        "defaults: {timeout: 0, bogus: 1, interval: 1m}\ncomponents: [{name: a, kind: tcp, host: h, port: 1}]\n",
        "components:\n  - {name: a, kind: tcp, host: h, port: 1, depends_on: [b]}\n"
        "  - {name: b, kind: tcp, host: h, port: 1, depends_on: [a]}\n",
        "components:\n  - {name: a, kind: tcp, host: '${HOST}', port: '${PORT:-1}'}\n",
        "components:\n  - {name: a, kind: redis, url: 'redis://:${PW}@h/0'}\n",
        "components:\n  - {name: a, kind: postgres, host: '${HOST}', password: '${PW}', expect_primary: true}\n",
    ],
)
def test_a_file_reads_the_same_both_ways(text: str) -> None:
    loader, plain = _outcomes(text, env={"HOST": "db", "PW": "s3cret pw"})
    assert plain == loader


def test_an_error_about_a_secret_masks_it_both_ways() -> None:
    text = "components:\n  - {name: a, kind: tcp, host: h, port: 1, timeout: '${PW}'}\n"
    loader, plain = _outcomes(text, env={"PW": "s3cret pw"})
    assert plain == loader
    assert len(plain) == 1 and "components[0].timeout" in plain[0] and "s3cret" not in plain[0]


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_invalid_fixture_reads_the_same_both_ways(path: Path) -> None:
    """The fixtures with sections go the loader's way in both (check_text hands them over)."""
    loader, plain = _outcomes(path.read_text(), env={})
    assert plain == loader


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_structured_garbage_reads_the_same_both_ways(data: dict[str, object]) -> None:
    loader, plain = _outcomes(yaml.safe_dump(data), env={})
    assert plain == loader


def test_another_pydantic_core_gets_the_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schemas are pydantic_core 2.x's as pydantic wrote them for it; with another release installed
    (pydantic >= 2.7 is allowed), the models validate."""
    text = "components: [{name: a, kind: tcp, host: h, port: 1}]\n"
    assert isinstance(check_text(text, env={}).components[0], Plain)
    monkeypatch.setattr(_coreschemas, "PYDANTIC_CORE_VERSION", "0.0.0")
    assert not isinstance(check_text(text, env={}).components[0], Plain)


def test_a_file_with_a_section_is_read_by_the_models() -> None:
    text = "report: {addresses: true}\ncomponents: [{name: a, kind: tcp, host: h, port: 1}]\n"
    checked = check_text(text, env={})
    assert checked.sections == ("report",)
    assert [type(c).__module__ for c in checked.components] == ["infraprobe.probes.models.tcp"]
    plain = check_text(text.replace("report: {addresses: true}\n", ""), env={})
    assert [type(c).__name__ for c in plain.components] == ["TcpCheck"]
    assert isinstance(plain.components[0], Plain)
