"""infraprobe: is it the infrastructure, the configuration, or the application?

The library under the `infraprobe` command. Typical use::

    import asyncio, infraprobe

    loaded = infraprobe.load_config("staging.yaml")
    report = asyncio.run(infraprobe.check_config(loaded.config, redactor=loaded.redactor))
    for result in report.failed:
        print(result.component, result.diagnosis.cause, result.diagnosis.layer)

    infraprobe.classify("Error -3 connecting to cache:6379. Temporary failure in name resolution")
"""

from infraprobe.classify import classify
from infraprobe.config import Config, LoadedConfig, load_config, parse_config
from infraprobe.errors import ConfigError, InfraprobeError, ProbeFailed
from infraprobe.redact import Redactor
from infraprobe.result import CheckResult, Diagnosis, PhaseTiming, Status
from infraprobe.runner import CheckReport, Runner, check_config
from infraprobe.taxonomy import CAUSES, Cause, Component, Layer

__version__ = "0.1.0"

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
