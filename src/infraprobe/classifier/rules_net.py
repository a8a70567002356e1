"""Text rules for the network layers: name resolution, TCP connect, and broken or silent connections.

Order inside this table matters where messages nest: Go's "lookup db on 192.0.2.10:53: ... connection
refused" is a DNS failure (the resolver refused), so DNS comes first; a `dial tcp ... i/o timeout` is a
connect timeout even when a `Client.Timeout exceeded` wraps it. Generic timeout and EOF wordings are
`weak`: any specific rule elsewhere in a chain wins over them.
"""

from __future__ import annotations

from infraprobe.classifier.model import Rule, rule
from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component as K

DNS: tuple[Rule, ...] = (
    # nginx's own resolver unreachable ("recv() failed (111: Connection refused) while resolving, resolver: ...")
    rule(
        "nginx_resolver", C.DNS_FAILURE, "while resolving", r"\bwhile resolving, resolver: ", component=K.DNS
    ),
    rule("libpq_dns", C.DNS_FAILURE, "could not translate host name", component=K.POSTGRES),
    rule("mysql_dns", C.DNS_FAILURE, "unknown mysql server host", component=K.MYSQL),
    rule("curl_dns_timeout", C.DNS_FAILURE, "resolving timed out"),
    rule(
        "go_lookup", C.DNS_FAILURE, "lookup ", r"\blookup [\w.\-*()]{1,253}(?: on [\[\]\w.:%\-]{1,80})?: \w"
    ),
    rule(
        "dns_resolution",
        C.DNS_FAILURE,
        (
            "name or service not known",
            "nodename nor servname",
            "no address associated with hostname",
            "name resolution",
            "resolve",
            "name does not resolve",
            "no such host",
            "host not found",
            "unknown host",
            "nxdomain",
            "servfail",
            "getaddrinfo",
            "enotfound",
            "eai_",
            "gaierror",
            "nameresolutionerror",
            "could not contact dns servers",
            "domain name not found",
            "dns error",
            "failed to lookup address",
            "resolver error",
            "produced zero addresses",
            "dns name does not exist",
            "dns resolution failed",
            "dns lookup failed",
            "server misbehaving",
            "name_not_resolved",
            "hostname resolving error",
            "unknownhostexception",
            "errno -",
            "error -",
            "errno 8]",
            "errno 1100",
            " enodata",
            " etimeout",
            " eservfail",
            " econnrefused",
            "hostnotfound",
            "tryagain",
            "wsahost_not_found",
            "wsatry_again",
            "wsano_data",
            "verify the connection properties",
        ),
        # (grpc-java's "Name resolution delay N seconds" is a timing report, not a failure)
        r"name or service not known|nodename nor servname|no address associated with hostname|name resolution(?! delay)"
        r"|(?:could not|couldn't|can't|cannot|unable to|failed to) resolve (?:host|hostname|address|name|the host"
        r"|proxy|['\"])|name does not resolve|no such host|host not found|unknown host\b|nxdomain|servfail"
        r"|getaddrinfo|\benotfound\b|eai_(?:again|noname|nodata|fail|nonname)|gaierror|nameresolutionerror"
        r"|could not contact dns servers|domain name not found|dns error|failed to lookup address"
        r"|resolver error|produced zero addresses|dns name does not exist|dns (?:resolution|lookup) failed|name_not_resolved"
        r"|:53: server misbehaving"
        r"|hostname resolving error|unknownhostexception|unresolvedaddressexception|(?:errno|error) -[2345]\b|errno 8\]|errno 1100[124]"
        r"|query(?:a|aaaa|srv|txt|mx|cname|ns|any)? e(?:notfound|nodata|timeout|servfail|connrefused)"
        r"|socketerror\W{1,3}(?:hostnotfound|tryagain)\b|wsahost_not_found|wsatry_again|wsano_data"
        # mssql-jdbc: `has failed. Error: "<host>. Verify the connection properties`: the only message with no
        # space in it is UnknownHostException's, which is the host name it could not resolve
        r"|port \d+ has failed\. error: \"[^\"\s]{1,253}\. verify the connection properties",
    ),
)

