"""The monitor's live status page: `infraprobe monitor CONFIG --web 127.0.0.1:PORT`.

Served by the monitor's own HTTP server (`monitor.http`), with its assets (one HTML file, one stylesheet, one
script: nothing from a CDN). See docs/monitor.md ("Status page").
"""

from __future__ import annotations

from infraprobe.monitor.statuspage.server import StatusPage

__all__ = ["StatusPage"]
