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

Every URL, header value and password here is a secret (`alerts_checks.secrets`): a Slack incoming-webhook URL *is* its
token, so the loader masks these values wherever they could appear, written in the file or given by ${VAR}.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from infraprobe.config.model import Strict
from infraprobe.config.types import Duration
from infraprobe.configfile import alerts_checks as checks

_NAME = r"^[A-Za-z0-9_\-]+$"

# The checks are plain functions (alerts_checks.py), so `config validate` runs them without pydantic.

# Checked by a validator rather than `pattern=`, whose error names a regular expression, not the rule.
# The schema is read by editors before interpolation, so it also lets a `${VAR}` stand for the whole URL.
HttpUrl = Annotated[
    str, AfterValidator(checks.webhook_url), Field(json_schema_extra={"pattern": r"^(https?://|\$\{)"})
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

    _some = field_validator("to")(checks.some_recipients)
    _both_or_neither = model_validator(mode="after")(checks.both_or_neither)


class Provider(Strict):
    """One place alerts go; exactly one of its keys says which kind."""

    webhook: Webhook | None = None
    slack: Slack | None = None
    email: Email | None = None

    _one_kind = model_validator(mode="after")(checks.one_kind)

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

    _named = field_validator("providers")(checks.named_providers)
    _known_providers = model_validator(mode="after")(checks.known_providers)

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
        return checks.secrets(self)