# libmysqlclient names the server ("MySQL server"); MariaDB's Connector/C does not ("Can't connect to server on").
_MYSQL_CONNECT = r"(?:mysql server|can't connect to server on)"

REFUSED: tuple[Rule, ...] = (
    rule(
        "grpc_no_connection",
        C.CONNECTION_REFUSED,
        "unavailable: no connection established",
        # @grpc/grpc-js could not open a connection; with "Last error: ..." the inner error decides
        r"\b14 unavailable: no connection established(?!\. last error: \S)",
        component=K.TCP,
    ),
    rule(
        "mysql_refused",
        C.CONNECTION_REFUSED,
        ("mysql server", "system error", "can't connect to server on"),
        # "(111)" after the host, or libmysqlclient's "Lost connection ... at 'reading initial communication
        # packet', system error: 111" (the socket was refused behind a tunnel or proxy)
        _MYSQL_CONNECT + r"[^\n]{0,200}\((?:111|61|10061)\)"
        r"|(?:initial communication packet|mysql server)[^\n]{0,80}system error:? (?:111|61|10061)\b",
        component=K.MYSQL,
    ),
    rule(
        "connection_refused",
        C.CONNECTION_REFUSED,
        ("refused", "errno 111", "errno 61", "error 111", "error 61", "10061", "errno=111", "(111)", "(61)"),
        # Windows' ERROR_CONNECTION_REFUSED (1225): "The remote computer refused the network connection"
        r"connection[ _](?:was )?refused|econnrefused|actively refused|refused to connect|connection to \S+ refused"
        r"|(?:socketerror\W{1,3}|kind: )connectionrefused\b|socketexception \((?:111|61|10061)\)"
        r"|refused the network connection"
        r"|(?:errno|error|os error)[ =:]*(?:111|61|10061)\b|winerror 10061",
    ),
    rule(
        "connect_failed_generic",
        C.CONNECTION_REFUSED,
        (
            "couldn't connect to server",
            "connect call failed",
            "failed to connect to all addresses",
            "communications link failure",
            "the driver has not received any packets from the server",
            "all connection attempts failed",
            "] cannot connect",
            "could not be established. broker may not be available",
            "redisconnectionexception: unable to connect to",
            "failed to connect to host",
            "failed to connect to any host",
        ),
        r"couldn't connect to server|connect call failed|failed to connect to all addresses"
        r"|communications link failure|the driver has not received any packets from the server|all connection attempts failed"
        # the DataStax driver's TransportException; the Kafka client's NetworkClient
        r"|transportexception: \[[^\]\n]{1,100}\] cannot connect"
        r"|could not be established\. broker may not be available"
        r"|redisconnectionexception: unable to connect to"  # Lettuce's template, its cause (if any) follows
        # the Aerospike clients' "Failed to connect to host(s)", Jedis' "Failed to connect to any host resolved
        # for DNS name" (the names resolved; no address accepted): every attempt failed, no reason given
        r"|failed to connect to (?:any )?host(?:\(s\)|s)?(?: resolved for dns name)?[.\"']*(?:$|\n)",
        weak=True,
    ),
    # Prisma P1001: nothing answered at the database's address (the server is not running or not listening)
    rule(
        "prisma_cannot_reach",
        C.CONNECTION_REFUSED,
        ("can't reach database server", "can\u2019t reach database server"),
        r"can['\u2019]t reach database server",
    ),
)

