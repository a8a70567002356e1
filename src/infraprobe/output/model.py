"""The one report model every command renders: a format-neutral document plus its JSON payload.

Commands turn their domain results (check results, root causes, log summaries) into a `Report` with a pure
function; renderers (`infraprobe.render`) turn a `Report` into text. So a new output format is one renderer,
and a new command never touches the renderers.

A report has two faces: `blocks`, the document a person reads (headings, tables, lists, paragraphs), and
`data`, the stable machine-readable payload that `--format json` prints as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # One tone per row (colours the row's status cell on a terminal); "" for none.
    tones: tuple[str, ...] = ()
    title: str = ""
    # Columns a narrow terminal may truncate, first to give up width first; empty: the widest first.
    shrink: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyValues:
    pairs: tuple[tuple[str, str], ...]


Block = Heading | Paragraph | Bullets | Table | KeyValues


@dataclass(frozen=True, slots=True)
class Case:
    """One test case for CI readers (the JUnit format): a check, how long it took, and why it failed."""

    name: str
    classname: str
    seconds: float
    failure: str = ""  # one line; empty when the case passed
    failure_type: str = ""  # the cause code
    details: str = ""  # the failure's body: cause, layer, guidance, evidence
    output: str = ""  # what the check said (system-out)


@dataclass(frozen=True, slots=True)
class CaseSuite:
    name: str
    cases: tuple[Case, ...]
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    blocks: tuple[Block, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    exit_code: int = 0
    # The report as test suites, for commands whose results are pass/fail checks (validate, check).
    suites: tuple[CaseSuite, ...] = ()
