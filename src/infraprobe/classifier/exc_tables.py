"""Tables from exception facts (type, errno, SSL verify code, SQLSTATE, MySQL code) to causes.

Third-party clients are optional at run time, so their exception types are named here by
"module.QualifiedName" instead of being imported; `tests/classifier/test_exception_tables.py` walks the
installed clients and fails when one of their exception classes has no decision here. A `TypeRule` with
`cause=None` is a decision too: "this type says nothing by itself; read its text and its inner errors".
"""

from __future__ import annotations

import errno
from typing import NamedTuple

from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component


class TypeRule(NamedTuple):
    cause: C | None
    weak: bool = False  # True: the exception's text (or an inner error) may name a more specific cause
    by_phase: str = ""  # "timeout" / "eof": resolved with the probe phase
    component: Component | None = None  # a dependency the type itself implies


_T = TypeRule
TEXT = _T(None)  # decided by text and chain only
PHASE_TIMEOUT = _T(C.CONNECT_TIMEOUT, weak=True, by_phase="timeout")

ERRNO: dict[int, TypeRule] = {
    errno.ECONNREFUSED: _T(C.CONNECTION_REFUSED),
    errno.ECONNRESET: _T(C.CONNECTION_RESET),
    errno.EPIPE: _T(C.CONNECTION_RESET),
    errno.ECONNABORTED: _T(C.CONNECTION_RESET),
    errno.ENETUNREACH: _T(C.NETWORK_UNREACHABLE),
    errno.EHOSTUNREACH: _T(C.NETWORK_UNREACHABLE),
    errno.EADDRNOTAVAIL: _T(C.NETWORK_UNREACHABLE),
    errno.ETIMEDOUT: _T(C.CONNECT_TIMEOUT, by_phase="timeout"),
    errno.ENOENT: _T(C.RESOURCE_MISSING),
    errno.ENOMEM: _T(C.OUT_OF_MEMORY),
    errno.EROFS: _T(C.READ_ONLY),
    # Windows Sockets codes, which Python reports as winerror (and errno on some paths).
    10061: _T(C.CONNECTION_REFUSED),
    10054: _T(C.CONNECTION_RESET),
    10053: _T(C.CONNECTION_RESET),
    10060: _T(C.CONNECT_TIMEOUT, by_phase="timeout"),
    10051: _T(C.NETWORK_UNREACHABLE),
    10065: _T(C.NETWORK_UNREACHABLE),
    11001: _T(C.DNS_FAILURE),
    11002: _T(C.DNS_FAILURE),
    11004: _T(C.DNS_FAILURE),
}

# OpenSSL X509_V_ERR_* codes carried by ssl.SSLCertVerificationError.verify_code.
SSL_VERIFY: dict[int, C] = {
    2: C.TLS_UNTRUSTED_CERTIFICATE,  # unable to get issuer certificate
    9: C.TLS_CERTIFICATE_EXPIRED,  # certificate is not yet valid
    10: C.TLS_CERTIFICATE_EXPIRED,  # certificate has expired
    18: C.TLS_UNTRUSTED_CERTIFICATE,  # self-signed certificate
    19: C.TLS_UNTRUSTED_CERTIFICATE,  # self-signed certificate in certificate chain
    20: C.TLS_UNTRUSTED_CERTIFICATE,  # unable to get local issuer certificate
    21: C.TLS_UNTRUSTED_CERTIFICATE,  # unable to verify the first certificate
    27: C.TLS_UNTRUSTED_CERTIFICATE,  # certificate not trusted
    62: C.TLS_HOSTNAME_MISMATCH,  # hostname mismatch
    64: C.TLS_HOSTNAME_MISMATCH,  # IP address mismatch
}