UNREACHABLE: tuple[Rule, ...] = (
    rule(
        "network_unreachable",
        C.NETWORK_UNREACHABLE,
        (
            "unreachable",
            "enetunreach",
            "ehostunreach",
            "no route to host",
            "errno 101",
            "errno 113",
            "errno 65",
            "errno 51",
            "10051",
            "10065",
            "cannot assign requested address",
            "address not available",
            "eaddrnotavail",
            "errno 99",
            "(113)",
            "(101)",
            "can't connect to server on",
            "error 113 connecting",
            "error 101 connecting",
            "(65)",
            "(51)",
            "(10065)",
            "(10051)",
        ),
        r"(?:network|host) (?:is )?unreachable|unreachable (?:network|host)|enetunreach|ehostunreach"
        r"|no route to host|errno (?:101|113|65|51|99)\b|winerror 100(?:51|65)|cannot assign requested address"
        r"|socketexception \(99\): address not available"
        r"|eaddrnotavail|(?:socketerror\W{1,3}|kind: )(?:host|network)unreachable\b|wsae(?:host|net)unreach"
        r"|socketexception \((?:113|101|65|51|10065|10051)\)|"
        + _MYSQL_CONNECT
        + r"[^\n]{0,200}\((?:113|101)\)|\berror (?:101|113) connecting to",
    ),
)

_CONNECT_TIMEOUT = (
    r"connect timed out|connecttimeout|connect timeout error|connect etimedout|\(connect timeout="
    r"|err_socket_connection_timeout|socket connection timeout"  # Node's net (autoSelectFamily attempts)
    r"|timeout connecting to|timed out (?:while )?connecting|connection timeout to host|due to connection timeout"
    r"|winerror 10060|did not properly respond after a period of time|dial (?:tcp|unix)[^\n]{0,160}i/o timeout"
    r"|connectexception[^\n]{0,60}timed out|err_connection_timed_out|took too long to respond"
    r"|connection attempt timed out|connect\(\) timed out|connection to \S+ timed out|failed: timeout expired"
    r"|failed to connect to[^\n]{0,160}tim(?:ed out|eout)|"
    + _MYSQL_CONNECT
    + r"[^\n]{0,200}\((?:110|115|60|10060|timeout)\)"
    r"|curl: \(28\) connection timed out|failed to connect to \S+ \(port \d+\)[^\n]{0,40}after \d+ ?ms"
    r"|request canceled while waiting for connection|operation now in progress"
    r"|while waiting for connections to become ready"  # grpc-go: a wait-for-ready call never got a connection
    # StackExchange.Redis names the failure after the message
    r"|(?:abortonconnectfail|redis server\(s\))\W{1,3}(?:connect)?timeout\b"
)
_READ_TIMEOUT = (
    r"execution timeout expired|terminating connection due to (?:transaction|statement) timeout"
    r"|did not respond to heartbeats|read timed out|readtimeout|timeout reading from|timed out reading|awaiting (?:response )?headers"
    r"|client\.timeout exceeded|esockettimedout|headers ?timeout|body ?timeout|(?:read|write) tcp[^\n]{0,160}i/o timeout"
    r"|read etimedout|timeout of \d+ ?ms exceeded|statement timeout|query (?:read )?(?:timeout|timed out)"
    r"|timeout writing to|canceling statement due to lock timeout"
    r"|lock wait timeout exceeded|timeout on reading|writetimeout|write timed out|response timeout"
    r"|timed out waiting for (?:a |the )?(?:server )?response|operation timed out after \d+ milliseconds with \d+"
    r"|(?:read|write) operation timed out|sockettimeoutexception|httptimeoutexception|command ?timed ?out"
    r"|timed out \(read failed\)|semaphore timeout period has expired"
    # a WebSocket peer that stopped answering pings; mysqljs waiting for the server's greeting; MySQL's own
    # statement and socket read limits
    r"|keepalive ping timeout|timed out waiting for keepalive pong|(?:handshake|query) inactivity timeout"
    r"|protocol_sequence_timeout"
    # a Redis replica or master hearing nothing from its peer on the replication link
    r"|no data nor ping received|timeout receiving bulk data from master|reading from master: connection timed out"
    r"|disconnecting timedout (?:replica|slave)"
    # connected, but the WebSocket upgrade response did not come in time (ws, websockets)
    r"|opening handshake has timed out|timed out during opening handshake"
    r"|maximum statement execution time exceeded|got timeout (?:reading|writing) communication packets"
    r"|(?:timeout|cancellation) while reading body"  # Go's http client, after the headers arrived
    # whole-request and read timers of .NET HttpClient, StackExchange.Redis, Npgsql, reqwest; AWS Lambda's
    # function timeout (the invocation ran, its answer did not come in time)
    r"|configured httpclient\.timeout of|redistimeoutexception|\btimeout performing \w|timeout during reading attempt"
    r"|error sending request for url \([^)\n]{0,300}\): operation timed out"
)

