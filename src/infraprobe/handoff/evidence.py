"""Evidence files: recognise each saved JSON output by its `schema` field (or, for outputs that predate
one, by the keys only that command writes), and refuse anything else with one line naming the file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from infraprobe.errors import ConfigError, Location
from infraprobe.output.views.handoff import Evidence

KINDS = ("check", "analyze", "logs", "validate", "report")
# A folder's files the report reads; anything else there (lab.json, stderr captures) is not evidence.
FOLDER_FILES = ("check.json", "analyze.json", "logs.json", "validate.json", "report.json")
CONFIG_NAMES = ("config.yaml", "config.yml")
HISTORY_NAME = "history.db"
# Outputs without a `schema` field are known by keys only their command writes.
_SHAPES = {
    "analyze": ("root_causes", "findings"),
    "check": ("counts", "results", "not_probed"),
    "logs": ("sources", "findings", "clusters"),
}


def load_evidence(paths: Iterable[Path]) -> Evidence:
    """Read every path (a JSON output, a config, or an evidence folder) into one `Evidence`."""
    evidence = Evidence()
    for path in paths:
        evidence = _add_folder(evidence, path) if path.is_dir() else _add_file(evidence, path)
    if not evidence.outputs and not evidence.log_files:
        raise ConfigError(
            "no infraprobe JSON output (check, analyze, logs, validate) found", field="EVIDENCE"
        )
    return evidence


def _add_folder(evidence: Evidence, folder: Path) -> Evidence:
    for name in FOLDER_FILES:
        if (folder / name).is_file():
            evidence = _add_file(evidence, folder / name)
    config = next((folder / n for n in CONFIG_NAMES if (folder / n).is_file()), None)
    history = folder / HISTORY_NAME
    return replace(
        evidence,
        config=config or evidence.config,
        history=history if history.is_file() else evidence.history,
    )


def _add_file(evidence: Evidence, path: Path) -> Evidence:
    if not path.is_file():
        raise ConfigError("no such file or folder", location=Location(str(path)))
    if path.suffix in (".yaml", ".yml"):
        return replace(evidence, config=path)
    if path.suffix != ".json":  # a log file: the report scans it (see build_report)
        return replace(evidence, log_files=(*evidence.log_files, path), files=(*evidence.files, str(path)))
    document = read_json(path)
    kind = recognise(document, path)
    if kind == "report" and kind in evidence.outputs:
        return evidence  # the first report given is the earlier state the checklist is compared with
    outputs = {**evidence.outputs, kind: document}
    return replace(evidence, outputs=outputs, files=(*evidence.files, str(path)))


def read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc.__class__.__name__}", location=Location(str(path))) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not JSON: {exc.msg}", location=Location(str(path), exc.lineno)) from None
    if not isinstance(document, dict):
        raise ConfigError("not an infraprobe JSON output (not an object)", location=Location(str(path), 1))
    return document


def recognise(document: Mapping[str, Any], path: Path) -> str:
    """Which command wrote `document`: its `schema` (`infraprobe.validate/v1`), else its keys."""
    schema = document.get("schema")
    if isinstance(schema, str) and schema.startswith("infraprobe."):
        kind = schema.removeprefix("infraprobe.").split("/")[0]
        if kind in KINDS:
            return kind
        raise ConfigError(f"unknown schema {schema!r}", location=Location(str(path)), field="schema")
    for kind, keys in _SHAPES.items():
        if all(k in document for k in keys):
            return kind
    raise ConfigError(
        "not an infraprobe JSON output (check, analyze, logs or validate --format json)",
        location=Location(str(path), 1),
    )
