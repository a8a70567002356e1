"""Text rules for brokers and RPC: AMQP (RabbitMQ) reply codes and gRPC status codes.

Both protocols carry a code that names the failure class, and every client prints it its own way:
AMQP's reply code and its symbolic name (`reply-code=403, reply-text=ACCESS_REFUSED - ...` in Java,
`Exception (403) Reason: "ACCESS_REFUSED - ..."` in Go, `(403, "ACCESS_REFUSED - ...")` in pika), read by the
name every client prints; gRPC's status as
`code = Unavailable` (Go), `14 UNAVAILABLE:` (Node), `StatusCode.UNAVAILABLE` (Python),
`StatusCode="Unavailable"` (.NET) or `StatusRuntimeException: UNAVAILABLE` (Java). The specific wordings
come first; the bare codes are `weak`, so the reason inside a status (`connection refused`, a DNS
failure) always wins over the status around it.
"""

from __future__ import annotations

from infraprobe.classifier.model import Rule, rule
from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component as K

AMQP: tuple[Rule, ...] = (
    rule(
        "amqp_connection_limit",
        C.DB_CONNECTION_LIMIT,
        "connection limit (",
        r"connection limit \(\d{1,9}\) is reached",  # RabbitMQ's per-vhost / per-user max-connections
        component=K.AMQP,
    ),
    rule(
        "amqp_vhost_or_queue_missing",
        C.RESOURCE_MISSING,
        ("vhost ", "not_found -", "in vhost", "invalid_path", "(not-found)", "(invalid-path)"),
        # amqplib spells the name with hyphens after the code: `404 (NOT-FOUND) with message ...`
        r"\bvhost [^\s\"']{1,200} not found|\bnot_found - ?no (?:queue|exchange)|\bno (?:queue|exchange) '[^'\n]{0,200}' in vhost"
        r"|\binvalid_path - |\b40[24] \((?:not-found|invalid-path)\)",
        component=K.AMQP,
    ),
    rule(
        "amqp_access_refused",
        C.AUTH_FAILED,
        (
            "access_refused",
            "access-refused",
            "login was refused",
            "login refused",
            "username or password not allowed",
            "refused for user",
        ),
        r"access[_-]refused|login (?:was )?refused|username or password not allowed"
        r"|access to vhost '[^'\n]{0,200}' refused for user",
        component=K.AMQP,
    ),
    rule(
        "amqp_connection_forced",
        C.CONNECTION_RESET,
        (
            "connection_forced",
            "connection-forced",
            "broker forced connection closure",
            "client unexpectedly closed tcp connection",
            "channel/connection is not open",
            "connection_closed_abruptly",
        ),
        r"connection[_-]forced|broker forced connection closure|client unexpectedly closed tcp connection"
        r"|channel/connection is not open|\bconnection_closed_abruptly\b",  # the broker's log: the client vanished
        component=K.AMQP,
    ),
    rule(
        "amqp_missed_heartbeats",
        C.READ_TIMEOUT,
        (
            "missed heartbeats",
            "heartbeats missed",
            "missed server heartbeat",
            "heartbeat missing",
            "heartbeatmissed",
        ),
        # the broker's log, py-amqp, php-amqplib, the Java client: the peer stopped sending heartbeats
        r"missed heartbeats from (?:client|server)|too many heartbeats missed|missed server heartbeat"
        r"|heartbeat missing with heartbeat|heartbeatmissed",
        component=K.AMQP,
    ),
    rule(
        "amqp_memory_alarm",
        C.OUT_OF_MEMORY,
        ("memory resource limit alarm", "blocked: low on memory"),
        r"memory resource limit alarm set|connection blocked: low on memory",
        component=K.AMQP,
    ),
    rule(
        "amqp_channel_misuse",
        C.APP_ERROR,
        (
            "precondition_failed",
            "precondition-failed",
            "resource_locked",
            "resource-locked",
            "frame_error - ",
            "syntax_error - ",
            "command_invalid - ",
            "channel_error - ",
            "unexpected_frame - ",
            "not_implemented - ",
            "content_too_large - ",
            "no_route - ",
            "no_consumers - ",
        ),
        # The application declared an entity unlike the existing one (406), took an exclusive queue another
        # connection holds (405), held a delivery past the consumer timeout (406), or broke the protocol
        # (501-505, 540), published an unroutable or oversized mandatory message (311-313)
        r"precondition[_-]failed|resource[_-]locked|\b(?:frame_error|syntax_error|command_invalid|channel_error"
        r"|unexpected_frame|not_implemented|content_too_large|no_route|no_consumers) - ",
        component=K.AMQP,
    ),
    rule(
        "amqp_connection_start_timeout",
        C.READ_TIMEOUT,
        "connection.start was never received",  # RabbitMQ.Client: TCP connected, the broker never spoke
        component=K.AMQP,
    ),
    rule(
        "amqp_broker_unreachable",
        C.CONNECTION_REFUSED,
        "brokerunreachableexception",
        component=K.AMQP,
        weak=True,  # RabbitMQ.Client's wrapper: its inner exception (auth, refused, DNS) says why
    ),
)


