"""The `vantages:` section: quorum and path threshold in the file, strict, each error on its line and field."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from infraprobe.configfile import parse_config
from infraprobe.configfile.vantages import VantagesSettings, vantages_settings
from infraprobe.errors import ConfigErrors

ROOT = Path(__file__).parents[2]
TOP = "components: [{name: a, kind: tcp, host: 127.0.0.1, port: 1}]\n"


def test_the_section_is_optional_and_read_when_given() -> None:
    assert vantages_settings(parse_config(TOP)) is None
    text = TOP + "vantages:\n  quorum: all\n  path_failure: {min_targets: 4}\n"
    settings = vantages_settings(parse_config(text))
    assert settings == VantagesSettings(quorum="all", path_failure={"min_targets": 4})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("section", "line"),
    [
        (
            "vantages:\n  path_failure: {min_targets: 0}\n",
            "c.yaml:3:31: vantages.path_failure.min_targets: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            "vantages:\n  quorum: most\n",
            "c.yaml:3:11: vantages.quorum: Input should be 'any', 'majority' or 'all' (got 'most')",
        ),
        (
            "vantages:\n  path_failure: {min_target: 3}\n",
            "c.yaml:3:18: vantages.path_failure.min_target: unknown key 'min_target'; did you mean 'min_targets'?",
        ),
        ("vantage:\n  quorum: any\n", "c.yaml:2:1: vantage: unknown key 'vantage'; did you mean 'vantages'?"),
    ],
)
def test_a_bad_value_is_one_line_naming_file_line_and_field(section: str, line: str) -> None:
    with pytest.raises(ConfigErrors) as caught:
        parse_config(TOP + section, "c.yaml")
    assert caught.value.lines() == [line]


def test_the_published_schema_knows_the_section() -> None:
    schema = json.loads((ROOT / "docs" / "infraprobe.schema.json").read_text())
    good = yaml.safe_load(TOP + "vantages: {quorum: any, path_failure: {min_targets: 3}}\n")
    jsonschema.validate(good, schema)
    good["vantages"]["path_failure"]["min_targets"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(good, schema)
