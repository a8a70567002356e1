"""`analyze`: the library entry point that turns config + check results (+ live facts) into an Analysis."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from infraprobe.analysis.graph import Graph
from infraprobe.analysis.links import resolve_links, with_path_limits
from infraprobe.analysis.model import Analysis, Severity
from infraprobe.analysis.roots import find_roots
from infraprobe.analysis.rules import RULES, Context, Observations, Rule, run_rules
from infraprobe.config.topology import Topology
from infraprobe.configfile import LoadedConfig
from infraprobe.result import CheckResult


def analyze(
    loaded: LoadedConfig,
    results: Sequence[CheckResult] = (),
    observations: Observations | None = None,
    *,
    topology: Topology | None = None,
    now: datetime | None = None,
    rules: tuple[Rule, ...] = RULES,
) -> Analysis:
    """Name the root causes of `results` and check the topology's arithmetic.

    `topology` defaults to the config's `topology` section. `observations` (component -> live facts, see
    `observations_from`) turns on drift findings and makes capacity rules use observed limits; None
    means static analysis of the declared numbers only. Links between topology entries and components
    were checked when the config (or `--topology` file) was loaded.
    """
    topo = topology if topology is not None else _section(loaded)
    links = resolve_links(topo, loaded.config)
    topo = with_path_limits(topo, loaded.config, links)
    ctx = Context(topo, links, observations, now or datetime.now(UTC))
    # Critical first, each severity in rule order: what must be fixed leads the list.
    findings = tuple(sorted(run_rules(ctx, rules), key=lambda f: _SEVERITY_RANK[f.severity]))
    roots = find_roots(Graph.of(loaded.config), results, findings, links)
    return Analysis(
        environment=loaded.config.environment,
        root_causes=roots,
        findings=findings,
        results=tuple(results),
        probed=bool(results),
        observed=observations is not None,
    )


_SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


def observations_from(results: Sequence[CheckResult]) -> Observations:
    """The live facts every check recorded, by component: what `--observe` compares with the topology."""
    return {r.component: dict(r.facts) for r in results if r.facts}


def _section(loaded: LoadedConfig) -> Topology:
    section = loaded.sections.get("topology")
    return section if isinstance(section, Topology) else Topology()
