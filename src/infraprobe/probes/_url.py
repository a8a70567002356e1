"""Target URLs for the http and websocket probes: parsed once, credentials kept out of every fact; and what
the kinds that take a service URL or a host (redis, amqp, mysql) share: the url-or-host rule and the URL's
common parts."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from infraprobe.redact import MASK, mask_patterns

_SCHEMES = {"http": (False, 80), "https": (True, 443), "ws": (False, 80), "wss": (True, 443)}


@dataclass(frozen=True)
class Url:
    text: str
    scheme: str
    host: str  # no brackets around IPv6 literals
    port: int
    target: str  # path and query: what goes on the request line
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, text: str, schemes: tuple[str, ...] = ("http", "https")) -> Url:
        """Parse and validate. Errors never echo the URL: it may carry a password."""
        return _parse(text, schemes)

    @classmethod
    def _build(cls, text: str, schemes: tuple[str, ...]) -> Url:
        parts = urlsplit(text.strip())
        if parts.scheme not in schemes:
            raise ValueError(f"URL scheme must be one of {', '.join(schemes)}")
        if not parts.hostname:
            raise ValueError("URL has no host")
        try:
            port = parts.port or _SCHEMES[parts.scheme][1]
        except ValueError:
            raise ValueError("URL has an invalid port") from None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        user = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(text.strip(), parts.scheme, parts.hostname, port, target, user, password)

    @property
    def secure(self) -> bool:
        return _SCHEMES[self.scheme][0]

    @functools.cached_property
    def redacted(self) -> str:
        """The URL for facts and messages: a password masked, and a lone username too (it is usually a
        token, as in https://TOKEN@host/), plus any credential-shaped query parameter."""
        if self.username is not None and self.password is None:
            parts = urlsplit(self.text)
            return mask_patterns(
                urlunsplit(parts._replace(netloc=f"{MASK}@{parts.netloc.rsplit('@', 1)[1]}"))
            )
        return mask_patterns(self.text)

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _SCHEMES[self.scheme][1] else f"{host}:{self.port}"

    def basic_auth(self) -> str | None:
        if self.username is None:
            return None
        token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
        return f"Basic {token}"

    def join(self, location: str, schemes: tuple[str, ...] = ("http", "https")) -> Url:
        """Resolve a redirect's Location against this URL (relative ones keep the userinfo)."""
        return Url.parse(urljoin(self.text, location), schemes)


@functools.lru_cache(maxsize=256)
def _parse(text: str, schemes: tuple[str, ...]) -> Url:
    # A check's URL is a config constant probed over and over; Url is immutable, so parse it once.
    return Url._build(text, schemes)


def check_one_target(url: str | None, host: str | None, parse: Callable[[str], object]) -> None:
    """Exactly one of `url` or `host`; a malformed URL is a config error, not a failing dependency."""
    if (url is None) == (host is None):
        raise ValueError("give exactly one of `url` or `host`")
    if url is not None:
        parse(url)


@dataclass(frozen=True, slots=True)
class ServiceUrl:
    """A service URL's common parts (redis://, amqp://, mysql://); each kind reads its own path."""

    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None
    path: str


def split_service_url(url: str, schemes: Collection[str], shape: str, default_port: int) -> ServiceUrl:
    """Parse and validate. Errors never echo the URL: it may carry a password."""
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"url must look like {shape}")
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError("the url's port is not a number in 1-65535") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return ServiceUrl(parts.scheme, parts.hostname, port, user, password, parts.path)
