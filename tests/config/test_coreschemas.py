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
from infraprobe.configfile.build import SECTION_MODELS
from infraprobe.configfile.loader import parse_config
from infraprobe.configfile.plain import Plain, check_text
from infraprobe.errors import ConfigError, ConfigErrors
from infraprobe.probes.registry import MODELS
from tests.config.test_fuzz import configs
from tests.conftest import needs_fitting_schemas

# Every test here reads the generated schemas as the installed pydantic_core runs them.
pytestmark = needs_fitting_schemas

INVALID = Path(__file__).parent / "invalid"
REGENERATE = "_coreschemas.py is stale: run `.venv/bin/python -m infraprobe.configfile.coreschemas_gen`"


def test_every_model_a_file_needs_is_written() -> None:
    sections = [SECTION_MODELS[name].__name__ for name in SECTION_MODELS]
    assert list(_coreschemas.SCHEMAS) == ["ConfigHeader", "Defaults", *MODELS, *sections]


@pytest.mark.parametrize("name", list(coreschemas_gen.models()))
def test_written_schema_is_the_models_own(name: str) -> None:
    """What `_coreschemas.py` holds is what pydantic builds from the model now: rerun
    `python -m infraprobe.configfile.coreschemas_gen` after changing a model."""
    built = coreschemas_gen.canonical(coreschemas_gen.core_schema(coreschemas_gen.models()[name]))
    assert coreschemas_gen.canonical(_coreschemas.SCHEMAS[name]()) == built, REGENERATE


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
    """(the loader's, the generated schemas') outcome of one file: its error lines, or its values (its
    sections' among them)."""

    def outcome(plain: bool) -> Any:
        try:
            if plain:
                checked = check_text(text, "env.yaml", env, plain=True)
                components, sections = checked.components, checked.section_values
                return (
                    [_values(c) for c in components],
                    _values(sections),
                    checked.warnings,
                    checked.deprecations,
                )
            loaded = parse_config(text, "env.yaml", env)
            components, sections = list(loaded.config.components), dict(loaded.sections)
            return [_values(c) for c in components], _values(sections), loaded.warnings, loaded.deprecations
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
    loader, plain = _outcomes(path.read_text(), env={})
    assert plain == loader
    assert isinstance(plain, list)  # each is invalid: its error lines


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


def test_a_file_with_sections_is_read_by_the_schemas() -> None:
    text = "report: {addresses: true}\nvantages: {}\ncomponents: [{name: a, kind: tcp, host: h, port: 1}]\n"
    checked = check_text(text, env={})
    assert checked.sections == ("report", "vantages")
    assert [type(c).__name__ for c in checked.components] == ["TcpCheck"]
    assert all(isinstance(v, Plain) for v in (*checked.components, *checked.section_values.values()))
    vantages = checked.section_values["vantages"]
    assert (vantages.quorum, vantages.path_failure.min_targets) == ("majority", 2)  # the default factory's


