"""Input layouts: JSON lines, cloud exports, Docker json-file, gzip, stdin, and the timestamp formats."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime

from infraprobe.logs import scan

from .conftest import NOW, Scan, by_cause

REDIS_DNS = "Error -3 connecting to cache.invalid:6379. Temporary failure in name resolution."
POOL = "QueuePool limit of size 10 overflow 15 reached, connection timed out, timeout 30.00"
TOO_MANY = "FATAL:  sorry, too many clients already"


def test_json_lines_message_and_time_fields(scan_text: Scan) -> None:
    """Each usual message/time field name is read; other fields are kept on the example, secrets masked."""
    lines = [
        {
            "message": REDIS_DNS,
            "timestamp": "2024-05-01T12:00:00Z",
            "pod": "web-1",
            "env": {"DSN": "postgresql://app:hunter22@db/x"},
        },
        {"msg": REDIS_DNS, "time": "2024-05-01T12:01:00.123456789Z"},
        {"textPayload": REDIS_DNS, "ts": 1714564920.5},
        {"jsonPayload": {"message": REDIS_DNS}, "@timestamp": "2024-05-01T12:03:00+00:00"},
        {"log": REDIS_DNS + "\n", "time": "2024-05-01T12:04:00Z", "stream": "stderr"},
    ]
    summary = scan_text("\n".join(json.dumps(x) for x in lines) + "\n")
    finding = summary.findings[0]
    assert by_cause(summary) == {"dns_failure:redis": 5}
    assert finding.first_seen == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert finding.last_seen == datetime(2024, 5, 1, 12, 4, tzinfo=UTC)
    assert finding.example.fields == {"pod": "web-1", "env": {"DSN": "postgresql://app:***@db/x"}}


def test_gcp_export_pretty_json_array(scan_text: Scan) -> None:
    """A Cloud Logging export (`gcloud logging read --format=json`: an indented array) works as it comes."""
    entries = [
        {
            "textPayload": TOO_MANY,
            "timestamp": "2024-05-01T12:00:00.5Z",
            "severity": "ERROR",
            "resource": {"type": "cloud_run_revision", "labels": {"service_name": "api"}},
        },
        {"jsonPayload": {"message": POOL, "logger": "sqlalchemy.pool"}, "timestamp": "2024-05-01T12:00:01Z"},
        {"jsonPayload": {"event": "started"}, "timestamp": "2024-05-01T11:59:00Z", "severity": "INFO"},
    ]
    summary = scan_text(json.dumps(entries, indent=2), name="export.json")
    assert by_cause(summary) == {"db_connection_limit:postgres": 1, "pool_exhausted:other": 1}
    limit = next(f for f in summary.findings if f.component.value == "postgres")
    assert limit.example.fields["resource"]["labels"]["service_name"] == "api"
    assert summary.sources[0].lines == 3


def test_cloudwatch_export_object_with_epoch_millis(scan_text: Scan) -> None:
    """`aws logs filter-log-events` output ({"events": [...]}, epoch ms) is streamed event by event."""
    doc = {
        "events": [
            {"logStreamName": "api/1", "timestamp": 1714564800000, "message": TOO_MANY, "eventId": "1"},
            {"logStreamName": "api/1", "timestamp": 1714564860000, "message": TOO_MANY, "eventId": "2"},
        ],
        "searchedLogStreams": [],
    }
    summary = scan_text(json.dumps(doc, indent=1), name="cw.json")
    finding = summary.findings[0]
    assert (finding.count, finding.first_seen) == (2, datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    assert finding.last_seen == datetime(2024, 5, 1, 12, 1, tzinfo=UTC)


def test_docker_json_file_traceback_is_one_event(scan_text: Scan) -> None:
    """Docker json-file writes a traceback one record per line; they are grouped back into one event."""
    lines = [
        "2024-05-01 12:00:00,000 ERROR app: request failed\n",
        "Traceback (most recent call last):\n",
        '  File "/app/x.py", line 3, in get\n',
        "    client.ping()\n",
        f"redis.exceptions.ConnectionError: {REDIS_DNS}\n",
        "2024-05-01 12:00:01,000 INFO app: GET / 200\n",
    ]
    records = [{"log": x, "stream": "stderr", "time": f"2024-05-01T12:00:0{i}Z"} for i, x in enumerate(lines)]
    summary = scan_text("".join(json.dumps(r) + "\n" for r in records), name="c-json.log")
    assert by_cause(summary) == {"dns_failure:redis": 1}
    assert summary.findings[0].example.line == 1
    assert summary.findings[0].first_seen == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_gzip_and_concatenated_members(scan_text: Scan) -> None:
    """Gzip is recognised by its magic bytes; `cat a.gz b.gz` (two members) reads as one log."""
    part = f"2024-05-01 12:00:00,000 ERROR app: {POOL}\n".encode()
    summary = scan_text(gzip.compress(part) + gzip.compress(part), name="rotated.1")
    assert by_cause(summary) == {"pool_exhausted:other": 2}
    assert summary.sources[0].lines == 2


def test_stdin_like_stream() -> None:
    """A binary stream (what `-` reads) is scanned like a file."""
    data = f"2024-05-01T12:00:00Z {TOO_MANY}\n".encode()
    summary = scan(io.BytesIO(data), now=NOW)
    assert by_cause(summary) == {"db_connection_limit:postgres": 1}


def test_timestamp_formats_and_inheritance(scan_text: Scan) -> None:
    """ISO, Python logging, syslog (yearless), CLF and klog stamps parse; unstamped lines inherit."""
    text = "\n".join(
        [
            f"2024-05-01 12:00:00,123 ERROR app: {POOL}",
            f"May  1 12:01:00 host app[12]: {POOL}",
            f'192.0.2.11 - - [01/May/2024:12:02:00 +0000] "GET / HTTP/1.1" 200 12 {POOL}',
            f"E0501 12:03:00.000000       1 main.go:12] {POOL}",
            "2024-05-01T12:04:00.5+02:00 INFO app: an hour earlier in UTC, with an offset",
            f"no stamp here: {POOL}",
        ]
    )
    summary = scan_text(text + "\n")
    assert summary.events == 5
    assert min(f.first_seen for f in summary.findings if f.first_seen) == datetime(
        2024, 5, 1, 10, 4, 0, 500000, tzinfo=UTC
    )  # the unstamped line inherited the offset stamp above it, converted to UTC
    assert max(f.last_seen for f in summary.findings if f.last_seen) == datetime(
        2024, 5, 1, 12, 3, tzinfo=UTC
    )
    assert summary.untimed == 0


def test_java_and_chained_python_tracebacks_group(scan_text: Scan) -> None:
    """A Java stack (`at`, `Caused by:`) and a chained Python traceback are one event each."""
    text = (
        "2024-05-01 12:00:00,000 ERROR [main] c.e.Client - call failed\n"
        "java.lang.RuntimeException: wrapped\n"
        "\tat c.e.Client.call(Client.java:12)\n"
        "Caused by: java.net.ConnectException: Connection refused\n"
        "\t... 3 more\n"
        "2024-05-01 12:00:01,000 ERROR app: failed\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 1, in <module>\n'
        "ConnectionRefusedError: [Errno 111] Connection refused\n"
        "\n"
        "During handling of the above exception, another exception occurred:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 3, in <module>\n'
        f"sqlalchemy.exc.TimeoutError: {POOL}\n"
        "2024-05-01 12:00:02,000 INFO app: fine\n"
    )
    summary = scan_text(text)
    # Both chains end in a refused connection (the innermost cause wins), so one finding of two events.
    assert by_cause(summary) == {"connection_refused:tcp": 2}
    assert summary.lines == 16


def test_since_until_and_component_filters(scan_text: Scan) -> None:
    """`since`/`until` (absolute or relative to now) and `component` narrow what is counted."""
    text = "".join(f"2024-05-01 12:{m:02d}:00,000 ERROR app: {TOO_MANY}\n" for m in range(0, 60, 10))
    text += f"2024-05-01 12:55:00,000 ERROR app: {POOL}\n"
    assert scan_text(text, since="2024-05-01T12:20:00", until="2024-05-01T12:40:00").events == 3
    assert scan_text(text, since="30m").events == 4  # now is 13:00: 12:30, 12:40, 12:50 and 12:55
    only_pg = scan_text(text, component="postgres")
    assert by_cause(only_pg) == {"db_connection_limit:postgres": 6}


def test_unexplained_errors_are_clustered(scan_text: Scan) -> None:
    """Error-looking lines no rule explains are grouped into templates, not dropped; noise is not."""
    text = "".join(
        f"2024-05-01 12:00:{i:02d},000 ERROR billing: invoice {1000 + i} could not be rendered: missing block\n"
        for i in range(5)
    )
    text += "2024-05-01 12:01:00,000 INFO billing: rendered 12 invoices, errors=0\n"
    summary = scan_text(text)
    assert [(c.count, c.template) for c in summary.clusters] == [
        (5, "ERROR billing: invoice <*> could not be rendered: missing block")
    ]
    assert summary.events == 5
