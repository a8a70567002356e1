"""`infraprobe lab` end to end, as a user runs it: the brief's outage on test hosts in network namespaces,
then the fix, then Ctrl-C halfway; after each, nothing of the lab is left on the machine.

Each run is the real command in a process of its own, with a marker in its environment (inherited by
everything it starts, PostgreSQL under runuser included) and a TMPDIR of its own, so leftovers are found
by what they are, not by name.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infraprobe.lab.binaries import missing
from infraprobe.lab.netns import ETC_NETNS, lab_namespaces, why_unavailable

pytestmark = [pytest.mark.slow, pytest.mark.needs_pg, pytest.mark.needs_redis]

NO_NETNS = why_unavailable()
MISSING = missing()
needs_parts = pytest.mark.skipif(bool(MISSING), reason="; ".join(MISSING))
needs_netns = pytest.mark.skipif(
    NO_NETNS is not None, reason=f"network namespaces not allowed here: {NO_NETNS}"
)

# What analyze must name for the outage: each injected fault, with its cause code and layer, and no more.
OUTAGE_ROOTS = {
    ("cache", "dns_failure", "infrastructure"),
    ("connector", "path_over_capacity", "configuration"),
    ("db", "pool_over_capacity", "configuration"),
    ("backend", "startup_budget_exceeds_probe", "configuration"),
    ("public-api", "cert_name_not_covered", "configuration"),
}


# The lab takes its passwords from these when set: canaries, to be looked for in everything it wrote.
CANARIES = {"LAB_DB_PASSWORD": "lab-canary-Db-8e2c", "LAB_REDIS_PASSWORD": "lab-canary-Rd-51f0"}


@dataclass
class LabRun:
    code: int
    stdout: str
    stderr: str
    pid: int
    marker: str
    tmpdir: Path
    out: Path

    def json(self, name: str) -> dict:  # type: ignore[type-arg]
        return json.loads((self.out / name).read_text())

    def roots(self) -> set[tuple[str, str, str]]:
        return {(r["component"], r["cause"], r["layer"]) for r in self.json("analyze.json")["root_causes"]}

    def secrets_shown(self) -> list[str]:
        """Where a canary password appears: the command's output or any file in the evidence folder."""
        places = {"stdout": self.stdout, "stderr": self.stderr}
        places |= {str(p): p.read_text(errors="replace") for p in self.out.rglob("*") if p.is_file()}
        return [
            f"{canary} in {where}"
            for where, text in places.items()
            for canary in CANARIES.values()
            if canary in text
        ]

    def checks(self) -> dict[str, dict]:  # type: ignore[type-arg]
        return {r["component"]: r for r in self.json("check.json")["results"]}


@pytest.fixture
def tmp_path(tmp_path: Path) -> Iterator[Path]:
    """A TMPDIR the lab's PostgreSQL (another user) can enter; pytest's own are private to root."""
    shared = Path(tempfile.mkdtemp(prefix="infraprobe-lab-test-"))
    shared.chmod(0o755)
    yield shared
    shutil.rmtree(shared, ignore_errors=True)


def _start(tmp_path: Path, name: str, *args: str) -> tuple[subprocess.Popen[str], str, Path, Path]:
    marker, tmpdir, out = uuid.uuid4().hex, tmp_path / f"{name}-tmp", tmp_path / name
    tmpdir.mkdir()
    tmpdir.chmod(0o755)
    env = {**os.environ, "TMPDIR": str(tmpdir), "INFRAPROBE_LAB_TEST": marker, **CANARIES}
    argv = [sys.executable, "-m", "infraprobe", "lab", "--out", str(out), *args]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, marker, tmpdir, out


def _labs(tmp_path: Path, *runs: tuple[str, ...]) -> list[LabRun]:
    """Run labs side by side (each has its own namespaces, ports and folders): most of a run is waiting."""
    started = [(_start(tmp_path, name, *args)) for name, *args in runs]
    done = []
    for proc, marker, tmpdir, out in started:
        stdout, stderr = proc.communicate(timeout=240)
        done.append(LabRun(proc.returncode, stdout, stderr, proc.pid, marker, tmpdir, out))
    return done


def _lab(tmp_path: Path, name: str, *args: str) -> LabRun:
    return _labs(tmp_path, (name, *args))[0]


def _history_components(store: Path) -> set[str]:
    """The components the monitor recorded results for, read straight from its SQLite store."""
    with sqlite3.connect(store) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found: set[str] = set()
        for table in tables:
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if "component" in columns:
                found |= {row[0] for row in db.execute(f"SELECT DISTINCT component FROM {table}")}
        return found


def _leftovers(pid: int, marker: str, tmpdir: Path) -> list[str]:
    """Everything a lab run could leave behind: processes, namespaces, their files, nft tables, temp files."""
    found = [f"process {p}" for p in _processes_with(marker)]
    found += [f"namespace {ns}" for ns in lab_namespaces() if ns.startswith(f"iplab-{pid}-")]
    if ETC_NETNS.is_dir():
        found += [f"{p}" for p in ETC_NETNS.iterdir() if p.name.startswith(f"iplab-{pid}-")]
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=False).stdout
    found += [f"nft {line}" for line in tables.splitlines() if "iplab" in line]
    found += [f"file {p}" for p in tmpdir.iterdir()]
    return found


def _processes_with(marker: str) -> list[int]:
    needle = f"INFRAPROBE_LAB_TEST={marker}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile, or a kernel thread
    return pids


