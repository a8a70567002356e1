"""Start-up budget: does the platform wait long enough for a new instance to become healthy?

If a service may legitimately spend 600 s waiting for its database while the health check declares it dead
after 30 s, every slow start becomes a kill-and-restart loop, and the load balancer has no healthy backend.
Equal to the platform's patience is fine; one second longer is a finding.
"""

from __future__ import annotations

from infraprobe.analysis.model import Finding, Severity
from infraprobe.analysis.rules.base import Context, seconds
from infraprobe.config.topology import LoadBalancer, Service
from infraprobe.taxonomy import Cause

# A killed or still-starting backend shows up as refused connections, timeouts, or 503s from the balancer.
EXPLAINS = frozenset(
    {
        Cause.CONNECTION_REFUSED,
        Cause.CONNECT_TIMEOUT,
        Cause.READ_TIMEOUT,
        Cause.UPSTREAM_UNAVAILABLE,
        Cause.SERVICE_STARTING,
    }
)


def startup_budget_exceeds_probe(ctx: Context) -> list[Finding]:
    found = []
    for lb in ctx.topology.load_balancers:
        for name in lb.backends:
            svc = ctx.topology.service(name)
            if svc and svc.startup_budget is not None and svc.startup_budget > lb.gives_up_after:
                found.append(_finding(lb, svc, svc.startup_budget))
    return found


def _finding(lb: LoadBalancer, svc: Service, budget: float) -> Finding:
    patience = seconds(lb.gives_up_after)
    return Finding(
        code="startup_budget_exceeds_probe",
        severity=Severity.CRITICAL,
        components=(svc.name, lb.name),
        summary=f"{lb.name} gives up on a starting {svc.name} after {patience}; start-up may take "
        f"{seconds(budget)}",
        evidence=f"{lb.name} gives up after {_patience_formula(lb)}; {svc.name} startup_budget "
        f"{seconds(budget)} > {patience}",
        fix=f"Give new instances at least {seconds(budget)} (a start-up probe or grace period), or "
        f"make {svc.name} serve {lb.health_check_path} before its dependencies are ready and wait for them "
        "in the background.",
        explains=EXPLAINS,
        values={"startup_budget_s": budget, "gives_up_after_s": lb.gives_up_after},
    )


def _patience_formula(lb: LoadBalancer) -> str:
    if lb.startup_window is not None:
        return f"startup_window {seconds(lb.startup_window)}"
    formula = f"interval {seconds(lb.interval)} x unhealthy_threshold {lb.unhealthy_threshold}"
    if lb.initial_delay:
        formula = f"initial_delay {seconds(lb.initial_delay)} + {formula}"
    return f"{formula} = {seconds(lb.gives_up_after)}"
