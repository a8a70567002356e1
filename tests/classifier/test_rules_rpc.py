"""AMQP reply names and gRPC status codes, in every client's spelling, and their precedence."""

from __future__ import annotations

import pytest

from infraprobe.classifier import classify_text
from infraprobe.taxonomy import Cause, Component

# One status, five spellings: Go, Node, Python, .NET, Java.
_GRPC_SPELLINGS = (
    "rpc error: code = {camel} desc = x",
    "Error: {number} {snake}: x",
    'status = StatusCode.{snake}\n\tdetails = "x"',
    'Grpc.Core.RpcException: Status(StatusCode="{camel}", Detail="x")',
    "io.grpc.StatusRuntimeException: {snake}: x",
)
_GRPC_CODES = [
    ("Unavailable", 14, "UNAVAILABLE", Cause.CONNECTION_REFUSED),
    ("DeadlineExceeded", 4, "DEADLINE_EXCEEDED", Cause.READ_TIMEOUT),
    ("Unauthenticated", 16, "UNAUTHENTICATED", Cause.AUTH_FAILED),
    ("PermissionDenied", 7, "PERMISSION_DENIED", Cause.AUTH_FAILED),
    ("NotFound", 5, "NOT_FOUND", Cause.RESOURCE_MISSING),
    ("Unimplemented", 12, "UNIMPLEMENTED", Cause.RESOURCE_MISSING),
    ("Unknown", 2, "UNKNOWN", Cause.APP_ERROR),
    ("InvalidArgument", 3, "INVALID_ARGUMENT", Cause.APP_ERROR),
    ("AlreadyExists", 6, "ALREADY_EXISTS", Cause.APP_ERROR),
    ("ResourceExhausted", 8, "RESOURCE_EXHAUSTED", Cause.APP_ERROR),
    ("FailedPrecondition", 9, "FAILED_PRECONDITION", Cause.APP_ERROR),
    ("Aborted", 10, "ABORTED", Cause.APP_ERROR),
    ("OutOfRange", 11, "OUT_OF_RANGE", Cause.APP_ERROR),
    ("Internal", 13, "INTERNAL", Cause.APP_ERROR),
    ("DataLoss", 15, "DATA_LOSS", Cause.APP_ERROR),
]


@pytest.mark.parametrize(("camel", "number", "snake", "cause"), _GRPC_CODES)
@pytest.mark.parametrize("spelling", _GRPC_SPELLINGS)
def test_every_grpc_status_maps_in_every_spelling(
    spelling: str, camel: str, number: int, snake: str, cause: Cause
) -> None:
    """Each failing gRPC status code is read the same from Go, Node, Python, .NET and Java, component grpc."""
    d = classify_text(spelling.format(camel=camel, number=number, snake=snake))
    assert (d.cause, d.component) == (cause, Component.GRPC)


