"""Valid configs: defaults, overrides, interpolation, secrets, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tools.docsgen import built

from infraprobe.config.types import parse_duration
from infraprobe.configfile import parse_config
from infraprobe.configfile.schema import config_schema
from infraprobe.probes.registry import MODELS, REGISTRY

BASE = """
environment: staging
defaults:
  timeout: 2s
  category: network
components:
  - name: a
    kind: tcp
    host: 127.0.0.1
    port: 1
  - name: b
    kind: tcp
    host: ${HOST}
    port: 2
    timeout: 250ms
    critical: false
    depends_on: [a]
"""


def test_defaults_then_overrides() -> None:
    """File defaults apply to every component; a component's own value wins."""
    config = parse_config(BASE, env={"HOST": "127.0.0.2"}).config
    a, b = config.components
    assert (a.timeout, a.category, a.critical) == (2.0, "network", True)
    assert (b.timeout, b.critical, b.depends_on) == (0.25, False, ("a",))
    assert b.host == "127.0.0.2"  # type: ignore[attr-defined]


def test_interpolated_values_are_secrets() -> None:
    """Values taken from the environment are masked, except locators (hosts, ports) that errors need."""
    text = BASE + "    description: ${NOTE}\n"
    loaded = parse_config(text, env={"HOST": "db.internal", "NOTE": "hunter2-canary"})
    assert loaded.redactor("x hunter2-canary y") == "x *** y"
    assert loaded.redactor("cannot reach db.internal") == "cannot reach db.internal"


def test_env_default_syntax() -> None:
    """${VAR:-default} falls back to the default when VAR is unset."""
    text = BASE.replace("${HOST}", "${HOST:-127.0.0.9}")
    assert parse_config(text, env={}).config.components[1].host == "127.0.0.9"  # type: ignore[attr-defined]


def test_models_are_frozen() -> None:
    """Components cannot be changed after validation (results and analysis rely on it)."""
    component = parse_config(BASE, env={"HOST": "h"}).config.components[0]
    with pytest.raises(ValueError):
        component.timeout = 9  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "seconds"), [("250ms", 0.25), ("5s", 5.0), ("2m", 120.0), ("1h", 3600.0), (3, 3.0), ("1.5", 1.5)]
)
def test_durations(text: str | int, seconds: float) -> None:
    """Durations accept ms/s/m/h suffixes and bare numbers of seconds."""
    assert parse_duration(text) == seconds


def test_schema_lists_every_kind() -> None:
    """The JSON Schema is built from the registry, so a new kind appears without editing the schema."""
    schema = config_schema()
    items = schema["properties"]["components"]["items"]["oneOf"]
    assert len(items) == len(REGISTRY)
    text = json.dumps(schema)
    for kind in REGISTRY:
        assert f'"const": "{kind}"' in text or f'"{kind}"' in text


def test_registry_names_each_kind_by_its_spec() -> None:
    """The registry lists kinds without importing them; each name is the kind its module declares."""
    assert all(spec.kind == kind for kind, spec in REGISTRY.items())


def test_each_kind_has_one_model_for_config_and_probe() -> None:
    """The model config loading reads (MODELS) is the very class the probe's SPEC runs with, for its kind."""
    assert list(MODELS) == list(REGISTRY)
    for kind, spec in REGISTRY.items():
        assert MODELS[kind] is spec.model
        assert MODELS[kind].model_fields["kind"].default == kind


EVERY_KIND = """
components:
  - {name: d, kind: dns, host: example.invalid}
  - {name: t, kind: tcp, host: 127.0.0.1, port: 1}
  - {name: s, kind: tls, host: 127.0.0.1}
  - {name: h, kind: http, url: "http://127.0.0.1:1/", expect: {status: [200]}}
  - {name: w, kind: websocket, url: "ws://127.0.0.1:1/"}
  - {name: p, kind: postgres, host: 127.0.0.1}
  - {name: r, kind: redis, host: 127.0.0.1}
  - {name: m, kind: mysql, host: 127.0.0.1}
  - {name: a, kind: amqp, host: 127.0.0.1}
  - {name: g, kind: grpc, host: 127.0.0.1, port: 1}
  - {name: n, kind: path}
"""
# What validating a config must never import: the probes, their I/O stacks and client libraries.
PROBE_SIDE = [
    *(f"infraprobe.probes.{k}" for k in REGISTRY),
    *(
        "infraprobe.probes.base",
        "infraprobe.net",
        "infraprobe.probes.wire.http1",
        "infraprobe.config.topology",
    ),
    *("asyncio", "ssl", "cryptography", "dns", "psycopg", "pymysql", "grpc", "websockets", "h11"),
]


