"""Fuzzing with the shapes that used to crash or hang: YAML tags, anchors, complex keys and deep nesting;
JSON-lines with infinite or huge numbers, deep nesting and lone surrogates; classify --jsonl streams.

Each property: no traceback (only the documented error type escapes), no hang (bounded sizes, and the
pathological-line test bounds time), and at the CLI, exit 0/1 or exit 2 with exactly one error line.
Example counts keep the whole file near 30 s on a loaded CI machine.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infraprobe.cli.classify import _jsonl
from infraprobe.cli.main import main
from infraprobe.configfile import parse_config
from infraprobe.errors import ConfigError
from infraprobe.logs import scan
from infraprobe.logs.records import decode

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_YAML_TOKENS = st.sampled_from(
    [
        "components:", "\n", "  - ", "name: a", "kind: tcp", "kind: postgres", "host: h", "port: ", "5432",
        "password: ", "!secret ", "!!int ", "!!bool ", "!!timestamp ", "!!float ", "!!python/object:os.system ",
        "&a ", "*a", "<<: *a", "? ", "[", "]", "{", "}", ": ", ", ", "maybe", "abc", "2024-13-01", "1e999",
        "${PW}", "${MISSING}", "${X:-d}", "\t", "\x00", "\udcff", "'", '"', "#", "---", "...", "|", ">",
    ]
)  # fmt: skip


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    text = "".join(draw(st.lists(_YAML_TOKENS, max_size=40)))
    depth = draw(st.sampled_from([0, 0, 0, 70, 300]))
    return text + ("\nz: " + "[" * depth + "]" * depth if depth else "")


@FUZZ
@given(yaml_texts())
def test_config_loader(text: str) -> None:
    """Loads, or raises ConfigError whose line is one line; nothing else escapes."""
    try:
        parse_config(text, "c.yaml", {"PW": "canary-fuzz-77"})
    except ConfigError as exc:
        line = exc.one_line()
        assert "\n" not in line and "canary-fuzz-77" not in line


_NUMBERS = st.sampled_from(
    ["1e999", "-1e999", "Infinity", "-Infinity", "NaN", "1" * 400, "1e308", "-0", "9" * 20]
)
_STRINGS = st.sampled_from(
    ['"\\ud800"', '"\\udfff x"', '"2026-13-45T99:99:99Z"', '"connection refused"', '""']
)


@st.composite
def json_values(draw: st.DrawFn) -> str:
    leaf = draw(st.one_of(_NUMBERS, _STRINGS))
    depth = draw(st.sampled_from([0, 1, 5, 2000]))
    opener = draw(st.sampled_from(['{"a": ', "["]))
    closer = "}" if opener.startswith("{") else "]"
    return opener * depth + leaf + closer * depth


@st.composite
def json_lines(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        field = draw(st.sampled_from(["time", "timestamp", "ts", "msg", "message", "level", "password", "x"]))
        lines.append(f'{{"msg": "ERROR connection refused", "{field}": {draw(json_values())}}}')
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_lines())
def test_log_readers(data: bytes) -> None:
    """decode() and scan() never raise on hostile JSON lines: infinite times, deep nesting, surrogates."""
    for line in data.splitlines():
        decode(line, datetime(2026, 1, 1, tzinfo=UTC))
    summary = scan([io.BytesIO(data)], workers=1)
    json.dumps(summary.to_dict() if hasattr(summary, "to_dict") else str(summary), default=str)


@FUZZ
@given(
    st.lists(
        st.one_of(json_values(), st.just('{"text": "connection refused"}'), st.text(max_size=30)), max_size=5
    )
)
def test_classify_jsonl(lines: list[str]) -> None:
    """One output line per input line (blank ones included, so outputs align with inputs), each a JSON object;
    never an exception."""
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    out = io.StringIO()
    status = _jsonl(io.BytesIO(data), out)
    written = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = data.split(b"\n")[:-1]  # every line, up to the final newline
    assert len(written) == len(expected) and status in (0, 3)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=yaml_texts())
def test_config_validate_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    """At the CLI: exit 0, or exit 3 (a config error) with one error line; never a traceback."""
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, err = _cli(capsys, "config", "validate", str(path))
    assert "Traceback" not in err
    assert code == 0 or (code == 3 and len(err.strip().splitlines()) >= 1), (code, err)
    assert all(line.startswith("error: ") for line in err.strip().splitlines()), err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=json_lines())
def test_logs_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(data)
    code, err = _cli(capsys, "logs", str(path), "--format", "json")
    assert code in (0, 1, 3) and "Traceback" not in err, err
