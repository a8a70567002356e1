"""The one phase vocabulary: what a probe times, what results carry and what metrics are labelled by.

A probe times a subset of these, in this order, inside `run.phase(Phase.X)`; nothing else can be timed, so
per-phase metrics, renderers and the classifier all see the same names.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """In the order phases happen. The values are the names results and reports show."""

    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    HANDSHAKE = "handshake"
    AUTH = "auth"
    REQUEST = "request"
    FIRST_BYTE = "first_byte"
    TRANSFER = "transfer"
    QUERY = "query"
    MESSAGE = "message"


# After these a TCP connection exists, so a timeout there means "no answer", not "no connection".
CONNECTED = frozenset(Phase) - {Phase.DNS, Phase.CONNECT}
