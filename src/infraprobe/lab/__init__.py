"""`infraprobe lab`: a broken staging environment built from real parts on this machine.

PostgreSQL, Redis, the reference backend behind a load balancer with health checks and TLS, a connector
with a connection cap and a resolver, each on a test host of its own (network namespaces) where the
machine allows, else on loopback. `--scenario` picks the faults; infraprobe's own commands then run against
it and leave their evidence in one folder. See docs/lab.md.

Nothing here is imported by the other commands: `infraprobe check` never pays for it.
"""

from infraprobe.lab.run import Outcome, Plan, run
from infraprobe.lab.scenario import EXPECTED, OUTAGE, SCENARIOS, Expected, Fault, parse_scenario

__all__ = ["EXPECTED", "OUTAGE", "SCENARIOS", "Expected", "Fault", "Outcome", "Plan", "parse_scenario", "run"]
