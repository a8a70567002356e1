"""Generated docs match the code: taxonomy and probe kinds are never typed twice."""

from __future__ import annotations

from pathlib import Path

from infraprobe.docsgen import outputs
from infraprobe.probes.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[2]


def test_generated_docs_are_current() -> None:
    """Run `python -m infraprobe.docsgen` after changing the taxonomy or the registry."""
    for path, text in outputs(ROOT).items():
        assert path.read_text() == text, f"{path} is stale"


def test_every_kind_has_a_page() -> None:
    """Each registered probe kind has its own docs page."""
    missing = [k for k in REGISTRY if not (ROOT / "docs" / "probes" / f"{k}.md").exists()]
    assert not missing
