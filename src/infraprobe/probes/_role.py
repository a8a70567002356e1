"""Judging a database server's role against the `role` option (postgres, mysql, redis alike)."""

from __future__ import annotations

from infraprobe.probes.base import ProbeRun
from infraprobe.probes.models._role import Role
from infraprobe.taxonomy import Cause, Layer


def judge_role(run: ProbeRun, role: Role, *, is_replica: bool, replica: str, primary: str, rule: str) -> None:
    """Warn read_only on a replica when a primary is expected; fail on a primary when a replica is.

    `replica` and `primary` say what this server is in the kind's own words ("in recovery (a standby)")."""
    if is_replica and role == "primary":
        run.warn(f"server is {replica}: it accepts reads only", Cause.READ_ONLY)
    if not is_replica and role == "replica":
        # Pointed at the wrong server: the server is fine, the check's target is not what was meant.
        run.fail(
            Cause.UNKNOWN,
            f"server is {primary} (role: replica expected)",
            layer=Layer.CONFIGURATION,
            summary="The server takes writes but the check expects a replica.",
            rule=rule,
        )