# Each section's own checks (after-validators, cross-references, checks against the components), met and
# not met; the file's components are `COMPONENTS_OF_SECTIONS`.
COMPONENTS_OF_SECTIONS = (
    "components:\n  - {name: api, kind: http, url: 'http://h/'}\n  - {name: db, kind: postgres, host: db}\n"
    "  - {name: ws, kind: websocket, url: 'ws://h/'}\n"
)
SECTIONS = [
    "report: {addresses: true}",
    "report: {addresses: maybe, bogus: 1}",
    "report: 5",
    "vantages: {quorum: all, path_failure: {min_targets: 3}}",
    "vantages: {quorum: most, path_failure: {min_targets: 0, bogus: 1}}",
    "topology: {}",
    "topology: {services: [{name: api, max_instances: 4, processes: 2, pools: [{server: db, size: 5, via: nat}],"
    " startup_budget: 30s}], databases: [{name: db, max_connections: 100, component: db}],"
    " caches: [{name: c, maxclients: 10, maxmemory: 0}], paths: [{name: nat, max_connections: 500}],"
    " load_balancers: [{name: lb, backends: [api], interval: 5s, timeout: 2s, unhealthy_threshold: 3,"
    " certificate: cert}], certificates: [{name: cert, names: [a.example], not_after: 2027-01-02}],"
    " clients: [{name: app, timeout: 10s}], request_paths: [{name: r, hops: [app, lb, api, db]}]}",
    "topology: {services: [{name: api, min_instances: 5, max_instances: 4, pools: [{server: dbx, size: 1,"
    " via: nope}]}], databases: [{name: api, max_connections: 0}], load_balancers: [{name: lb,"
    " backends: [apx], interval: 0, timeout: 1s, unhealthy_threshold: 1, certificate: c}],"
    " request_paths: [{name: r, hops: [lb, nat]}, {name: 'b d', hops: [x]}], caches: [{name: c, maxclients: 1}]}",
    "topology: {services: [{name: api, min_instances: 5, max_instances: 4, pools: [{server: dbx, size: 1,"
    " via: nope}, {server: c, size: 1, via: c}]}], databases: [{name: c, max_connections: 1}],"
    " caches: [{name: c, maxclients: 1}], load_balancers: [{name: lb, backends: [apx, api], interval: 1s,"
    " timeout: 1s, unhealthy_threshold: 1, certificate: cert}], clients: [{name: app, timeout: 1s}],"
    " request_paths: [{name: r, hops: [app, lb, c]}, {name: r2, hops: [app, nowhere]}]}",
    "topology: {databases: [{name: d, max_connections: 5, component: dbb}], certificates: [{name: c,"
    " names: [], not_after: tomorrow}], bogus: 1, certificate_warning_days: -1}",
    "topology: {services: [{name: s, max_instances: 1, component: nope}], paths: [{name: p, component: api}]}",
    "alerts: {providers: {hook: {webhook: {url: 'https://h/x', headers: {A: secret-header}}},"
    " chat: {slack: {url: 'https://hooks/T0/secret'}}, mail: {email: {host: smtp, username: u,"
    " password: pw, sender: a@b, to: [c@d]}}}, send_to: [hook], remind_every: 1h,"
    " retry: {attempts: 3}, components: {api: {send_to: [chat], remind_every: 15m}, db: {enabled: false}}}",
    "alerts: {providers: {}}",
    "alerts: {providers: {'bad name': {slack: {url: 'https://x'}}}}",
    "alerts: {providers: {h: {webhook: {url: 'ftp://x', headers: {A: 1}}, slack: {url: 'https://t/secret'}},"
    " m: {email: {host: '', sender: a, to: [], username: u}}, n: {}}, send_to: [hx], timeout: 0}",
    "alerts: {providers: {h: {slack: {url: 'https://t/s'}}}, send_to: [h, x],"
    " components: {apx: {send_to: [y]}, db: {enabled: no}}, retry: {attempts: 0, first: 0}}",
    "alerts: {providers: {h: {slack: {url: 'https://t/s'}}}, components: {apx: {}, dbb: {}}}",
    "alerts: {providers: {h: {slack: {url: 'https://t/s'}}, i: {slack: {url: 'https://t/i'}}},"
    " send_to: [h, j], components: {api: {send_to: [x, i, y]}, db: {enabled: false}}}",
    "validation: {threshold: 90%, categories: [{name: smoke, critical: true, checks: [{component: api},"
    " {component: db, consistently: {attempts: 5, over: 10s, at_least: 80%}}, {component: api, within: 60s,"
    " every: 2s}, {logs: [app.log], expect_none: db_connection_limit, since: 2h}, {logs: [a.log],"
    " cause: read_timeout, at_most: 3, component: api}, {flow: login, name: the flow}]}],"
    " suites: {quick: [smoke]}, flows: [{name: login, steps: [{name: s1, http: api, path: /login,"
    " method: POST, json: {u: x}, expect: {status: [200]}, capture: {token: $.token}}, {name: s2,"
    " websocket: ws, send: ['{{ token }}'], expect: [ok]}, {name: s3, http: 'http://h/x',"
    " headers: {A: '{{ token }}'}}]}]}",
    "validation: {threshold: 2, categories: []}",
    "validation: {threshold: x%, categories: [{name: c, checks: []}], suites: {s: [nope]}}",
    "validation: {categories: [{name: c, checks: [{component: api, within: 1s, flow: f},"
    " {component: api, consistently: {attempts: 3, at_least: 5}}, {component: api, consistently:"
    " {attempts: 3, at_least: 0.5}}, {logs: [a], expect_none: bogus_cause}, {logs: [a],"
    " expect_none: read_timeout, cause: app_error}, {logs: [a], cause: app_error}, {component: api,"
    " since: 2h}, {within: 1s}, {flow: f, component: api}, {logs: [a], expect_none: app_error,"
    " since: yesterdayish}, {component: apx}, {flow: nof}]}, {name: c, checks: [{component: db}]}]}",
    "validation: {categories: [{name: c, checks: [{component: apx}, {flow: nof}, {flow: f},"
    " {component: ws, within: 1s}]}, {name: c, checks: [{logs: [a], expect_none: app_error, component: dbb}]}],"
    " suites: {s: [c, d]}, flows: [{name: f, steps: [{name: a, http: ws}, {name: b, websocket: nope,"
    " send: ['{{ t }}']}, {name: c, http: api, capture: {t: $.t}}, {name: d, http: 'http://h/{{ t }}',"
    " headers: {A: '{{ u }}'}, json: {x: ['{{ v }}']}}]}, {name: f, steps: [{name: a, http: db}]}]}",
    "validation: {categories: [{name: c, checks: [{component: api}]}], flows: [{name: f, steps: []},"
    " {name: g, steps: [{name: a}, {name: b, http: x, websocket: y}, {name: c, http: api, send: m},"
    " {name: d, http: api, expect: [t]}, {name: e, http: api, body: b, json: 1}, {name: f, http: api,"
    " capture: {t: '$.a['}}, {name: g, websocket: ws, capture: {t: $.a}}, {name: h, websocket: ws,"
    " expect: {status: [200]}}, {name: i, websocket: ws, body: b}, {name: j, websocket: db},"
    " {name: k, http: nope, path: '{{ later }}'}, {name: l, http: api, timeout: 0, within: -1}]},"
    " {name: f, steps: [{name: a, http: api}]}]}",
]


@pytest.mark.parametrize("section", SECTIONS)
def test_a_section_reads_the_same_both_ways(section: str) -> None:
    loader, plain = _outcomes(f"{COMPONENTS_OF_SECTIONS}{section}\n")
    assert plain == loader


def test_sections_read_the_same_both_ways_together() -> None:
    """All sections in one file; a section's error and a component's are reported together."""
    text = COMPONENTS_OF_SECTIONS + "\n".join(SECTIONS[0::3]) + "\n"
    text = text.replace("{name: db,", "{name: db, port: 0,")
    loader, plain = _outcomes(text)
    assert plain == loader


def test_an_error_about_an_alerts_secret_masks_it_both_ways() -> None:
    text = (
        COMPONENTS_OF_SECTIONS + "alerts: {providers: {h: {slack: {url: '${HOOK}'}}}, timeout: '${HOOK}'}\n"
    )
    loader, plain = _outcomes(text, env={"HOOK": "https://hooks/T0/s3cret"})
    assert plain == loader
    assert len(plain) == 1 and "alerts.timeout" in plain[0] and "s3cret" not in plain[0]
