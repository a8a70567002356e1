"""The fixed cause taxonomy: cause codes, the layer that owns each, and guidance.

The string values of `Cause`, `Layer` and `Component` are public API: they appear in JSON output,
health endpoints, metrics labels and stored history, so they never change once released.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Layer(StrEnum):
    """Who is to blame, in the coarsest useful terms."""

    INFRASTRUCTURE = "infrastructure"
    CONFIGURATION = "configuration"
    APPLICATION = "application"
    UNKNOWN = "unknown"


class Component(StrEnum):
    """The dependency a failing client was talking to (or the failing layer when none is named)."""

    DNS = "dns"
    TCP = "tcp"
    TLS = "tls"
    HTTP = "http"
    WEBSOCKET = "websocket"
    POSTGRES = "postgres"
    REDIS = "redis"
    MYSQL = "mysql"
    AMQP = "amqp"
    GRPC = "grpc"
    OTHER = "other"


class Cause(StrEnum):
    DNS_FAILURE = "dns_failure"
    CONNECTION_REFUSED = "connection_refused"
    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"
    CONNECTION_RESET = "connection_reset"
    NETWORK_UNREACHABLE = "network_unreachable"
    TLS_CERTIFICATE_EXPIRED = "tls_certificate_expired"
    TLS_UNTRUSTED_CERTIFICATE = "tls_untrusted_certificate"
    TLS_HANDSHAKE_FAILED = "tls_handshake_failed"
    TLS_HOSTNAME_MISMATCH = "tls_hostname_mismatch"
    DB_CONNECTION_LIMIT = "db_connection_limit"
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"
    SERVICE_STARTING = "service_starting"
    READ_ONLY = "read_only"
    OUT_OF_MEMORY = "out_of_memory"
    AUTH_FAILED = "auth_failed"
    RESOURCE_MISSING = "resource_missing"
    POOL_EXHAUSTED = "pool_exhausted"
    APP_ERROR = "app_error"
    WEBSOCKET_REJECTED = "websocket_rejected"
    PROTOCOL_MISMATCH = "protocol_mismatch"
    VANTAGE_PATH_FAILURE = "vantage_path_failure"
    UNKNOWN = "unknown"


# Causes found by comparing results from several vantages, never by classifying one error: the classifier
# does not return them and the error corpus has no text for them.
FINDINGS: frozenset[Cause] = frozenset({Cause.VANTAGE_PATH_FAILURE})


@dataclass(frozen=True, slots=True)
class CauseInfo:
    """What a cause means and what to do about it."""

    layer: Layer
    summary: str
    check_next: str
    confirm: str
    owner: str

    @property
    def guidance(self) -> str:
        return f"{self.check_next} Confirmed if {self.confirm}"


_INFRA_OWNER = "infrastructure / platform team"
_NET_OWNER = "network / platform team"
_DB_OWNER = "database owners (DBA / platform team)"
_APP_OWNER = "application developers"
_CONFIG_OWNER = "whoever owns the service's configuration and secrets (usually the developers)"

CAUSES: dict[Cause, CauseInfo] = {
    Cause.DNS_FAILURE: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The name could not be resolved to an address.",
        "Resolve the exact host name from the failing workload (same network, same resolver): "
        "`dig NAME` or `getent hosts NAME`; check the private DNS zone / peering / connector that serves it.",
        "the lookup fails there (NXDOMAIN or SERVFAIL/timeout) but succeeds from a network that works.",
        _NET_OWNER,
    ),
    Cause.CONNECTION_REFUSED: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The host answered but nothing listens on that port.",
        "Check the server process is running and listening on that address and port "
        "(`ss -ltnp`), and that the port in the config is the one the server uses.",
        "`ss -ltn` on the server shows no listener on the port, or the service is down.",
        _INFRA_OWNER,
    ),
    Cause.CONNECT_TIMEOUT: CauseInfo(
        Layer.INFRASTRUCTURE,
        "No TCP connection could be established in time: packets are dropped on the way or the "
        "listener's queue is full.",
        "Check firewall rules, security groups, routes and VPC connectors between client and server, "
        "and whether the server's accept queue is full.",
        "a TCP connect from the same network hangs (`nc -vz -w 5 HOST PORT`) while it works from elsewhere.",
        _NET_OWNER,
    ),
    Cause.READ_TIMEOUT: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The connection was made but the server did not answer in time.",
        "Check the server's load, locks and slow queries, and whether a proxy in between is holding "
        "the request; compare the timeout with the server's normal latency.",
        "the server shows the request arriving but responding slowly, or not at all.",
        _INFRA_OWNER,
    ),
    Cause.CONNECTION_RESET: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The peer or something in between closed the connection abruptly.",
        "Check the server's logs for crashes or restarts, idle-connection timeouts on NAT / load "
        "balancers / connectors, and connection limits that drop new connections.",
        "the server or an intermediary logs a restart, a kill or an idle timeout at the same moment.",
        _NET_OWNER,
    ),
    Cause.NETWORK_UNREACHABLE: CauseInfo(
        Layer.INFRASTRUCTURE,
        "There is no route from the client to the target address.",
        "Check routes, VPC peering / connector egress settings, and that the address is the one intended.",
        "`ip route get ADDRESS` on the client shows no route, or the egress path is not configured.",
        _NET_OWNER,
    ),
    Cause.TLS_CERTIFICATE_EXPIRED: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The server presented a certificate that has expired (or is not yet valid).",
        "Renew and redeploy the certificate; check the automation that should have renewed it.",
        "`openssl s_client -connect HOST:443 -servername NAME` shows notAfter in the past.",
        _INFRA_OWNER,
    ),
    Cause.TLS_UNTRUSTED_CERTIFICATE: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The certificate chain does not lead to a CA the client trusts (self-signed or missing intermediate).",
        "Serve the full chain from a trusted CA, or give the client the right CA bundle.",
        "`openssl s_client -showcerts` shows a self-signed leaf or a chain missing its intermediate.",
        _INFRA_OWNER,
    ),
    Cause.TLS_HANDSHAKE_FAILED: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The TLS handshake failed: protocol version or cipher mismatch, a refused client certificate, or an alert "
        "(a port that answers in plain text is protocol_mismatch).",
        "Check that the port serves TLS, and the protocol versions and ciphers on both sides.",
        "`openssl s_client` against the port fails with the same alert.",
        _INFRA_OWNER,
    ),
    Cause.TLS_HOSTNAME_MISMATCH: CauseInfo(
        Layer.CONFIGURATION,
        "The certificate does not cover the name the client asked for.",
        "Compare the name the client uses with the certificate's subject alternative names; either "
        "point the client at a covered name or add the name to the certificate.",
        "the certificate's SAN list lacks the exact name (wildcards cover one label only).",
        "whoever owns the name in use: the client's configuration or the certificate",
    ),
    Cause.DB_CONNECTION_LIMIT: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The server refused a new connection because its own connection limit is reached.",
        "Count connections by client (`pg_stat_activity`, `CLIENT LIST`); compare pool size x "
        "instances with the server's limit; raise the limit or shrink the pools / add a pooler.",
        "connections in use equal max_connections minus reserved slots at the time of the error.",
        _DB_OWNER,
    ),
    Cause.UPSTREAM_UNAVAILABLE: CauseInfo(
        Layer.INFRASTRUCTURE,
        "A proxy or load balancer answered on behalf of a backend it could not reach.",
        "Look behind the proxy: backend health, health-check results, the backend's own logs and "
        "start-up time; the 5xx came from the proxy, not from the application.",
        "the proxy's logs show upstream connect failures or no healthy backends at that time.",
        _INFRA_OWNER,
    ),
    Cause.SERVICE_STARTING: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The server is up but still starting (recovery, loading its dataset).",
        "Wait and retry with backoff; check why start-up is slow or restarting repeatedly.",
        "the server's log shows recovery or loading in progress, and it accepts work shortly after.",
        _DB_OWNER,
    ),
    Cause.READ_ONLY: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The server accepts reads only (a replica, a failover in progress, or read-only mode).",
        "Check which node is the primary and that the client points at it (or at the writer endpoint).",
        "the server reports a replica role or read-only mode.",
        _DB_OWNER,
    ),
    Cause.OUT_OF_MEMORY: CauseInfo(
        Layer.INFRASTRUCTURE,
        "The server ran out of memory (or hit its configured memory limit).",
        "Check memory use against the limit and the eviction policy; find what grew.",
        "used memory is at maxmemory / the container limit at the time of the error.",
        _INFRA_OWNER,
    ),
    Cause.AUTH_FAILED: CauseInfo(
        Layer.CONFIGURATION,
        "The server rejected the credentials (or has no access rule for this client).",
        "Check the user name and secret the service really receives (secret version, env var), the "
        "role's existence, and access rules such as pg_hba.conf.",
        "the server's log shows the authentication failure for that user and client address.",
        _CONFIG_OWNER,
    ),
    Cause.RESOURCE_MISSING: CauseInfo(
        Layer.CONFIGURATION,
        "Something the configuration names does not exist (database, socket path, DB index, CA file).",
        "Check the name or path in the configuration against what exists on the server.",
        "listing the databases / paths on the server shows the named one missing.",
        _CONFIG_OWNER,
    ),
    Cause.POOL_EXHAUSTED: CauseInfo(
        Layer.APPLICATION,
        "The client-side connection pool had no free connection within its wait time.",
        "Look for connections held too long (leaks, long transactions, slow queries), and compare "
        "pool size x workers with the load; do not just raise the pool past the server's limit.",
        "pool metrics show all connections checked out while the server still has free slots.",
        _APP_OWNER,
    ),
    Cause.APP_ERROR: CauseInfo(
        Layer.APPLICATION,
        "The application itself failed while handling the request.",
        "Read the application's traceback or error log for that request.",
        "the application's log shows an exception for the request.",
        _APP_OWNER,
    ),
    Cause.WEBSOCKET_REJECTED: CauseInfo(
        Layer.APPLICATION,
        "The WebSocket opening handshake was refused.",
        "Check the route exists and accepts upgrades, its auth and origin checks, and any proxy's "
        "upgrade support.",
        "the handshake response status (403, 404, 426, ...) and the application's log for it.",
        _APP_OWNER,
    ),
    Cause.PROTOCOL_MISMATCH: CauseInfo(
        Layer.CONFIGURATION,
        "Something answers on the address, but not in the protocol configured (an HTTP server on the Redis "
        "port, TLS sent to a clear-text port or the reverse, a server that is not the kind expected).",
        "Compare the host, port and scheme in the configuration with what really listens there "
        "(`ss -ltnp` on the server, `curl -v` or `openssl s_client` against the port).",
        "a client of the expected protocol fails the same way while a client of another protocol succeeds.",
        _CONFIG_OWNER,
    ),
    Cause.VANTAGE_PATH_FAILURE: CauseInfo(
        Layer.INFRASTRUCTURE,
        "One monitoring location (vantage) sees several targets fail with network causes while the other "
        "vantages see them up: the path from that vantage is broken, not the targets.",
        "On the vantage's host, check its routes, firewall, resolver, NAT and egress (connector, peering, VPN) "
        "towards the targets named; the targets themselves need no action.",
        "`ip route get ADDRESS` or a TCP connect from the vantage fails while the same check from another "
        "vantage succeeds.",
        _NET_OWNER,
    ),
    Cause.UNKNOWN: CauseInfo(
        Layer.UNKNOWN,
        "The failure matched no known signature.",
        "Read the full error text and the server's logs around the time of the failure.",
        "the logs show a specific error you can then look up.",
        "undetermined",
    ),
}
