"""The ordered rule table and the literal signatures derived from it.

Order is specificity: service messages that embed network wording (proxies, pools, database servers)
come before the network rules, and every `weak` (generic) rule comes after every specific one, so inside
one message a specific wording always wins and a generic one only speaks when nothing else does. Among
the weak rules the order still counts: a bare gRPC status loses to a generic EOF (`Unavailable desc = EOF`
is a reset) but beats the generic timeout (`DeadlineExceeded` is a read timeout).
"""

from __future__ import annotations

from infraprobe.classifier.model import Rule
from infraprobe.classifier.rules_db import APP, AUTH, MISSING, SERVER_STATE
from infraprobe.classifier.rules_fallback import CLASS_NAMES, SERVER_REPORTED, UNHANDLED
from infraprobe.classifier.rules_localized import LOCALIZED
from infraprobe.classifier.rules_net import (
    APPLE_URL_CODES,
    CURL_CODES,
    DNS,
    GENERIC_EOF,
    GENERIC_TIMEOUT,
    REFUSED,
    RESET,
    TIMEOUTS,
    UNREACHABLE,
)
from infraprobe.classifier.rules_rpc import AMQP, GRPC, GRPC_STATUS
from infraprobe.classifier.rules_service import HTTP_STATUS, PLATFORM, POOL, PROTOCOL, PROXY, WEBSOCKET
from infraprobe.classifier.rules_tls import TLS

_TABLE: tuple[Rule, ...] = (
    *PROTOCOL,
    *WEBSOCKET,
    *PLATFORM,
    *PROXY,
    *AMQP,
    *GRPC,
    *POOL,
    *AUTH,
    *SERVER_STATE,
    *MISSING,
    *TLS,
    *DNS,
    *REFUSED,
    *UNREACHABLE,
    *TIMEOUTS,
    *RESET,
    *LOCALIZED,
    *APPLE_URL_CODES,
    *APP,
    *HTTP_STATUS,
    *CURL_CODES,
    *GENERIC_EOF,
    *GRPC_STATUS,
    *GENERIC_TIMEOUT,
    *CLASS_NAMES,
    *SERVER_REPORTED,
    *UNHANDLED,
)

RULES: tuple[Rule, ...] = tuple(r for r in _TABLE if not r.weak) + tuple(r for r in _TABLE if r.weak)

# Every rule is gated on its needles, so a line containing none of these can never be classified.
SIGNATURES: tuple[str, ...] = tuple(sorted({needle for r in RULES for needle in r.needles}))


def _check_unique_ids() -> None:
    seen: set[str] = set()
    for r in RULES:
        if r.id in seen:
            raise ValueError(f"duplicate rule id {r.id}")
        seen.add(r.id)


_check_unique_ids()
