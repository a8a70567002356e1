"""Which dependency a text is about, and who owns a hostname mismatch.

The dependency is read from what the text names: client libraries, server wordings, URL schemes and
well-known ports. Dependencies are tried before HTTP, because database errors often carry documentation
links (`https://...`) that say nothing about what the client was talking to.
"""

from __future__ import annotations

import ipaddress

from infraprobe.classifier.literals import LiteralSet
from infraprobe.classifier.model import compiled
from infraprobe.taxonomy import Component, Layer

_PORT = r"(?:[:=]|port[ =\"]{1,2}|', ?)"
# Documentation links say nothing about what the client talked to ("More info: http://pris.ly/..."): a URL
# introduced as documentation, one on a documentation host, or a certificate's own issuer links (Node's cert dump).
_URL = r"https?://\S*"
_DOC_LEAD = (
    r"(?:background on this error at|more info|more information(?: check)?|more details here|see|visit|docs?)\W{0,3}$"
    r"|(?:ca issuers|ocsp) - uri': \[ '$"
)
_DOC_HOST = r"https?://(?:sqlalche\.me|pris\.ly|developer\.mozilla\.org|www\.postgresql\.org|dev\.mysql\.com)"
_DOC_LEAD_CHARS = 40  # longer than the longest lead-in above


def _strip_doc_links(low: str) -> str:
    """`low` without its documentation links (URL by URL: a regex over the whole text is slower)."""
    parts: list[str] = []
    last = 0
    for url in compiled(_URL).finditer(low):
        start = url.start()
        lead = compiled(_DOC_LEAD).search(low, max(last, start - _DOC_LEAD_CHARS), start)
        if lead is not None:
            start = lead.start()
        elif compiled(_DOC_HOST).match(low, start) is None:
            continue
        parts.append(low[last:start])
        last = url.end()
    if not parts:
        return low
    parts.append(low[last:])
    return "".join(parts)


