"""The mysql kind's config: a url or separate fields, and the headroom below which it warns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal
from urllib.parse import unquote

from pydantic import Field, model_validator

from infraprobe.config.model import ComponentBase, Renamed
from infraprobe.probes.models._role import FROM_BOOL, Role, deprecated_field, role_field
from infraprobe.probes.models.values import MYSQL_PORT, mysql_valid, split_mysql_url

DEFAULT_PORT = MYSQL_PORT


class MysqlCheck(ComponentBase):
    kind: Literal["mysql"] = "mysql"
    url: str | None = Field(None, description="mysql://user:password@host[:port][/database] (or mariadb://)")
    host: str | None = Field(None, min_length=1, description="alternative to url: a name or an IP")
    port: int = Field(DEFAULT_PORT, ge=1, le=65535)
    user: str | None = None
    password: str | None = Field(None, description="also allowed with url, to keep the secret out of it")
    database: str | None = None
    role: Role = role_field()
    expect_writable: bool | None = deprecated_field("true: primary, false: any")
    min_headroom: int | str | None = Field(
        None, description="warn below this many free connections, or N%; default max(3, 10%) of the limit"
    )

    RENAMED: ClassVar[dict[str, Renamed]] = {"expect_writable": FROM_BOOL}

    _valid = model_validator(mode="after")(mysql_valid)

    def target(self) -> str:
        t = resolve_target(self)
        return f"{t.host}:{t.port}/{t.database or ''}"


@dataclass(frozen=True, slots=True)
class Target:
    """Where and as whom to connect, with url and separate fields merged (the url wins for what it names)."""

    host: str
    port: int
    user: str | None
    password: str | None
    database: str | None


def _parse_url(url: str) -> Target:
    u = split_mysql_url(url)
    return Target(u.host, u.port, u.user, u.password, database=unquote(u.path.strip("/")) or None)


def resolve_target(cfg: MysqlCheck) -> Target:
    if cfg.url is None:
        assert cfg.host is not None  # guaranteed by the model validator
        return Target(cfg.host, cfg.port, cfg.user, cfg.password, cfg.database)
    t = _parse_url(cfg.url)
    password = t.password if t.password is not None else cfg.password
    return Target(t.host, t.port, t.user or cfg.user, password, t.database or cfg.database)
