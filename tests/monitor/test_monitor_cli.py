"""`infraprobe monitor` and `history` as a user runs them: signals, durability, output, bad input."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from infraprobe.cli.main import main
from infraprobe.monitor.store import open_store
from infraprobe.testing._localserver import free_port
from infraprobe.testing.redis import RedisServer

from .helpers import obs

pytestmark = pytest.mark.needs_redis


def write_config(path: Path, port: int, count: int = 10, interval: str = "0.1s") -> Path:
    items = "\n".join(f"  - {{name: c{i}, kind: tcp, host: 127.0.0.1, port: {port}}}" for i in range(count))
    path.write_text(
        f"environment: cli\ndefaults: {{interval: {interval}, timeout: 1s}}\ncomponents:\n{items}\n"
    )
    return path


def start(config: Path, *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "infraprobe", "monitor", str(config), *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def scrape_results(port: int) -> float:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
            break
        except OSError:
            assert time.monotonic() < deadline, "metrics endpoint never came up"
            time.sleep(0.1)
    for family in text_string_to_metric_families(text):
        if family.name == "infraprobe_monitor_results":
            return family.samples[0].value
    raise AssertionError("no infraprobe_monitor_results")


def rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])


def wait_for_results(port: int, at_least: float) -> float:
    deadline = time.monotonic() + 20
    while (n := scrape_results(port)) < at_least:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return n


def test_sigkill_loses_at_most_the_last_second(redis: RedisServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "env.yaml", redis.port)
    db, port = tmp_path / "h.db", free_port()
    proc = start(config, "--store", f"sqlite:///{db}", "--metrics", f"127.0.0.1:{port}")
    try:
        wait_for_results(port, 50)
        produced_a_second_ago = scrape_results(port)
        time.sleep(1.0)
        produced_now = scrape_results(port)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
        proc.communicate()
    stored = rows(db)
    assert produced_a_second_ago <= stored <= produced_now + 20, (produced_a_second_ago, stored, produced_now)


def test_sigterm_loses_nothing_and_history_reads_it_back(redis: RedisServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "env.yaml", redis.port)
    port = free_port()
    proc = start(config, "--metrics", f"127.0.0.1:{port}", "--vantage", "ci-runner")
    wait_for_results(port, 30)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    db = tmp_path / "env.history.db"  # the default store: beside the config
    produced = int(err.split("stopped: ")[1].split(" result")[0])
    assert rows(db) == produced and f"{produced} written, 0 not written, 0 dropped" in err
    assert "c0 unknown -> up after 2 result(s)" in out  # not a TTY: one line per state change
    history = subprocess.run(
        [sys.executable, "-m", "infraprobe", "history", str(config), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(history.stdout)
    hour = [c for c in doc["components"] if c["window"] == "1h"]
    assert sum(c["results"] for c in hour) == produced and all(c["uptime"] == 1.0 for c in hour)
    assert doc["current"]["c0"]["to"] == "up" and doc["current"]["c0"]["vantage"] == "ci-runner"


def test_quiet_keeps_state_changes_and_verbose_adds_each_result(redis: RedisServer, tmp_path: Path) -> None:
    """-q: the state-change lines alone (no banner, no closing count when nothing was lost); -v: the banner,
    the config read, and one stderr line per result with its phases; the state-change lines in both."""
    config = tmp_path / "env.yaml"
    config.write_text(
        "defaults: {interval: 0.2s, timeout: 1s}\ncomponents:\n"
        f"  - {{name: up, kind: tcp, host: 127.0.0.1, port: {redis.port}}}\n"
        f"  - {{name: gone, kind: tcp, host: 127.0.0.1, port: {free_port()}}}\n"
    )
    runs = {
        flag: start(config, "--for", "2s", "--store", f"sqlite:///{tmp_path / flag}.db", flag)
        for flag in ("-q", "-v")
    }
    (quiet, quiet_err), (verbose, verbose_err) = (proc.communicate(timeout=60) for proc in runs.values())
    assert [proc.returncode for proc in runs.values()] == [0, 0], quiet_err + verbose_err
    for out in (quiet, verbose):
        assert "up unknown -> up" in out and "gone unknown -> down cause=connection_refused" in out
    assert quiet_err == ""
    assert "monitoring 2 component(s)" in verbose_err and "stopped: " in verbose_err
    assert "ms: config " in verbose_err and "ms: up: ok in " in verbose_err and "(dns " in verbose_err
    assert verbose_err.count(": gone: fail in ") >= 2  # one per result, not per change


def read_until(proc: subprocess.Popen[str], needle: str) -> list[str]:
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, "monitor exited"
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not seen in {lines}")


def read_unless_seen(proc: subprocess.Popen[str], seen: list[str], needle: str) -> list[str]:
    """The lines up to `needle`, or none when `seen` already holds it: a component's first results can come
    after another's (a loaded machine can delay them past a reload), so wait for the ones still missing."""
    return [] if any(needle in line for line in seen) else read_until(proc, needle)