# Each dependency: literals of which any match contains one (a cheap gate), then the exact pattern.
# The patterns are sources, compiled when a text first holds one of their keys (`compiled`): a process
# classifies a few texts, or many texts naming a few dependencies, and start-up compiles none (issue 10).
_DEPENDENCIES: tuple[tuple[Component, tuple[str, ...], str], ...] = (
    (
        Component.WEBSOCKET,
        (
            "websocket",
            "ws://",
            "wss://",
            "failed to read frame header",
            "xhr poll error",
            "xhr post error",
            "engine.io",
            "opening handshake",
        ),
        # nhooyr/coder websocket's reader; socket.io's engine.io transports; the websockets/ws opening-handshake
        # timers (a bare "opening handshake" is AMQP's too: amqplib's "Socket closed abruptly during ...")
        (
            r"websocket|\bwss?://|failed to read frame header|xhr (?:poll|post) error|engine\.io"
            r"|opening handshake has timed out|timed out during opening handshake"
        ),
    ),
    (
        Component.GRPC,  # before the databases: a gRPC status can quote a server's wording
        (
            "grpc",
            "rpc error",
            "statuscode",
            "status{code=",
            "statusruntimeexception",
            "rpcexception",
            "inactiverpcerror",
            "health rpc",
            "failed to connect service",
            "service unhealthy",
            "tonic",
            ", details: ",
            "status { code: ",
            " unavailable:",
            " deadline_exceeded:",
            " unauthenticated:",
            " unimplemented:",
            " internal:",
            "deadline_exceeded: deadline exceeded after",
            " unknown:",
            " resource_exhausted:",
            " permission_denied:",
            " not_found:",
            " cancelled:",
            " invalid_argument:",
        ),
        (
            r"grpc|rpc error: code = |statuscode[.=]\"?[a-z_]{2,}|status\{code=[a-z_]{2,}|statusruntimeexception"
            r"|rpcexception|_inactiverpcerror|health rpc|failed to connect service|service unhealthy \(responded"
            # tonic (Rust): the crate's name, its Status' Debug form
            r"|deadline_exceeded: deadline exceeded after|\btonic\b|\bstatus \{ code: [a-z]{2,}|\bcode: (?:[0-9]|1[0-6]), details: "
            # @grpc/grpc-js: `14 UNAVAILABLE: ...`
            r"|\b(?:[0-9]|1[0-6]) (?:unavailable|deadline_exceeded|unauthenticated|unimplemented|internal|unknown"
            r"|resource_exhausted|permission_denied|not_found|cancelled|invalid_argument):"
        ),
    ),
    (
        Component.AMQP,  # before PostgreSQL, whose server-log pattern ("Fatal error:  ...") PHP also prints
        (
            "amqp",
            "rabbit",
            "pika",
            "access_refused",
            "connection_forced",
            "connection-forced",
            "precondition_failed",
            "precondition-failed",
            "resource_locked",
            "resource-locked",
            "not_allowed - ",
            "not_found - ",
            "reply-code=",
            "in vhost '",
            "reason: ",
            "closed by server: ",
            "connection closed: ",
            "broker forced",
            "heartbeat",
            "5672",
            "5671",
        ),
        (
            rf"{_PORT}567[12]\b|amqp|rabbitmq|\brabbit@|\bpika\b|access_refused|connection[_-]forced|precondition[_-]failed"
            r"|resource[_-]locked|\bnot_allowed - |\bnot_found - |reply-code=\d{3}|\bin vhost '|exception \(\d{3}\) reason: "
            r"|closed by server: \d{3}|connection closed: \d{3} \(|broker forced connection closure"
            r"|missed heartbeats? from (?:client|server)|missed server heartbeat|too many heartbeats missed"
            r"|heartbeat missing with heartbeat"
        ),
    ),
    (
        Component.POSTGRES,
        (
            "postgres",
            "postgrex",
            "psycopg",
            "asyncpg",
            "libpq",
            "pgx",
            "pq: ",
            "pg_hba",
            "psqlexception",
            "npgsql",
            "pg-pool",
            "node_modules",
            "sslmode",
            "ssl negotiation",
            ".s.pgsql",
            "pgbouncer",
            "postmaster",
            "tcp/ip connections",
            "could not translate",
            "failed to connect to `",
            "could not receive data from client",
            "database system ",
            "could not connect to server: ",
            "error connecting to server: ",
            "canceling statement due to",
            "server closed the connection unexpectedly",
            "ssl syscall error",
            "interfaceerror: connection already closed",
            "either raise maxpoolsize",
            "either raise 'max pool size'",
            "5432",
            "6432",
        ),
        (
            r"postgres|postgrex|psycopg|asyncpg|libpq|\bpgx\b|\bpq: |pg_hba|psqlexception|npgsql|pg-pool|node_modules[\\/]+pg[\\/]"
            r"|\bsslmode\b|response to ssl negotiation"  # libpq's connection options and its SSLRequest step
            r"|\.s\.pgsql|pgbouncer|postmaster|accepting\s+tcp/ip connections(?! at the port)|could not translate host name"
            r"|failed to connect to `(?:host|user)=|could not receive data from client|canceling statement due to"
            r"|server closed the connection unexpectedly|could not connect to server: "  # libpq's wording
            r"|^error connecting to server: "  # rust-postgres
            r"|ssl syscall error|interfaceerror: connection already closed"  # libpq's TLS layer; psycopg2
            r"|database system (?:is ready to accept|was (?:shut down|interrupted))"  # the server's startup log
            r"|either raise (?:maxpoolsize|'max pool size')"  # Npgsql's pool-exhausted template
            rf"|{_PORT}(?:5432|6432)\b"
        ),
    ),
    (
        Component.MYSQL,
        (
            "mysql",
            "mariadb",
            "er_",
            "3306",
            "hy000",
            "protocol_",
            "communication packets",
            "innodb",
            "[my-",
            "inactivity timeout",
            "packets.go:",
            "aborted connection",
            "cannot enqueue",
            "could not create connection to database server",
            "communications link failure",
            "has not received any packets from the server",
        ),
        (
            rf"mysql|mariadb|\ber_[a-z_]{{4,}}|{_PORT}3306\b|\[hy000\]|\(hy000\)"
            r"|protocol_(?:connection_lost|sequence_timeout|enqueue_after_\w+)"  # mysqljs error codes
            r"|(?:error|timeout) (?:reading|writing) communication packets"
            # the server's own error log (MySQL 8 codes, InnoDB); mysqljs's handshake and query timers
            r"|\[my-\d{6}\]|\binnodb\b|(?:handshake|query) inactivity timeout"
            r"|\bpackets\.go:\d+"  # go-sql-driver/mysql's log lines name its own source file
            r"|aborted connection \d+ to db: |cannot enqueue \w+ after"  # server error log; mysqljs
            r"|could not create connection to database server"  # Connector/J
            r"|communications link failure|has not received any packets from the server"
        ),
    ),
    (
        Component.REDIS,
        (
            "redis",
            "jedis",
            "lettuce",
            "noauth",
            "wrongpass",
            "6379",
            "6380",
            " socket",
            "master",
            "unhandled error event",
            "timeout performing ",
            "iocp: (busy=",
        ),
        (
            rf"redis|jedis|lettuce|\bnoauth\b|wrongpass|{_PORT}(?:6379|6380|26379)\b"
            r"|error (?:\d+ )?while (?:reading from|writing to) socket"  # redis-py's own wording
            r"|master <-> replica|reply to psync|connection with (?:master|slave|replica)\b"
            r"|(?<!')unhandled error event:"  # ioredis; Node's own EventEmitter says "Unhandled 'error' event"
            r"|\btimeout performing [a-z]{2,20}\b|\biocp: \(busy="  # StackExchange.Redis' own timeout report
        ),
    ),
    (
        Component.REDIS,  # the server's own log line, keyed on its level marker (" # ", " * ", " . ", " - ")
        (" # ", " * ", " . ", " - "),
        # "pid:role dd Mon yyyy hh:mm:ss.mmm # ..." (older: "[pid] dd Mon ...")
        (r"(?:^|\s)(?:\d+:[mscx]|\[\d+\]) \d{1,2} [a-z]{3}(?: \d{4})? \d\d:\d\d:\d\d\.\d{3} [#*.-] "),
    ),
    (
        Component.OTHER,  # dependencies outside the taxonomy's list are still named, so not "tcp"
        (
            "mongo",
            "kafka",
            "elasticsearch",
            "cassandra",
            "datastax",
            "memcache",
            "mssql",
            "sql server",
            "oracle",
            "zookeeper",
            "nats",
            "mqtt",
            "27017",
            "1433",
            "sqlclient",
        ),
        (
            rf"mongo|{_PORT}27017\b|(?:{_PORT}|port )1433\b|\bsqlclient\b|kafka|elasticsearch|cassandra|datastax|memcache|mssql|sql server|oracle"
            r"|zookeeper|\bnats\b|\bmqtts?\b"
        ),
    ),
    (
        Component.HTTP,
        (
            "http",
            "requests.exceptions",
            "urllib3",
            "axios",
            "fetch failed",
            "status code",
            "http-probe",
            "statuscode",
            "client.timeout",
            "undici",
            "okhttp",
            "urlopen error",
            "remotedisconnected",
            "remote end closed connection",
            "connection aborted.",
            "connection broken:",
            "chunkedencodingerror",
            "cannot connect to host",
            "(caused by ",
            "serverdisconnectederror",
            "server disconnected without sending",
            "http proxy",
            "curl error",
            "error sending request for url",
            "hyper",
            "httpcore",
            "httprequestexception",
            "fetch()",
            "statusdetails",
            "requesterror",
            "headerstimeouterror",
            "httpsclient",
            "httpurlconnection",
            "hutool.http",
            "invoke-webrequest",
            "invoke-restmethod",
            "retrofit",
            "guzzle",
            "incompletemessage",
            "connection closed before message completed",
            "faraday",
            "httpoison",
            "nsurlerrordomain",
            "mint.transporterror",
            "net::opentimeout",
            "net::readtimeout",
            "(port 80)",
            "(port 443)",
            "the ssl connection could not be established",
        ),
        (
            r"\bhttps?://|https?connectionpool|\bhttp/[12]|httpx|aiohttp|requests\.exceptions|urllib3|axios"
            r"|fetch failed|net/http|status ?code|client\.timeout|undici|okhttp|httpclient|\bhttp error"
            r"|http\.client|_http_client|\bhttp\.js:|java\.net\.http|apache\.http|http[ -]probe|\bhttp \d{3}\b"
            # wordings only HTTP client libraries print: urllib, http.client, requests/urllib3, aiohttp,
            # httpcore, PHP's libcurl wrappers
            r"|urlopen error|remotedisconnected|remote end closed connection|'connection aborted\.'"
            r"|connection broken: |chunkedencodingerror|cannot connect to host \S+ ssl:|serverdisconnectederror"
            r"|\(caused by (?:newconnection|connecttimeout|readtimeout|ssl|proxy|nameresolution|protocol)error\("
            r"|server disconnected without sending|\bhttp proxy\b|\bcurl\s+error \d+"
            r"|error sending request for url|hyper::error|hypererror"  # reqwest / hyper (Rust)
            r"|httpcore|httprequestexception|\bfetch\(\)"  # httpx's transport, .NET HttpClient, WHATWG fetch
            r"|\bstatusdetails\b"  # Google Cloud load balancer log entries
            r"|\brequesterror\b"  # got's wrapper around every request failure
            r"|headerstimeouterror"  # undici's header timer
            # the JDK's HttpURLConnection/HttpsClient and Hutool's client; .NET HttpClient's TLS failure
            r"|httpsclient|httpurlconnection|hutool\.http|the ssl connection could not be established"
            r"|invoke-(?:webrequest|restmethod)|\bretrofit\b|\(port (?:80|443)\)"
            r"|guzzle|\bfaraday\b|net::(?:open|read)timeout"  # PHP's Guzzle, Ruby's Faraday and net/http
            r"|incompletemessage|connection closed before message completed"  # hyper (Rust)
            r"|httpoison|mint\.transporterror"  # Elixir's HTTPoison and Mint (Finch, Req)
            r"|nsurlerrordomain"  # Apple's URL Loading System (URLSession, AFNetworking, Alamofire, WKWebView)
        ),
    ),
    (
        # PostgreSQL's own log format (a level, a colon and two spaces), after every named client: a sentence
        # such as "Invoke-WebRequest returns error:  ..." has the same shape and names its client first
        Component.POSTGRES,
        (":  ",),
        (r"\b(?:fatal|error|warning|log|detail|hint|panic):  (?!error\b)\S"),
    ),
)


