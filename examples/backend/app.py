"""`uvicorn examples.backend.app:app`: the reference backend's app, as `infraprobe.lab.backend.app` builds it."""

from __future__ import annotations

from infraprobe.lab.backend.app import app, create_app

__all__ = ["app", "create_app"]