TIMEOUTS: tuple[Rule, ...] = (
    rule(
        "ruby_open_timeout",
        C.CONNECT_TIMEOUT,
        ("net::opentimeout", "faraday::connectionfailed"),
        r"net::opentimeout|faraday::connectionfailed[\s\S]{0,80}?execution expired",
    ),
    rule("ruby_read_timeout", C.READ_TIMEOUT, "net::readtimeout"),
    # Client libraries that name the stage that ran out of time: got ("Timeout awaiting 'connect' for 2000ms"),
    # Go's url.Error around a context deadline (the request was sent: dial timeouts say "dial tcp"),
    # node-fetch's and axios's whole-request timeouts, grpc-js deadlines that name the connected peer.
    rule(
        "client_stage_timeout_dns",
        C.DNS_FAILURE,
        "timeout awaiting 'lookup'",
        component=K.HTTP,
    ),
    rule(
        "client_stage_timeout_connect",
        C.CONNECT_TIMEOUT,
        "timeout awaiting 'connect'",
        component=K.HTTP,
    ),
    rule(
        "client_request_timeout",
        C.READ_TIMEOUT,
        ("timeout awaiting '", "context deadline exceeded", "network timeout at:", "axioserror: timeout"),
        r"timeout awaiting '(?:secureconnect|socket|request|response|read|send|upload)'"
        r"|\b(?:get|post|put|patch|delete|head|options) \"https?://[^\"\n]{1,300}\": context deadline exceeded"
        r"|network timeout at: https?://|axioserror: timeout (?:of \d+ ?ms )?exceeded",
        component=K.HTTP,
    ),
    rule(
        "grpc_deadline_after_connect",
        C.READ_TIMEOUT,
        "deadline exceeded after",
        r"deadline exceeded after [\d.]+s,[^\n]{0,200}?remote_addr=",
        component=K.TCP,
    ),
    rule(
        "connect_timeout",
        C.CONNECT_TIMEOUT,
        (
            "connect timed out",
            "connecttimeout",
            "connect timeout",
            "connect etimedout",
            "timeout connecting",
            "connecting",
            "connection timeout",
            "10060",
            "period of time",
            "i/o timeout",
            "connectexception",
            "connection_timed_out",
            "too long to respond",
            "timed out",
            "timeout expired",
            "(110)",
            "(115)",
            "(60)",
            "(10060)",
            "(timeout)",
            "failed to connect to",
            "waiting for connection",
            "abortonconnectfail",
            "redis server(s)",
            "can't connect to server on",
            "operation now in progress",
            "socket connection timeout",
        ),
        _CONNECT_TIMEOUT,
    ),
    rule(
        "read_timeout",
        C.READ_TIMEOUT,
        (
            "inactivity timeout",
            "no data nor ping received",
            "disconnecting timedout",
            "timeout receiving bulk data",
            "reading from master",
            "read timed out",
            "readtimeout",
            "timeout reading",
            "timed out reading",
            "awaiting",
            "client.timeout",
            "esockettimedout",
            "headers timeout",
            "headerstimeout",
            "body timeout",
            "bodytimeout",
            "i/o timeout",
            "read etimedout",
            "ms exceeded",
            "statement timeout",
            "query timeout",
            "query timed out",
            "lock wait timeout",
            "timeout on reading",
            "writetimeout",
            "write timed out",
            "response timeout",
            "timed out waiting for",
            "operation timed out after",
            "operation timed out",
            "sockettimeoutexception",
            "httptimeoutexception",
            "command timed out",
            "commandtimeoutexception",
            "commandtimeout",
            "(read failed)",
            "semaphore timeout period",
            "query read timeout",
            "timeout writing to",
            "due to lock timeout",
            "keepalive ping timeout",
            "keepalive pong",
            "opening handshake has timed out",
            "timed out during opening handshake",
            "protocol_sequence_timeout",
            "maximum statement execution time",
            "got timeout reading",
            "got timeout writing",
            "while reading body",
            "httpclient.timeout of",
            "redistimeoutexception",
            "timeout performing ",
            "timeout during reading attempt",
            "execution timeout expired",
            "terminating connection due to transaction timeout",
            "terminating connection due to statement timeout",
            "did not respond to heartbeats",
            "error sending request for url",
        ),
        _READ_TIMEOUT,
    ),
    rule(
        "function_timeout",
        C.READ_TIMEOUT,
        "task timed out after",
        # AWS Lambda's own limit: the invocation ran, its answer did not come in time
        r"\btask timed out after [\d.]+ seconds",
        fallback=K.OTHER,
    ),
    rule(
        "read_connection_timed_out",
        C.READ_TIMEOUT,
        ("connection timed out", "system error", "ssl syscall error"),
        # ETIMEDOUT while receiving on an established connection (a server's "could not receive data from
        # client", Go's "read: connection timed out", libmysqlclient waiting for the greeting): no answer in time.
        r"(?:recv\(\)|\bread\b|\breceiv(?:e|ing)\b|\breading\b|\bwrit(?:e|ing)\b)[^\n]{0,40}connection timed out"
        r"|ssl syscall error: (?:connection|operation) timed out"  # libpq's TLS layer, Linux and macOS
        r"|initial communication packet[^\n]{0,20}system error:? (?:110|60|10060)\b",
        fallback=K.TCP,
    ),
    rule(
        "connection_timed_out",
        C.CONNECT_TIMEOUT,
        (
            "connection timed out",
            "etimedout",
            "errno 110",
            "errno 60",
            "operation timed out",
            "error 110",
            "timedout",
            "(110)",
            "(60)",
            "(10060)",
        ),
        r"connection timed out|etimedout|(?:errno|error) (?:110|60)\b|(?<!wait )operation timed out"
        r"|(?:socketerror\W{1,3}|kind: )timedout\b|socketexception \((?:110|60|10060)\)",
        by_phase="timeout",
    ),
)

