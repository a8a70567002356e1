"""Structural fallbacks before `unknown`: class-name tokens, errno/WSA names and numbers, who wrote a status,
and the shapes of an application's own failure; and `unknown` staying honest."""

from __future__ import annotations

import pytest

from infraprobe.classifier import classify_text
from infraprobe.taxonomy import Cause


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("org.acme.client.BillingConnectionRefusedException: billing-svc", Cause.CONNECTION_REFUSED),
        ("okhttp3.internal.http2.StreamResetException: stream was reset: CANCEL", Cause.CONNECTION_RESET),
        ("NetworkUnreachableError: cannot send", Cause.NETWORK_UNREACHABLE),
        ("org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized", Cause.AUTH_FAILED),
        ("An error occurred (AccessDenied) when calling the GetObject operation", Cause.AUTH_FAILED),
        ("org.elasticsearch.index.IndexNotFoundException: no such index [orders]", Cause.RESOURCE_MISSING),
        ("botocore.errorfactory.ServiceUnavailableException: try later", Cause.UPSTREAM_UNAVAILABLE),
    ],
)
def test_exception_class_name_tokens(text: str, cause: Cause) -> None:
    """A class name that says Refused/Reset/Unreachable/Auth/NotFound/Unavailable decides when nothing else does."""
    assert classify_text(text).cause is cause


def test_a_wording_beats_a_class_name_token() -> None:
    """Class-name tokens are weak: the message's own wording decides first."""
    text = "org.acme.OrderServiceUnavailableException: dial tcp 192.0.2.1:443: connect: connection refused"
    assert classify_text(text).cause is Cause.CONNECTION_REFUSED


@pytest.mark.parametrize(
    "text", ["ClassNotFoundException: com.acme.Main", "ModuleNotFoundError: No module named 'yaml'"]
)
def test_missing_code_is_not_a_missing_resource(text: str) -> None:
    """A missing class or module is the application's own failure, not a resource the config names."""
    assert classify_text(text).cause is Cause.APP_ERROR


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("SocketError: ConnectionRefused", Cause.CONNECTION_REFUSED),
        ("The operation failed with SocketError.TimedOut", Cause.CONNECT_TIMEOUT),
        ("SocketException: SocketError=HostNotFound", Cause.DNS_FAILURE),
        ("socket error: WSAETIMEDOUT (10060)", Cause.CONNECT_TIMEOUT),
        ("getaddrinfo failed: WSAHOST_NOT_FOUND (11001)", Cause.DNS_FAILURE),
        ("connect failed: WSAEHOSTUNREACH", Cause.NETWORK_UNREACHABLE),
        ("recv failed with WSAECONNRESET (10054)", Cause.CONNECTION_RESET),
        (
            'Error: Os { code: 113, kind: HostUnreachable, message: "No route to host" }',
            Cause.NETWORK_UNREACHABLE,
        ),
        ('Error: Custom { kind: TimedOut, error: "deadline" }', Cause.CONNECT_TIMEOUT),
        ("System.Net.Sockets.SocketException (111)", Cause.CONNECTION_REFUSED),
        ("System.Net.Sockets.SocketException (10060)", Cause.CONNECT_TIMEOUT),
        ("System.Net.Sockets.SocketException (113)", Cause.NETWORK_UNREACHABLE),
    ],
)
def test_errno_and_wsa_names_and_numbers(text: str, cause: Cause) -> None:
    """Winsock names, .NET SocketError and Rust io::ErrorKind names, and SocketException numbers map."""
    assert classify_text(text).cause is cause


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        # the kubelet probes the container itself: a 503 is the application saying "not ready"
        ("Readiness probe failed: HTTP probe failed with statuscode: 503", Cause.SERVICE_STARTING),
        # a proxy or platform wrote the page: its backend is the problem
        (
            "<title>503 Service Temporarily Unavailable</title><center>nginx</center>",
            Cause.UPSTREAM_UNAVAILABLE,
        ),
        ('heroku[router]: at=error code=H12 desc="Request timeout" status=503', Cause.UPSTREAM_UNAVAILABLE),
        # the application wrote a 500
        ("Readiness probe failed: HTTP probe failed with statuscode: 500", Cause.APP_ERROR),
        ("500 | Server Error", Cause.APP_ERROR),
    ],
)
def test_a_status_is_read_with_who_wrote_it(text: str, cause: Cause) -> None:
    """The same status means different things from the application and from a proxy in front of it."""
    assert classify_text(text).cause is cause


