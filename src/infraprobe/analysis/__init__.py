"""Root-cause analysis across an environment: dependency graph, capacity and timeout arithmetic, drift.

    analysis = analyze(load_config("env.yaml"), results, observations_from(results))
    for root in analysis.root_causes:
        print(root.component, root.cause, root.blocked, [w.statement for w in root.whys])

`analyze` is pure: it probes nothing. Run the checks first (`infraprobe.runner.check_config`) when live
failures and facts should count; without results it is a static analysis of the `topology` section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.analysis.engine import analyze, observations_from
    from infraprobe.analysis.model import Analysis, Confidence, Finding, RootCause, Severity, Why
    from infraprobe.analysis.rules import RULES, Context, Observations, Rule
    from infraprobe.config.topology import Topology

# Imported on first use: the config loader needs `analysis.topology`, and must not drag the engine along.
_WHERE = {
    "analyze": "infraprobe.analysis.engine",
    "observations_from": "infraprobe.analysis.engine",
    **dict.fromkeys(
        ("Analysis", "Confidence", "Finding", "RootCause", "Severity", "Why"), "infraprobe.analysis.model"
    ),
    **dict.fromkeys(("RULES", "Context", "Observations", "Rule"), "infraprobe.analysis.rules"),
    "Topology": "infraprobe.config.topology",
}
__getattr__ = lazy_getattr(__name__, _WHERE)

__all__ = [
    "RULES",
    "Analysis",
    "Confidence",
    "Context",
    "Finding",
    "Observations",
    "RootCause",
    "Rule",
    "Severity",
    "Topology",
    "Why",
    "analyze",
    "observations_from",
]
