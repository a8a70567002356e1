"""Classification of failures into the fixed taxonomy (see `infraprobe.taxonomy`).

`classify(text_or_exception)` is the public entry point. Live exceptions are mapped by type and errno
first (exact), then by their text; texts are matched against ordered rules, most specific first, so a
proxy's 502 that embeds "connection refused" is labelled `upstream_unavailable`, not `connection_refused`.
"""

from __future__ import annotations

from infraprobe.classify.api import classify

__all__ = ["classify"]
