"""The `vantages:` section: how monitors sharing a store agree on a verdict, and when a path is the finding.

    vantages:
      quorum: majority            # any | majority | all (`--quorum` overrides it)
      path_failure:
        min_targets: 2            # components one vantage sees down with a network cause, others up

The section is optional: without it a monitor decides by majority and a path finding needs two components.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from infraprobe.config.model import Strict

if TYPE_CHECKING:
    from infraprobe.configfile.loader import LoadedConfig

DEFAULT_MIN_PATH_TARGETS = 2


class PathFailure(Strict):
    min_targets: int = Field(
        DEFAULT_MIN_PATH_TARGETS,
        ge=1,
        le=10_000,
        description="components one vantage must see down with a network cause, while another vantage sees "
        "them up, before its path (not the targets) is the finding (vantage_path_failure)",
    )


class VantagesSettings(Strict):
    quorum: Literal["any", "majority", "all"] = Field(
        "majority",
        description="how many of the reporting vantages must see a component down: any, majority (more than "
        "half) or all; `--quorum` on the command line overrides it",
    )
    path_failure: PathFailure = Field(default_factory=PathFailure)


def vantages_settings(loaded: LoadedConfig) -> VantagesSettings | None:
    """The config's `vantages:` section, if it has one."""
    section = loaded.sections.get("vantages")
    return section if isinstance(section, VantagesSettings) else None
