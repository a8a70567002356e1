"""The amqp kind's config: a url or separate fields naming the broker, the account and the vhost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from pydantic import Field, model_validator

from infraprobe.config.model import ComponentBase
from infraprobe.probes.models.values import AMQP_PORT, amqp_one_target, split_amqp_url

DEFAULT_PORT = AMQP_PORT


class AmqpCheck(ComponentBase):
    kind: Literal["amqp"] = "amqp"
    url: str | None = Field(None, description="amqp://user:password@host[:port][/vhost] (vhost %2F for /)")
    host: str | None = Field(None, min_length=1, description="alternative to url: a name or an IP")
    port: int = Field(DEFAULT_PORT, ge=1, le=65535)
    user: str = Field("guest", min_length=1, description="with host, or when the url names none")
    password: str | None = Field(None, description="also allowed with url, to keep the secret out of it")
    vhost: str | None = Field(
        None, min_length=1, description="with host, or when the url names none (default /)"
    )

    _one_target = model_validator(mode="after")(amqp_one_target)

    def target(self) -> str:
        t = resolve_target(self)
        return f"amqp://{t.host}:{t.port}/{t.vhost}"


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    user: str | None
    password: str | None
    vhost: str | None


def _parse_url(url: str) -> Target:
    u = split_amqp_url(url)
    # As pika and aiormq read it: no path or a bare "/" is the default vhost "/"; "%2F" spells "/" too.
    vhost = unquote(u.path[1:]) if len(u.path) > 1 else None
    return Target(u.host, u.port, u.user, u.password, vhost)


def resolve_target(cfg: AmqpCheck) -> Target:
    if cfg.url is None:
        assert cfg.host is not None  # guaranteed by the model validator
        return Target(cfg.host, cfg.port, cfg.user, cfg.password, cfg.vhost or "/")
    t = _parse_url(cfg.url)
    password = t.password if t.password is not None else cfg.password
    return Target(t.host, t.port, t.user or cfg.user, password, t.vhost or cfg.vhost or "/")
