"""JSON Schema of the config file, assembled from the registry so it always lists every kind."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from infraprobe.config.model import Defaults
from infraprobe.configfile.loader import SECTION_MODELS
from infraprobe.probes.registry import MODELS


def config_schema() -> dict[str, Any]:
    mode: Literal["validation"] = "validation"
    classes: list[type[BaseModel]] = list(MODELS.values())
    classes += [Defaults, *SECTION_MODELS.values()]
    models = [(m, mode) for m in classes]
    refs, defs = models_json_schema(models, ref_template="#/$defs/{model}")
    kinds = [refs[(model, "validation")] for model in MODELS.values()]
    properties: dict[str, Any] = {
        "version": {"type": "integer", "const": 1},
        "environment": {"type": "string"},
        "defaults": refs[(Defaults, "validation")],
        "components": {"type": "array", "items": {"oneOf": kinds}},
    }
    for name, model in SECTION_MODELS.items():
        properties[name] = refs[(model, "validation")]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "infraprobe config",
        "type": "object",
        "additionalProperties": False,
        "required": ["components"],
        "properties": properties,
        **defs,
    }
