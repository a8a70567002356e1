"""Exception types of the standard library and of optional clients, by "module.QualifiedName".

Every public exception class of the clients we support has an entry (the completeness test enforces
it), even when the entry is `TEXT`: that records the decision that the type alone does not say why.
"""

from __future__ import annotations

from infraprobe.classifier.exc_tables import PHASE_TIMEOUT, TEXT, TypeRule
from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component as K

_T = TypeRule
_APP = _T(C.APP_ERROR, weak=True)  # client misuse or the application's own query failing
_RESET = _T(C.CONNECTION_RESET)
_WS_REJECTED = _T(C.WEBSOCKET_REJECTED, component=K.WEBSOCKET)

_STDLIB: dict[str, TypeRule] = {
    "builtins.ConnectionRefusedError": _T(C.CONNECTION_REFUSED),
    "builtins.ConnectionResetError": _RESET,
    "builtins.ConnectionAbortedError": _RESET,
    "builtins.BrokenPipeError": _RESET,
    "builtins.TimeoutError": PHASE_TIMEOUT,
    "builtins.FileNotFoundError": _T(C.RESOURCE_MISSING),
    "builtins.MemoryError": _T(C.OUT_OF_MEMORY),
    "builtins.EOFError": _T(C.CONNECTION_RESET, weak=True),
    "builtins.ConnectionError": TEXT,
    "builtins.OSError": TEXT,
    "socket.gaierror": _T(C.DNS_FAILURE),
    "socket.herror": _T(C.DNS_FAILURE),
    "ssl.SSLError": _T(C.TLS_HANDSHAKE_FAILED, weak=True),
    "ssl.SSLEOFError": _T(C.TLS_HANDSHAKE_FAILED, by_phase="eof"),
    "ssl.SSLZeroReturnError": _T(C.TLS_HANDSHAKE_FAILED, by_phase="eof"),
    "ssl.SSLCertVerificationError": _T(C.TLS_UNTRUSTED_CERTIFICATE, weak=True),
    "asyncio.exceptions.IncompleteReadError": _RESET,
    "asyncio.exceptions.CancelledError": TEXT,
    "http.client.RemoteDisconnected": _RESET,
    "http.client.IncompleteRead": _RESET,
}

_REDIS: dict[str, TypeRule] = {
    f"redis.exceptions.{name}": rule
    for name, rule in {
        "RedisError": TEXT,
        "ConnectionError": TEXT,
        "TimeoutError": PHASE_TIMEOUT,
        "AuthenticationError": _T(C.AUTH_FAILED),
        "AuthenticationWrongNumberOfArgsError": _T(C.AUTH_FAILED),
        "AuthorizationError": _T(C.AUTH_FAILED),
        "NoPermissionError": _T(C.AUTH_FAILED),
        "ExternalAuthProviderError": _T(C.AUTH_FAILED),
        "BusyLoadingError": _T(C.SERVICE_STARTING),
        "MasterDownError": _T(C.SERVICE_STARTING),
        "ClusterDownError": _T(C.SERVICE_STARTING, weak=True),
        "TryAgainError": _T(C.SERVICE_STARTING, weak=True),
        "SlotNotCoveredError": _T(C.SERVICE_STARTING, weak=True),
        "ReadOnlyError": _T(C.READ_ONLY),
        "OutOfMemoryError": _T(C.OUT_OF_MEMORY),
        "MaxConnectionsError": _T(C.POOL_EXHAUSTED),
        "ResponseError": TEXT,
        "InvalidResponse": TEXT,
        "RedisClusterException": TEXT,
        "ClusterError": TEXT,
        **dict.fromkeys(
            (
                "DataError",
                "PubSubError",
                "WatchError",
                "NoScriptError",
                "ExecAbortError",
                "ModuleError",
                "LockError",
                "LockNotOwnedError",
                "ChildDeadlockedError",
                "InvalidPipelineStack",
                "CrossSlotTransactionError",
                "ClusterCrossSlotError",
                "IncorrectPolicyType",
                "NoSuchFieldsetError",
                "MovedError",
                "AskError",
            ),
            _APP,
        ),
    }.items()
}

