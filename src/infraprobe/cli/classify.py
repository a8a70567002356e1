"""`infraprobe classify`: explain one error text, or a stream of them as JSON lines."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from infraprobe.classifier import classify as classify_text
from infraprobe.cli.common import EXIT_CONFIG, Reporting, console_err, reporting
from infraprobe.errors import ConfigError, UsageError
from infraprobe.inputs import MAX_STDIN_BYTES, InputTooLarge, read_limited
from infraprobe.output.formats.json_ import document
from infraprobe.output.views.classify import classify_report, diagnosis_payload

MAX_LINE_BYTES = 1024 * 1024
_TOO_LONG = "\x00too long\x00"  # a marker no decoded line can be (identity is what is compared)


@click.command("classify")
@click.argument("text", required=False, metavar="[TEXT]", help="error text; '-' or nothing reads stdin")
@click.option(
    "--jsonl",
    is_flag=True,
    help='read {"text": ..., "id": ...} lines, write one JSON object per line, echoing id',
)
@reporting()
def command(
    text: str | None,
    jsonl: bool,
    out: Reporting,
) -> int:
    """Classify an error text (exception message, log line, traceback tail): cause, layer, component, guidance."""
    notes = out.notes
    if jsonl:
        return _jsonl(sys.stdin.buffer, sys.stdout)
    if text is None or text == "-":
        try:
            text = read_limited(sys.stdin.buffer, MAX_STDIN_BYTES, "stdin").decode("utf-8", "replace")
        except InputTooLarge as exc:
            raise ConfigError(f"{exc}; classify one error text at a time", field="stdin") from None
        notes(f"read {len(text)} characters from stdin")
    if not text.strip():
        raise UsageError("no text given (pass TEXT, or pipe it on stdin)", field="classify")
    diagnosis = classify_text(text)
    notes(f"matched rule {diagnosis.rule!r}" if diagnosis.rule != "none" else "no rule matched")
    out.emit(classify_report(diagnosis))
    return 0


def _jsonl(stdin: Any, stdout: Any) -> int:
    """One output line per input line (blank ones included), in order, each echoing the caller's `id`;
    a bad line yields an error object, never a stop."""
    status = 0
    for number, line in enumerate(_bounded_lines(stdin), start=1):
        echoed, out = _jsonl_line(line, number)
        if "error" in out:
            console_err(f"error: {out['error']}")
            status = EXIT_CONFIG  # an input line could not be used
        stdout.write(json.dumps(document("classify", {**echoed, "line": number, **out})) + "\n")
    stdout.flush()
    return status


def _jsonl_line(line: str, number: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """({"id": ...} when the record has one, even null; the diagnosis or an error) for one input line."""
    if not line.strip():
        return {}, {"skipped": "blank line"}  # still a line out, so outputs stay aligned with inputs
    try:
        record = _record(line)
    except ValueError as exc:
        return {}, {"error": f"<stdin>:{number}: not JSON: {exc}"}
    if not isinstance(record, dict):
        return {}, {"error": f'<stdin>:{number}: text: expected an object with a string field "text"'}
    echoed = {"id": record["id"]} if "id" in record else {}
    text = record.get("text")
    if not isinstance(text, str):
        problem = "missing field" if text is None else "must be a string"
        return echoed, {"error": f"<stdin>:{number}: text: {problem}"}
    return echoed, diagnosis_payload(classify_text(text))


def _bounded_lines(stdin: Any) -> Any:
    """Lines of at most MAX_LINE_BYTES (a longer one is yielded as a marker, its rest skipped), decoded."""
    while line := stdin.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stdin.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield _TOO_LONG
            continue
        yield line.decode("utf-8", "replace")


def _record(line: str) -> Any:
    if line is _TOO_LONG:
        raise ValueError(f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
    try:
        return json.loads(line)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
