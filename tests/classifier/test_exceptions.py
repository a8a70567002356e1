"""Live exceptions: real ones produced on loopback (and *.invalid), and client exceptions built in-process."""

from __future__ import annotations

import asyncio
import datetime
import errno
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from infraprobe.classifier import classify, classify_exception
from infraprobe.taxonomy import Cause, Component, Layer


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raised(fn) -> BaseException:  # type: ignore[no-untyped-def]
    try:
        fn()
    except BaseException as exc:  # the point is to capture whatever was raised
        return exc
    raise AssertionError("nothing was raised")


def test_closed_loopback_port_is_connection_refused() -> None:
    """A real connect to a closed loopback port maps to connection_refused by errno."""
    exc = _raised(lambda: socket.create_connection(("127.0.0.1", _closed_port()), timeout=2))
    d = classify(exc, phase="connect")
    assert (d.cause, d.component) == (Cause.CONNECTION_REFUSED, Component.TCP)
    assert d.rule.startswith("exc:")  # decided by type/errno, not by text


def test_real_gaierror_is_dns_failure() -> None:
    """Resolving a name under .invalid raises socket.gaierror, mapped to dns_failure."""
    exc = _raised(lambda: socket.getaddrinfo("infraprobe-test.invalid", 443))
    assert isinstance(exc, socket.gaierror)
    assert classify(exc, component=Component.HTTP).cause is Cause.DNS_FAILURE


@pytest.mark.parametrize(
    ("phase", "cause"),
    [
        (None, Cause.CONNECT_TIMEOUT),
        ("dns", Cause.DNS_FAILURE),
        ("connect", Cause.CONNECT_TIMEOUT),
        ("first_byte", Cause.READ_TIMEOUT),
        ("query", Cause.READ_TIMEOUT),
    ],
)
def test_timeout_error_is_resolved_by_phase(phase: str | None, cause: Cause) -> None:
    """TimeoutError (asyncio.TimeoutError is the same class) means what the phase says."""
    assert classify(TimeoutError(), phase=phase).cause is cause
    assert classify(TimeoutError("timed out"), phase=phase).cause is cause


def test_chain_innermost_specific_cause_wins() -> None:
    """A client's generic ConnectionError raised from ConnectionRefusedError is connection_refused."""
    redis = pytest.importorskip("redis")

    def fail() -> None:
        try:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        except OSError as inner:
            raise redis.exceptions.ConnectionError("Error 111 connecting to cache:6379.") from inner

    d = classify(_raised(fail))
    assert (d.cause, d.component) == (Cause.CONNECTION_REFUSED, Component.REDIS)


def test_exception_group_members_are_searched() -> None:
    """An ExceptionGroup is classified by its most specific member."""
    group = ExceptionGroup("connect", [ValueError("x"), ConnectionResetError(errno.ECONNRESET, "reset")])
    assert classify(group).cause is Cause.CONNECTION_RESET


def test_cyclic_chain_terminates() -> None:
    """A __context__ cycle does not hang the classifier."""
    a, b = RuntimeError("a"), RuntimeError("b")
    a.__context__, b.__context__ = b, a
    assert classify(a).cause is Cause.UNKNOWN


def test_missing_ca_file_is_resource_missing() -> None:
    """Loading a CA file that does not exist raises FileNotFoundError -> resource_missing."""
    ctx = ssl.create_default_context()
    exc = _raised(lambda: ctx.load_verify_locations("/nonexistent/infraprobe-ca.pem"))
    assert classify(exc).cause is Cause.RESOURCE_MISSING


