"""dns probe: the system path (few real lookups, the rest through a loopback stub) and the nameserver path."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from contextlib import AsyncExitStack
from pathlib import Path

from infraprobe.net import Net, SystemResolver
from infraprobe.probes.dns import DnsCheck
from infraprobe.result import Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause
from infraprobe.testing.dnsstub import DnsStub, stub_getaddrinfo
from tests.probes.helpers import assert_failed, assert_healthy, fact_dict

RECORDS = {"svc.test": ["127.0.0.1", "::1"], "v4only.test": ["127.0.0.2"]}


def _dns_threads() -> int:
    return sum(t.name.startswith("infraprobe-dns") for t in threading.enumerate())


async def test_system_resolver_resolves_localhost(runner: Runner) -> None:
    """The system path resolves localhost: rcode, answers and time are facts, phase dns only."""
    result = await runner.check(DnsCheck(name="local", host="localhost", record_types=("A",)))
    assert_healthy(result, ["dns"])
    assert result.facts["rcode"] == "NOERROR"
    assert "127.0.0.1" in fact_dict(result, "answers")["A"]
    assert result.facts["resolver"] == "system"
    assert isinstance(result.facts["time_ms"], float)


async def test_system_resolver_invalid_name_is_dns_failure(runner: Runner) -> None:
    """A *.invalid name fails with dns_failure and the NXDOMAIN the system resolver implied."""
    result = await runner.check(DnsCheck(name="bad", host="nothing-here.invalid"))
    assert_failed(result, Cause.DNS_FAILURE, phase="dns")
    assert result.facts["rcode"] == "NXDOMAIN"


async def test_nameserver_answers_and_expected_addresses(runner: Runner) -> None:
    """A given nameserver's A and AAAA answers are facts, and expect_addresses is met."""
    async with DnsStub(RECORDS) as stub:
        check = DnsCheck(name="svc", host="svc.test", nameserver=stub.address, expect_addresses=("::1",))
        result = await runner.check(check)
    assert_healthy(result, ["dns"])
    assert result.facts["answers"] == {"A": ["127.0.0.1"], "AAAA": ["::1"]}
    assert result.facts["resolver"] == stub.address


async def test_missing_expected_address_fails(runner: Runner) -> None:
    """Resolving to other addresses than expected is a dns_failure naming what was missing."""
    async with DnsStub(RECORDS) as stub:
        check = DnsCheck(
            name="svc", host="svc.test", nameserver=stub.address, expect_addresses=("192.0.2.14",)
        )
        result = await runner.check(check)
    assert_failed(result, Cause.DNS_FAILURE)
    assert result.diagnosis is not None
    assert "192.0.2.14" in result.diagnosis.evidence
    assert result.facts["answers"] == {"A": ["127.0.0.1"], "AAAA": ["::1"]}


async def test_nxdomain_servfail_and_nodata_report_their_rcode(runner: Runner) -> None:
    """NXDOMAIN, SERVFAIL and a name with no record of the type are dns_failure with the exact rcode."""
    async with DnsStub(RECORDS, servfail=["broken.test"]) as stub:
        cases = {"gone.invalid": "NXDOMAIN", "broken.test": "SERVFAIL", "v4only.test": "NOERROR"}
        for host, rcode in cases.items():
            types = ("AAAA",) if host == "v4only.test" else ("A", "AAAA")
            check = DnsCheck(name="n", host=host, nameserver=stub.address, record_types=types)
            result = await runner.check(check)
            assert_failed(result, Cause.DNS_FAILURE, phase="dns")
            assert result.facts["rcode"] == rcode


async def test_silent_nameserver_is_bounded_by_the_timeout(runner: Runner) -> None:
    """A nameserver that never answers fails within the check's timeout, rcode TIMEOUT."""
    async with DnsStub(silent_all=True) as stub:
        start = time.perf_counter()
        result = await runner.check(DnsCheck(name="h", host="svc.test", nameserver=stub.address, timeout=0.4))
    assert time.perf_counter() - start < 0.6
    assert_failed(result, Cause.DNS_FAILURE, phase="dns")
    assert result.facts["rcode"] == "TIMEOUT"


