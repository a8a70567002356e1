"""What the generated core schemas (`_coreschemas.py`) refer to in place of pydantic's objects: a stand-in
class for each model, a model instance as a default (or a factory of it), pydantic's bound check (see `plain.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from pydantic_core import PydanticKnownError

from infraprobe.config.renamed import Renamed


class Plain:
    """A validated model's values, as pydantic_core leaves them on an instance of the schema's class
    (`__dict__` and the three attributes it sets beside it, as on pydantic's BaseModel). `RENAMED` is the
    model's deprecated field names (`ComponentBase.RENAMED`)."""

    __slots__ = ("__dict__", "__pydantic_extra__", "__pydantic_fields_set__", "__pydantic_private__")
    RENAMED: ClassVar[Mapping[str, Renamed]] = {}
    __pydantic_fields_set__: set[str]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """(field, value) pairs in field order, as iterating a pydantic model gives them."""
        return iter(self.__dict__.items())

    @property
    def model_fields_set(self) -> set[str]:
        """The fields the input gave (as pydantic's `model_fields_set`)."""
        return self.__pydantic_fields_set__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self)})"


_STAND_INS: dict[str, type[Plain]] = {}


def stand_in(name: str, renamed: Mapping[str, Renamed] | None = None) -> type[Plain]:
    """The class validated values of model `name` come back as: its name is in pydantic_core's messages
    (`Input should be a valid dictionary or instance of TcpCheck`)."""
    if name not in _STAND_INS:
        _STAND_INS[name] = type(name, (Plain,), {"__slots__": (), "RENAMED": renamed or {}})
    elif renamed is not None and renamed != _STAND_INS[name].RENAMED:
        raise ValueError(f"stand-in {name} asked for with other deprecated names than before")
    return _STAND_INS[name]


def default(name: str, values: dict[str, Any]) -> Plain:
    """A field's default that is a model instance (`expect: HttpExpect = HttpExpect()`), as a stand-in."""
    instance = stand_in(name).__new__(stand_in(name))
    instance.__dict__.update(values)
    return instance


class Factory:
    """A field's default factory that is a model class (`retry: Retry = Field(default_factory=Retry)`): the
    model's defaults, as a stand-in made anew for each use (as the model's own instance would be)."""

    __slots__ = ("name", "values")

    def __init__(self, name: str, values: dict[str, Any]) -> None:
        self.name, self.values = name, values

    def __call__(self) -> Plain:
        return default(self.name, self.values)


# pydantic's own constraint functions (pydantic/_internal/_validators.py), for a bound it cannot put in the
# schema itself (`gt` on an optional duration): the same error type and context, so the same message.
_BOUNDS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "gt": ("greater_than", lambda x, bound: x > bound),
    "ge": ("greater_than_equal", lambda x, bound: x >= bound),
    "lt": ("less_than", lambda x, bound: x < bound),
    "le": ("less_than_equal", lambda x, bound: x <= bound),
}


class Bound:
    """`value <kind> limit`, else pydantic's error for it (`Input should be greater than 0`)."""

    __slots__ = ("check",)

    def __init__(self, kind: str, limit: Any) -> None:
        self.check = (kind, limit)

    def __call__(self, value: Any) -> Any:
        kind, limit = self.check
        error, holds = _BOUNDS[kind]
        try:
            if not holds(value, limit):
                raise PydanticKnownError(error, {kind: limit})  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"Unable to apply constraint '{kind}' to supplied value {value}") from None
        return value


def model(name: str, fields: dict[str, Any], renamed: Mapping[str, Renamed] | None = None) -> dict[str, Any]:
    """The core schema pydantic builds for a `Strict` model (config/model.py) of these fields."""
    return {
        "type": "model",
        "cls": stand_in(name, renamed),
        "schema": {"type": "model-fields", "fields": fields, "model_name": name, "computed_fields": []},
        "custom_init": False,
        "root_model": False,
        "config": {"extra_fields_behavior": "forbid", "title": name},
    }
