"""The `role` option the database kinds share (postgres, mysql, redis): which role the server must have.

`primary` (the default) warns `read_only` on a standby, a replica or a read-only server: it answers, but
refuses writes. `replica` fails on a server that takes writes (the check points at the wrong server);
`any` accepts both. Each kind had its own name for this before; those names still work (see `RENAMED`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from infraprobe.config.model import Renamed

Role = Literal["primary", "replica", "any"]
ROLE_HELP = (
    "primary: warn read_only on a replica (a standby, a read-only server); replica: fail on a primary; "
    "any: accept both"
)


def role_field() -> Any:
    return Field("primary", description=ROLE_HELP)


def deprecated_field(replacement: str) -> Any:
    """An old name, still read (its value becomes `role`), marked deprecated in the JSON Schema."""
    return Field(
        None,
        description=f"deprecated: use `role` ({replacement})",
        exclude=True,
        json_schema_extra={"deprecated": True},
    )


# The old booleans said "warn on a replica, or not": true is primary, false accepts both.
FROM_BOOL = Renamed("role", {True: "primary", False: "any"})