async def test_closed_nameserver_port_times_out(runner: Runner) -> None:
    """A closed UDP port reports TIMEOUT, as dnspython's resolver did, not the ICMP error as an answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:
        closed.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{closed.getsockname()[1]}"
    result = await runner.check(DnsCheck(name="c", host="svc.test", nameserver=address, timeout=0.4))
    assert_failed(result, Cause.DNS_FAILURE, phase="dns")
    assert result.facts["rcode"] == "TIMEOUT"


async def test_system_path_reports_stub_nxdomain_and_servfail() -> None:
    """The getaddrinfo path maps EAI_NONAME to NXDOMAIN and EAI_AGAIN to SERVFAIL_OR_TIMEOUT."""
    async with DnsStub(RECORDS, servfail=["broken.test"]) as stub:
        runner = Runner(net=Net(SystemResolver(getaddrinfo=stub_getaddrinfo(stub.address))))
        ok = await runner.check(DnsCheck(name="ok", host="svc.test"))
        gone = await runner.check(DnsCheck(name="gone", host="gone.invalid"))
        broken = await runner.check(DnsCheck(name="broken", host="broken.test"))
        runner.net.close()
    assert ok.facts["answers"] == {"A": ["127.0.0.1"], "AAAA": ["::1"]}
    assert_failed(gone, Cause.DNS_FAILURE, phase="dns")
    assert gone.facts["rcode"] == "NXDOMAIN"
    assert_failed(broken, Cause.DNS_FAILURE, phase="dns")
    assert broken.facts["rcode"] == "SERVFAIL_OR_TIMEOUT"


async def test_hung_system_resolver_keeps_threads_bounded_and_loop_free() -> None:
    """A hung resolver: threads stay <= max_threads, checks end on time, queued lookups never run."""
    max_threads, hang = 4, 0.6
    async with DnsStub(silent_all=True) as stub:
        resolver = SystemResolver(max_threads, getaddrinfo=stub_getaddrinfo(stub.address, lifetime=hang))
        runner = Runner(net=Net(resolver))
        before = threading.active_count()
        checks = [DnsCheck(name=f"d{i}", host=f"h{i}.test", timeout=0.25) for i in range(40)]
        start = time.perf_counter()
        results = await asyncio.gather(*(runner.check(c) for c in checks))
        elapsed = time.perf_counter() - start
        assert _dns_threads() <= max_threads
        assert threading.active_count() <= before + max_threads
        await asyncio.sleep(hang + 0.3)  # the blocked lookups finish; cancelled queued ones must not start
        queries = stub.queries
        runner.net.close()
    assert elapsed < 0.6, "a blocked resolver thread must not block the event loop"
    assert all(r.status is Status.FAIL and r.phases[-1].name == "dns" for r in results)
    assert all(r.diagnosis is not None and r.diagnosis.cause is Cause.DNS_FAILURE for r in results)
    assert queries <= 2 * max_threads


async def test_nameserver_path_uses_no_threads(runner: Runner) -> None:
    """The dnspython path is pure asyncio: 30 hung lookups add no thread at all."""
    async with DnsStub(silent_all=True) as stub:
        before = set(threading.enumerate())
        checks = [
            DnsCheck(name=f"d{i}", host="a.test", nameserver=stub.address, timeout=0.2) for i in range(30)
        ]
        results = await asyncio.gather(*(runner.check(c) for c in checks))
        assert set(threading.enumerate()) - before == set()  # leftovers of other tests may exit meanwhile
    assert all(r.facts["rcode"] == "TIMEOUT" for r in results)


def test_nameserver_must_be_an_address() -> None:
    """nameserver takes IP[:port] or [IPv6]:port; a name (which would itself need DNS) is rejected."""
    assert DnsCheck(name="a", host="x", nameserver="[::1]:5353").nameserver == "[::1]:5353"
    for bad in ("dns.google", "127.0.0.1:0", "127.0.0.1:x"):
        try:
            DnsCheck(name="a", host="x", nameserver=bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> DnsCheck:
    return DnsCheck(name="c", host="localhost", record_types=("A",))
