"""The `alerts:` section: providers, who gets what, reminders, retries, and per-component overrides.

    alerts:
      providers:
        ops-hook: {webhook: {url: "https://hooks.example/infraprobe", headers: {Authorization: "Bearer ${T}"}}}
        team: {slack: {url: "${SLACK_WEBHOOK_URL}"}}
        oncall: {email: {host: smtp.example, username: probe, password: "${SMTP_PASSWORD}",
                         sender: probe@example, to: [oncall@example]}}
      send_to: [ops-hook, team]          # default: every provider
      remind_every: 1h                   # default: no reminders
      components:
        public-api: {send_to: [oncall], remind_every: 15m}
        batch: {enabled: false}

Every URL, header value and password here is a secret (`secrets()`): a Slack incoming-webhook URL *is* its
token, so the loader masks these values wherever they could appear, written in the file or given by ${VAR}.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from infraprobe.config.model import Strict
from infraprobe.config.references import unknown
from infraprobe.config.types import Duration
from infraprobe.config.yamlsrc import format_path
from infraprobe.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from infraprobe.config.model import Config
    from infraprobe.config.yamlsrc import Path_, SourceMap

_NAME = r"^[A-Za-z0-9_\-]+$"
_HTTP = r"^https?://"


def _http_url(value: str) -> str:
    if not re.match(_HTTP, value):
        raise ValueError("must be an http(s) URL")
    return value


# Checked by a validator rather than `pattern=`, whose error names a regular expression, not the rule.
# The schema is read by editors before interpolation, so it also lets a `${VAR}` stand for the whole URL.
HttpUrl = Annotated[
    str, AfterValidator(_http_url), Field(json_schema_extra={"pattern": r"^(https?://|\$\{)"})
]


class Webhook(Strict):
    """POST the alert as JSON (component, state, cause, layer, guidance, evidence, since, vantage, ...)."""

    url: HttpUrl = Field(description="http(s) URL the JSON is POSTed to (a secret: never shown)")
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers (secrets)")
    ca_file: str | None = Field(None, description="CA bundle to verify an https URL with (default: system)")


class Slack(Strict):
    """A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): `{"text": ...}`."""

    url: HttpUrl = Field(description="the incoming-webhook URL (holds its token: a secret)")
    ca_file: str | None = Field(None, description="CA bundle to verify the URL with (default: system)")


class Email(Strict):
    """Mail over SMTP, always upgraded with STARTTLS before logging in or sending anything."""

    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    username: str | None = Field(None, description="log in with this user (after STARTTLS)")
    password: str | None = Field(None, description="SMTP password (a secret: use ${VAR})")
    sender: str = Field(min_length=3, description="the From: address")
    to: tuple[str, ...] = Field(description="recipients")
    ca_file: str | None = Field(None, description="CA bundle to verify the server with (default: system)")

    @field_validator("to")
    @classmethod
    def _some(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("give at least one recipient")
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> Email:
        if (self.username is None) != (self.password is None):
            raise ValueError("give username and password together, or neither")
        return self


class Provider(Strict):
    """One place alerts go; exactly one of its keys says which kind."""

    webhook: Webhook | None = None
    slack: Slack | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Provider:
        given = [k for k in ("webhook", "slack", "email") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a provider has exactly one of: webhook, slack, email")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("webhook", "slack", "email") if getattr(self, k) is not None)


class Retry(Strict):
    attempts: int = Field(6, ge=1, le=100, description="attempts per delivery before it is marked failed")
    first: Duration = Field(2.0, gt=0, description="wait before the second attempt; doubles each time")
    max: Duration = Field(600.0, gt=0, description="longest wait between attempts")

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return float(min(self.max, self.first * 2 ** (attempt - 1)))


class Override(Strict):
    enabled: bool = Field(True, description="false: never page for this component")
    send_to: tuple[str, ...] | None = Field(None, description="providers for this component (default: all)")
    remind_every: Duration | None = Field(None, gt=0, description="reminder interval for this component")


class AlertsSettings(Strict):
    providers: dict[str, Provider] = Field(description="name -> provider")
    send_to: tuple[str, ...] | None = Field(None, description="default providers (default: every provider)")
    remind_every: Duration | None = Field(None, gt=0, description="re-send while down (default: never)")
    group_wait: Duration = Field(
        60.0,
        ge=0,
        description="how long a dependent blocked by a failing dependency waits for that dependency's "
        "page (which lists it) before it pages on its own",
    )
    timeout: Duration = Field(10.0, gt=0, description="one delivery attempt's budget")
    retry: Retry = Field(default_factory=Retry)
    components: dict[str, Override] = Field(default_factory=dict, description="per-component overrides")

    @field_validator("providers")
    @classmethod
    def _named(cls, value: dict[str, Provider]) -> dict[str, Provider]:
        if not value:
            raise ValueError("give at least one provider")
        bad = [n for n in value if not n or not all(c.isalnum() or c in "_-" for c in n)]
        if bad:
            raise ValueError(f"provider names are letters, digits, - and _ (got {bad[0]!r})")
        return value

    @model_validator(mode="after")
    def _known_providers(self) -> AlertsSettings:
        problems = list(self._unknown_providers())
        if problems:
            raise ValidationError.from_exception_data("alerts", [_line(*p) for p in problems])
        return self

    def _unknown_providers(self) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
        lists: list[tuple[tuple[str, ...], tuple[str, ...] | None]] = [(("send_to",), self.send_to)]
        lists += [(("components", c, "send_to"), o.send_to) for c, o in self.components.items()]
        for loc, names in lists:
            for i, name in enumerate(names or ()):
                if name not in self.providers:
                    yield (*loc, i), unknown("provider", name, self.providers), name

    def check_against(self, config: Config, source: SourceMap, path: Path_) -> None:
        """Overrides must name components of the config, so a typo fails the load, not the night."""
        errors = [
            ConfigError(
                f"{unknown('component', name, config.names)} (got {name!r})",
                location=source.locate((*path, "components", name), key=True),
                field=format_path((*path, "components", name)),
            )
            for name in self.components
            if name not in config.names
        ]
        if errors:
            raise ConfigErrors(errors)

    # -- what the monitor asks -----------------------------------------------------------------------

    def override(self, component: str) -> Override:
        return self.components.get(component) or Override()

    def enabled(self, component: str) -> bool:
        return self.override(component).enabled

    def providers_for(self, component: str) -> tuple[str, ...]:
        return self.override(component).send_to or self.send_to or tuple(self.providers)

    def remind_every_for(self, component: str) -> float | None:
        own = self.override(component).remind_every
        return own if own is not None else self.remind_every

    def secrets(self) -> set[str]:
        """Every value that must never be shown: URLs (Slack's holds its token), header values, passwords."""
        found: set[str] = set()
        for p in self.providers.values():
            if p.webhook:
                found |= {p.webhook.url, *p.webhook.headers.values()}
            if p.slack:
                found.add(p.slack.url)
            if p.email and p.email.password:
                found.add(p.email.password)
        return {s for s in found if s}

    @staticmethod
    def written_secrets(raw: Any) -> set[str]:
        """The same values in the raw section, before validation: an error about them must not echo them."""
        found: set[str] = set()
        providers = raw.get("providers") if isinstance(raw, dict) else None
        for spec in (providers or {}).values() if isinstance(providers, dict) else ():
            for body in (spec or {}).values() if isinstance(spec, dict) else ():
                if isinstance(body, dict):
                    found |= _raw_secret_values(body)
        return found


def _line(loc: tuple[str | int, ...], message: str, value: object) -> InitErrorDetails:
    text = message.replace("{", "{{").replace("}", "}}")  # braces are template fields to pydantic
    return InitErrorDetails(type=PydanticCustomError("alerts_reference", text), loc=loc, input=value)


def _raw_secret_values(body: dict[str, Any]) -> set[str]:
    values = [body.get("url"), body.get("password")]
    headers = body.get("headers")
    if isinstance(headers, dict):
        values += list(headers.values())
    return {v for v in values if isinstance(v, str) and v}
