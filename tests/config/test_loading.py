"""Valid configs: defaults, overrides, interpolation, secrets, schema."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tools.docsgen import built

from infraprobe.config.types import parse_duration
from infraprobe.configfile import parse_config
from infraprobe.configfile.schema import config_schema
from infraprobe.probes.registry import REGISTRY

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


def test_a_config_loads_only_the_probe_modules_of_its_kinds() -> None:
    """Start-up: validating a tcp-only config imports neither the http probe nor the TLS parser."""
    code = (
        "import sys; from infraprobe.configfile import parse_config; "
        "parse_config('components: [{name: a, kind: tcp, host: 127.0.0.1, port: 1}]'); "
        "print(sorted(m for m in ('infraprobe.probes.http', 'cryptography', 'infraprobe.config.topology') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


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