# gRPC status names as each client spells them, lowercased: UPPER_SNAKE (Java, Python, Node) and
# CamelCase (Go, .NET); Go's oldest clients print the number (`code = 14`).
def _grpc_status(rule_id: str, cause: C, *names: str) -> Rule:
    # Longest first (the alternation must prefer the longer spelling), then by text: a set's order changes
    # with the hash seed, and the regex text is the hyperscan cache key.
    spellings = sorted({s for n in names for s in (n, n.replace("_", ""))}, key=lambda s: (-len(s), s))
    # Literals every match contains, chosen so common words ("unknown", "internal") alone never make a log
    # line a candidate: the markers before a name, and Node's `NAME:`.
    needles = (*_GRPC_MARKERS, *(f"{n}:" for n in names))
    return rule(rule_id, cause, needles, _grpc_code_source(names, spellings), component=K.GRPC, weak=True)


def _grpc_code_source(names: tuple[str, ...], spelled: list[str]) -> str:
    spellings = "|".join(spelled)
    numeric = "|".join(_GRPC_NUMBERS[n] for n in names)
    # Node prints `14 UNAVAILABLE: ...`: a number, the name and a colon; the others a name after a marker.
    return (
        r"(?:code = |statuscode[.=]\"?|statusruntimeexception: |statusexception: |status\{code=)"
        rf"(?:{spellings})\b|\b(?:{numeric}) (?:{spellings}):|\bcode = (?:{numeric})\b"
    )


_GRPC_MARKERS = ("code = ", "statuscode", "statusruntimeexception: ", "statusexception: ", "status{code=")
_GRPC_NUMBERS = {
    "unknown": "2",
    "invalid_argument": "3",
    "deadline_exceeded": "4",
    "not_found": "5",
    "already_exists": "6",
    "permission_denied": "7",
    "resource_exhausted": "8",
    "failed_precondition": "9",
    "aborted": "10",
    "out_of_range": "11",
    "unimplemented": "12",
    "internal": "13",
    "unavailable": "14",
    "data_loss": "15",
    "unauthenticated": "16",
}

GRPC: tuple[Rule, ...] = (
    # grpc_health_probe and the kubelet's gRPC probe (same wordings) report on grpc.health.v1.Health/Check.
    rule(
        "grpc_health_not_serving",
        C.SERVICE_STARTING,
        ("not_serving", "service unhealthy"),
        r"\bnot_serving\b",
        component=K.GRPC,
    ),
    rule(
        "grpc_health_connect_timeout",
        C.CONNECT_TIMEOUT,
        "timeout: failed to connect service",
        component=K.GRPC,
    ),
    rule(
        "grpc_health_rpc_timeout",
        C.READ_TIMEOUT,
        "health rpc did not complete within",
        component=K.GRPC,
    ),
    rule(
        "grpc_unknown_service",
        C.RESOURCE_MISSING,
        (
            "does not implement the grpc health protocol",
            "unknown service",
            "unknown method",
            "method not found",
            "does not implement the method",
            "service_unknown",
        ),
        # the server has no such service or method: the name in the configuration is wrong
        r"does not implement the grpc health protocol|desc = unknown (?:service|method) |unimplemented: method not found"
        r"|details = \"method not found!\"|the server does not implement the method|\bservice_unknown\b",
        component=K.GRPC,
    ),
    rule(
        "grpc_deadline_waiting_for_connection",
        C.CONNECT_TIMEOUT,
        "waiting_for_connection",
        r"deadline exceeded after [^\n]{0,200}\bwaiting_for_connection\b",
        component=K.GRPC,
    ),
    rule(
        "grpc_java_deadline",
        C.READ_TIMEOUT,
        ("deadline exceeded after", "clientcall started after deadline exceeded"),
        # io.grpc.Deadline's own text, with or without the status name before it
        r"deadline_exceeded: (?:clientcall started after deadline exceeded|deadline exceeded after -?[\d.]+n?s\b)",
        component=K.GRPC,
        weak=True,  # the stage it names (grpc-js: `name resolution: 10.000s`) decides first
    ),
    rule(
        "grpc_concurrency_limit",
        C.DB_CONNECTION_LIMIT,
        "concurrent rpc limit exceeded",
        component=K.GRPC,  # grpcio's server at its maximum_concurrent_rpcs: the server's own limit
    ),
    rule(
        "grpc_transport_closed",
        C.CONNECTION_RESET,
        ("network closed for unknown reason", "end of stream or ioexception", 'details = "socket closed"'),
        component=K.GRPC,
    ),
)

# The bare status codes: weaker than any wording, and ordered (in rules.py) after the generic EOF rule but
# before the generic timeout one: `Unavailable desc = ... EOF` is a reset, `DeadlineExceeded` a read timeout.
GRPC_STATUS: tuple[Rule, ...] = (
    _grpc_status("grpc_status_unavailable", C.CONNECTION_REFUSED, "unavailable"),
    _grpc_status("grpc_status_deadline", C.READ_TIMEOUT, "deadline_exceeded"),
    _grpc_status("grpc_status_unauthenticated", C.AUTH_FAILED, "unauthenticated", "permission_denied"),
    _grpc_status("grpc_status_not_found", C.RESOURCE_MISSING, "not_found", "unimplemented"),
    _grpc_status(
        "grpc_status_application",
        C.APP_ERROR,
        "unknown",
        "invalid_argument",
        "already_exists",
        "resource_exhausted",
        "failed_precondition",
        "aborted",
        "out_of_range",
        "internal",
        "data_loss",
    ),
)
