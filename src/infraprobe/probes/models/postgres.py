"""The postgres kind's config: a dsn or separate fields, and the headroom below which it warns."""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from infraprobe.config.model import ComponentBase, Renamed
from infraprobe.probes.models._role import FROM_BOOL, Role, deprecated_field, role_field

DEFAULT_PORT = 5432
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_QUOTED = re.compile(r'"[^"]*"')


class PostgresCheck(ComponentBase):
    kind: Literal["postgres"] = "postgres"
    dsn: str | None = Field(None, description="libpq URL or key=value string; host=/dir for a unix socket")
    host: str | None = Field(
        None, min_length=1, description="alternative to dsn: a name, an IP or /socket/dir"
    )
    port: int | None = Field(None, ge=1, le=65535)
    user: str | None = None
    password: str | None = Field(None, description="also allowed with dsn, to keep the secret out of it")
    database: str | None = None
    role: Role = role_field()
    expect_primary: bool | None = deprecated_field("true: primary, false: any")
    min_headroom: int | str | None = Field(
        None, description="warn below this many free slots, or N%; default max(3, 10%) of usable slots"
    )

    RENAMED: ClassVar[dict[str, Renamed]] = {"expect_primary": FROM_BOOL}

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if (self.dsn is None) == (self.host is None):
            raise ValueError("give exactly one of `dsn` or `host`")
        if self.dsn is not None and (self.port or self.user or self.database):
            raise ValueError(
                "with `dsn`, put port, user and database in the dsn (only `password` may be separate)"
            )
        host = str(connection_params(self).get("host", ""))
        if not host:
            raise ValueError(
                "the dsn names no host: infraprobe resolves the host itself, so it must be given"
            )
        if "," in host:
            raise ValueError("the dsn must name exactly one host (one component per host)")
        if isinstance(self.min_headroom, str) and not _PERCENT.match(self.min_headroom):
            raise ValueError("min_headroom must be a number of connections or a percentage such as 10%")
        return self

    def target(self) -> str:
        p = connection_params(self)
        return f"{p.get('host')}:{p.get('port', DEFAULT_PORT)}/{p.get('dbname', '')}"


def connection_params(cfg: PostgresCheck) -> dict[str, Any]:
    """libpq parameters from either the dsn or the separate fields; `password` overrides the dsn's."""
    if cfg.dsn is not None:
        params = _parse_dsn(cfg.dsn)
    else:
        fields = {"host": cfg.host, "port": cfg.port, "user": cfg.user, "dbname": cfg.database}
        params = {k: v for k, v in fields.items() if v is not None}
    if cfg.password is not None:
        params["password"] = cfg.password
    return params


def _parse_dsn(dsn: str) -> dict[str, Any]:
    # psycopg is imported where it is used: loading it costs ~80 ms that commands without a postgres
    # component (logs, classify) should not pay.
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        return conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        # libpq quotes the fragment it choked on, which may be the password: show only one-character
        # fragments (the `"="` it expected), mask every other quoted part.
        masked = _QUOTED.sub(lambda m: m[0] if len(m[0]) <= 3 else '"..."', str(exc).strip())
        raise ValueError(f"invalid dsn: {masked}") from None


def min_headroom(setting: int | str | None, usable: int) -> int:
    """The free-slot threshold below which the check warns."""
    if setting is None:
        return max(3, math.ceil(0.10 * usable))
    if isinstance(setting, int):
        return setting
    match = _PERCENT.match(setting)
    assert match is not None  # validated with the config
    return math.ceil(float(match.group(1)) / 100 * usable)
