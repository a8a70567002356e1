"""Validate a fix: suites of checks in categories, critical categories, a pass-rate threshold, flows.

    from infraprobe.validate import Selection, validate

    loaded = infraprobe.load_config("staging.yaml")
    report = asyncio.run(validate(loaded, Selection(suite="smoke")))
    print(report.verdict.passed, report.verdict.decided_by, report.verdict.reason)

The section's config models live in `infraprobe.configfile.validation` (the loader validates them with the
rest of the file). Names are imported on first use (see `_lazy`), so importing this package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.configfile.validation import Check, Form, Validation
    from infraprobe.validate.engine import Selection, plan, validate
    from infraprobe.validate.outcome import SCHEMA, CategoryOutcome, CheckOutcome, ValidationReport, Verdict
    from infraprobe.validate.schema import OUTPUT_SCHEMA

__getattr__ = lazy_getattr(
    __name__,
    {
        **dict.fromkeys(("Selection", "plan", "validate"), "infraprobe.validate.engine"),
        **dict.fromkeys(
            ("SCHEMA", "CategoryOutcome", "CheckOutcome", "ValidationReport", "Verdict"),
            "infraprobe.validate.outcome",
        ),
        **dict.fromkeys(("Check", "Form", "Validation"), "infraprobe.configfile.validation"),
        "OUTPUT_SCHEMA": "infraprobe.validate.schema",
    },
)

__all__ = [
    "OUTPUT_SCHEMA",
    "SCHEMA",
    "CategoryOutcome",
    "Check",
    "CheckOutcome",
    "Form",
    "Selection",
    "Validation",
    "ValidationReport",
    "Verdict",
    "plan",
    "validate",
]
