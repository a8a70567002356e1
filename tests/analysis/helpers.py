"""Shared helpers for analysis tests: topologies, rule contexts, check results and configs from literals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from infraprobe.analysis import Context, Topology, analyze
from infraprobe.analysis.model import Analysis, Finding
from infraprobe.analysis.rules import Observations
from infraprobe.configfile import LoadedConfig, parse_config
from infraprobe.facts import FactValue
from infraprobe.result import CheckResult, Diagnosis, Status
from infraprobe.taxonomy import Cause, Component

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def topology(**sections: Any) -> Topology:
    return Topology.model_validate(sections)


def context(
    topo: Topology, observations: Observations | None = None, links: Mapping[str, str] | None = None
) -> Context:
    # Unless told otherwise, every entry is linked to the component of its own name.
    default_links = {e.name: e.name for e in topo.entries()}
    return Context(topo, default_links if links is None else links, observations, NOW)


def service(name: str = "api", **fields: Any) -> dict[str, Any]:
    return {"name": name, "max_instances": 1, **fields}


def pool(server: str = "db", size: int = 10, overflow: int = 0, via: str | None = None) -> dict[str, Any]:
    return {"server": server, "size": size, "max_overflow": overflow, "via": via}


def result(
    name: str,
    kind: str = "tcp",
    *,
    cause: Cause | None = None,
    facts: Mapping[str, FactValue] | None = None,
    message: str = "",
) -> CheckResult:
    """A check result: failed with `cause` when one is given, ok otherwise."""
    diagnosis = Diagnosis.of(cause, Component.OTHER, message) if cause else None
    return CheckResult(
        component=name,
        kind=kind,
        status=Status.FAIL if cause else Status.OK,
        started_at=NOW,
        duration=0.01,
        facts=facts or {},
        diagnosis=diagnosis,
        message=message or (cause.value.replace("_", " ") if cause else "ok"),
    )


def config(text: str) -> LoadedConfig:
    return parse_config(text, "env.yaml", env={})


def components(*specs: str) -> str:
    """Config YAML from `name:kind:dep1,dep2` specs (kind tcp unless given; path kinds have no target)."""
    lines = ["components:"]
    for spec in specs:
        name, kind, deps = [*spec.split(":"), "", ""][:3]
        kind = kind or "tcp"
        targets = {"path": "", "http": ", url: 'http://127.0.0.1:1/'"}
        target = targets.get(kind, ", host: 127.0.0.1, port: 1")
        depends = f", depends_on: [{deps}]" if deps else ""
        lines.append(f"  - {{name: {name}, kind: {kind}{target}{depends}}}")
    return "\n".join(lines) + "\n"


def run(config_text: str, *results: CheckResult, observations: Observations | None = None) -> Analysis:
    return analyze(config(config_text), results, observations, now=NOW)


def codes(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    return [f.code for f in findings]
