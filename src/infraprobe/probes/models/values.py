"""What the config models check beyond types and bounds: one plain function per validator, free of pydantic.

The models register these very functions as their validators (`field_validator(...)(fn)`,
`model_validator(mode="after")(fn)`), so the core schemas pydantic builds from the models call them; and
`config validate` runs those same schemas, generated ahead of time (`configfile/_coreschemas.py`), with
pydantic_core alone, without importing pydantic (start-up, issue 10). An after-model check receives the
validated component (the model instance, or its stand-in there) and only reads its fields.

The URL and header helpers are imported by the checks that use them, so a file without those kinds does
not load them.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from infraprobe.probes._url import ServiceUrl

REDIS_PORT = 6379
AMQP_PORT = 5672
MYSQL_PORT = 3306
MYSQL_SCHEMES = ("mysql", "mariadb")
WEBSOCKET_SCHEMES = ("ws", "wss")
# postgres and mysql: a number of connections, or a percentage of the usable ones.
PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_QUOTED = re.compile(r'"[^"]*"')
_PATH_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[(-?\d+)\]|\[['\"]([^'\"]+)['\"]\]")


class _UrlOrHost(Protocol):
    @property
    def url(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...


class _Mysql(_UrlOrHost, Protocol):
    @property
    def min_headroom(self) -> int | str | None: ...


class _Postgres(Protocol):
    @property
    def dsn(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...
    @property
    def port(self) -> int | None: ...
    @property
    def user(self) -> str | None: ...
    @property
    def password(self) -> str | None: ...
    @property
    def database(self) -> str | None: ...
    @property
    def min_headroom(self) -> int | str | None: ...


U = TypeVar("U", bound=_UrlOrHost)
M = TypeVar("M", bound=_Mysql)
P = TypeVar("P", bound=_Postgres)


# --- http and websocket ---------------------------------------------------------------------------------


def http_url(value: str) -> str:
    from infraprobe.probes._url import Url

    Url.parse(value)
    return value


def http_headers(value: dict[str, str]) -> dict[str, str]:
    from infraprobe.probes.wire.http1_parse import header_allowed

    for name, text in value.items():  # the value is never echoed: headers carry API keys
        if not header_allowed(name, text):
            raise ValueError(
                f"header {name!r} cannot be sent: a header name must be a token, its value one line of text"
            )
    return value


def websocket_url(value: str) -> str:
    from infraprobe.probes._url import Url

    Url.parse(value, WEBSOCKET_SCHEMES)
    return value


def regex(value: str | None) -> str | None:
    """A websocket's `expect_regex` and an http expectation's `body_regex` compile."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:  # not a ValueError: pydantic would let it escape as a traceback
            raise ValueError(f"invalid regular expression: {exc.msg} at position {exc.pos}") from None
    return value


def expect_json_paths(value: dict[str, Any]) -> dict[str, Any]:
    """An http expectation's `json` keys are JSON paths."""
    for path in value:
        parse_path(path)
    return value


def parse_path(path: str) -> list[str | int]:
    """`$.items[0].name`, `items.0.name` or `$['a.b']` -> ["items", 0, "name"]."""
    rest = path[1:] if path.startswith("$") else path
    steps: list[str | int] = []
    pos = 0
    while pos < len(rest):
        m = _PATH_TOKEN.match(rest, pos)
        if m is None:
            raise ValueError(f"invalid JSON path {path!r}")
        key, index, quoted = m.groups()
        steps.append(int(index) if index is not None else quoted if quoted is not None else _step(key))
        pos = m.end()
    return steps


def _step(key: str) -> str | int:
    return int(key) if key.isdigit() else key


# --- dns ------------------------------------------------------------------------------------------------


