"""Exact facts an exception carries, read without importing the library that raised it.

Each reader returns `(rule id, TypeRule)` or None. They are tried before the type table because a fact
is more specific than a type: a psycopg `OperationalError` with SQLSTATE 28P01 is an auth failure.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

from infraprobe.classifier.exc_tables import (
    ERRNO,
    HTTP_STATUS,
    MYSQL_CODES,
    SQLSTATE,
    SQLSTATE_CLASS,
    SSL_VERIFY,
)
from infraprobe.classifier.exc_tables import TypeRule as _T
from infraprobe.taxonomy import Cause, Component

Fact = tuple[str, _T]


def _errno(exc: BaseException) -> Fact | None:
    # SSL errors reuse small integers (SSL_ERROR_WANT_READ == 2 == ENOENT) for their own codes.
    if not isinstance(exc, OSError) or isinstance(exc, ssl.SSLError):
        return None
    if isinstance(exc, socket.gaierror):
        return f"errno:gai:{exc.errno}", _T(Cause.DNS_FAILURE)
    for code in (getattr(exc, "winerror", None), exc.errno):
        if isinstance(code, int) and code in ERRNO:
            return f"errno:{code}", ERRNO[code]
    return None


def _ssl_verify(exc: BaseException) -> Fact | None:
    code = getattr(exc, "verify_code", None)
    if isinstance(exc, ssl.SSLCertVerificationError) and isinstance(code, int) and code in SSL_VERIFY:
        return f"ssl_verify:{code}", _T(SSL_VERIFY[code])
    return None


def _sqlstate(exc: BaseException) -> Fact | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if not isinstance(state, str) or len(state) != 5:
        return None
    state = state.upper()
    decided = SQLSTATE.get(state) or SQLSTATE_CLASS.get(state[:2])
    if decided is None or decided.cause is None:
        return None
    return f"sqlstate:{state}", decided._replace(component=decided.component or Component.POSTGRES)


def _mysql_code(exc: BaseException) -> Fact | None:
    if "mysql" not in type(exc).__module__.lower():
        return None
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else getattr(exc, "errno", None)
    decided = MYSQL_CODES.get(code) if isinstance(code, int) else None
    if decided is None or decided.cause is None:
        return None
    return f"mysql:{code}", decided._replace(component=Component.MYSQL)


def _close_code(exc: BaseException) -> Fact | None:
    # websockets >= 10: `rcvd` is the peer's close frame, None when the TCP connection just dropped (1006).
    if not type(exc).__module__.startswith("websockets") or not hasattr(exc, "rcvd"):
        return None
    if type(exc).__name__ == "ConnectionClosedOK":
        return None
    frame = exc.rcvd
    code = getattr(frame, "code", 1006) if frame is not None else 1006
    if code == 1006:
        return "ws_close:1006", _T(Cause.CONNECTION_RESET, component=Component.WEBSOCKET)
    if code == 1011:
        return "ws_close:1011", _T(Cause.APP_ERROR, component=Component.WEBSOCKET)
    return f"ws_close:{code}", _T(Cause.CONNECTION_RESET, weak=True, component=Component.WEBSOCKET)


def _http_status(exc: BaseException) -> Fact | None:
    status = getattr(exc, "status", None)
    response = getattr(exc, "response", None)
    if not isinstance(status, int):
        status = getattr(response, "status_code", None)
    if isinstance(status, int) and status in HTTP_STATUS:
        return f"http_status:{status}", _T(HTTP_STATUS[status], weak=status in (401, 403, 404, 500))
    return None


# A MySQL error number before the SQLSTATE: PyMySQL (1.2+) errors carry both, and the SQLSTATE table is
# PostgreSQL's (MySQL's 42000 covers "access denied to database" as well as syntax errors).
READERS: tuple[Callable[[BaseException], Fact | None], ...] = (
    _errno,
    _ssl_verify,
    _mysql_code,
    _sqlstate,
    _close_code,
    _http_status,
)


def read_fact(exc: BaseException) -> Fact | None:
    for reader in READERS:
        fact = reader(exc)
        if fact is not None:
            return fact
    return None
