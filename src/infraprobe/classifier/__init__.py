"""Classification of failures into the fixed taxonomy (see `infraprobe.taxonomy`).

`classify(text_or_exception)` is the public entry point. Live exceptions are mapped by type and errno
first (exact), then by their text; texts are matched against ordered rules, most specific first, so a
proxy's 502 that embeds "connection refused" is labelled `upstream_unavailable`, not `connection_refused`.
`SIGNATURES` lists lowercase literals of which every classifiable line contains at least one, for
prefiltering large logs before classifying candidate lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr
from infraprobe.classifier.api import classify, classify_text
from infraprobe.classifier.rules import SIGNATURES

if TYPE_CHECKING:
    from infraprobe.classifier.exceptions import classify_exception

# Live-exception classification is imported on first use (see api.classify).
__getattr__ = lazy_getattr(__name__, {"classify_exception": "infraprobe.classifier.exceptions"})

__all__ = ["SIGNATURES", "classify", "classify_exception", "classify_text"]