def parse_nameserver(text: str) -> tuple[str, int]:
    """`127.0.0.1`, `127.0.0.1:5353`, `::1` or `[::1]:5353` -> (ip, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, "53"
    ipaddress.ip_address(host)  # dnspython needs an address, not a name that would itself need DNS
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"invalid port in nameserver {text!r}")
    return host, int(port)


def dns_nameserver(value: str | None) -> str | None:
    if value is not None:
        parse_nameserver(value)
    return value


def dns_addresses(value: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(ipaddress.ip_address(v)) for v in value)


# --- redis, amqp, mysql: a url or a host ----------------------------------------------------------------


def split_redis_url(url: str) -> tuple[ServiceUrl, int | None]:
    """The url's parts and its database number (its path)."""
    from infraprobe.probes._url import split_service_url

    shape = "redis://[[user]:password@]host[:port][/db] (or rediss://)"
    u = split_service_url(url, ("redis", "rediss"), shape, REDIS_PORT)
    path = u.path.strip("/")
    if path and not path.isdigit():
        raise ValueError("the url's path must be a database number, e.g. redis://host:6379/0")
    return u, int(path) if path else None


def split_amqp_url(url: str) -> ServiceUrl:
    from infraprobe.probes._url import split_service_url

    return split_service_url(url, ("amqp",), "amqp://user:password@host[:port][/vhost]", AMQP_PORT)


def split_mysql_url(url: str) -> ServiceUrl:
    from infraprobe.probes._url import split_service_url

    return split_service_url(url, MYSQL_SCHEMES, "mysql://user:password@host[:port][/database]", MYSQL_PORT)


def redis_one_target(cfg: U) -> U:
    from infraprobe.probes._url import check_one_target

    check_one_target(cfg.url, cfg.host, split_redis_url)
    return cfg


def amqp_one_target(cfg: U) -> U:
    from infraprobe.probes._url import check_one_target

    check_one_target(cfg.url, cfg.host, split_amqp_url)
    return cfg


def mysql_valid(cfg: M) -> M:
    if (cfg.url is None) == (cfg.host is None):
        raise ValueError("give exactly one of `url` or `host`")
    if cfg.url is not None:
        split_mysql_url(cfg.url)  # a malformed URL is a config error, not a failing dependency
    _check_headroom(cfg.min_headroom)
    return cfg


# --- postgres -------------------------------------------------------------------------------------------


def postgres_valid(cfg: P) -> P:
    if (cfg.dsn is None) == (cfg.host is None):
        raise ValueError("give exactly one of `dsn` or `host`")
    if cfg.dsn is not None and (cfg.port or cfg.user or cfg.database):
        raise ValueError(
            "with `dsn`, put port, user and database in the dsn (only `password` may be separate)"
        )
    host = str(connection_params(cfg).get("host", ""))
    if not host:
        raise ValueError("the dsn names no host: infraprobe resolves the host itself, so it must be given")
    if "," in host:
        raise ValueError("the dsn must name exactly one host (one component per host)")
    _check_headroom(cfg.min_headroom)
    return cfg


def _check_headroom(setting: int | str | None) -> None:
    """postgres and mysql: a percentage `min_headroom` is one `postgres.min_headroom` reads (PERCENT)."""
    if isinstance(setting, str) and not PERCENT.match(setting):
        raise ValueError("min_headroom must be a number of connections or a percentage such as 10%")


def connection_params(cfg: _Postgres) -> dict[str, Any]:
    """libpq parameters from either the dsn or the separate fields; `password` overrides the dsn's."""
    if cfg.dsn is not None:
        params = _parse_dsn(cfg.dsn)
    else:
        fields = {"host": cfg.host, "port": cfg.port, "user": cfg.user, "dbname": cfg.database}
        params = {k: v for k, v in fields.items() if v is not None}
    if cfg.password is not None:
        params["password"] = cfg.password
    return params


def _parse_dsn(dsn: str) -> dict[str, Any]:
    # psycopg is imported where it is used: loading it costs ~80 ms that commands without a postgres
    # component (logs, classify) should not pay.
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        return conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        # libpq quotes the fragment it choked on, which may be the password: show only one-character
        # fragments (the `"="` it expected), mask every other quoted part.
        masked = _QUOTED.sub(lambda m: m[0] if len(m[0]) <= 3 else '"..."', str(exc).strip())
        raise ValueError(f"invalid dsn: {masked}") from None
