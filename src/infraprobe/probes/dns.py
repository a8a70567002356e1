"""dns: does a name resolve (A/AAAA), through the system resolver or a given nameserver, and how fast?

The system path is getaddrinfo on the shared bounded pool (what the application itself would see); the
nameserver path asks one server directly with dnspython's asyncio resolver, which is cancellable and
uses no threads, and reports the exact rcode. Facts: rcode, answers, time_ms.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Iterable

from infraprobe import facts
from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.dns import DnsCheck, parse_nameserver
from infraprobe.taxonomy import Cause, Component

Answers = dict[str, list[str]]
Outcome = tuple[str, list[str]]  # (rcode, addresses) of one record type

# getaddrinfo hides the rcode; these are the codes glibc maps them from.
_GAI_RCODE = {
    socket.EAI_NONAME: "NXDOMAIN",
    getattr(socket, "EAI_NODATA", -5): "NODATA",
    socket.EAI_AGAIN: "SERVFAIL_OR_TIMEOUT",
    socket.EAI_FAIL: "SERVFAIL",
}
# dnspython gives up slightly before the runner does, so a silent server is reported with its rcode
# ("TIMEOUT") and evidence rather than as a bare deadline.
_LIFETIME_SHARE = 0.9


async def probe(cfg: DnsCheck, run: ProbeRun) -> str:
    run.fact(facts.RESOLVER, cfg.nameserver or "system")
    start = run.clock()
    try:
        with run.phase(Phase.DNS):
            answers = await (_via_nameserver(cfg, run) if cfg.nameserver else _via_system(cfg, run))
    finally:
        run.fact(facts.TIME_MS, round((run.clock() - start) * 1000, 3))
    run.fact(facts.ANSWERS, dict(answers))
    _check_expected(cfg, run, answers)
    count = sum(len(v) for v in answers.values())
    return f"{cfg.host}: {count} address{'es' if count != 1 else ''} in {run.get(facts.TIME_MS)} ms"


async def _via_system(cfg: DnsCheck, run: ProbeRun) -> Answers:
    wanted = set(cfg.record_types)
    family = (
        socket.AF_INET if wanted == {"A"} else socket.AF_INET6 if wanted == {"AAAA"} else socket.AF_UNSPEC
    )
    try:
        addresses = await run.net.resolver.resolve(cfg.host, 0, family)
    except socket.gaierror as exc:
        run.fact(facts.RCODE, _GAI_RCODE.get(exc.errno, f"EAI_{exc.errno}"))
        raise  # the classifier maps gaierror exactly; nothing to add here
    run.fact(facts.RCODE, "NOERROR")
    answers: Answers = {t: [] for t in cfg.record_types}
    for fam, sockaddr in addresses:
        answers["AAAA" if fam == socket.AF_INET6 else "A"].append(sockaddr[0])
    return answers


async def _via_nameserver(cfg: DnsCheck, run: ProbeRun) -> Answers:
    assert cfg.nameserver is not None
    run.fact(facts.RCODE, "TIMEOUT")  # until an answer arrives: what the facts say if the deadline hits first
    # dnspython loads in ~90 ms; only this path needs it, so it is imported here, not at start-up.
    from infraprobe.probes._dnsquery import query

    host, port, lifetime = *parse_nameserver(cfg.nameserver), _lifetime(cfg.timeout)
    outcomes = await _each(query(host, port, cfg.host, t, lifetime) for t in cfg.record_types)
    rcodes: dict[str, str] = {t: rcode for t, (rcode, _) in zip(cfg.record_types, outcomes, strict=True)}
    answers: Answers = {t: ips for t, (_, ips) in zip(cfg.record_types, outcomes, strict=True)}
    worst = next((r for r in ("NXDOMAIN", "TIMEOUT", "SERVFAIL", "REFUSED") if r in rcodes.values()), None)
    worst = worst or next((r for r in rcodes.values() if r != "NOERROR"), "NOERROR")
    run.fact(facts.RCODE, worst)
    if worst != "NOERROR" or not any(answers.values()):
        _fail_lookup(cfg, run, worst, rcodes)
    return answers


async def _each(queries: Iterable[Awaitable[Outcome]]) -> list[Outcome]:
    """Every query's outcome; concurrently when there are several (a task each), directly for one."""
    pending = list(queries)
    if len(pending) == 1:
        return [await pending[0]]
    # return_exceptions: an unexpected error in one query must not leave the other running unobserved.
    results = await asyncio.gather(*pending, return_exceptions=True)
    outcomes: list[Outcome] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        outcomes.append(result)
    return outcomes


def _lifetime(timeout: float) -> float:
    """dnspython's budget: most of the check's, leaving the runner a margin to report the rcode."""
    return max(timeout * 0.5, min(timeout * _LIFETIME_SHARE, timeout - 0.05))


def _fail_lookup(cfg: DnsCheck, run: ProbeRun, worst: str, rcodes: dict[str, str]) -> None:
    detail = ", ".join(f"{t} {r}" for t, r in rcodes.items())
    if worst == "TIMEOUT":
        evidence = f"no answer from {cfg.nameserver} for {cfg.host} ({detail})"
    elif worst == "NOERROR":
        evidence = f"{cfg.host} exists but has no {'/'.join(cfg.record_types)} records ({detail})"
    else:
        evidence = f"{cfg.nameserver} answered {worst} for {cfg.host} ({detail})"
    run.fail(Cause.DNS_FAILURE, evidence, rule=f"dns_rcode_{worst.lower()}")


def _check_expected(cfg: DnsCheck, run: ProbeRun, answers: Answers) -> None:
    got = {ip for ips in answers.values() for ip in ips}
    missing = [ip for ip in cfg.expect_addresses if ip not in got]
    if missing:
        run.fail(
            Cause.DNS_FAILURE,
            f"{cfg.host} resolves to {sorted(got)}, missing expected {missing}",
            summary="The name resolves, but not to the expected addresses (stale record, split-horizon "
            "zone, or a different resolver).",
            rule="dns_expect_addresses",
        )


def _prepare(cfg: DnsCheck, net: Net) -> None:
    if cfg.nameserver is not None:
        import infraprobe.probes._dnsquery  # noqa: F401  (dnspython: before the clocks start)


SPEC = ProbeSpec(
    "dns",
    DnsCheck,
    probe,
    Component.DNS,
    "resolve A/AAAA via the system or a given nameserver; rcode, answers, time",
    prepare=_prepare,
)

__all__ = ["SPEC", "DnsCheck", "parse_nameserver", "probe"]