@pytest.mark.parametrize(
    ("factory", "cause", "component"),
    [
        (lambda m: m.exceptions.AuthenticationError("invalid password"), Cause.AUTH_FAILED, Component.REDIS),
        (
            lambda m: m.exceptions.ConnectionError("Too many connections"),
            Cause.POOL_EXHAUSTED,
            Component.REDIS,
        ),
        (
            lambda m: m.exceptions.BusyLoadingError("Redis is loading"),
            Cause.SERVICE_STARTING,
            Component.REDIS,
        ),
        (lambda m: m.exceptions.ReadOnlyError("You can't write"), Cause.READ_ONLY, Component.REDIS),
        (
            lambda m: m.exceptions.OutOfMemoryError("command not allowed"),
            Cause.OUT_OF_MEMORY,
            Component.REDIS,
        ),
        (
            lambda m: m.exceptions.TimeoutError("Timeout reading from socket"),
            Cause.READ_TIMEOUT,
            Component.REDIS,
        ),
    ],
)
def test_redis_exceptions(factory, cause: Cause, component: Component) -> None:  # type: ignore[no-untyped-def]
    """redis-py exception types map by type, and by text where the type is generic."""
    redis = pytest.importorskip("redis")
    d = classify(factory(redis))
    assert (d.cause, d.component) == (cause, component)


@pytest.mark.parametrize(
    ("sqlstate", "cause"),
    [
        ("28P01", Cause.AUTH_FAILED),
        ("28000", Cause.AUTH_FAILED),
        ("3D000", Cause.RESOURCE_MISSING),
        ("53300", Cause.DB_CONNECTION_LIMIT),
        ("57P03", Cause.SERVICE_STARTING),
        ("25006", Cause.READ_ONLY),
        ("42601", Cause.APP_ERROR),
        ("42P01", Cause.APP_ERROR),
        ("42703", Cause.APP_ERROR),
        ("53200", Cause.OUT_OF_MEMORY),
    ],
)
def test_psycopg_errors_map_by_sqlstate(sqlstate: str, cause: Cause) -> None:
    """psycopg errors are mapped by their SQLSTATE, whatever their message."""
    psycopg = pytest.importorskip("psycopg")
    exc = psycopg.errors.lookup(sqlstate)("message text irrelevant here")
    d = classify(exc)
    assert (d.cause, d.component, d.rule) == (cause, Component.POSTGRES, f"exc:sqlstate:{sqlstate}")


@pytest.mark.parametrize(
    ("code", "sqlstate", "cause"),
    [
        (1045, "28000", Cause.AUTH_FAILED),
        (1044, "42000", Cause.AUTH_FAILED),
        (1040, "08004", Cause.DB_CONNECTION_LIMIT),
    ],
)
def test_pymysql_errors_map_by_error_number_not_sqlstate(code: int, sqlstate: str, cause: Cause) -> None:
    """PyMySQL errors carry a SQLSTATE too; the MySQL error number decides, and the component is mysql."""
    pymysql = pytest.importorskip("pymysql")
    exc = pymysql.err.OperationalError(code, "message text irrelevant here", sqlstate=sqlstate)
    d = classify(exc)
    assert (d.cause, d.component, d.rule) == (cause, Component.MYSQL, f"exc:mysql:{code}")


def test_sqlalchemy_wrapper_defers_to_orig() -> None:
    """SQLAlchemy's OperationalError is decided by the DBAPI error in `.orig`."""
    sa = pytest.importorskip("sqlalchemy")
    psycopg = pytest.importorskip("psycopg")
    orig = psycopg.errors.lookup("28P01")('password authentication failed for user "app"')
    wrapped = sa.exc.OperationalError("SELECT 1", {}, orig)
    d = classify(wrapped)
    assert (d.cause, d.component) == (Cause.AUTH_FAILED, Component.POSTGRES)


def test_pool_timeouts_are_pool_exhausted() -> None:
    """SQLAlchemy's QueuePool TimeoutError, psycopg_pool.PoolTimeout and httpx.PoolTimeout are the client pool."""
    sa = pytest.importorskip("sqlalchemy")
    pool = pytest.importorskip("psycopg_pool")
    httpx = pytest.importorskip("httpx")
    for exc in (
        sa.exc.TimeoutError("QueuePool limit"),
        pool.PoolTimeout("couldn't get a connection"),
        httpx.PoolTimeout("timed out"),
    ):
        assert classify(exc).cause is Cause.POOL_EXHAUSTED


