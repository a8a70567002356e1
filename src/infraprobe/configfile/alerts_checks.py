"""What the `alerts:` section checks beyond types and bounds, and the values it holds secret: plain
functions, free of pydantic, reading only the section's fields.

`configfile/alerts.py`'s models register these very functions as their validators, and `config validate`
runs them on the stand-ins of the generated core schemas (configfile/plain.py), so both ways say the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from infraprobe.config.references import unknown
from infraprobe.config.yamlsrc import format_path
from infraprobe.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from infraprobe.config.references import Components
    from infraprobe.config.yamlsrc import Path_, SourceMap

_HTTP = r"^https?://"
KINDS = ("webhook", "slack", "email")


def webhook_url(value: str) -> str:
    if not re.match(_HTTP, value):
        raise ValueError("must be an http(s) URL")
    return value


def some_recipients(value: tuple[str, ...]) -> tuple[str, ...]:
    """Email's `to`."""
    if not value:
        raise ValueError("give at least one recipient")
    return value


def both_or_neither(email: Any) -> Any:
    """Email: a login is a user and a password."""
    if (email.username is None) != (email.password is None):
        raise ValueError("give username and password together, or neither")
    return email


def one_kind(provider: Any) -> Any:
    given = [k for k in KINDS if getattr(provider, k) is not None]
    if len(given) != 1:
        raise ValueError("a provider has exactly one of: webhook, slack, email")
    return provider


def named_providers(value: dict[str, Any]) -> dict[str, Any]:
    if not value:
        raise ValueError("give at least one provider")
    bad = [n for n in value if not n or not all(c.isalnum() or c in "_-" for c in n)]
    if bad:
        raise ValueError(f"provider names are letters, digits, - and _ (got {bad[0]!r})")
    return value


def known_providers(settings: Any) -> Any:
    """Every `send_to` names a provider of the section."""
    problems = list(_unknown_providers(settings))
    if problems:
        raise ValidationError.from_exception_data("alerts", [_line(*p) for p in problems])
    return settings


def _unknown_providers(settings: Any) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    lists: list[tuple[tuple[str, ...], tuple[str, ...] | None]] = [(("send_to",), settings.send_to)]
    lists += [(("components", c, "send_to"), o.send_to) for c, o in settings.components.items()]
    for loc, names in lists:
        for i, name in enumerate(names or ()):
            if name not in settings.providers:
                yield (*loc, i), unknown("provider", name, settings.providers), name


def _line(loc: tuple[str | int, ...], message: str, value: object) -> InitErrorDetails:
    text = message.replace("{", "{{").replace("}", "}}")  # braces are template fields to pydantic
    return InitErrorDetails(type=PydanticCustomError("alerts_reference", text), loc=loc, input=value)


def check_against(settings: Any, config: Components, source: SourceMap, path: Path_) -> None:
    """Overrides must name components of the config, so a typo fails the load, not the night."""
    errors = [
        ConfigError(
            f"{unknown('component', name, config.names)} (got {name!r})",
            location=source.locate((*path, "components", name), key=True),
            field=format_path((*path, "components", name)),
        )
        for name in settings.components
        if name not in config.names
    ]
    if errors:
        raise ConfigErrors(errors)


def secrets(settings: Any) -> set[str]:
    """Every value that must never be shown: URLs (Slack's holds its token), header values, passwords."""
    found: set[str] = set()
    for p in settings.providers.values():
        if p.webhook:
            found |= {p.webhook.url, *p.webhook.headers.values()}
        if p.slack:
            found.add(p.slack.url)
        if p.email and p.email.password:
            found.add(p.email.password)
    return {s for s in found if s}


def written_secrets(raw: Any) -> set[str]:
    """The same values in the raw section, before validation: an error about them must not echo them."""
    found: set[str] = set()
    providers = raw.get("providers") if isinstance(raw, dict) else None
    for spec in (providers or {}).values() if isinstance(providers, dict) else ():
        for body in (spec or {}).values() if isinstance(spec, dict) else ():
            if isinstance(body, dict):
                found |= _raw_secret_values(body)
    return found


def _raw_secret_values(body: dict[str, Any]) -> set[str]:
    values = [body.get("url"), body.get("password")]
    headers = body.get("headers")
    if isinstance(headers, dict):
        values += list(headers.values())
    return {v for v in values if isinstance(v, str) and v}