def test_validating_a_config_imports_models_and_never_a_probe(tmp_path: Path) -> None:
    """Start-up: a config naming every kind loads their models only, none of the probes' stacks."""
    config = tmp_path / "all.yaml"
    config.write_text(EVERY_KIND)
    code = (
        "import sys; from infraprobe.configfile import parse_config; "
        "loaded = parse_config(open(sys.argv[1]).read()); "
        "print(len(loaded.config.components), sorted(set(sys.argv[2:]) & set(sys.modules)))"
    )
    run = [sys.executable, "-c", code, str(config), *PROBE_SIDE]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"{len(REGISTRY)} []"


def test_published_schema_accepts_the_example_environment() -> None:
    """The schema written for editors (docs/infraprobe.schema.json) accepts examples/staging-incident.yaml."""
    import json
    from pathlib import Path

    import jsonschema
    import yaml

    class TextDates(yaml.SafeLoader):
        """Keeps dates as the strings an editor sees, instead of PyYAML's date objects."""

    TextDates.yaml_implicit_resolvers = {
        k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    root = Path(__file__).resolve().parents[2]
    schema = json.loads(built(root)[root / "docs" / "infraprobe.schema.json"])
    data = yaml.load((root / "examples" / "staging-incident.yaml").read_text(), Loader=TextDates)
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert errors == []


# Every model a config file can name, to see which of them loading one file builds.
_MODELS = (
    "from infraprobe.config import model\n"
    "from infraprobe.configfile.loader import SECTION_MODELS\n"
    "from infraprobe.probes.registry import MODELS\n"
    "every = {c.__name__: c for c in (model.Strict, model.ComponentBase, model.Defaults, model.ConfigHeader,"
    " model.Config, model.ReportSettings)}\n"
)


def _built_after_loading(text: str, tmp_path: Path) -> tuple[list[str], str]:
    """(the models built, the errors or the kinds) after one fresh interpreter loads `text`."""
    config = tmp_path / "env.yaml"
    config.write_text(text)
    code = (
        "import json, sys\n"
        "from infraprobe.configfile import load_config\n"
        "from infraprobe.errors import ConfigErrors\n"
        "try:\n"
        "    outcome = ','.join(c.kind for c in load_config(sys.argv[1]).config.components)\n"
        "except ConfigErrors as exc:\n"
        "    outcome = ' | '.join(exc.lines())\n"
        + _MODELS
        + "every |= {MODELS[k].__name__: MODELS[k] for k in MODELS}\n"
        "every |= {SECTION_MODELS[k].__name__: SECTION_MODELS[k] for k in SECTION_MODELS}\n"
        "print(json.dumps([sorted(n for n, c in every.items() if c.__pydantic_complete__), outcome]))\n"
    )
    run = [sys.executable, "-c", code, str(config)]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    built, outcome = json.loads(out)
    return built, outcome


def test_loading_builds_only_the_models_the_file_uses(tmp_path: Path) -> None:
    """Models are built on first use (`defer_build`): a tcp-only file builds the header's and the tcp
    kind's; never `Config` (put together from parts already validated), another kind's or a section's."""
    tcp_only = "components:\n  - {name: web, kind: tcp, host: 127.0.0.1, port: 1}\n"
    assert _built_after_loading(tcp_only, tmp_path) == (["ConfigHeader", "TcpCheck"], "tcp")
    with_defaults = f"version: 1\ndefaults: {{timeout: 2s}}\n{tcp_only}"
    assert _built_after_loading(with_defaults, tmp_path) == (["ConfigHeader", "Defaults", "TcpCheck"], "tcp")


def test_models_built_on_first_use_still_name_file_line_and_field(tmp_path: Path) -> None:
    """The first use of each model is the one that reports the error: file:line:col and field, as ever."""
    text = "version: 2\ndefaults:\n  timeout: 0\ncomponents:\n  - {name: web, kind: tcp, host: h, port: 0}\n"
    built, outcome = _built_after_loading(text, tmp_path)
    file = tmp_path / "env.yaml"
    assert outcome == (
        f"{file}:3:12: defaults.timeout: Input should be greater than 0 (got 0.0) | "
        f"{file}:5:43: components[0].port: Input should be greater than or equal to 1 (got 0)"
    )
    assert "Config" not in built
    _, outcome = _built_after_loading("version: 2\ncomponents: []\n", tmp_path)
    assert outcome == f"{file}:1:10: version: Input should be less than or equal to 1 (got 2)"
