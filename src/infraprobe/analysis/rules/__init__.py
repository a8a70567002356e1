"""The rule registry: one small pure function per finding kind, run in this order.

Adding a finding kind: write the function (in a module of its own or next to its siblings), add it to
`RULES`, add its boundary tests and a line in docs/analyze.md. Nothing else needs to know.
"""

from __future__ import annotations

from infraprobe.analysis.model import Finding
from infraprobe.analysis.rules.base import Context, Observations, Rule, Value
from infraprobe.analysis.rules.capacity import path_over_capacity, pool_over_capacity
from infraprobe.analysis.rules.certs import cert_expiring, cert_name_not_covered
from infraprobe.analysis.rules.drift import connections_near_limit, drift
from infraprobe.analysis.rules.startup import startup_budget_exceeds_probe
from infraprobe.analysis.rules.timeouts import timeout_inversion

RULES: tuple[Rule, ...] = (
    pool_over_capacity,
    path_over_capacity,
    startup_budget_exceeds_probe,
    timeout_inversion,
    cert_name_not_covered,
    cert_expiring,
    drift,
    connections_near_limit,
)


def run_rules(ctx: Context, rules: tuple[Rule, ...] = RULES) -> tuple[Finding, ...]:
    return tuple(f for rule in rules for f in rule(ctx))


__all__ = ["RULES", "Context", "Observations", "Rule", "Value", "run_rules"]