RESET: tuple[Rule, ...] = (
    rule(
        "grpc_connection_dropped",
        C.CONNECTION_RESET,
        "unavailable: connection dropped",
        r"\b14 unavailable: connection dropped",  # @grpc/grpc-js: the HTTP/2 session under the call closed
        component=K.TCP,
    ),
    rule(
        "mysql_link_dropped",
        C.CONNECTION_RESET,
        "last packet successfully received from the server was",
        # Connector/J's "Communications link failure" after traffic had flowed (N > 0 ms ago): the server or
        # something in between dropped an established connection. "0 milliseconds ago" means it never connected.
        r"last packet successfully received from the server was [1-9][\d,]* milliseconds ago",
        component=K.MYSQL,
    ),
    rule(
        "connection_reset",
        C.CONNECTION_RESET,
        (
            "reset",
            "forcibly closed",
            "broken pipe",
            "epipe",
            "errno 104",
            "errno 54",
            "errno 32",
            "10054",
            "10053",
            "aborted",
            "closed the connection unexpectedly",
            "connection closed by",
            "closed by the",
            "unexpected eof",
            "remote end closed connection",
            "remotedisconnected",
            "server disconnected",
            "serverdisconnectederror",
            "socket hang up",
            "other side closed",
            "und_err_socket",
            "peer closed connection",
            "closed unexpectedly",
            "in the middle of operation",
            "connectiondoesnotexist",
            "lost connection to mysql server",
            "server has gone away",
            "terminating connection due to",
            "incompleteread",
            "bytes read on a total of",
            "connection lost",
            "protocol_connection_lost",
            "eof detected",
            "transport is closing",
            "connection terminated unexpectedly",
            "prematurely closed",
            "premature close",
            "empty reply from server",
            "failure when receiving data from the peer",
            "recv failure",
            "send failure",
            "transfer closed with",
            "response ended prematurely",
            "chunkedencodingerror",
            "connection closed before",
            "error 104",
            "error 32",
            "server closed the connection",
            "connection is lost",
            "connection was lost",
            "payload is not completed",
            "no close frame received",
            "event type connectionclosed",
            "error reading communication packets",
            "while writing to socket",
            "socketclosed",
            "connection already closed",
            "closed idle connection",
            "connection is in closed state",
            "connection to client lost",
            "connection to server lost",
            "connection to the server lost",
            "connection to broker lost",
            "connection to the broker lost",
            "not closed cleanly",
            "client connection lost",
            "desc = connection closed",
            "mysql connection not available",
            "terminating connection because",
            "connectionterminated",
            "sent goaway",
            "received from peer",
            "disconnected by the server",
            "closing transport",
            "clientconnectionerror: connection closed",
            "connection with ",
            "error writing communication packets",
            "incomplete message from client",
            "for overcoming of output buffer limits",
            "after fatal error",
            "client conn is closed",
            "force closed",
            "graceful shutdown goaway",
            "closed before the connection was established",
            "pipe is broken",
            "endpoint read failed",
            "tcp read failed",
            "closed abruptly",
            "incompletemessage",
            "(104)",
            "(32)",
            "connectionreset",
        ),
        r"connection(?: was)?[ _]?reset|econnreset|reset by peer|forcibly closed|broken pipe|\bepipe\b"
        r"|(?:errno|error) (?:104|54|32)\b|winerror 1005[34]|aborted by the software|connection ?aborted"
        r"|closed the connection unexpectedly|connection closed by (?:the )?(?:server|remote|peer)"
        r"|closed by the (?:remote|peer|server)|unexpected eof|remote end closed connection|remotedisconnected"
        r"|server ?disconnected|socket h[au]ng up|other side closed|und_err_socket|peer closed connection"
        r"|closed unexpectedly|in the middle of operation|connectiondoesnotexist|lost connection to mysql server"
        r"|server has gone away|terminating connection due to|incompleteread|bytes read on a total of"
        r"|connection lost|protocol_connection_lost|eof detected|transport is closing"
        r"|connection terminated unexpectedly|prematurely closed|premature close|empty reply from server"
        r"|failure when receiving data from the peer|recv failure|send failure|transfer closed with"
        r"|response ended prematurely|chunkedencodingerror|connection closed before|stream reset"
        r"|server closed the connection|connection (?:is|was) lost|payload is not completed|no close frame received"
        r"|event type connectionclosed|got an error (?:reading|writing) communication packets|while writing to socket"
        r"|\bsocketclosed\b|connection already closed|server closed idle connection|connection is in closed state"
        r"|connection to (?:the )?(?:client|server|broker) (?:was )?lost|stream \d+ was not closed cleanly"
        r"|http2: client connection lost|desc = connection closed\b|mysql connection not available"
        # PostgreSQL after a backend crash; MySQL 8 (ER_CLIENT_INTERACTION_TIMEOUT, 4031) after wait_timeout;
        # aiohttp writing to, or reading from, a transport the peer already closed
        r"|terminating connection because of|disconnected by the server because of inactivity"
        r"|cannot write to closing transport|clientconnectionerror: connection closed\b"
        # HTTP/2: the server's GOAWAY (h2/httpcore, Go) or its RST_STREAM on an established connection
        r"|<connectionterminated error_code|server sent goaway and closed the connection"
        r"|stream error: stream id \d+; \w+; received from peer"
        # Go's http2 transport on a connection that closed or drained under the request; ws closing a socket
        # whose upgrade never finished
        r"|http2: client conn(?:ection)? (?:is closed|force closed)|received server's graceful shutdown goaway"
        r"|closed before the connection was established"
        # .NET: SocketException's errno, SocketError/io::ErrorKind names, Windows' EPIPE; grpc-core's read failure
        r"|socketexception \((?:104|54|32|10054|10053)\)|(?:socketerror\W{1,3}|kind: )connectionreset\b"
        r"|pipe is broken|endpoint read failed|tcp read failed|socket closed abruptly|\bincompletemessage\b"
        # a Redis server's replication link to its master or a replica dropped
        r"|connection with (?:master|slave|replica)\b[^\n]{0,80}? lost"
        # PostgreSQL: the client vanished mid-message; Redis dropping a client over its output buffer limit;
        # mysqljs refusing queries on a connection that already had a fatal (network) error
        r"|incomplete message from client|for overcoming of output buffer limits"
        r"|cannot enqueue \w+ after fatal error|protocol_enqueue_after_fatal_error",
    ),
)

