"""Exceptions raised by infraprobe itself.

    InfraprobeError               root: anything infraprobe raises on purpose
    ├── ConfigError               the user's input is wrong (config file, input files); exit code 3
    │   ├── ConfigErrors          several ConfigError at once, one line each
    │   └── UsageError            the command line itself is wrong (a flag's value); exit code 2
    └── ProbeFailed               a target failed a check; carries the Diagnosis (never escapes the runner)

User errors and target errors are kept apart on purpose: a broken config is the user's to fix and must
never be reported as a failing dependency, and a failing dependency is never a crash of the tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a name only: loading a config (start-up of `config validate`) never builds a result
    from infraprobe.result import Diagnosis


class InfraprobeError(Exception):
    """Root of every exception infraprobe raises on purpose."""


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class ConfigError(InfraprobeError):
    """A problem with user input, reported as one line: `file:line:col: field: message`."""

    def __init__(self, message: str, *, location: Location | None = None, field: str = "") -> None:
        self.message = message
        self.location = location
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)

    def lines(self) -> list[str]:
        """Each error, one line each (one here; `ConfigErrors` has several)."""
        return [self.one_line()]


class ConfigErrors(ConfigError):
    """Several independent config errors; each prints as its own line."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, location=first.location, field=first.field)

    def lines(self) -> list[str]:
        return [e.one_line() for e in self.errors]


class UsageError(ConfigError):
    """A command-line argument that cannot be used (a flag's value, flags that conflict, no input named).

    Apart from ConfigError so that CI can tell "the call is wrong" (2, like click's own usage errors) from
    "the config or an input is wrong" (3); a subclass so that code catching user errors catches both."""


class ProbeFailed(InfraprobeError):
    """Raised inside a probe when the target answered but failed an expectation."""

    def __init__(self, diagnosis: Diagnosis, message: str = "") -> None:
        self.diagnosis = diagnosis
        self.message = message or diagnosis.summary
        super().__init__(self.message)