@needs_parts
@needs_netns
def test_outage_names_each_fault_then_the_fix_is_green(tmp_path: Path) -> None:
    outage, fixed = _labs(tmp_path, ("outage",), ("fixed", "--fix"))
    assert outage.code == 0, outage.stderr + outage.stdout
    assert outage.roots() == OUTAGE_ROOTS
    # The faults happened for real, not only in the arithmetic:
    checks = outage.checks()
    assert checks["db"]["diagnosis"]["cause"] == "connect_timeout"  # the connector dropped the SYN
    assert "-3" in checks["cache"]["message"]  # EAI_AGAIN from the resolver's SERVFAIL
    assert checks["public-login"]["diagnosis"]["cause"] == "tls_hostname_mismatch"
    assert checks["public-api"]["diagnosis"]["cause"] == "upstream_unavailable"  # the balancer's own 503
    assert {s["name"].rsplit("/", 1)[-1] for s in outage.json("logs.json")["sources"]} >= {
        "balancer.log",
        "backend.log",
    }
    assert f"evidence: {outage.out}" in outage.stdout
    lab_json = outage.json("lab.json")
    assert lab_json["commands"]["monitor"] == 0  # the monitor wrote all it produced
    assert list(lab_json)[:2] == ["schema", "version"] and lab_json["schema"] == "infraprobe.lab/v1"
    assert _history_components(outage.out / "history.db") >= {"db", "cache", "public-api"}
    assert outage.secrets_shown() == []
    failed = {c["id"] for c in outage.json("validate.json")["checks"] if not c["passed"]}
    assert {"data/db", "data/cache", "edge/public-login"} <= failed  # validation sees the faults too
    assert _leftovers(outage.pid, outage.marker, outage.tmpdir) == []

    assert fixed.code == 0, fixed.stderr + fixed.stdout
    assert fixed.roots() == set()
    assert {name: r["status"] for name, r in fixed.checks().items() if r["status"] != "ok"} == {}
    validation = fixed.json("validate.json")
    assert validation["verdict"]["passed"], validation["verdict"]["reason"]
    assert all(c["passed"] for c in validation["checks"])
    assert (fixed.out / "validate.xml").read_text().count("<testcase") == len(validation["checks"])
    assert _leftovers(fixed.pid, fixed.marker, fixed.tmpdir) == []
    _reports_say_so(outage, fixed)


def _reports_say_so(outage: LabRun, fixed: LabRun) -> None:
    """The handoff report names each injected fault as a root cause and nothing else; the fix's evidence
    ticks every box, and over the outage's report it says which turned green."""
    assert outage.stdout.strip().splitlines()[-1] == f"report: {outage.out / 'report.html'}"
    report = outage.json("report.json")
    assert {(r["component"], r["cause"], r["layer"]) for r in report["root_causes"]} == OUTAGE_ROOTS
    assert report["status"] == "failing" and not all(c["passed"] for c in report["criteria"])
    assert fixed.json("report.json")["root_causes"] == []
    assert all(c["passed"] for c in fixed.json("report.json")["criteria"])
    after = subprocess.run(
        [sys.executable, "-m", "infraprobe", "report", str(outage.out), str(fixed.out / "validate.json"),
         "--format", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    criteria = json.loads(after.stdout)["criteria"]
    # A log check's id ends in its window (" since <time>"), which differs between the two runs.
    was_open = {_no_window(c["id"]) for c in report["criteria"] if not c["passed"]}
    assert all(c["passed"] for c in criteria)
    assert {_no_window(c["id"]) for c in criteria if c["turned_green"]} == was_open


def _no_window(check_id: str) -> str:
    return re.sub(r" since \S+$", "", check_id)


@needs_parts
@needs_netns
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_stopped_halfway_it_leaves_nothing(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    proc, marker, tmpdir, _ = _start(tmp_path, "interrupted", "--scenario", "route")
    timer = threading.Timer(90, proc.kill)  # a lab that never gets there must not hang the suite
    timer.start()
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("starting the load balancer"):
                break
        assert _leftovers(
            proc.pid, marker, tmpdir
        )  # the servers and namespaces are up: there is something to stop
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        timer.cancel()
    assert proc.returncode == code
    assert "Traceback" not in stderr
    assert _leftovers(proc.pid, marker, tmpdir) == []


@needs_parts
def test_on_loopback_it_says_what_it_left_out(tmp_path: Path) -> None:
    """On loopback, with -v (steps stamped, each command's exit code); beside it a -q run prints only the
    verdict and the report's path."""
    run, quiet = _labs(
        tmp_path,
        ("loopback", "--loopback", "--scenario", "connector+tls", "-v"),
        ("quiet", "--loopback", "--scenario", "tls", "-q"),
    )
    assert run.code == 0, run.stderr + run.stdout
    assert "left out: connector" in run.stderr
    assert " ms: starting PostgreSQL and Redis..." in run.stderr and "infraprobe check exited 1" in run.stderr
    assert "root causes named by analyze:" in run.stdout
    assert quiet.code == 0, quiet.stderr + quiet.stdout
    assert quiet.stderr == "" and quiet.stdout.splitlines()[0] == "verdict: analyze named as injected"
    assert [line.split(":")[0] for line in quiet.stdout.splitlines()] == ["verdict", "report"]
    assert run.roots() == {("public-api", "cert_name_not_covered", "configuration")}
    assert run.json("lab.json")["left_out"] == ["connector"]
    assert _leftovers(run.pid, run.marker, run.tmpdir) == []
