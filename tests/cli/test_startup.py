"""Start-up (issue 10): what each command leaves unloaded, and that each thing loaded late still works.

Every check runs a fresh interpreter, since the point is what one process imports or builds; the figures
themselves are `bench/bench_startup.py`'s (docs/benchmarks.md), never a timed test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs_fitting_schemas

TCP_ONLY = "components:\n  - {name: web, kind: tcp, host: 127.0.0.1, port: 1}\n"


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> list[Any]:
    """Run `code` in a fresh interpreter; its stdout's last line, read as JSON (the code prints one)."""
    run = [sys.executable, "-c", code, *args]
    done = subprocess.run(
        run, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}, timeout=60
    )
    found: list[Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _after_cli(argv: list[str], modules: list[str], env: dict[str, str] | None = None) -> list[Any]:
    """Which of `modules` one CLI run (in-process, in a fresh interpreter) imported."""
    code = (
        "import json, sys\n"
        "from infraprobe.cli.main import _run\n"
        "_run(json.loads(sys.argv[1]))\n"
        "print(json.dumps(sorted(set(json.loads(sys.argv[2])) & set(sys.modules))))\n"
    )
    return _python(code, json.dumps(argv), json.dumps(modules), env=env)


@pytest.fixture
def tcp_config(tmp_path: Path) -> Path:
    config = tmp_path / "env.yaml"
    config.write_text(TCP_ONLY)
    return config


def test_config_validate_loads_no_plugin_metadata_and_no_report(tcp_config: Path) -> None:
    """A valid file's plain verdict: pydantic's plugin metadata (importlib.metadata) and the report model
    stay unloaded; plugins are off unless the caller says otherwise (cli/__init__.py)."""
    unwanted = ["importlib.metadata", "infraprobe.output.model", "infraprobe.output.formats.base"]
    env = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}
    assert _after_cli(["config", "validate", str(tcp_config)], unwanted, env=env) == []


EVERY_KIND = """\
components:
  - {name: web, kind: tcp, host: 127.0.0.1, port: 1}
  - {name: api, kind: http, url: 'https://h/x', headers: {X-A: b}, expect: {status: [200], json: {$.ok: true}}}
  - {name: cert, kind: tls, host: h}
  - {name: name, kind: dns, host: h, nameserver: 127.0.0.1}
  - {name: cache, kind: redis, url: 'redis://cache:6379/0'}
  - {name: mq, kind: amqp, host: mq}
  - {name: my, kind: mysql, host: db, min_headroom: 10%}
  - {name: pg, kind: postgres, host: db}
  - {name: ws, kind: websocket, url: 'wss://h/ws', message_timeout: 2s, expect_regex: 'ok'}
  - {name: rpc, kind: grpc, host: h, port: 50051}
  - {name: nat, kind: path, max_connections: 10}
"""


@needs_fitting_schemas
def test_config_validate_imports_no_pydantic(tcp_config: Path, tmp_path: Path) -> None:
    """A file is validated by the models' generated core schemas with pydantic_core alone
    (configfile/plain.py): pydantic itself stays unloaded, whatever the kinds and sections."""
    every = tmp_path / "every.yaml"
    every.write_text(EVERY_KIND)
    unwanted = ["pydantic", "pydantic.main", "infraprobe.config.model", "infraprobe.configfile.loader"]
    for config in (tcp_config, every, *EXAMPLES_WITH_SECTIONS):
        assert _after_cli(["config", "validate", "--allow-missing-env", str(config)], unwanted) == []


EXAMPLES = Path(__file__).parents[2] / "examples"
EXAMPLES_WITH_SECTIONS = [EXAMPLES / "alerting.yaml", EXAMPLES / "staging-incident.yaml"]


