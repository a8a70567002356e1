"""Generated docs match the code: taxonomy and probe kinds are never typed twice."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tools.docsgen import built, main, outputs

from infraprobe.probes.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[2]


def test_generated_docs_are_current() -> None:
    """Run `python tools/docsgen.py` after changing the taxonomy."""
    for path, text in outputs(ROOT).items():
        assert path.read_text() == text, f"{path} is stale"


def test_every_kind_has_a_page() -> None:
    """Each registered probe kind has its own docs page, which names the kind in its title."""
    pages = {k: ROOT / "docs" / "probes" / f"{k}.md" for k in REGISTRY}
    missing = [k for k, page in pages.items() if not page.exists()]
    assert not missing
    untitled = [k for k, page in pages.items() if not page.read_text().startswith(f"# `{k}`")]
    assert not untitled


def test_kinds_table_lists_the_registry() -> None:
    """The built kinds table has one row per registered kind, in order, with its summary and page."""
    table = built(ROOT)[ROOT / "docs" / "probes" / "kinds.md"]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    expected = [f"| `{k}` | {s.summary} | [{k}.md]({k}.md) |" for k, s in REGISTRY.items()]
    assert rows == expected


def test_built_pages_are_not_committed() -> None:
    """Pages listing every kind are ignored by git: a committed copy is a file each new kind must edit."""
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for path in built(ROOT):
        assert "/" + str(path.relative_to(ROOT)) in ignored


def test_main_writes_every_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`python tools/docsgen.py ROOT` writes the committed and the built pages under ROOT."""
    monkeypatch.setattr(sys, "argv", ["docsgen", str(tmp_path)])
    assert main() == 0
    schema = json.loads((tmp_path / "docs" / "infraprobe.schema.json").read_text())
    assert len(schema["properties"]["components"]["items"]["oneOf"]) == len(REGISTRY)
    for path, text in (outputs(tmp_path) | built(tmp_path)).items():
        assert path.read_text() == text