_POSTGRES: dict[str, TypeRule] = {
    # psycopg 3 DBAPI bases; instances usually carry a SQLSTATE that decides first.
    **{
        f"psycopg.{n}": TEXT
        for n in (
            "Error",
            "Warning",
            "InterfaceError",
            "DatabaseError",
            "OperationalError",
            "InternalError",
            "Rollback",
        )
    },
    **{
        f"psycopg.{n}": _APP for n in ("DataError", "IntegrityError", "ProgrammingError", "NotSupportedError")
    },
    "psycopg.errors.ConnectionTimeout": _T(C.CONNECT_TIMEOUT),
    "psycopg.errors.CancellationTimeout": _T(C.READ_TIMEOUT),
    "psycopg.errors.PipelineAborted": _APP,
    "psycopg_pool.PoolTimeout": _T(C.POOL_EXHAUSTED),
    "psycopg_pool.TooManyRequests": _T(C.POOL_EXHAUSTED),
    "psycopg_pool.PoolClosed": _APP,
    # psycopg2: `pgcode` decides when present; its pool raises PoolError("connection pool exhausted").
    "psycopg2.OperationalError": TEXT,
    "psycopg2.pool.PoolError": TEXT,
    "psycopg2.extensions.QueryCanceledError": _T(C.READ_TIMEOUT),
    # asyncpg classes without a SQLSTATE (the rest are decided by theirs).
    **{
        f"asyncpg.exceptions._base.{n}": TEXT
        for n in (
            "PostgresError",
            "FatalPostgresError",
            "UnknownPostgresError",
            "InterfaceError",
            "InternalClientError",
            "ProtocolError",
        )
    },
    **{
        f"asyncpg.exceptions._base.{n}": _APP
        for n in (
            "InterfaceWarning",
            "ClientConfigurationError",
            "OutdatedSchemaCacheError",
            "UnsupportedClientFeatureError",
            "UnsupportedServerFeatureError",
        )
    },
    "asyncpg.exceptions._base.TargetServerAttributeNotMatched": _T(C.READ_ONLY, weak=True),
}

_HTTP: dict[str, TypeRule] = {
    **{
        f"httpx.{n}": TEXT
        for n in (
            "HTTPError",
            "RequestError",
            "TransportError",
            "NetworkError",
            "HTTPStatusError",
            "ProtocolError",
            "InvalidURL",
            "UnsupportedProtocol",
            "TooManyRedirects",
            "CookieConflict",
            "StreamError",
            "StreamConsumed",
            "StreamClosed",
            "ResponseNotRead",
            "RequestNotRead",
            "DecodingError",
        )
    },
    "httpx.ConnectError": _T(C.CONNECTION_REFUSED, weak=True),
    "httpx.ConnectTimeout": _T(C.CONNECT_TIMEOUT),
    "httpx.ReadTimeout": _T(C.READ_TIMEOUT),
    "httpx.WriteTimeout": _T(C.READ_TIMEOUT),
    "httpx.PoolTimeout": _T(C.POOL_EXHAUSTED),
    "httpx.TimeoutException": PHASE_TIMEOUT,
    "httpx.ReadError": _T(C.CONNECTION_RESET, weak=True),
    "httpx.WriteError": _T(C.CONNECTION_RESET, weak=True),
    "httpx.CloseError": _T(C.CONNECTION_RESET, weak=True),
    "httpx.RemoteProtocolError": _T(C.CONNECTION_RESET, weak=True),
    "httpx.LocalProtocolError": _APP,
    "httpx.ProxyError": _T(C.UPSTREAM_UNAVAILABLE),
    "requests.exceptions.ConnectTimeout": _T(C.CONNECT_TIMEOUT),
    "requests.exceptions.ReadTimeout": _T(C.READ_TIMEOUT),
    "requests.exceptions.Timeout": PHASE_TIMEOUT,
    "requests.exceptions.ConnectionError": TEXT,
    "requests.exceptions.SSLError": _T(C.TLS_HANDSHAKE_FAILED, weak=True),
    "requests.exceptions.ProxyError": _T(C.UPSTREAM_UNAVAILABLE),
    "requests.exceptions.ChunkedEncodingError": _RESET,
    "urllib3.exceptions.ConnectTimeoutError": _T(C.CONNECT_TIMEOUT),
    "urllib3.exceptions.ReadTimeoutError": _T(C.READ_TIMEOUT),
    "urllib3.exceptions.NameResolutionError": _T(C.DNS_FAILURE),
    "urllib3.exceptions.NewConnectionError": TEXT,
    "urllib3.exceptions.MaxRetryError": TEXT,
    "urllib3.exceptions.ProtocolError": _T(C.CONNECTION_RESET, weak=True),
    "urllib3.exceptions.SSLError": _T(C.TLS_HANDSHAKE_FAILED, weak=True),
}

_AIOHTTP: dict[str, TypeRule] = {
    f"aiohttp.client_exceptions.{name}": rule
    for name, rule in {
        "ClientError": TEXT,
        "ClientConnectionError": TEXT,
        "ClientConnectorError": TEXT,  # its `os_error` is walked as the inner error
        "ClientOSError": TEXT,
        "ServerConnectionError": TEXT,
        "ClientConnectorDNSError": _T(C.DNS_FAILURE),
        "ClientConnectorCertificateError": _T(C.TLS_UNTRUSTED_CERTIFICATE, weak=True),
        "ClientConnectorSSLError": _T(C.TLS_HANDSHAKE_FAILED, weak=True),
        "ClientSSLError": _T(C.TLS_HANDSHAKE_FAILED, weak=True),
        "ServerFingerprintMismatch": _T(C.TLS_UNTRUSTED_CERTIFICATE),
        "ClientConnectionResetError": _RESET,
        "ServerDisconnectedError": _RESET,
        "ClientPayloadError": _T(C.CONNECTION_RESET, weak=True),
        "ServerTimeoutError": PHASE_TIMEOUT,
        "ConnectionTimeoutError": _T(C.CONNECT_TIMEOUT),
        "SocketTimeoutError": _T(C.READ_TIMEOUT),
        "ClientProxyConnectionError": _T(C.UPSTREAM_UNAVAILABLE),
        "ClientHttpProxyError": _T(C.UPSTREAM_UNAVAILABLE),
        "UnixClientConnectorError": TEXT,
        "ClientResponseError": TEXT,  # its `status` decides
        "WSServerHandshakeError": _WS_REJECTED,
        **dict.fromkeys(
            (
                "ContentTypeError",
                "TooManyRedirects",
                "InvalidURL",
                "InvalidUrlClientError",
                "InvalidUrlRedirectClientError",
                "NonHttpUrlClientError",
                "NonHttpUrlRedirectClientError",
                "RedirectClientError",
                "WSMessageTypeError",
                "UploadAbortedError",
            ),
            TEXT,
        ),
    }.items()
}

