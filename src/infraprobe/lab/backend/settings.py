"""Settings from an optional YAML file (`BACKEND_CONFIG`) overridden by `BACKEND_*` environment variables."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PREFIX = "BACKEND_"


@dataclass(frozen=True)
class Settings:
    pg_dsn: str = "postgresql://app@127.0.0.1:5432/app"
    pg_password: str | None = None  # kept out of the DSN so it never shows in a target or a log line
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_password: str | None = None
    redis_critical: bool = True
    health_token: str | None = None
    expose_details: bool = False
    check_interval: float = 5.0
    check_timeout: float = 3.0
    db_wait: float = 600.0  # how long start-up waits for PostgreSQL before giving up
    redis_wait: float = 120.0
    pool_min: int = 1
    pool_max: int = 5
    pool_timeout: float = 5.0  # how long a request waits for a pooled connection
    exit_on_startup_failure: bool = False  # stop the process (SIGTERM) when a phase fails
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get(PREFIX + "CONFIG"):
            values.update(yaml.safe_load(Path(env[PREFIX + "CONFIG"]).read_text()) or {})
        for f in dataclasses.fields(cls):
            if PREFIX + f.name.upper() in env:
                values[f.name] = env[PREFIX + f.name.upper()]
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown backend settings: {sorted(unknown)}")
        return cls(**{k: _coerce(cls, k, v) for k, v in values.items()})

    def secrets(self) -> list[str]:
        return [s for s in (self.pg_password, self.redis_password, self.health_token) if s]


def _coerce(cls: type[Settings], name: str, value: Any) -> Any:
    """Environment values are strings: convert them to the field's type."""
    default = next(f.default for f in dataclasses.fields(cls) if f.name == name)
    if not isinstance(value, str) or isinstance(default, str) or default is None:
        return value if value != "" else None
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return float(value) if isinstance(default, float) else int(value)  # every other field is a number
