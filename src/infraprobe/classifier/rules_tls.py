"""Text rules for TLS failures, most specific first.

Verification failures name their reason (expired, hostname, issuer) and are checked before the generic
"certificate verify failed", which on its own most often means an unknown issuer. An EOF inside the TLS
layer is a handshake failure unless the phase says the handshake had already completed (see `by_phase`).
"""

from __future__ import annotations

from infraprobe.classifier.model import Rule, rule
from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component as K

TLS: tuple[Rule, ...] = (
    # The client read bytes that are not TLS at all (an HTTP answer on the port, a plain-text server), or a
    # server read plain text where it expected a ClientHello: the port does not speak the configured protocol.
    # After the proxy rules: nginx saying this about its upstream stays the proxy's statement.
    rule(
        "tls_peer_speaks_plaintext",
        C.PROTOCOL_MISMATCH,
        (
            "wrong version number",
            "wrong_version_number",
            "unrecognized ssl message",
            "does not look like a tls handshake",
            "http response to https client",
            "unknown protocol",
            "packet length too long",
            "sent to https port",
            "http request to an https server",
            "unexpected packet format",
            "cannot determine the frame size",
        ),
        r"wrong[ _]version[ _]number|unrecognized ssl message|does not look like a tls handshake"
        r"|http response to https client|ssl23_get_server_hello:unknown protocol|\bssl routines[^\n]{0,60}unknown protocol"
        r"|packet length too long|plain http request was sent to https port|http request to an https server"
        # .NET SslStream: the first bytes were not a TLS record
        r"|handshake failed due to an unexpected packet format|cannot determine the frame size or a corrupted frame",
        fallback=K.TLS,
    ),
    rule(
        "tls_expired",
        C.TLS_CERTIFICATE_EXPIRED,
        (
            "certificate has expired",
            "certificate expired",
            "cert_has_expired",
            "certificate_expired",
            "certificateexpired",
            "nottimevalid",
            "certificate is expired",
            "expired certificate",
            "certificateexpired",
            "not yet valid",
            "notyetvalid",
            "date_invalid",
            "validity check failed",
            "cert_not_yet_valid",
            "not valid yet",
        ),
    ),
    rule(
        "tls_hostname_mismatch",
        C.TLS_HOSTNAME_MISMATCH,
        (
            "hostname mismatch",
            "ip address mismatch",
            "does not match",
            "doesn't match",
            "no name matching",
            "altname",
            "certificate is valid for",
            "ip sans",
            "no subject alternative",
            "not valid for",
            "bad_cert_domain",
            "common_name_invalid",
            "namemismatch",
            "hostname verification failed",
            "no alternative certificate subject name",
            "legacy common name field",
            "not verified",
        ),
        r"hostname mismatch|ip address mismatch|altnames?\b|certificate is valid for|ip sans"
        r"|no subject alternative|no alternative certificate subject name|certificate is not valid for"
        r"|bad_cert_domain|common_name_invalid|namemismatch|host ?name verification failed|no name matching"
        r"|legacy common name field|hostname \S+ not verified"
        r"|(?:host ?name|\bip\b|subject name|common name|\bcn\b)[^\n]{0,60}(?:does not|doesn't) match"
        r"|(?:does not|doesn't) match[^\n]{0,40}(?:certificate|host ?name|subject alternative)",
    ),
    rule(
        "tls_untrusted",
        C.TLS_UNTRUSTED_CERTIFICATE,
        (
            "self signed",
            "self-signed",
            "self_signed",
            "local issuer",
            "issuer cert",
            "issuer certificate",
            "unable to verify the first certificate",
            "unable_to_verify_leaf",
            "unknown authority",
            "pkix path",
            "valid certification path",
            "unknown_issuer",
            "authority_invalid",
            "unknown ca",
            "not trusted",
            "untrusted",
            "chain was issued by an authority",
            "bad certificate",
            "remotecertificatechainerrors",
            "certificate_verify_failed",
            "certificate verify failed",
            "ssl certificate problem",
            "certificate chain",
            "unknown certificate",
            "alert certificate unknown",
            "certificate_unknown",
            "bad_certificate",
            "unknown_ca",
            "unsupported_certificate",
            "unknownca",
            "badcertificate",
            "certificateunknown",
            "unsupportedcertificate",
            "untrustedroot",
            "partialchain",
            "notsignaturevalid",
            "remotecertificatevalidationcallback",
            "remote certificate is invalid according to the validation procedure",
        ),
        r"tls: unknown certificate\b|self[ _-]signed|local issuer|issuer cert|unable to verify the first certificate|unable_to_verify_leaf"
        r"|unknown (?:certificate )?authority|pkix path|valid certification path|unknown_issuer"
        r"|authority_invalid|unknown ca\b|certificate is not trusted|untrusted (?:cert|root|issuer)"
        r"|chain was issued by an authority|bad certificate|remotecertificatechainerrors"
        # the peer's alert (JSSE `Received fatal alert: unknown_ca`, .NET `sent a TLS alert: 'UnknownCA'`) and
        # .NET's chain status names
        r"|fatal alert: (?:certificate_unknown|bad_certificate|unknown_ca|unsupported_certificate)"
        r"|(?:sslv3|tlsv1)_alert_(?:certificate_unknown|bad_certificate|unknown_ca)|alert certificate unknown"
        r"|tls alert: '(?:unknownca|badcertificate|certificateunknown|unsupportedcertificate)'"
        r"|certificate chain: (?:untrustedroot|partialchain|notsignaturevalid)|rejected by the provided remotecertificatevalidationcallback"
        r"|certificate[_ ]verify[_ ]failed|ssl certificate problem|invalid certificate chain"
        # .NET's verdict with no SslPolicyErrors flag after it (RemoteCertificateNameMismatch is read first)
        r"|remote certificate is invalid according to the validation procedure(?!: remotecertificatenamemismatch)",
        unless=r"\bca certificate \S+ is self[ -]signed",  # MySQL's startup note: a CA is self-signed by nature
    ),
    rule(
        "tls_handshake_timeout",
        C.READ_TIMEOUT,
        (
            "handshake timeout",
            "handshake operation timed out",
            "handshake timed out",
            "ssl connection timeout",
            "handshake failed",
        ),
        # a handshake that failed because its deadline ran out (Cloud SQL connectors, Go dialers)
        r"handshake (?:operation )?tim(?:eout|ed out)|ssl connection timeout"
        r"|handshake failed[^\n]{0,120}(?:deadline exceeded|timed out|i/o timeout)",
    ),
    rule(
        "tls_protocol_mismatch",
        C.TLS_HANDSHAKE_FAILED,
        (
            "wrong version number",
            "wrong_version_number",
            "protocol version",
            "protocol_version",
            "unrecognized ssl message",
            "unsupported protocol",
            "handshake failure",
            "handshake_failure",
            "no protocols available",
            "does not look like a tls handshake",
            "unsupported protocol version",
            "no cipher suites in common",
            "no shared cipher",
            "no ciphers available",
            "err_ssl",
            "unknown protocol",
            "packet length too long",
            "record layer failure",
            "alert internal error",
            "inappropriate fallback",
            "dh key too small",
            "legacy renegotiation",
            "bad record mac",
            "record_too_long",
            "sent to https port",
            "does not support ssl",
            "ssl is not enabled",
            "rejected ssl upgrade",
            "certificate required",
            "remote host terminated the handshake",
            "before secure tls connection was established",
            "tls handshake failed",
            "ssl handshake failed",
            "response to ssl negotiation",
            "sent a tls alert: '",
            "the message received was unexpected or badly formatted",
            "no appropriate protocol",
        ),
        r"wrong[ _]version[ _]number|alert protocol version|protocol_version|selected protocol version"
        r"|protocol version not supported|unsupported protocol|handshake[ _]failure|unrecognized ssl message"
        r"|no protocols available|does not look like a tls handshake|no cipher suites in common"
        r"|no shared cipher|no ciphers available|err_ssl_|unknown protocol|packet length too long"
        r"|record layer failure|alert internal error|inappropriate fallback|dh key too small"
        r"|legacy renegotiation|bad record mac|record_too_long|sent to https port|does not support ssl"
        r"|ssl is not enabled|rejected ssl upgrade|certificate required|remote host terminated the handshake"
        r"|before secure tls connection was established|(?:tls|ssl) handshake failed"
        # .NET: any other alert the peer sent, Schannel's SEC_E_ILLEGAL_MESSAGE; JSSE finding no protocol in common
        r"|sent a tls alert: '|the message received was unexpected or badly formatted|no appropriate protocol"
        r"|invalid response to ssl negotiation",  # libpq: the peer answered its SSLRequest with something else
    ),
    rule(
        "http_to_https",
        C.TLS_HANDSHAKE_FAILED,
        ("http response to https client", "server refused tls"),
        r"http response to https client|server refused tls",
    ),
    rule(
        "tls_eof",
        C.TLS_HANDSHAKE_FAILED,
        (
            "eof occurred in violation of protocol",
            "unexpected_eof_while_reading",
            "unexpected eof while reading",
            "ssleoferror",
            "ssl_error_eof",
            "sslzeroreturnerror",
            "tls: handshake eof",
            "unexpected eof or 0 bytes from the transport stream",  # .NET SslStream
        ),
        by_phase="eof",
    ),
    # .NET's SslStream throws System.Security.Authentication.AuthenticationException ("Authentication failed,
    # see inner exception"): a TLS failure, never a login, whatever its message says
    rule(
        "dotnet_tls_authentication",
        C.TLS_HANDSHAKE_FAILED,
        "system.security.authentication.authenticationexception",
        fallback=K.TLS,
    ),
    rule(
        "tls_generic",
        C.TLS_HANDSHAKE_FAILED,
        (
            "handshake failed",
            "sslhandshakeexception",
            "ssl routines",
            "sslerror",
            "ssl error",
            "tls error",
            "tls: ",
            "ssl_error",
            "ssl connection could not be established",
            "authentication failed, see inner exception",
            "authentication failed because the remote party",
        ),
        r"handshake failed|sslhandshakeexception|ssl routines|sslerror|ssl error|tls error|\btls: |ssl_error"
        # .NET's SslStream and HttpClient wrappers: the inner exception (if shown) names the reason
        r"|ssl connection could not be established|authentication failed(?:, see inner exception| because the remote party)",
        weak=True,
    ),
)
