"""tls: does the handshake succeed, which certificate is served, and how long until it expires?

Phases dns -> connect -> tls. Certificate facts (dates, days left, SANs, issuer, chain) are recorded even
when verification fails: expired, wrong name, untrusted and a failed handshake are told apart, and a name
mismatch is blamed on configuration or infrastructure depending on what the certificate does cover.
"""

from __future__ import annotations

from infraprobe import facts
from infraprobe.probes._certinfo import CertInfo, mismatch_layer
from infraprobe.probes._conn import connection, handshake
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.tls import TlsCheck, TlsClient
from infraprobe.taxonomy import Cause, Component


async def probe(cfg: TlsCheck, run: ProbeRun) -> str:
    async with connection(run, cfg.host, cfg.port, handshake(run, cfg, cfg.host)) as conn:
        chain = conn.chain
    if not chain:
        run.fail(Cause.TLS_HANDSHAKE_FAILED, "the server presented no certificate", rule="tls_no_certificate")
    _check_names(cfg, run, chain[0])
    _check_expiry(cfg, run, chain)
    return f"{run.get(facts.TLS_VERSION)}, {chain[0].subject} valid for {run.get(facts.DAYS_LEFT)} more days"


def _check_names(cfg: TlsCheck, run: ProbeRun, leaf: CertInfo) -> None:
    """Every required name must be covered, wildcards standing for exactly one label."""
    required = cfg.require_names or ((cfg.server_name,) if cfg.server_name else ())
    coverage = {n: leaf.covers(n) for n in required}
    if coverage:
        run.fact(facts.NAMES_COVERED, coverage)
    missing = [n for n, ok in coverage.items() if not ok]
    if missing:
        run.fail(
            Cause.TLS_HOSTNAME_MISMATCH,
            f"certificate covers [{', '.join(leaf.sans)}], not {', '.join(map(repr, missing))}",
            layer=mismatch_layer(missing[0], leaf),
            rule="tls_require_names",
        )


def _check_expiry(cfg: TlsCheck, run: ProbeRun, chain: list[CertInfo]) -> None:
    """Warn under min_days. Only an expiry already past carries the expired cause (reachable with
    verify: false; with verification on, an expired certificate fails the handshake instead)."""
    days = run.get(facts.CHAIN_DAYS_LEFT)
    assert isinstance(days, int)
    if days >= cfg.min_days:
        return
    who = run.get(facts.CHAIN_EXPIRES_FIRST)
    if days < 0:
        run.warn(f"certificate {who} expired {-days} days ago", Cause.TLS_CERTIFICATE_EXPIRED)
    else:
        run.warn(f"certificate {who} expires in {days} days (min_days {cfg.min_days})")


SPEC = ProbeSpec(
    "tls",
    TlsCheck,
    probe,
    Component.TLS,
    "TLS handshake and certificate: expiry, names, issuer; expired / wrong name / untrusted told apart",
    prepare=lambda cfg, net: net.ssl.prepare(cfg.options()),
)

__all__ = ["SPEC", "TlsCheck", "TlsClient", "probe"]