_KEYS = LiteralSet(k for _, keys, _ in _DEPENDENCIES for k in keys)
# Every dependency match contains one of its keys and is far shorter than this, so in a long text (a whole
# traceback) the pattern only needs to run around the keys' occurrences, not over every character.
_REACH = 256
_MAX_WINDOWS = 48


def _named_near_keys(low: str, keys: tuple[str, ...], source: str) -> bool:
    """search(source, low), run only in windows around the keys' occurrences (equal result, less scanning)."""
    pattern = compiled(source)
    size = len(low)
    windows: list[tuple[int, int]] = []
    for key in keys:
        at = low.find(key)
        while at >= 0:
            windows.append((max(0, at - _REACH), min(size, at + len(key) + _REACH)))
            if len(windows) > _MAX_WINDOWS:
                return pattern.search(low) is not None
            at = low.find(key, at + 1)
    windows.sort()
    merged: list[tuple[int, int]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if sum(end - start for start, end in merged) * 2 > size:
        return pattern.search(low) is not None
    return any(pattern.search(low, start, end) is not None for start, end in merged)


def detect(low: str) -> Component | None:
    """The dependency a lowercased text names, or None."""
    if "://" in low:  # every documentation link is a URL
        low = _strip_doc_links(low)
    present = _KEYS.found_in(low)  # one pass for every dependency's keys (cheaper than ~190 `in` scans)
    if len(low) <= 4 * _REACH:
        for component, keys, source in _DEPENDENCIES:
            if any(k in present for k in keys) and compiled(source).search(low):
                return component
        return None
    for component, keys, source in _DEPENDENCIES:
        here = tuple(k for k in keys if k in present)
        if here and _named_near_keys(low, here, source):
            return component
    return None


# Where clients quote the name they asked for (Python, Go, Java, curl, Node), in that order.
_REQUESTED = (
    r"not valid for '([^']+)'|is valid for [^\n]{0,400}?, not ([^\s,;)'\"]+)|cannot validate certificate for (\S+)"
    r"|no subject alternative (?:dns )?names? matching (?:ip address |dns name )?(\S+) found|no name matching (\S+)"
    r"|target host ?name '([^']+)'|host: ([^\s]+?)\.? is not in the cert|ip: ([^\s]+?) is not in the cert"
    r"|certificate for <([^>]+)>"
)
_TUNNELISH = (
    r"(?:^|\.)(?:localhost|local|internal|svc|cluster\.local|ngrok(?:-free)?\.(?:io|app|dev)|trycloudflare\.com"
    r"|loca\.lt|localtunnel\.me|serveo\.net|docker\.internal)$|tunnel"
)
_DOTTED_NAME = r"[a-z0-9-]+\.[a-z0-9.-]+\.[a-z]{2,}"
_ANY_IP = r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\[[0-9a-f:]+\]|ip address|ip sans|\bip: |\blocalhost\b"


def _name_is_misdirected(name: str) -> bool:
    """True when no public certificate could be expected to cover `name` (an IP, localhost, a tunnel)."""
    name = name.strip("[]'\".").lower()
    try:
        ipaddress.ip_address(name.split("%")[0])
        return True
    except ValueError:
        pass
    return "." not in name or bool(compiled(_TUNNELISH).search(name))


def hostname_mismatch_layer(low: str) -> Layer:
    """Configuration when the client asked for a name no certificate should cover, else infrastructure."""
    m = compiled(_REQUESTED).search(low)
    if m is not None:
        name = next(g for g in m.groups() if g)
        return Layer.CONFIGURATION if _name_is_misdirected(name) else Layer.INFRASTRUCTURE
    if compiled(_ANY_IP).search(low):
        return Layer.CONFIGURATION
    return Layer.INFRASTRUCTURE if compiled(_DOTTED_NAME).search(low) else Layer.CONFIGURATION