GENERIC_TIMEOUT: tuple[Rule, ...] = (
    rule(
        "timeout_generic",
        C.CONNECT_TIMEOUT,
        ("timed out", "timeout", "deadline"),
        r"timed out|timeout(?:error|exception)\b|timeout error|deadline[ _]?exceeded|i/o timeout|\betimeout\b"
        r"|timeout (?:exceeded|expired|occurred)|request timeout|timeout while|timeout waiting",
        weak=True,
        by_phase="timeout",
        # Kafka's producer gave up waiting for a topic's metadata: a missing topic or unreachable brokers alike
        unless=r"not present in metadata after",
    ),
)

# libcurl's error number names the failure when its wording is broken (PHP's `cURL error 7: ... Connec\n tion
# refused` wrapped by a terminal); weak, so any wording in the text decides first. Only CURLE_COULDNT_CONNECT
# so far: every other code's wording has been readable in the texts seen.
CURL_CODES: tuple[Rule, ...] = (
    rule(
        "curl_code_connect",
        C.CONNECTION_REFUSED,
        ("curl error", "curl: ("),
        r"\bcurl(?:\s+error\s+|: \()7\b",
        weak=True,
    ),
)

GENERIC_EOF: tuple[Rule, ...] = (
    rule(
        "eof_generic",
        C.CONNECTION_RESET,
        (
            "eof",
            "driver: bad connection",
            "use of closed network connection",
            "connection is closed",
            "invalid connection",
        ),
        r"(?:^|[\s:\"'(.])eof(?:error|exception)?\b|driver: bad connection|use of closed network connection"
        r"|connection is closed(?!: code = 100[01]\b)"  # 1000/1001 are normal WebSocket closures
        r"|\binvalid connection(?:$|[.;,)\"'\]])",  # go-sql-driver/mysql's ErrInvalidConn, not "invalid connection string"
        weak=True,
    ),
)

# Apple's URL Loading System names the failure by an NSURLErrorDomain code (the localized description varies
# with the device's language: "Could not connect to the server.", "未能连接到服务器。"), so the code decides:
# -1004 NSURLErrorCannotConnectToHost (nothing accepted the connection), -1009 NSURLErrorNotConnectedToInternet.
# The code is printed before or after the domain ("Code=-1004", "Code - 1004 domain NSURLErrorDomain").
_NSURL = r"nsurlerrordomain(?s:.){{0,40}}?-\s?{code}\b|-\s?{code}\b(?s:.){{0,60}}?nsurlerrordomain"

APPLE_URL_CODES: tuple[Rule, ...] = (
    rule("nsurl_cannot_connect", C.CONNECTION_REFUSED, "nsurlerrordomain", _NSURL.format(code=1004)),
    rule("nsurl_not_connected", C.NETWORK_UNREACHABLE, "nsurlerrordomain", _NSURL.format(code=1009)),
)
