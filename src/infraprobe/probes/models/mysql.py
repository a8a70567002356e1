"""The mysql kind's config: a url or separate fields, and the headroom below which it warns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Self
from urllib.parse import unquote

from pydantic import Field, model_validator

from infraprobe.config.model import ComponentBase, Renamed
from infraprobe.probes._url import split_service_url
from infraprobe.probes.models._role import FROM_BOOL, Role, deprecated_field, role_field

DEFAULT_PORT = 3306
SCHEMES = ("mysql", "mariadb")


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

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if (self.url is None) == (self.host is None):
            raise ValueError("give exactly one of `url` or `host`")
        if self.url is not None:
            _parse_url(self.url)  # a malformed URL is a config error, not a failing dependency
        if isinstance(self.min_headroom, str) and not _is_percent(self.min_headroom):
            raise ValueError("min_headroom must be a number of connections or a percentage such as 10%")
        return self

    def target(self) -> str:
        t = resolve_target(self)
        return f"{t.host}:{t.port}/{t.database or ''}"


def _is_percent(text: str) -> bool:
    number = text.strip().removesuffix("%")
    return text.strip().endswith("%") and number.replace(".", "", 1).strip().isdigit()


@dataclass(frozen=True, slots=True)
class Target:
    """Where and as whom to connect, with url and separate fields merged (the url wins for what it names)."""

    host: str
    port: int
    user: str | None
    password: str | None
    database: str | None


def _parse_url(url: str) -> Target:
    u = split_service_url(url, SCHEMES, "mysql://user:password@host[:port][/database]", DEFAULT_PORT)
    return Target(u.host, u.port, u.user, u.password, database=unquote(u.path.strip("/")) or None)


def resolve_target(cfg: MysqlCheck) -> Target:
    if cfg.url is None:
        assert cfg.host is not None  # guaranteed by the model validator
        return Target(cfg.host, cfg.port, cfg.user, cfg.password, cfg.database)
    t = _parse_url(cfg.url)
    password = t.password if t.password is not None else cfg.password
    return Target(t.host, t.port, t.user or cfg.user, password, t.database or cfg.database)
