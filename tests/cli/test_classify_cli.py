"""`infraprobe classify`: one text, stdin, and the JSON-lines stream mode."""

from __future__ import annotations

import json

from infraprobe import __version__
from tests.conftest import run_cli

REDIS_DNS = "Error -3 connecting to cache.internal:6379. Temporary failure in name resolution."
POOL = "sqlalchemy.exc.TimeoutError: QueuePool limit of size 10 overflow 15 reached, connection timed out, timeout 30.00"


def test_text_argument() -> None:
    """A text argument prints cause, layer, component, summary and guidance."""
    proc = run_cli("classify", REDIS_DNS)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[2] == "dns_failure (infrastructure, redis)"  # the verdict `-q` keeps
    fields = dict(line.split(None, 1) for line in proc.stdout.splitlines()[4:] if not line.startswith(" "))
    assert fields["cause"].strip() == "dns_failure"
    assert fields["layer"].strip() == "infrastructure"
    assert fields["component"].strip() == "redis"
    assert fields["guidance"].strip()


def test_stdin_and_json() -> None:
    """'-' reads the text from stdin; --format json prints one object."""
    proc = run_cli("classify", "-", "--format", "json", stdin=POOL)
    doc = json.loads(proc.stdout)
    assert (doc["cause"], doc["layer"]) == ("pool_exhausted", "application")


def test_jsonl_keeps_order_and_survives_bad_lines() -> None:
    """--jsonl writes one object per input line, in order; a garbled line gets an error object, not a stop."""
    lines = [json.dumps({"text": REDIS_DNS}), "{not json", json.dumps({"text": POOL}), json.dumps({"txt": 1})]
    proc = run_cli("classify", "--jsonl", stdin="\n".join(lines) + "\n")
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [o.get("cause") for o in out] == ["dns_failure", None, "pool_exhausted", None]
    assert out[1]["error"].startswith("<stdin>:2:") and out[3]["line"] == 4
    for o in (out[0], out[2]):
        assert {"cause", "layer", "component", "summary", "guidance"} <= set(o)
    assert proc.returncode == 3  # some input was bad: say so in the exit code
    assert "Traceback" not in proc.stderr


def test_secrets_never_echoed() -> None:
    """A DSN password inside the classified text is masked in the evidence."""
    text = 'connection to server at "db" failed: FATAL: password authentication failed; dsn=postgresql://u:canary-77@db/x'
    proc = run_cli("classify", text, "--format", "json")
    assert "canary-77" not in proc.stdout
    assert json.loads(proc.stdout)["cause"] == "auth_failed"


def test_empty_input_is_usage_error() -> None:
    """No text at all is a usage error (exit 2) with one line on stderr."""
    proc = run_cli("classify", "-", stdin="")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_jsonl_echoes_ids_and_answers_every_line() -> None:
    """One line out per line in, blank ones included; the caller's `id` comes back with its answer."""
    lines = [json.dumps({"id": "req-1", "text": POOL}), "", json.dumps({"id": 2, "text": REDIS_DNS})]
    lines.append(json.dumps({"id": None, "text": REDIS_DNS}))  # a null id is still the caller's: echoed
    proc = run_cli("classify", "--jsonl", stdin="\n".join(lines) + "\n")
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [(o.get("id", "-"), o["line"], o.get("cause")) for o in out] == [
        ("req-1", 1, "pool_exhausted"),
        ("-", 2, None),
        (2, 3, "dns_failure"),
        (None, 4, "dns_failure"),
    ]
    assert out[1]["skipped"] == "blank line"
    assert proc.returncode == 0


def test_every_json_document_names_its_schema_and_version() -> None:
    """`-o JSON` (any case) prints a document that starts with its schema and the tool's version."""
    proc = run_cli("classify", "-o", "JSON", POOL)
    doc = json.loads(proc.stdout)
    assert list(doc)[:2] == ["schema", "version"]
    assert doc["schema"] == "infraprobe.classify/v1"
    assert doc["version"] == __version__
