"""Certificates: does the certificate a load balancer serves cover its domains, and for how long?

With `--observe` the names and dates come from the live certificate (the tls check's `sans` and
`not_after` facts) rather than the declared ones, and the finding says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from infraprobe import facts
from infraprobe.analysis.model import Finding, Severity
from infraprobe.analysis.rules.base import Context
from infraprobe.config.topology import Certificate
from infraprobe.taxonomy import Cause


def cert_name_not_covered(ctx: Context) -> list[Finding]:
    found = []
    for lb in ctx.topology.load_balancers:
        cert = ctx.topology.certificate(lb.certificate) if lb.certificate else None
        if cert is None:
            continue
        names, source = cert_names(ctx, cert)
        missing = [d for d in lb.domains if not covered(d, names)]
        if missing:
            found.append(_not_covered(lb.name, cert, missing, names, source))
    return found


def cert_expiring(ctx: Context) -> list[Finding]:
    window = timedelta(days=ctx.topology.certificate_warning_days)
    found = []
    for cert in ctx.topology.certificates:
        expires, source = cert_expiry(ctx, cert)
        left = expires - ctx.now
        if left < window:  # exactly the window left is still fine
            found.append(_expiring(cert, expires, left, window, source))
    return found


def covered(domain: str, names: Sequence[str]) -> bool:
    """RFC 6125 matching: exact, or a leading `*.` wildcard standing for exactly one label."""
    host = domain.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in names):
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def cert_names(ctx: Context, cert: Certificate) -> tuple[tuple[str, ...], str]:
    seen = ctx.observed(cert.name, facts.SANS)
    if seen is not None and all(isinstance(n, str) for n in seen):
        return tuple(seen), "observed"
    return cert.names, "declared"


def cert_expiry(ctx: Context, cert: Certificate) -> tuple[datetime, str]:
    seen = ctx.observed(cert.name, facts.NOT_AFTER)
    if isinstance(seen, str):
        try:
            return as_utc(datetime.fromisoformat(seen)), "observed"
        except ValueError:
            pass  # an unparsable fact is no observation; fall back to the declared date
    return as_utc(cert.not_after), "declared"


def as_utc(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        # A bare date means the start of that day: the earliest moment the certificate may stop working.
        value = datetime.combine(value, time())
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _not_covered(
    lb: str, cert: Certificate, missing: list[str], names: Sequence[str], source: str
) -> Finding:
    return Finding(
        code="cert_name_not_covered",
        severity=Severity.CRITICAL,
        components=(lb, cert.name),
        summary=f"certificate {cert.name} served by {lb} does not cover {', '.join(missing)}",
        evidence=f"{lb} serves {', '.join(missing)}; certificate {cert.name} names ({source}): "
        f"{', '.join(names)}; no exact or one-label wildcard match",
        fix=f"Add {', '.join(missing)} to the certificate {cert.name} (and redeploy it), or stop serving "
        "the name from this load balancer.",
        explains=frozenset({Cause.TLS_HOSTNAME_MISMATCH}),
        values={"missing": missing, "names": list(names), "names_source": source},
        observed=source == "observed",
    )


def _expiring(
    cert: Certificate, expires: datetime, left: timedelta, window: timedelta, source: str
) -> Finding:
    expired = left <= timedelta(0)
    days = left.total_seconds() / 86400
    state = f"expired {-days:.1f} days ago" if expired else f"expires in {days:.1f} days"
    return Finding(
        code="cert_expiring",
        severity=Severity.CRITICAL if expired else Severity.WARNING,
        components=(cert.name,),
        summary=f"certificate {cert.name} {state}",
        evidence=f"not_after {expires.isoformat()} ({source}); {state}, warning window {window.days} days",
        fix=f"Renew and redeploy {cert.name}, and check why the renewal automation did not.",
        explains=frozenset({Cause.TLS_CERTIFICATE_EXPIRED}) if expired else frozenset(),
        values={"not_after": expires.isoformat(), "days_left": round(days, 2), "source": source},
        observed=source == "observed",
    )
