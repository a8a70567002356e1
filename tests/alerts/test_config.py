"""The `alerts:` section: the example loads, the published schema accepts it, its secrets join the redactor."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from infraprobe.configfile import load_config, parse_config
from infraprobe.configfile.alerts import AlertsSettings

EXAMPLE = Path(__file__).parents[2] / "examples" / "alerting.yaml"
ENV = {
    "HOOK_TOKEN": "tok-0001",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.example/T0/B0/zzz",
    "SMTP_PASSWORD": "pw-01",
}


def test_the_example_loads_with_per_component_overrides() -> None:
    settings = load_config(EXAMPLE, env=ENV).sections["alerts"]
    assert isinstance(settings, AlertsSettings)
    assert settings.providers_for("cache") == ("ops-hook", "team-chat")
    assert settings.providers_for("public-api") == ("ops-hook", "team-chat", "oncall-mail")
    assert (settings.remind_every_for("cache"), settings.remind_every_for("public-api")) == (3600, 900)


def test_the_published_schema_accepts_the_example() -> None:
    schema = json.loads((Path(__file__).parents[2] / "docs" / "infraprobe.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(EXAMPLE.read_text()), schema)
    bad = yaml.safe_load(EXAMPLE.read_text())
    bad["alerts"]["providers"]["team-chat"]["slack"]["url"] = "hooks.slack.example/T0"
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        jsonschema.validate(bad, schema)


def test_urls_headers_and_passwords_written_in_the_file_are_masked_everywhere() -> None:
    """A Slack URL written literally (no ${VAR}) is its token: the config's redactor masks it like a password."""
    text = """
components: [{name: a, kind: tcp, host: 127.0.0.1, port: 1}]
alerts:
  providers:
    s: {slack: {url: "https://hooks.slack.example/services/T0/B0/literal-token-77"}}
    w: {webhook: {url: "http://127.0.0.1:1/h", headers: {X-Whatever: hdr-value-88}}}
    m: {email: {host: h, username: u, password: smtp-pass-99, sender: a@b.c, to: [x@y.z]}}
"""
    redact = parse_config(text).redactor
    line = "https://hooks.slack.example/services/T0/B0/literal-token-77 hdr-value-88 smtp-pass-99"
    assert "literal-token-77" not in redact(line) and "hdr-value-88" not in redact(line)
    assert "smtp-pass-99" not in redact(line)
