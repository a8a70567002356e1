"""The redis kind's config: a url or separate fields, and the role, memory and client limits to judge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from infraprobe.config.model import ComponentBase, Renamed
from infraprobe.probes.models._role import Role, deprecated_field, role_field
from infraprobe.probes.models.values import REDIS_PORT, redis_one_target, split_redis_url

DEFAULT_PORT = REDIS_PORT


class RedisCheck(ComponentBase):
    kind: Literal["redis"] = "redis"
    url: str | None = Field(None, description="redis://[[user]:password@]host[:port][/db], or rediss://")
    host: str | None = Field(None, min_length=1, description="alternative to url")
    port: int = Field(DEFAULT_PORT, ge=1, le=65535)
    username: str | None = Field(None, description="ACL user; omit for the default user")
    password: str | None = None
    db: int | None = Field(None, ge=0, description="SELECT this database; out of range fails")
    tls: bool = False
    ca_file: str | None = None
    tls_verify: bool = True
    role: Role = role_field()
    expect_role: Literal["master", "replica", "any"] | None = deprecated_field("master is primary")
    write_check: bool = Field(False, description="SET a short-lived key to reveal READONLY / OOM")
    max_clients_ratio: float = Field(0.9, gt=0, le=1, description="warn when clients/maxclients reach this")
    max_memory_ratio: float = Field(0.9, gt=0, le=1, description="warn when used/maxmemory reach this")

    RENAMED: ClassVar[dict[str, Renamed]] = {
        "expect_role": Renamed("role", {"master": "primary", "replica": "replica", "any": "any"})
    }

    _one_target = model_validator(mode="after")(redis_one_target)

    def target(self) -> str:
        t = resolve_target(self)
        return f"{'rediss' if t.tls else 'redis'}://{t.host}:{t.port}/{t.db or 0}"


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to connect, with url and separate fields merged (url wins for what it names)."""

    host: str
    port: int
    db: int | None
    username: str | None
    password: str | None
    tls: bool


def _parse_url(url: str) -> Target:
    u, db = split_redis_url(url)
    return Target(u.host, u.port, db, u.user, u.password, tls=u.scheme == "rediss")


def resolve_target(cfg: RedisCheck) -> Target:
    if cfg.url is None:
        assert cfg.host is not None  # guaranteed by the model validator
        return Target(cfg.host, cfg.port, cfg.db, cfg.username, cfg.password, cfg.tls)
    t = _parse_url(cfg.url)
    return Target(
        host=t.host,
        port=t.port,
        db=t.db if t.db is not None else cfg.db,
        username=t.username or cfg.username,
        password=t.password if t.password is not None else cfg.password,
        tls=t.tls or cfg.tls,
    )