_WEBSOCKETS: dict[str, TypeRule] = {
    f"websockets.exceptions.{name}": rule
    for name, rule in {
        "WebSocketException": TEXT,
        "ConnectionClosed": TEXT,  # the close code decides (1006 = dropped without a close frame)
        "ConnectionClosedError": TEXT,
        "ConnectionClosedOK": TEXT,
        "InvalidURI": TEXT,
        "InvalidProxy": TEXT,
        "ProxyError": _T(C.UPSTREAM_UNAVAILABLE),
        "InvalidProxyMessage": _T(C.UPSTREAM_UNAVAILABLE),
        "InvalidProxyStatus": _T(C.UPSTREAM_UNAVAILABLE),
        **dict.fromkeys(
            (
                "InvalidHandshake",
                "InvalidStatus",
                "InvalidMessage",
                "InvalidHeader",
                "InvalidHeaderFormat",
                "InvalidHeaderValue",
                "InvalidOrigin",
                "InvalidUpgrade",
                "NegotiationError",
                "DuplicateParameter",
                "InvalidParameterName",
                "InvalidParameterValue",
                "InvalidMethod",
                "InvalidProtocol",
                "HeaderLineTooLong",
                "RequestLineTooLong",
                "StatusLineTooLong",
                "TooManyHeaders",
                "SecurityError",
            ),
            _WS_REJECTED,
        ),
        **dict.fromkeys(
            ("ProtocolError", "PayloadTooBig", "InvalidState", "ConcurrencyError", "TooManyFragments"), _APP
        ),
    }.items()
}
_WEBSOCKETS.update(
    {
        f"websockets.legacy.exceptions.{n}": _WS_REJECTED
        for n in ("InvalidStatusCode", "AbortHandshake", "RedirectHandshake")
    }
)

_SQLALCHEMY: dict[str, TypeRule] = {
    "sqlalchemy.exc.SQLAlchemyError": TEXT,
    "sqlalchemy.exc.TimeoutError": _T(C.POOL_EXHAUSTED),  # only the QueuePool raises it
    "sqlalchemy.exc.DisconnectionError": _RESET,
    "sqlalchemy.exc.InvalidatePoolError": _RESET,
    # DBAPI wrappers: `.orig` (the driver's error) is walked as the inner error and decides.
    **{
        f"sqlalchemy.exc.{n}": TEXT
        for n in (
            "DBAPIError",
            "OperationalError",
            "InterfaceError",
            "DatabaseError",
            "InternalError",
            "StatementError",
            "EmulatedDBAPIException",
        )
    },
    **{
        f"sqlalchemy.exc.{n}": _APP
        for n in (
            "ProgrammingError",
            "IntegrityError",
            "DataError",
            "NotSupportedError",
            "NoSuchTableError",
            "NoSuchColumnError",
            "PendingRollbackError",
            "ResourceClosedError",
        )
    },
    "sqlalchemy.exc.NoSuchModuleError": TEXT,
}

TYPES: dict[str, TypeRule] = {
    **_STDLIB,
    **_REDIS,
    **_POSTGRES,
    **_HTTP,
    **_AIOHTTP,
    **_WEBSOCKETS,
    **_SQLALCHEMY,
}

# Root packages whose errors say which dependency the client was talking to.
MODULE_COMPONENTS: dict[str, K] = {
    "redis": K.REDIS,
    "aioredis": K.REDIS,
    "psycopg": K.POSTGRES,
    "psycopg2": K.POSTGRES,
    "psycopg_pool": K.POSTGRES,
    "asyncpg": K.POSTGRES,
    "pymysql": K.MYSQL,
    "MySQLdb": K.MYSQL,
    "aiomysql": K.MYSQL,
    "mysql": K.MYSQL,
    "websockets": K.WEBSOCKET,
    "httpx": K.HTTP,
    "httpcore": K.HTTP,
    "aiohttp": K.HTTP,
    "requests": K.HTTP,
    "urllib3": K.HTTP,
    "h11": K.HTTP,
}