@pytest.mark.parametrize(
    "text",
    [
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "fatal error: concurrent map writes",
        'Exception in thread "main" java.lang.NullPointerException\n\tat com.acme.App.main(App.java:8)',
        "Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.",
        "Traceback (most recent call last):\n  File \"/app/w.py\", line 3, in <module>\n    x = d['k']\nKeyError: 'k'",
        "TypeError: Cannot read properties of undefined (reading 'map')",
        "An unhandled exception was thrown by the application.",
        '{"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module \'index\'"}',
    ],
)
def test_an_unhandled_application_exception_is_app_error(text: str) -> None:
    """The application's own failure: a runtime panic, a programming-error class, a server reporting it."""
    assert classify_text(text).cause is Cause.APP_ERROR


@pytest.mark.parametrize(
    "text",
    [
        # uncaught, but the exception names no cause: the connection failed for a reason the text does not say
        'Exception in thread "main" com.zaxxer.hikari.pool.HikariPool$PoolInitializationException: Failed to '
        "initialize pool: The connection attempt failed.",
        '2024-05-01 10:00:00 UTC [7] PANIC:  could not write to file "pg_wal/x": No space left on device',
        "TypeError: fetch failed",
        "org.apache.kafka.common.errors.TimeoutException: Topic orders not present in metadata after 60000 ms.",
        "rpc error: code = Canceled desc = context canceled",
        # Spring's 500 wrapper around a database connection that failed for no stated reason
        "NestedServletException: Request processing failed; nested exception is "
        "org.springframework.jdbc.CannotGetJdbcConnectionException: Could not get JDBC Connection",
    ],
)
def test_unknown_stays_honest(text: str) -> None:
    """A text that names no cause stays unknown, even when it is an uncaught exception or a status."""
    assert classify_text(text).cause is Cause.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "javax.net.ssl.SSLException: Unrecognized SSL message, plaintext connection?",
        "ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
        'Get "https://localhost:8080/": http: server gave HTTP response to HTTPS client',
        "400 The plain HTTP request was sent to HTTPS port",
        "System.IO.IOException: The handshake failed due to an unexpected packet format.",
        "requests.exceptions.HTTPError: 426 Client Error: Upgrade Required for url: http://localhost:8080/",
        "curl: (1) Received HTTP/0.9 when not allowed",
        "pymysql.err.InternalError: Packet sequence number wrong - got 72 expected 0",
        '{bad_header,<<"GET / HT">>}',
    ],
)
def test_another_protocol_answering_is_protocol_mismatch(text: str) -> None:
    """TLS to a plain-text port and the reverse, HTTP where MySQL/AMQP was expected: protocol_mismatch."""
    assert classify_text(text).cause is Cause.PROTOCOL_MISMATCH


def test_a_websocket_client_answered_426_is_a_rejected_handshake() -> None:
    """The 426 a WebSocket client gets is a refused upgrade, not another protocol."""
    text = (
        "websockets.exceptions.InvalidStatus: server rejected WebSocket connection: HTTP 426 Upgrade Required"
    )
    assert classify_text(text).cause is Cause.WEBSOCKET_REJECTED


def test_a_server_of_the_right_kind_declining_tls_is_a_tls_failure() -> None:
    """libpq's `server does not support SSL` is a PostgreSQL without TLS: tls_handshake_failed."""
    text = "psycopg.OperationalError: connection failed: server does not support SSL, but SSL was required"
    assert classify_text(text).cause is Cause.TLS_HANDSHAKE_FAILED