# PostgreSQL SQLSTATE: exact codes first, then the two-character class.
SQLSTATE: dict[str, TypeRule] = {
    "28P01": _T(C.AUTH_FAILED),
    "28000": _T(C.AUTH_FAILED),
    "42501": _T(C.AUTH_FAILED),
    "3D000": _T(C.RESOURCE_MISSING),
    "53300": _T(C.DB_CONNECTION_LIMIT),
    "57P03": _T(C.SERVICE_STARTING),
    "25006": _T(C.READ_ONLY),
    "53200": _T(C.OUT_OF_MEMORY),
    "53100": _T(C.OUT_OF_MEMORY, weak=True),  # disk full: no better cause; the text says which
    "57P01": _T(C.CONNECTION_RESET),  # admin shutdown
    "57P02": _T(C.CONNECTION_RESET),  # crash shutdown
    "57014": _T(C.READ_TIMEOUT),  # query canceled (statement_timeout)
    "55P03": _T(C.READ_TIMEOUT),  # lock not available (lock_timeout)
    "08003": _T(C.CONNECTION_RESET),  # connection does not exist
    "08006": _T(C.CONNECTION_RESET, weak=True),
}
SQLSTATE_CLASS: dict[str, TypeRule] = {
    "08": TEXT,  # connection exception: the message says refused / timeout / reset
    "28": _T(C.AUTH_FAILED),
    "3D": _T(C.RESOURCE_MISSING),
    "53": _T(C.DB_CONNECTION_LIMIT, weak=True),
    "57": _T(C.SERVICE_STARTING, weak=True),
    "58": TEXT,  # system error (I/O): the message says which
    "XX": TEXT,  # internal error
    "25": _T(C.APP_ERROR),
    "40": _T(C.APP_ERROR),  # serialization failure, deadlock
    "42": _T(C.APP_ERROR),
    "P0": _T(C.APP_ERROR),
    "0A": _T(C.APP_ERROR),
    "HV": _T(C.APP_ERROR),
}
# Classes 0x-2x not listed above (data, integrity, cardinality, transaction state...) are the
# application's own SQL failing.
for _cls in (
    "00",
    "01",
    "02",
    "03",
    "09",
    "10",
    "0B",
    "0F",
    "0L",
    "0P",
    "0Z",
    "20",
    "21",
    "22",
    "23",
    "24",
    "26",
    "27",
    "2B",
    "2D",
    "2F",
    "34",
    "38",
    "39",
    "3B",
    "3F",
    "44",
    "54",
    "55",
    "72",
    "F0",
):
    SQLSTATE_CLASS.setdefault(_cls, _T(C.APP_ERROR))

# MySQL server / client error numbers (args[0] of PyMySQL / mysqlclient errors).
MYSQL_CODES: dict[int, TypeRule] = {
    1040: _T(C.DB_CONNECTION_LIMIT),
    1203: _T(C.DB_CONNECTION_LIMIT),
    1044: _T(C.AUTH_FAILED),
    1045: _T(C.AUTH_FAILED),
    1049: _T(C.RESOURCE_MISSING),
    1053: _T(C.SERVICE_STARTING),
    1290: _T(C.READ_ONLY),
    1836: _T(C.READ_ONLY),
    1037: _T(C.OUT_OF_MEMORY),
    1038: _T(C.OUT_OF_MEMORY),
    1041: _T(C.OUT_OF_MEMORY),
    1064: _T(C.APP_ERROR),
    1146: _T(C.APP_ERROR),
    1054: _T(C.APP_ERROR),
    1205: _T(C.READ_TIMEOUT),
    2002: TEXT,  # socket/local connect: "(2)" missing socket, "(111)" refused
    2003: TEXT,  # TCP connect: the errno in parentheses decides
    2005: _T(C.DNS_FAILURE),
    2006: _T(C.CONNECTION_RESET),
    2013: _T(C.CONNECTION_RESET),
    2026: _T(C.TLS_HANDSHAKE_FAILED),
}

HTTP_STATUS: dict[int, C] = {
    401: C.AUTH_FAILED,
    403: C.AUTH_FAILED,
    404: C.RESOURCE_MISSING,
    500: C.APP_ERROR,
    502: C.UPSTREAM_UNAVAILABLE,
    503: C.UPSTREAM_UNAVAILABLE,
    504: C.UPSTREAM_UNAVAILABLE,
}
