"""The wheel ships every file of the package that is not Python: the status page's assets, `py.typed`, and
the vendored Drain's licence (MIT: its notice must travel with the code; issue 10)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "src" / "infraprobe"
# Code, not data: Python, and the optional C extension's source and its build (setup.py's ext_modules).
CODE = (".py", ".pyc", ".c", ".so")


def test_every_data_file_in_the_package_is_declared_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["infraprobe"]
    data = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in CODE and "__pycache__" not in path.parts
    ]
    assert "logs/drain/LICENSE.txt" in data
    left_out = [name for name in data if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert not left_out, f"not in the wheel: {left_out}; add them to [tool.setuptools.package-data]"