@needs_fitting_schemas
def test_config_validate_of_a_file_with_every_section_imports_no_section_model(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    config = tmp_path / "env.yaml"
    sections = (
        "report: {addresses: true}\nvantages: {quorum: all}\n"
        "topology: {databases: [{name: db, max_connections: 10, component: web}]}\n"
        "alerts: {providers: {h: {slack: {url: 'https://hooks.example/T0'}}}, components: {web: {enabled: false}}}\n"
        "validation: {categories: [{name: smoke, checks: [{component: web}]}]}\n"
    )
    config.write_text(f"{sections}{TCP_ONLY}")
    unwanted = [
        "pydantic",
        "infraprobe.config.topology",
        "infraprobe.configfile.alerts",
        "infraprobe.configfile.validation",
        "infraprobe.configfile.vantages",
    ]
    assert _after_cli(["config", "validate", str(config)], unwanted) == []
    done = run_cli("config", "validate", str(config))
    assert (done.returncode, done.stdout) == (0, f"{config}: ok (1 components: tcp)\n")
    broken = config.read_text().replace("component: web}", "component: b}")
    config.write_text(broken)
    done = run_cli("config", "validate", str(config))
    # The first section whose check against the components fails says so (as the loader does).
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr.splitlines()[0] == (
        f"error: {config}:3:67: topology.databases[0].component: no component of that name "
        "(known: web) (got 'b')"
    )


def test_config_validate_json_still_builds_the_report(tcp_config: Path) -> None:
    from tests.conftest import run_cli

    done = run_cli("config", "validate", "-o", "json", str(tcp_config))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True


def test_plugins_asked_for_get_pydantics_own_loader(tcp_config: Path) -> None:
    """`PYDANTIC_DISABLE_PLUGINS=` (set, empty) runs installed plugins: the real loader, not the stand-in."""
    code = (
        "import json, sys\n"
        "from infraprobe.cli.main import _run\n"
        "_run(['config', 'validate', sys.argv[1]])\n"
        "loader = sys.modules['pydantic.plugin._loader']\n"
        "print(json.dumps([type(loader).__name__, hasattr(loader, 'entry_points')]))\n"
    )
    assert _python(code, str(tcp_config), env={"PYDANTIC_DISABLE_PLUGINS": ""}) == ["module", True]


def test_the_plugin_stand_in_answers_as_pydantic_and_hands_over_anything_else() -> None:
    """With plugins off it answers `get_plugins()` as pydantic would (no plugins); any other name loads the
    real module in its place, so a pydantic that reads more from it still works."""
    code = (
        "import json, sys\n"
        "import infraprobe.cli\n"
        "stand_in = sys.modules['pydantic.plugin._loader']\n"
        "plugins = list(stand_in.get_plugins())\n"
        "group = stand_in.PYDANTIC_ENTRY_POINT_GROUP\n"
        "real = sys.modules['pydantic.plugin._loader']\n"
        "print(json.dumps([type(stand_in).__name__, plugins, group, type(real).__name__,\n"
        "                  list(real.get_plugins())]))\n"
    )
    found = _python(code, env={"PYDANTIC_DISABLE_PLUGINS": "__all__"})
    assert found == ["_PluginsOff", [], "pydantic", "module", []]


def test_help_loads_no_report_model() -> None:
    unwanted = ["infraprobe.output.model", "infraprobe.output.formats.base", "pydantic", "yaml"]
    assert _after_cli(["--help"], unwanted) == []


def test_component_patterns_compile_only_when_their_keys_occur() -> None:
    """The classifier's component table compiles a dependency's pattern the first time a text holds one
    of its keys: none at import, the redis ones for a text naming redis, never the websocket one."""
    code = (
        "import json\n"
        "from infraprobe.classifier import classify, components, model\n"
        "def built(): return sorted({c.value for c, _, s in components._DEPENDENCIES if s in model._COMPILED})\n"
        "before = built()\n"
        "classify('connection refused')\n"
        "plain = built()\n"
        "found = components.detect('error 111 connecting to redis://cache:6379. connection refused.')\n"
        "print(json.dumps([before, plain, found.value, built()]))\n"
    )
    assert _python(code) == [[], [], "redis", ["redis"]]


def test_secret_shapes_compile_with_the_first_masked_text() -> None:
    code = (
        "import json\n"
        "from infraprobe import redact\n"
        "def built(): return [redact._shapes.cache_info().currsize, redact._secret_key.cache_info().currsize]\n"
        "before = built()\n"
        "masked = redact.mask_patterns('password=hunter2 Authorization: Bearer abcdefgh')\n"
        "shapes = built()\n"
        "print(json.dumps([before, masked, shapes, redact.names_secret('db_password'), built()]))\n"
    )
    assert _python(code) == [[0, 0], "password=*** Authorization: Bearer ***", [1, 0], True, [1, 1]]
