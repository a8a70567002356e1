"""What every test area shares: run the real `infraprobe` command, start a real server or skip, and find a
probe kind's own test module.

Import them (`from tests.conftest import run_cli, started`); area conftests keep only their own fixtures.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol, Self, TypeVar

import pytest

from infraprobe.configfile._coreschemas import PYDANTIC_CORE_VERSION
from infraprobe.configfile.plain import schemas_fit
from infraprobe.testing._localserver import ServerUnavailable

# `config validate` runs the generated core schemas only with the pydantic_core they were written for; with
# another release (pydantic >= 2.7 is allowed, so a fresh machine may get a newer one) it validates with
# the models, correctly but slower. Tests of the plain path are then skipped, and the skip says how to
# regenerate (a maintainer should; a user's suite should not fail on it).
needs_fitting_schemas = pytest.mark.skipif(
    not schemas_fit(),
    reason=f"configfile/_coreschemas.py is for pydantic-core {PYDANTIC_CORE_VERSION}, not the one installed: "
    "run `.venv/bin/python -m infraprobe.configfile.coreschemas_gen`",
)


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`infraprobe ARGS...` in a subprocess, as a user runs it (no colour, so output compares as text)."""
    return subprocess.run(
        [sys.executable, "-m", "infraprobe", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=timeout,
        check=False,
    )


class _Startable(Protocol):
    def start(self) -> Self: ...


S = TypeVar("S", bound=_Startable)


def started(server: S) -> S:
    """Start a throwaway server, or skip the test when its software is not installed here."""
    try:
        return server.start()
    except ServerUnavailable as exc:
        pytest.skip(str(exc))


TESTS = Path(__file__).parent


def kind_test_attr(kind: str, name: str) -> object:
    """`name` as defined by exactly one of the kind's own test modules (`tests/probes/test_<kind>[_*].py`).

    The central suites (the vocabulary run, the canary config) read what each kind supplies about itself from
    here, so adding a kind never edits them; a kind that supplies nothing makes them fail, naming it.
    """
    paths = sorted({*TESTS.glob(f"probes/test_{kind}.py"), *TESTS.glob(f"probes/test_{kind}_*.py")})
    modules = [importlib.import_module(_module_name(p)) for p in paths]
    found = [m for m in modules if hasattr(m, name)]
    if len(found) != 1:
        where = [str(p.relative_to(TESTS.parent)) for p in paths] or f"no tests/probes/test_{kind}*.py"
        pytest.fail(f"kind {kind!r}: {len(found)} test modules define {name} (looked in {where})")
    return getattr(found[0], name)


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
