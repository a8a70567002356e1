"""Hostile or careless YAML: one error line naming file, line and field; never a traceback, never the value."""

from __future__ import annotations

import pytest

from infraprobe.config import yamlsrc
from infraprobe.configfile import parse_config
from infraprobe.errors import ConfigError, ConfigErrors

SECRET = "canary-Yaml-91c"


def _errors(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        parse_config(text, "c.yaml", env or {})
    exc = info.value
    return exc.lines() if isinstance(exc, ConfigErrors) else [exc.one_line()]


def _component(line: str) -> str:
    return f"components:\n  - name: a\n    kind: postgres\n    host: h\n    {line}\n"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"password: !secret {SECRET}",
            "c.yaml:5:15: components[0].password: unsupported YAML tag '!secret'",
        ),
        ("port: !!int abc", "c.yaml:5:11: components[0].port: not a valid int"),
        ("port: !!int", "components[0].port: not a valid int"),
        ("timeout: !!timestamp 2024-13-01", "c.yaml:5:14: components[0].timeout: not a valid timestamp"),
        ("critical: !!bool maybe", "c.yaml:5:15: components[0].critical: not a valid bool"),
        (f"password: !!python/object:os.system {SECRET}", "components[0].password: unsupported YAML tag"),
        ("{[a, b]: 1}: 2", "components[0]: mapping keys must be plain names"),
    ],
)
def test_tags_and_complex_keys_are_one_line_errors(line: str, expected: str) -> None:
    """Unknown and invalid tags and non-scalar keys: a located error that never quotes the value."""
    [error] = _errors(_component(line))
    assert expected in error
    assert SECRET not in error


def test_deep_nesting_is_refused_with_its_position() -> None:
    """800 levels of nesting (PyYAML would recurse until RecursionError) is one error with a line."""
    [error] = _errors("a: " + "[" * 800 + "]" * 800 + "\n")
    assert error.startswith("c.yaml:1:") and "nested more than 64 levels" in error


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", f"htp://user:{SECRET}@h/"),
        ("url", f"ftp://h/?token={SECRET}&x=1"),
        ("headers", f"{{X-Api-Key: [{SECRET}]}}"),
    ],
)
def test_invalid_values_are_not_echoed_when_they_hold_a_secret(field: str, value: str) -> None:
    """`(got ...)` masks URL userinfo, credential query values and anything under a secret-naming key."""
    text = f"components:\n  - {{name: a, kind: http, url: 'http://h/'}}\n  - name: b\n    kind: http\n    {field}: {value}\n"
    if field == "headers":
        text = f"components:\n  - name: b\n    kind: http\n    url: http://h/\n    {field}: {value}\n"
    errors = _errors(text)
    assert errors, errors
    assert not [e for e in errors if SECRET in e], errors


def test_interpolated_secret_is_not_echoed_in_a_type_error() -> None:
    """A `${VAR}` value that fails validation is named by field, its value masked."""
    text = "components:\n  - name: a\n    kind: postgres\n    host: h\n    timeout: ${T}\n"
    [error] = _errors(text, {"T": SECRET})
    assert "components[0].timeout" in error and SECRET not in error


def test_invalid_body_regex_is_a_config_error() -> None:
    """An invalid `body_regex` (re.error is not a ValueError) is one error line, not a traceback."""
    text = "components:\n  - {name: a, kind: http, url: 'http://h/', expect: {body_regex: '('}}\n"
    [error] = _errors(text)
    assert "components[0].expect.body_regex: invalid regular expression" in error


def test_many_written_values_are_not_an_alias_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only alias re-expansions count against the cap: 20,000 components were refused as "aliases".
    (The cap is lowered so the same shape runs in milliseconds.)"""
    monkeypatch.setattr(yamlsrc, "MAX_VALUES", 50)
    many = "components:\n" + "".join(
        f"  - {{name: c{i}, kind: tcp, host: h, port: {i + 1}}}\n" for i in range(200)
    )
    assert len(parse_config(many, "c.yaml", {}).config.components) == 200
    bomb = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\ncomponents: []\n"
    [error] = _errors(bomb)
    assert "more than 50 values once YAML aliases are expanded" in error