@pytest.mark.parametrize(
    "text", ["rpc error: code = Canceled desc = context canceled", "Error: 1 CANCELLED: Cancelled on client"]
)
def test_cancelled_names_no_cause(text: str) -> None:
    """CANCELLED is the caller giving up: no cause, but still a gRPC text."""
    d = classify_text(text)
    assert (d.cause, d.component) == (Cause.UNKNOWN, Component.GRPC)


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        (
            'rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: EOF"',
            Cause.CONNECTION_RESET,
        ),
        ("rpc error: code = Unavailable desc = dial tcp 192.0.2.1:50051: i/o timeout", Cause.CONNECT_TIMEOUT),
        ("Error: 14 UNAVAILABLE: DNS resolution failed for service: orders:50051", Cause.DNS_FAILURE),
        (
            "rpc error: code = Unavailable desc = upstream connect error or disconnect/reset before headers",
            Cause.UPSTREAM_UNAVAILABLE,
        ),
        (
            "rpc error: code = DeadlineExceeded desc = context deadline exceeded while waiting for connections to "
            "become ready",
            Cause.CONNECT_TIMEOUT,
        ),
    ],
)
def test_the_reason_inside_a_status_beats_the_status(text: str, cause: Cause) -> None:
    """A bare status is weak: the reason it carries decides, and the component stays grpc."""
    d = classify_text(text)
    assert (d.cause, d.component) == (cause, Component.GRPC)


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ('service unhealthy (responded with "NOT_SERVING")', Cause.SERVICE_STARTING),
        (
            "error: this server does not implement the grpc health protocol (grpc.health.v1.Health)",
            Cause.RESOURCE_MISSING,
        ),
        ('timeout: failed to connect service "localhost:5000" within 1s', Cause.CONNECT_TIMEOUT),
        ("timeout: health rpc did not complete within 1s", Cause.READ_TIMEOUT),
    ],
)
def test_health_probe_verdicts(text: str, cause: Cause) -> None:
    """grpc_health_probe / kubelet gRPC probe: NOT_SERVING is not SERVICE_UNKNOWN, connect is not RPC."""
    d = classify_text(text)
    assert (d.cause, d.component) == (cause, Component.GRPC)


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        (
            "com.rabbitmq.client.ShutdownSignalException: connection error; protocol method: "
            "#method<connection.close>(reply-code=320, reply-text=CONNECTION_FORCED - broker forced connection "
            "closure with reason 'shutdown', class-id=0, method-id=0)",
            Cause.CONNECTION_RESET,
        ),
        ("(402) INVALID_PATH - vhost name is invalid", Cause.RESOURCE_MISSING),
        (
            'Exception (403) Reason: "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN."',
            Cause.AUTH_FAILED,
        ),
        (
            "pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - no queue 'jobs' in vhost '/'\")",
            Cause.RESOURCE_MISSING,
        ),
        (
            "(405, \"RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'q' in vhost '/'\")",
            Cause.APP_ERROR,
        ),
        (
            "(406, \"PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/'\")",
            Cause.APP_ERROR,
        ),
        ("(312) NO_ROUTE - message could not be routed", Cause.APP_ERROR),
        (
            "(501) FRAME_ERROR - type 65, all octets = <<>>: {frame_too_large,1095586128,131064}",
            Cause.APP_ERROR,
        ),
        ("(503) COMMAND_INVALID - unknown exchange type 'x-foo'", Cause.APP_ERROR),
        ("(504) CHANNEL_ERROR - expected 'channel.open'", Cause.APP_ERROR),
        ("(505) UNEXPECTED_FRAME - expected content header for class 60", Cause.APP_ERROR),
        ("(540) NOT_IMPLEMENTED - active=false", Cause.APP_ERROR),
        ('(530, "NOT_ALLOWED - vhost orders not found")', Cause.RESOURCE_MISSING),
        ("(530, \"NOT_ALLOWED - access to vhost 'orders' refused for user 'app'\")", Cause.AUTH_FAILED),
        (
            "reply-code=530, reply-text=NOT_ALLOWED - access to vhost '/' refused for user 'app': connection limit "
            "(10) is reached",
            Cause.DB_CONNECTION_LIMIT,
        ),
        ("missed heartbeats from client, timeout: 60s", Cause.READ_TIMEOUT),
        ("Error: Channel closed by server: 404 (NOT-FOUND)", Cause.RESOURCE_MISSING),  # amqplib's spelling
        (
            "closing AMQP connection <0.2.0> (127.0.0.1:48156 -> 127.0.0.1:5672):\nconnection_closed_abruptly",
            Cause.CONNECTION_RESET,
        ),
        ("memory resource limit alarm set on node rabbit@mq-0.", Cause.OUT_OF_MEMORY),
    ],
)
def test_amqp_reply_codes_map_by_their_names(text: str, cause: Cause) -> None:
    """Every AMQP reply code's symbolic name maps to a cause (530 by what it says), component amqp."""
    d = classify_text(text)
    assert (d.cause, d.component) == (cause, Component.AMQP)


def test_amqp_internal_error_names_no_cause() -> None:
    """541 INTERNAL_ERROR says the broker failed, not why: unknown, component amqp."""
    d = classify_text(
        "#method<connection.close>(reply-code=541, reply-text=INTERNAL_ERROR, class-id=0, method-id=0)"
    )
    assert (d.cause, d.component) == (Cause.UNKNOWN, Component.AMQP)


def test_broker_unreachable_wrapper_yields_to_its_inner_exception() -> None:
    """RabbitMQ.Client's BrokerUnreachableException is a wrapper: the inner ACCESS_REFUSED decides."""
    d = classify_text(
        "RabbitMQ.Client.Exceptions.BrokerUnreachableException: None of the specified endpoints were reachable"
        " ---> RabbitMQ.Client.Exceptions.AuthenticationFailureException: ACCESS_REFUSED - Login was refused"
    )
    assert (d.cause, d.component) == (Cause.AUTH_FAILED, Component.AMQP)
