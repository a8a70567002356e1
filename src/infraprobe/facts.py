"""Declared fact keys: the typed vocabulary probes record and analysis reads.

A probe records a fact only through a `Fact` declared here (`run.fact(facts.MAX_CONNECTIONS, 100)`) and
analysis reads it through the same object (`facts.MAX_CONNECTIONS.read(result.facts)`), so a key spelled
differently does not type-check, and a new probe kind that reports the capacity facts (MySQL next to
PostgreSQL) is read by the capacity and drift rules unchanged. Results keep plain string keys, so stored
and serialised results need no adapter.

Every key lives here, kind-specific ones too (`VHOST`, `SERVING_STATUS`): this is the model layer, which
analysis, stores and renderers read without importing a probe, and one flat declared set is what lets
`ProbeRun` refuse a key and lets two kinds share one (a kind's own module declaring its keys would need a
registration step here, an arrow from the model up to the probes). A new kind adds its keys in its own
commit, as docs/architecture.md says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar, cast

# A fact is a plain JSON value so results serialise without adapters; None means "not known".
Plain = str | int | float | bool | list[Any] | dict[str, Any]
FactValue = Plain | None

T = TypeVar("T", bound=Plain)
_NUMBER = (int, float)  # a tuple: isinstance with a union type is slower, and every recorded fact is checked


@dataclass(frozen=True, slots=True)
class Fact(Generic[T]):
    """One declared key: its name in results, the type of its value, and what it means."""

    key: str
    type: type[T]
    doc: str

    def accepts(self, value: object) -> bool:
        """None (not known) or a value of the declared type. A bool is never a count."""
        if value is None or value.__class__ is self.type:  # the common case, decided without isinstance
            return True
        if isinstance(value, bool) and self.type is not bool:
            return False
        return isinstance(value, _NUMBER) if self.type is float else isinstance(value, self.type)

    def read(self, facts: Mapping[str, FactValue]) -> T | None:
        """The value in `facts`, or None when it is missing or not of the declared type."""
        value = facts.get(self.key)
        return cast(T, value) if value is not None and self.accepts(value) else None


# Connection: every probe that opens a socket.
ADDRESSES = Fact("addresses", list, "every address the name resolved to")
PEER = Fact("peer", str, "the address:port actually connected to")
ADDRESS = Fact("address", str, "the server address libpq connected to")
SOCKET = Fact("socket", str, "the Unix socket file connected to")
BANNER = Fact("banner", str, "the first bytes the server sent unasked (at most 200)")

# TLS session and certificate.
TLS_VERSION = Fact("tls_version", str, "negotiated protocol version")
CIPHER = Fact("cipher", str, "negotiated cipher suite")
VERIFIED = Fact("verified", bool, "whether the chain and the name were verified")
VERIFY_ERROR = Fact("verify_error", str, "why verification failed")
CERT_FETCH_ERROR = Fact("cert_fetch_error", str, "why the unverified re-handshake could not read the chain")
SUBJECT = Fact("subject", str, "the leaf certificate's subject")
ISSUER = Fact("issuer", str, "the leaf certificate's issuer")
SANS = Fact("sans", list, "the names the leaf certificate covers")
NOT_BEFORE = Fact("not_before", str, "leaf validity start (ISO 8601)")
NOT_AFTER = Fact("not_after", str, "leaf expiry (ISO 8601)")
DAYS_LEFT = Fact("days_left", int, "whole days until the leaf expires")
SELF_SIGNED = Fact("self_signed", bool, "whether the leaf signed itself")
CHAIN = Fact("chain", list, "subject, issuer and expiry of every certificate presented")
CHAIN_DAYS_LEFT = Fact("chain_days_left", int, "days until the first certificate of the chain expires")
CHAIN_EXPIRES_FIRST = Fact("chain_expires_first", str, "subject of the certificate that expires first")
NAMES_COVERED = Fact("names_covered", dict, "required name -> whether the leaf covers it")

# HTTP and WebSocket.
URL = Fact("url", str, "the URL checked, credentials masked")
REDIRECTS = Fact("redirects", list, "every redirect followed, in order")
STATUS = Fact("status", int, "the HTTP status code")
REASON = Fact("reason", str, "the HTTP reason phrase")
HTTP_VERSION = Fact("http_version", str, "the HTTP version the server answered with")
HEADERS = Fact("headers", dict, "response headers, secrets left out")
BODY_BYTES = Fact("body_bytes", int, "bytes of body read")
BODY_TRUNCATED = Fact("body_truncated", bool, "whether the body was cut at the read limit")
BODY_EXCERPT = Fact("body_excerpt", str, "the start of an unexpected body")
REPORTED_CAUSE = Fact("reported_cause", str, "the cause a JSON health body reported for itself")
GENERATED_BY = Fact("generated_by", str, "the proxy or front-end that wrote the response")
SERVER = Fact("server", str, "the Server header of the WebSocket handshake")
SUBPROTOCOL = Fact("subprotocol", str, "the WebSocket subprotocol agreed")
RECEIVED = Fact("received", list, "the last messages received (at most 5)")
CLOSE_CODE = Fact("close_code", int, "the WebSocket close code")
CLOSE_REASON = Fact("close_reason", str, "the WebSocket close reason")
CAPTURED = Fact("captured", list, "names of the values a validation flow step captured (never the values)")

# DNS.
RESOLVER = Fact("resolver", str, "the nameserver asked, or system")
TIME_MS = Fact("time_ms", float, "lookup time in milliseconds")
ANSWERS = Fact("answers", dict, "record type -> addresses")
RCODE = Fact("rcode", str, "the worst DNS response code seen")

# Databases and caches: the capacity facts analysis compares with the declared topology. A probe kind
# that reports its server's limits uses these same keys, so capacity and drift cover it unchanged.
SERVER_VERSION = Fact("server_version", str, "the server's version (a database or a message broker)")
IN_RECOVERY = Fact("in_recovery", bool, "whether the database is a read-only standby")
READ_ONLY = Fact("read_only", bool, "whether the server refuses writes (MySQL/MariaDB read_only)")
CONNECTIONS_IN_USE = Fact("connections_in_use", int, "client connections open right now")
MAX_CONNECTIONS = Fact("max_connections", int, "the server's connection limit")
RESERVED_CONNECTIONS = Fact("reserved_connections", int, "slots kept for administrators")
HEADROOM = Fact("headroom", int, "slots an ordinary role can still open")
DATABASE = Fact("database", str, "the database connected to")
USER = Fact("user", str, "the role connected as")
REDIS_VERSION = Fact("redis_version", str, "the Redis server's version")
ROLE = Fact("role", str, "primary or replica")
CONNECTED_CLIENTS = Fact("connected_clients", int, "Redis clients connected right now")
MAXCLIENTS = Fact("maxclients", int, "Redis' client limit")
USED_MEMORY = Fact("used_memory", int, "bytes Redis uses")
MAXMEMORY = Fact("maxmemory", int, "Redis' memory limit in bytes (0: none)")
MAXMEMORY_POLICY = Fact("maxmemory_policy", str, "what Redis does at the memory limit")
LOADING = Fact("loading", bool, "whether Redis is still loading its data set")
DB = Fact("db", int, "the Redis database number selected")
MASTER = Fact("master", str, "a replica's primary, host:port")
MASTER_LINK_STATUS = Fact("master_link_status", str, "a replica's link to its primary")

# Message brokers (AMQP 0-9-1).
PRODUCT = Fact("product", str, "the server's product name as it announces itself (e.g. RabbitMQ)")
VHOST = Fact("vhost", str, "the AMQP virtual host opened")
CHANNEL_MAX = Fact("channel_max", int, "channels per connection the broker allows (0: no limit)")
FRAME_MAX = Fact("frame_max", int, "the largest frame the broker accepts, in bytes")

# gRPC health checking (grpc.health.v1).
SERVICE = Fact("service", str, "the service name asked about ('' is the server as a whole)")
SERVING_STATUS = Fact("serving_status", str, "the health status answered: SERVING, NOT_SERVING, ...")

DECLARED: Mapping[str, Fact[Any]] = MappingProxyType(
    {f.key: f for f in list(globals().values()) if isinstance(f, Fact)}
)