def test_sighup_reloads_and_a_changed_component_starts_over(redis: RedisServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "env.yaml", redis.port, count=2, interval="0.2s")
    proc = start(config, "--for", "30s")
    try:
        seen = read_until(proc, "c1 unknown -> up")
        write_config(config, redis.port, count=3, interval="0.2s")
        proc.send_signal(signal.SIGHUP)
        seen += read_until(proc, "c2 unknown -> up")
        # c0 may still be on its way up: wait for it, so a missing line means no change was said at all.
        seen += read_unless_seen(proc, seen, "c0 unknown -> up")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    text = "".join(seen) + out
    assert "monitor: config reloaded: 1 component(s) changed or removed" in text
    # Unchanged: it kept its state through the reload, so its change is said once, never again after it.
    assert text.count("c0 unknown -> up") == 1
    assert proc.returncode == 0


def test_a_reload_to_no_components_keeps_the_running_config(redis: RedisServer, tmp_path: Path) -> None:
    """Starting on an empty list exits 3, so reloading to one is refused the same way: the running config
    stays (c0 and c1 keep their state), and a later good reload changes only what it changes."""
    config = write_config(tmp_path / "env.yaml", redis.port, count=2, interval="0.2s")
    proc = start(config, "--for", "30s")
    try:
        seen = read_until(proc, "c1 unknown -> up")
        seen += read_unless_seen(proc, seen, "c0 unknown -> up")
        config.write_text("environment: cli\ncomponents: []\n")
        proc.send_signal(signal.SIGHUP)
        seen += read_until(proc, "config not reloaded")
        write_config(config, redis.port, count=3, interval="0.2s")
        proc.send_signal(signal.SIGHUP)
        seen += read_until(proc, "c2 unknown -> up")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    text = "".join(seen) + out
    refused = (
        f"monitor: config not reloaded: {config}: components: nothing to monitor (no components, or only"
    )
    assert refused in text
    assert "monitor: config reloaded: 1 component(s) changed or removed" in text  # c2, and nothing else
    assert text.count("c0 unknown -> up") == 1 and text.count("c1 unknown -> up") == 1
    assert "removed from the config" not in text + err
    assert proc.returncode == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "mysql://x"], "--store: unknown store scheme 'mysql'"),
        (["--metrics", "nowhere"], "--metrics: expected HOST:PORT"),
        (["--for", "soon"], "--for: invalid duration 'soon'"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    config = write_config(tmp_path / "env.yaml", 9)
    code, err = in_process(capsys, "monitor", str(config), *args)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The CLI's own entry point in this process (no interpreter start-up): exit code and stderr."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(exited.value.code or 0), capsys.readouterr().err


def test_a_store_password_never_shows(tmp_path: Path) -> None:
    config = write_config(tmp_path / "env.yaml", 9, count=1)
    url = f"postgresql://monitor:hunter2-secret@127.0.0.1:{free_port()}/h"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "infraprobe",
            "monitor",
            str(config),
            "--store",
            url,
            "--for",
            "1.5s",
            "--flush-timeout",
            "1s",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert "hunter2-secret" not in done.stdout + done.stderr
    assert "store unavailable" in done.stderr and "monitor:***@127.0.0.1" in done.stderr
    assert done.returncode == 1  # results were produced and could not be written: say so in the exit code
    assert "monitoring 1 component(s)" in done.stderr  # the banner: not under -q (below)


def test_quiet_still_says_what_was_lost(tmp_path: Path) -> None:
    """-q drops the banner and the closing count, except when results could not be written: errors stay."""
    config = write_config(tmp_path / "env.yaml", 9, count=1)
    url = f"postgresql://monitor@127.0.0.1:{free_port()}/h"
    cmd = [sys.executable, "-m", "infraprobe", "monitor", str(config), "-q", "--store", url, "--for", "1.5s"]
    done = subprocess.run([*cmd, "--flush-timeout", "1s"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "monitoring" not in done.stderr
    assert "store unavailable" in done.stderr and "not written" in done.stderr


def run_history(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "infraprobe", "history", str(config), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_history_formats_windows_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "env.yaml", 9, count=2)
    code, err = in_process(capsys, "history", str(config))
    assert code == 3 and "no history at" in err
    store = open_store(f"sqlite:///{tmp_path}/env.history.db")
    store.write([obs("c0"), obs("c1")], [])
    store.close()
    markdown = run_history(config, "--format", "markdown", "--since", "3000d", "--component", "c0")
    assert markdown.returncode == 0, markdown.stderr
    assert "| c0 | 3000d | 1 | 100% |" in markdown.stdout and "c1" not in markdown.stdout
    for args, message, expected in (
        (["--since", "soon"], "--since: expected a duration", 2),
        (["--component", "nope"], "--component: no component named 'nope'", 2),
        (
            ["--store", f"postgresql://u:hunter2-pw@127.0.0.1:{free_port()}/h"],
            "--store: cannot read the history",
            3,  # the call is right; the store it names cannot be read
        ),
    ):
        code, err = in_process(capsys, "history", str(config), *args)
        assert code == expected and message in err and len(err.strip().splitlines()) == 1
        assert "hunter2-pw" not in err


def test_the_quorum_comes_from_the_config_unless_the_flag_says_otherwise(tmp_path: Path) -> None:
    """`vantages.quorum` in the file is what `monitor` decides by; `--quorum` overrides it. A component
    removed since the last run is said at start and its records end (once)."""
    config = write_config(tmp_path / "env.yaml", 9, count=2)
    config.write_text(config.read_text() + "vantages: {quorum: all, path_failure: {min_targets: 3}}\n")
    said = []
    for args in ([], ["--quorum", "any"]):
        done = subprocess.run(
            [sys.executable, "-m", "infraprobe", "monitor", str(config), "--for", "1s", *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        said.append(done.stderr)
    assert "(quorum: all)" in said[0] and "(quorum: any)" in said[1], said
    assert "removed from the config" not in said[0] + said[1]
    write_config(config, 9, count=1)  # c1 is gone; it was down (nothing listens on port 9)
    done = subprocess.run(
        [sys.executable, "-m", "infraprobe", "monitor", str(config), "--for", "0.5s"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "removed from the config since the last run: c1; their history records end now" in done.stderr
    history = json.loads(run_history(config, "--format", "json").stdout)
    (c1,) = [i for i in history["incidents"] if i["component"] == "c1"]
    assert c1["end"] is not None and c1["end_note"] == "removed from config"


def _wait_until_recorded(config: Path, component: str, evidence: str) -> None:
    """Until the history (as the monitor writes it, buffered) shows `component`'s last record with `evidence`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = run_history(config, "--format", "json")
        if (
            done.returncode == 0
            and json.loads(done.stdout)["current"].get(component, {}).get("evidence") == evidence
        ):
            return
        time.sleep(0.3)
    raise AssertionError(f"{component}: no record with {evidence!r} within 30 s")


def test_quiet_leaves_out_the_removed_components_notices_and_still_ends_their_records(
    redis: RedisServer, tmp_path: Path
) -> None:
    """-q: neither at start nor at a reload does the monitor say a removed component's records end, nor that
    the config was reloaded (routine); the records end all the same, and state changes are still printed."""
    config = write_config(tmp_path / "env.yaml", redis.port, count=3, interval="0.2s")
    subprocess.run(
        [sys.executable, "-m", "infraprobe", "monitor", str(config), "--for", "1s"], check=True, timeout=60
    )
    write_config(config, redis.port, count=2, interval="0.2s")  # c2 is gone since the last run
    proc = start(config, "--for", "30s", "-q")
    try:
        seen = read_until(proc, "c1 unknown -> up")
        write_config(config, redis.port, count=1, interval="0.2s")  # and c1 at the reload
        proc.send_signal(signal.SIGHUP)
        _wait_until_recorded(config, "c1", "removed from config")  # the reload was done (and said, if at all)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "removed from the config" not in out + err and "config reloaded" not in out + err
    out = "".join(seen) + out
    assert "c0 unknown -> up" in out  # state changes: still printed
    current = json.loads(run_history(config, "--format", "json").stdout)["current"]
    ended = {name: (t["to"], t["evidence"]) for name, t in current.items() if name != "c0"}
    assert ended == {"c1": ("unknown", "removed from config"), "c2": ("unknown", "removed from config")}
