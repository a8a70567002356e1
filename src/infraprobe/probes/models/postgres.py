"""The postgres kind's config: a dsn or separate fields, and the headroom below which it warns."""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from infraprobe.config.model import ComponentBase, Renamed
from infraprobe.probes.models._role import FROM_BOOL, Role, deprecated_field, role_field
from infraprobe.probes.models.values import PERCENT, connection_params, postgres_valid

DEFAULT_PORT = 5432

__all__ = ["DEFAULT_PORT", "PostgresCheck", "connection_params", "min_headroom"]


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

    _valid = model_validator(mode="after")(postgres_valid)

    def target(self) -> str:
        p = connection_params(self)
        return f"{p.get('host')}:{p.get('port', DEFAULT_PORT)}/{p.get('dbname', '')}"


def min_headroom(setting: int | str | None, usable: int) -> int:
    """The free-slot threshold below which the check warns."""
    if setting is None:
        return max(3, math.ceil(0.10 * usable))
    if isinstance(setting, int):
        return setting
    match = PERCENT.match(setting)
    assert match is not None  # validated with the config
    return math.ceil(float(match.group(1)) / 100 * usable)
