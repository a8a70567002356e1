"""A field's old name, still accepted (see `ComponentBase.RENAMED`): free of pydantic, so `config validate`
reads it without the models (configfile/plain.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Renamed:
    """A field's old name, still accepted: each of its values stands for one value of the new field."""

    new: str
    values: Mapping[Any, str]

    def replacement(self, old_value: Any) -> str:
        """What to write instead, as YAML: `role: any`, or the new field's choices for an unknown value."""
        try:
            return f"{self.new}: {self.values[old_value]}"
        except (KeyError, TypeError):  # TypeError: a list or mapping, which no value map holds
            return f"{self.new}: {' | '.join(dict.fromkeys(self.values.values()))}"

    def both(self, old: str) -> str:
        return f"`{old}` is the deprecated name of `{self.new}`: give only `{self.new}`"


def take_renamed(component: Any) -> Any:
    """`ComponentBase`'s check after its fields: each old name given sets its new field (the model is frozen:
    set the way pydantic's own validation would have); both names given is an error. A module function, not
    a method, so the generated core schemas call it without the models (configfile/plain.py)."""
    for old, renamed in type(component).RENAMED.items():
        value = getattr(component, old)
        if value is None:
            continue
        if renamed.new in component.model_fields_set:
            raise ValueError(renamed.both(old))
        object.__setattr__(component, renamed.new, renamed.values[value])
    return component
