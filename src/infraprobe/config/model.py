"""The config models shared by every component kind.

Each probe kind's own model (target and expectations) lives in `probes/models/<kind>.py`, apart from its
probe, and subclasses `ComponentBase`; the registry (`probes/registry.py`) maps kind names to those models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from infraprobe.config.renamed import Renamed, take_renamed
from infraprobe.config.types import Duration

DEFAULT_TIMEOUT = 5.0
DEFAULT_INTERVAL = 60.0
# Gatus's defaults: three failures in a row before down, two successes before up again.
DEFAULT_FAILURE_THRESHOLD = 3
DEFAULT_SUCCESS_THRESHOLD = 2


class Strict(BaseModel):
    """Unknown keys are errors (a typo must not silently disable an expectation); values are frozen.

    Each model is built (its validator and schema, about 1 ms each) when first used, not when defined: a
    file is validated by the models of what it holds, so `config validate` of a tcp-only file builds the
    tcp model and the file's header, not every section's and every kind's (start-up, issue 10)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ComponentBase(Strict):
    """Fields every component has, whatever its kind."""

    # Deprecated field names of this kind (old name -> its replacement): the model maps their values, the
    # loader warns where each is written (file, line, field) and refuses a file that gives both names.
    RENAMED: ClassVar[Mapping[str, Renamed]] = {}

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$", description="unique component name")
    kind: str
    timeout: Duration = Field(DEFAULT_TIMEOUT, gt=0, description="budget for the whole check")
    critical: bool = Field(True, description="a failing critical component fails the run (exit 1)")
    category: str = Field(
        "default", description="free label grouping results (a JUnit suite, a report section)"
    )
    depends_on: tuple[str, ...] = Field((), description="names of components this one needs")
    description: str = ""
    max_latency: Duration | None = Field(None, description="warn when the check takes longer than this")
    interval: Duration = Field(DEFAULT_INTERVAL, gt=0, description="monitor: time between two checks")
    failure_threshold: int = Field(
        DEFAULT_FAILURE_THRESHOLD, ge=1, description="monitor: bad results in a row before the state worsens"
    )
    success_threshold: int = Field(
        DEFAULT_SUCCESS_THRESHOLD, ge=1, description="monitor: good results in a row before it recovers"
    )

    def target(self) -> str:
        """A short, secret-free description of what is probed, for tables and reports."""
        return self.kind

    _take_renamed = model_validator(mode="after")(take_renamed)


class Defaults(Strict):
    """Values applied to every component unless it sets its own."""

    timeout: Duration = Field(DEFAULT_TIMEOUT, gt=0)
    critical: bool = True
    category: str = "default"
    max_latency: Duration | None = None
    interval: Duration = Field(DEFAULT_INTERVAL, gt=0)
    failure_threshold: int = Field(DEFAULT_FAILURE_THRESHOLD, ge=1)
    success_threshold: int = Field(DEFAULT_SUCCESS_THRESHOLD, ge=1)


class ReportSettings(Strict):
    """The `report:` section: what the handoff report may show of this environment."""

    addresses: bool = Field(
        False,
        description="keep IP addresses in the handoff report (masked by default: reports travel to tickets)",
    )


class ConfigHeader(Strict):
    """A file's own top-level fields: its format version and the environment's name. Validated apart from
    the components (each by its kind's model), so loading a file never builds `Config` itself."""

    version: int = Field(1, ge=1, le=1)
    environment: str = ""


class Config(ConfigHeader):
    """A whole environment: the components to probe, and what is known about them."""

    # Constructed, not validated: the default needs no validator, so defining Config builds no model.
    defaults: Defaults = Defaults.model_construct()
    components: tuple[ComponentBase, ...] = ()

    def component(self, name: str) -> ComponentBase:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]


__all__ = ["ComponentBase", "Config", "ConfigHeader", "Defaults", "Renamed", "ReportSettings", "Strict"]
