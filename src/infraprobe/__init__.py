"""infraprobe: is it the infrastructure, the configuration, or the application?

The library under the `infraprobe` command. Typical use::

    import asyncio, infraprobe

    loaded = infraprobe.load_config("staging.yaml")
    report = asyncio.run(infraprobe.check_config(loaded.config, redactor=loaded.redactor))
    for result in report.failed:
        print(result.component, result.diagnosis.cause, result.diagnosis.layer)

    infraprobe.classify("Error -3 connecting to cache:6379. Temporary failure in name resolution")

Names are imported on first use (see `_lazy`), so `import infraprobe` costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.classifier import classify
    from infraprobe.config import Config
    from infraprobe.configfile import LoadedConfig, load_config, parse_config
    from infraprobe.errors import ConfigError, InfraprobeError, ProbeFailed
    from infraprobe.redact import Redactor
    from infraprobe.result import CheckResult, Diagnosis, PhaseTiming, Status
    from infraprobe.runner import CheckReport, Runner, check_config
    from infraprobe.taxonomy import CAUSES, Cause, Component, Layer

__version__ = "0.1.0"

_WHERE = {
    "classify": "infraprobe.classifier",
    "Config": "infraprobe.config",
    "LoadedConfig": "infraprobe.configfile",
    "load_config": "infraprobe.configfile",
    "parse_config": "infraprobe.configfile",
    "ConfigError": "infraprobe.errors",
    "InfraprobeError": "infraprobe.errors",
    "ProbeFailed": "infraprobe.errors",
    "Redactor": "infraprobe.redact",
    "CheckResult": "infraprobe.result",
    "Diagnosis": "infraprobe.result",
    "PhaseTiming": "infraprobe.result",
    "Status": "infraprobe.result",
    "CheckReport": "infraprobe.runner",
    "Runner": "infraprobe.runner",
    "check_config": "infraprobe.runner",
    "CAUSES": "infraprobe.taxonomy",
    "Cause": "infraprobe.taxonomy",
    "Component": "infraprobe.taxonomy",
    "Layer": "infraprobe.taxonomy",
}

__getattr__ = lazy_getattr(__name__, _WHERE)

__all__ = [
    "CAUSES",
    "Cause",
    "CheckReport",
    "CheckResult",
    "Component",
    "Config",
    "ConfigError",
    "Diagnosis",
    "InfraprobeError",
    "Layer",
    "LoadedConfig",
    "PhaseTiming",
    "ProbeFailed",
    "Redactor",
    "Runner",
    "Status",
    "__version__",
    "check_config",
    "classify",
    "load_config",
    "parse_config",
]