def test_websockets_handshake_and_abnormal_close() -> None:
    """A rejected opening handshake is websocket_rejected; a close without a frame (1006) is a reset."""
    websockets = pytest.importorskip("websockets")
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    rejected = websockets.exceptions.InvalidStatus(Response(502, "Bad Gateway", Headers()))
    dropped = websockets.exceptions.ConnectionClosedError(None, None)
    assert (classify(rejected).cause, classify(rejected).component) == (
        Cause.WEBSOCKET_REJECTED,
        Component.WEBSOCKET,
    )
    assert (classify(dropped).cause, classify(dropped).component) == (
        Cause.CONNECTION_RESET,
        Component.WEBSOCKET,
    )


def test_httpx_and_aiohttp_types() -> None:
    """httpx / aiohttp timeout and disconnect types map by type."""
    httpx = pytest.importorskip("httpx")
    aiohttp = pytest.importorskip("aiohttp")
    assert classify(httpx.ConnectTimeout("timed out")).cause is Cause.CONNECT_TIMEOUT
    assert classify(httpx.ReadTimeout("timed out")).cause is Cause.READ_TIMEOUT
    assert classify(aiohttp.ServerDisconnectedError()).cause is Cause.CONNECTION_RESET
    assert classify(asyncio.IncompleteReadError(b"", 4)).cause is Cause.CONNECTION_RESET


def test_exception_evidence_is_masked() -> None:
    """Evidence built from an exception never shows a password from a DSN in its message."""
    d = classify_exception(ConnectionRefusedError(111, "refused for postgresql://app:s3cr3tpw@db:5432/app"))
    assert "s3cr3tpw" not in d.evidence


# --- real TLS failures against a loopback server with certificates made at test time


def _cert(tmp: Path, name: str, *, expired: bool = False) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    start, end = (
        (now - datetime.timedelta(days=30), now - datetime.timedelta(days=1))
        if expired
        else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """A loopback TLS server; yields (port, expired cert, valid cert for 'service.test')."""
    valid_cert, valid_key = _cert(tmp_path, "service.test")
    expired_cert, expired_key = _cert(tmp_path, "expired.test", expired=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(valid_cert, valid_key)

    def pick(sock: ssl.SSLSocket, server_name: str | None, _: ssl.SSLContext) -> None:
        if server_name == "expired.test":
            other = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            other.load_cert_chain(expired_cert, expired_key)
            sock.context = other

    ctx.sni_callback = pick
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], expired_cert, valid_cert
    stop.set()
    thread.join()
    listener.close()


def _handshake(port: int, server_name: str, ca: Path | None) -> BaseException:
    ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        return _raised(lambda: ctx.wrap_socket(raw, server_hostname=server_name).close())


def test_real_tls_failures_map_by_verify_code(tls_server: tuple[int, Path, Path]) -> None:
    """Expired, untrusted and wrong-name certificates from a loopback server map by verify_code."""
    port, expired_ca, valid_ca = tls_server
    assert (
        classify(_handshake(port, "expired.test", expired_ca), phase="tls").cause
        is Cause.TLS_CERTIFICATE_EXPIRED
    )
    assert (
        classify(_handshake(port, "service.test", None), phase="tls").cause is Cause.TLS_UNTRUSTED_CERTIFICATE
    )
    mismatch = classify(_handshake(port, "localhost", valid_ca), phase="tls")
    assert (mismatch.cause, mismatch.layer) == (Cause.TLS_HOSTNAME_MISMATCH, Layer.CONFIGURATION)


def test_tls_to_a_plaintext_port_is_protocol_mismatch() -> None:
    """Speaking TLS to a port that answers plain HTTP is a protocol mismatch, not a TLS fault."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(1024)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    exc = _handshake(listener.getsockname()[1], "localhost", None)
    thread.join()
    listener.close()
    assert classify(exc, phase="tls").cause is Cause.PROTOCOL_MISMATCH
