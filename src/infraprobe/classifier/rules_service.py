"""Text rules for messages a *service* produced: proxies, WebSocket handshakes, pools, database servers.

These come before the network rules in the table because they embed network wording: nginx's
"connect() failed (111: Connection refused) while connecting to upstream" is the proxy's statement about
its backend (upstream_unavailable), and "QueuePool limit ... connection timed out" is the client's own
pool, not a network timeout. All patterns run on lowercased text.
"""

from __future__ import annotations

from dataclasses import replace

from infraprobe.classifier.model import Rule, rule
from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component as K

# Statuses only count after a word that says "this number is an HTTP status", so timestamps and ids
# such as "id=5021" or "took 503ms" never look like a 503.
_STATUS_WORD = (
    r"(?:status(?:[ _]?code)?|http(?:/[\d.]+)?|response(?: code)?|returned|code|error|got|received|but was)"
)
_STATUS_SEP = r"[\s:=\"'(]"
_STATUS = _STATUS_WORD + _STATUS_SEP + "{0,3}"
# The log scanner's looser form (Rule.prefilter): the word right before the status, or separators after the
# word's last two letters (`/1.1` for `http/1.1`). Hyperscan would otherwise follow every `http` of every
# access line through the separators; this costs it about a third of its whole rule pass.
_STATUS_SCAN = rf"(?:{_STATUS_WORD}|(?:us|de|tp|/[\d.]+|se|ed|or|ot|as){_STATUS_SEP}{{1,3}})"

# The access-log line of an application server (uvicorn, Kestrel) up to the status it answered.
_APP_SERVER_ACCESS = (
    r"(?:(?:\b\d{1,3}(?:\.\d{1,3}){3}:\d+ - |\[[0-9a-f:]+\]:\d+ - |(?:^|\n|uvicorn\.access )info: +)"
    r"\"[a-z]+ [^\"\n]* http/[\d.]+\" "
    r"|request finished (?:http/[\d.]+ )?[a-z]+ \S+[^\n]*? - )"
)
# What the log scanner looks for instead: the two endings of _APP_SERVER_ACCESS before the status. Hyperscan
# runs the whole pattern on every access line (45% of a busy service's log); this costs it next to nothing.
_APP_SERVER_STATUS = r"http/[\d.]+\" {0}\b|- {0}\b"

PROXY: tuple[Rule, ...] = (
    rule(
        "envoy_no_healthy_upstream",
        C.UPSTREAM_UNAVAILABLE,
        ("no healthy upstream", "no_healthy_upstream"),
        component=K.HTTP,
    ),
    rule(
        "envoy_upstream_connect_error",
        C.UPSTREAM_UNAVAILABLE,
        (
            "upstream connect error",
            "disconnect/reset before headers",
            "upstream_reset",
            "upstream request timeout",
        ),
        component=K.HTTP,
    ),
    rule(
        "envoy_response_flags",
        C.UPSTREAM_UNAVAILABLE,
        (
            "500 u",
            "501 u",
            "502 u",
            "503 u",
            "504 u",
            "500 lr",
            "502 lr",
            "503 lr",
            "504 lr",
            "_flag",
            "upstream_response_timeout",
            "upstream_per_try_timeout",
        ),
        # Envoy access logs: a 5xx followed by its response flags ("503 UF,URX"), a flags field
        # ("response_flag=UT", "resp_flags":"UR"), or the response-code details Envoy writes itself.
        r"\b50[0-4] (?:uf|uh|uo|urx|ut|uc|ur|lr|umsdr)(?:,[a-z]+)*\b"
        r"|resp(?:onse)?_flags?[\"'=:\s]{1,4}(?:uf|uh|uo|urx|ut|uc|ur|lr|umsdr)(?:,[a-z]+)*\b"
        r"|upstream_response_timeout|upstream_per_try_timeout",
        component=K.HTTP,
    ),
    rule(
        "cloud_lb_backend",
        C.UPSTREAM_UNAVAILABLE,
        (
            "failed_to_pick_backend",
            "backend_timeout",
            "backend_connection_closed",
            "failed_to_connect_to_backend",
            "unhealthy in target-group",
            "unhealthy targets",
            "unhealthy target",
            "target.timeout",
            "target.failedhealthchecks",
            "target.responsecodemismatch",
            "health checks failed with these codes",
            "error responses",
            "backend_early_response",
            "backend_response_corrupted",
            "no available instance",
        ),
        # Google Cloud load balancer statusDetails and AWS target-group health reasons: the balancer
        # speaking about its backends.
        r"failed_to_pick_backend|backend_timeout|backend_connection_closed_(?:before|after)_\w+"
        r"|failed_to_connect_to_backend|is unhealthy in target-group|unhealthy (?:alb |elb |nlb )?targets?\b"
        r"|target\.(?:timeout|failedhealthchecks|responsecodemismatch)\b|health checks failed with these codes"
        # urllib3 gave up retrying gateway statuses (Retry(status_forcelist=...)): "too many 503 error responses"
        r"|too many 50[234] error responses"
        r"|backend_early_response_with_non_error_status|backend_response_corrupted"
        # Cloud Run's frontend: no container instance could take the request in time
        r"|aborted because there was no available instance",
        component=K.HTTP,
    ),
    rule(
        "apache_proxy_backend",
        C.UPSTREAM_UNAVAILABLE,
        ("[proxy", "to backend", "from remote server", "ah00957", "ah01102", "ah01079", "ah02454"),
        # Apache mod_proxy error log lines are about the backend it proxies to.
        r"\[proxy(?:_[a-z]+)?:error\]|failed to make connection to backend|connect to backend[^\n]{0,40}failed"
        r"|error reading status line from remote server|\bah0(?:0957|1102|1079|2454)\b",
        component=K.HTTP,
    ),
    # Not about the backend: nginx's own connection cap, the downstream client leaving, the FastCGI
    # backend's own stderr (php-fpm could not find the script, or the script itself failed).
    rule(
        "nginx_worker_connections",
        C.DB_CONNECTION_LIMIT,
        "worker_connections are not enough",
        component=K.HTTP,
    ),
    rule(
        "proxy_client_went_away",
        C.CONNECTION_RESET,
        (
            "client prematurely closed",
            "downstream_remote_disconnect",
            "client_disconnected_before_any_response",
        ),
        component=K.HTTP,
    ),
    rule(
        "fastcgi_script_unknown",
        C.RESOURCE_MISSING,
        "primary script unknown",
        component=K.HTTP,
    ),
    rule(
        "fastcgi_php_fatal",
        C.APP_ERROR,
        "fastcgi sent in stderr",
        r"fastcgi sent in stderr: \"php message: php (?:fatal|parse) error",
        component=K.HTTP,
    ),
    rule(
        "envoy_tcp_flags",
        C.UPSTREAM_UNAVAILABLE,
        '"- - -" 0 u',
        # Envoy's TCP proxy access log: no HTTP status, then the upstream failure flags
        r'"- - -" 0 (?:uf|uh|uo|urx|ut|uc|ur)(?:,[a-z]+)*\b',
        fallback=K.TCP,
    ),
    rule(
        "aws_lb_access_log",
        C.UPSTREAM_UNAVAILABLE,
        ("-1 502", "-1 503", "-1 504", "targetconnectionerror", "targetresponseerror", "targettimeout"),
        # ALB / classic ELB access logs: a 5xx the balancer produced itself (response_processing_time -1,
        # no target status), or the error_reason field naming the target
        r"(?:^|\s)(?:-1|\d+\.\d+) (?:-1|\d+\.\d+) -1 50[234] (?:-|0)(?=\s)"
        r"|\"target(?:connectionerror|responseerror|timeout)\"",
        component=K.HTTP,
    ),
    rule(
        "nginx_stream_upstream",
        C.UPSTREAM_UNAVAILABLE,
        "bytes from/to upstream",
        # nginx's stream (TCP) proxy: the same statement about its backend, for a TCP service.
        r"(?:while|when) [^\n]{0,80}upstream[^\n]{0,300}bytes from/to upstream",
        component=K.TCP,
    ),
    rule(
        "nginx_upstream",
        C.UPSTREAM_UNAVAILABLE,
        ("upstream", "no live upstreams", "could not be resolved ("),
        r"(?:while|when) (?:ssl )?(?:connecting|handshaking|reading|sending|proxying|requesting|writing|waiting)\b"
        r"[^\n]{0,60}?upstream\b"
        r"|upstream (?:timed out|prematurely closed|sent (?:no valid|invalid|too big))|no live upstreams"
        r"|host not found in upstream|from the upstream server|upstream server is timing out"
        r"|upstream (?:server )?(?:is )?unavailable"
        # nginx's own resolver failing on a proxied name: "backend could not be resolved (3: Host not found)"
        r"|could not be resolved \(\d+: [^)\n]{1,40}\)",
        component=K.HTTP,
        unless=r"upstream response is buffered to a temporary file",
    ),
    rule(
        "lb_no_backend",
        C.UPSTREAM_UNAVAILABLE,
        (
            "no server is available to handle this request",
            "no endpoints available for service",
            "failure to get a peer from the ring-balancer",
            "the server encountered a temporary error and could not complete your request",
            "connection to the instance had an error",
            "endpoint request timed out",
            "is not available yet. please try again",
            "the server is currently unable to handle the request",
            "no available server",
            "origin is unreachable",
            "web server is down",
            "web server returned an unknown error",
            "cloudfront wasn't able to connect to the origin",
            "web server received an invalid response while acting as a gateway or proxy server",
            "cloudfront attempted to establish a connection with the origin",
            "has reached the maximum request timeout",
        ),
        component=K.HTTP,
    ),
    rule("envoy_rbac_denied", C.AUTH_FAILED, "rbac: access denied", component=K.HTTP),
    rule(
        "go_reverse_proxy",
        C.UPSTREAM_UNAVAILABLE,
        ("proxy error:", "reverseproxy read error"),
        # Go's net/http/httputil.ReverseProxy (`http: proxy error:`) and the proxies built on it (LiteFS,
        # dev servers' `[vite] http proxy error:`) logging about the backend they proxy to
        r"\bproxy error: |reverseproxy read error",
        component=K.HTTP,
    ),
    rule(
        "serverless_platform_timeout",
        C.UPSTREAM_UNAVAILABLE,
        (
            "function_invocation_timeout",
            "function_invocation_failed",
            "this serverless function has timed out",
        ),
        # Vercel's edge page and log field for a function that did not answer in time or crashed
        r"(?:edge_)?function_invocation_(?:timeout|failed)|this serverless function has timed out",
        component=K.HTTP,
    ),
    rule(
        "platform_proxy_instance",
        C.UPSTREAM_UNAVAILABLE,
        (
            "instance refused connection",
            "could not send http request to instance",
            "could not find a good candidate within",
        ),
        # Fly.io's edge proxy about the app instance behind it
        r"instance refused connection|could not send http request to instance"
        r"|could not find a good candidate within \d+ attempts at load balancing",
        component=K.HTTP,
    ),
    rule(
        "caddy_upstream_error",
        C.UPSTREAM_UNAVAILABLE,
        "http.log.error",
        r"\"logger\":\s*\"http\.log\.error\",\s*\"msg\":\s*\"(?:dial tcp|[^\"\n]{0,200}(?:connection refused|i/o timeout"
        r"|no such host|connection reset))",
        component=K.HTTP,
    ),
    rule(
        "router_backend_dial",
        C.UPSTREAM_UNAVAILABLE,
        ("backend=", "upstream=", "upstream_addr="),
        # a router's structured log line naming the backend it failed to reach (Flynn, Traefik-style key=value)
        r"\b(?:backend|upstream|upstream_addr)=\S+[^\n]{0,300}?(?:connection refused|timed out|timeout"
        r"|no route to host|connection reset)",
        component=K.HTTP,
    ),
    rule(
        "pgbouncer_no_server",
        C.UPSTREAM_UNAVAILABLE,
        "pgbouncer cannot connect to server",
        component=K.POSTGRES,
    ),
    # Cloudflare's 52x pages speak about "the origin web server" (522: "The initial connection between
    # Cloudflare's network and the origin web server timed out"); pasted without their number they still do
    rule(
        "cloudflare_origin",
        C.UPSTREAM_UNAVAILABLE,
        "origin web server",
        r"cloudflare[^\n]{0,60}\borigin web server\b|\borigin web server\b[^\n]{0,120}cloudflare",
        component=K.HTTP,
    ),
    rule(
        "cloudflare_52x",
        C.UPSTREAM_UNAVAILABLE,
        ("error 52", "error code 52", "error code: 52"),
        r"error(?: code:?)? 52[0-7]\b",
        component=K.HTTP,
    ),
    rule(
        "http_gateway_status",
        C.UPSTREAM_UNAVAILABLE,
        (
            "502",
            "503",
            "504",
            "bad gateway",
            "gateway time",
            "service unavailable",
            "service temporarily unavailable",
            "520",
            "521",
            "522",
            "523",
            "524",
            "525",
            "526",
            "527",
        ),
        rf"bad gateway|gateway time-?out|service (?:temporarily )?unavailable|{_STATUS}(?:50[234]|52[0-7])\b",
        component=K.HTTP,
    ),
)

WEBSOCKET: tuple[Rule, ...] = (
    rule(
        "websocket_handshake_rejected",
        C.WEBSOCKET_REJECTED,
        (
            "rejected websocket connection",
            "websocket: bad handshake",
            "unexpected server response",
            "during websocket handshake",
            "wsserverhandshakeerror",
            "websockethandshakeexception",
            "invalid handshake response",
            "expected http 101",
            "invalidstatus",
            "invalid upgrade header",
            "invalidupgrade",
            "did not receive a valid http response",
            "websocket upgrade",
            "upgrade required",
            "invalid response status",
            "unexpected response code",
            "sec-websocket-accept header",
            "websocket_handshake_failed",
            "handshake response status code",
            "websocketupgradeerror",
            "the websocket protocol is not enabled",
        ),
        r"rejected websocket connection|websocket: bad handshake|unexpected server response"
        r"|during websocket handshake|wsserverhandshakeerror|websockethandshakeexception"
        r"|invalid handshake response|expected http 101|invalidstatus(?:code)?\b|invalid ?upgrade"
        r"|did not receive a valid http response|websocket upgrade[^\n]{0,40}fail|upgrade required"
        r"|invalid response status|(?:websocket|\bwss?://)[^\n]{0,300}unexpected response code"
        r"|(?:missing|invalid|empty) sec-websocket-accept header|websocket_handshake_failed"
        # coder/websocket (nhooyr) and httpx-ws: the upgrade was answered with another status
        r"|expected handshake response status code 101|websocketupgradeerror"
        r"|the websocket protocol is not enabled",  # IIS / Azure App Service with WebSockets switched off
        component=K.WEBSOCKET,
    ),
    rule(
        "websocket_abnormal_close",
        C.CONNECTION_RESET,
        ("1006", "closed abnormally"),
        r"\b1006\b[^\n]{0,40}(?:abnormal|closed)|(?:code|received|sent|status)[\s:=]{0,3}1006\b(?! is not valid)"
        r"|closed abnormally",
        component=K.WEBSOCKET,
        unless=r"invalid (?:websocket frame|status code|close code)",  # ws refusing 1006 on the wire: a protocol bug
    ),
    rule(
        "websocket_internal_error_close",
        C.APP_ERROR,
        ("1011 (internal error)", "1011 (unexpected error)"),
        # the peer closed with 1011: its handler failed (websockets' "received 1011 (internal error)"); a
        # keepalive timeout reuses the code and is the read timeout below
        r"\b(?:received|sent) 1011 \((?:internal|unexpected) error\)",
        component=K.WEBSOCKET,
        unless="keepalive ping timeout",
    ),
    rule(
        "socketio_transport_gateway_status",
        C.UPSTREAM_UNAVAILABLE,
        ("xhr poll error", "xhr post error"),
        # engine.io-client's polling request answered by a proxy's 502/503/504 ("description: 503")
        r"xhr (?:poll|post) error[\s\S]{0,300}?description\W{0,3}50[234]\b",
        component=K.WEBSOCKET,
    ),
    rule(
        "websocket_connect_failed",
        C.WEBSOCKET_REJECTED,
        "websocket connection to",
        r"websocket connection to \S+ failed",
        component=K.WEBSOCKET,
        weak=True,
    ),
)

POOL: tuple[Rule, ...] = (
    # The server's own cap first: MySQL's "Too many connections" carries 1040; redis-py's bare one is the pool.
    rule(
        "db_server_connection_limit",
        C.DB_CONNECTION_LIMIT,
        (
            "too many clients",
            "remaining connection slots are reserved",
            "too many connections for",
            "max_client_conn",
            "max client connections reached",
            "max clients reached",
            "53300",
            "toomanyconnectionserror",
        ),
        component=K.POSTGRES,
        regex=r"too many clients|remaining connection slots are reserved|too many connections for (?:role|database)"
        r"|max_client_conn|max client connections reached|max clients reached|sqlstate[ =:\[(]*53300"
        r"|toomanyconnectionserror",
    ),
    rule(
        "mysql_connection_limit",
        C.DB_CONNECTION_LIMIT,
        ("too many connections", "max_user_connections", "er_con_count_error", "(1040,"),
        r"(?:1040|hy000|08004|mysql|mariadb|rejected establishment of connection)[^\n]{0,80}too many connections"
        r"|too many connections[^\n]{0,40}1040|max_user_connections|er_con_count_error|\(1040, '"
        # the server's own error log ("[Warning] Too many connections", MySQL 8's "[Warning] [MY-...] [Server]")
        r"|\[(?:warning|note|error)\] (?:\[my-\d{6}\] \[server\] )?too many connections",
        component=K.MYSQL,
    ),
    rule("redis_max_clients", C.DB_CONNECTION_LIMIT, "max number of clients reached", component=K.REDIS),
    rule(
        "client_pool_exhausted",
        C.POOL_EXHAUSTED,
        (
            "queuepool limit",
            "couldn't get a connection after",
            "pooltimeout",
            "pooltimedout",
            "pool exhausted",
            "pool is exhausted",
            "pool has been exhausted",
            "connection is not available, request timed out",
            "timeout acquiring a connection",
            "pool is probably full",
            "connection pool timeout",
            "could not get a resource from the pool",
            "timeout waiting for idle object",
            "connectionacquiretimeout",
            "checkout a connection has timed out",
            "too many connections",
            "maxconnectionserror",
            "pool timed out",
            "timeout exceeded when trying to connect",
            "requests waiting",
            "pool_connlimit",
            "pool_enqueuelimit",
            "queue limit reached",
            "no connection available",
            "pool reached maximum size",
            "emptypoolerror",
            "resourcerequest timed out",
        ),
        r"queuepool limit|couldn't get a connection after|pooltimeout|pooltimedout|pool (?:has been |is )?exhausted"
        r"|connection is not available, request timed out|timeout acquiring a connection|pool is probably full"
        r"|connection pool timeout"
        r"|could not get a resource from the pool|timeout waiting for idle object|connectionacquiretimeout"
        r"|checkout a connection has timed out|too many connections|maxconnectionserror"
        r"|pool timed out|timeout exceeded when trying to connect"  # node-postgres (pg-pool) waiting for a client
        # psycopg_pool's TooManyRequests; mysqljs/mysql2 pools with waitForConnections off or a full queue
        r"|the pool '[^'\n]{0,80}' has already \d+ requests waiting|\bno connections available\b|pool_(?:connlimit|enqueuelimit)"
        r"|queue limit reached"
        # redis-py's BlockingConnectionPool, urllib3's block=True pool, node generic-pool's acquire timeout
        r"|\bno connections? available\b|pool reached maximum size|emptypoolerror|resourcerequest timed out",
    ),
    rule(
        "client_pool_wait",
        C.POOL_EXHAUSTED,
        ("from the connection pool", "from the pool"),
        r"(?:fetching|obtaining|get)[^\n]{0,30}connection from the (?:connection )?pool",
        weak=True,
    ),
)

HTTP_STATUS: tuple[Rule, ...] = (
    rule(
        "http_500",
        C.APP_ERROR,
        ("internal server error", "500", "something went wrong"),
        # Laravel's and Rails' stock 500 pages say it without the reason phrase
        rf"internal server error|{_STATUS}500\b|\b500 \| server error|we're sorry, but something went wrong\.",
        component=K.HTTP,
        weak=True,
    ),
    rule(
        "http_401_403",
        C.AUTH_FAILED,
        ("unauthorized", "forbidden", "401", "403"),
        rf"\b40[13] (?:unauthorized|forbidden)|{_STATUS}40[13]\b",
        component=K.HTTP,
        weak=True,
    ),
    rule(
        "http_404",
        C.RESOURCE_MISSING,
        ("404",),
        rf"\b404 not found|{_STATUS}404\b",
        component=K.HTTP,
        weak=True,
    ),
)


# The target answers, but not in the protocol configured: the client read the first bytes of another
# protocol (an HTTP status line on the Redis port, a non-TLS answer to libpq's SSLRequest).
PROTOCOL: tuple[Rule, ...] = (
    rule(
        "protocol_mismatch",
        C.PROTOCOL_MISMATCH,
        (
            "received invalid response to ssl negotiation",
            "received invalid response to gssapi negotiation",
            "as reply type byte",
            "protocol error: h",
            "expected authentication request from server",
        ),
        r"received invalid response to (?:ssl|gssapi) negotiation"
        r"|protocol error[:,] got [^\n]{1,8} as reply type byte"
        r"|protocol error: h, b?[\"']ttp/"
        r"|expected authentication request from server",
    ),
    rule(
        "protocol_mismatch_http",
        C.PROTOCOL_MISMATCH,
        (
            "received http/0.9 when not allowed",
            "error in the http2 framing layer",
            "upgrade required",
            "sent to https port",
            "http request to an https server",
        ),
        # curl reading something that is not HTTP; an HTTP/2 client against an HTTP/1-only peer; a plain HTTP
        # client answered 426 by a WebSocket-only port (a WebSocket client's 426 is a rejected handshake)
        r"received http/0\.9 when not allowed|error in the http2 framing layer"
        # an HTTPS server reading plain HTTP: nginx's 400 page, Go's server log
        r"|plain http request was sent to https port|client sent an http request to an https server"
        r"|\b426\b[^\n]{0,60}upgrade required|upgrade required[^\n]{0,40}\b426\b",
        component=K.HTTP,
        unless=r"websocket|\bwss?://|socket\.io|engine\.io",
    ),
    rule(
        "protocol_mismatch_server_log",
        C.PROTOCOL_MISMATCH,
        "unsupported frontend protocol",
        # PostgreSQL reading another protocol's first bytes as its startup packet ("invalid length of startup
        # packet" stays unknown: scanners and TCP health checks cause it as often as a misdirected client)
        r"unsupported frontend protocol \d+\.\d+: server supports",
        component=K.POSTGRES,
    ),
    rule(
        "protocol_mismatch_redis_server",
        C.PROTOCOL_MISMATCH,
        "possible security attack detected",  # Redis reading an HTTP request (POST / Host:) as commands
        component=K.REDIS,
    ),
    rule(
        "protocol_mismatch_mongodb",
        C.PROTOCOL_MISMATCH,
        "trying to access mongodb over http",  # mongod answering an HTTP request on its driver port
    ),
    rule(
        "protocol_mismatch_amqp",
        C.PROTOCOL_MISMATCH,
        ("{bad_header,", "incompatibleprotocolerror", "frame could not be parsed"),
        component=K.AMQP,
    ),
    rule(
        "protocol_mismatch_grpc",
        C.PROTOCOL_MISMATCH,
        (
            "http2: frame too large",
            "first received frame was not settings",
            "frame_size_error: ",
            "protocol_error invalid settings id",
            "response protocol downgraded to http/1.1",
            "invalid content-type value: text/",
            'unexpected content-type "text/',
            "rst_stream with code 2 triggered by internal client error: protocol error",
            "frame_size_error, library",
        ),
        # An HTTP/2 client (gRPC) reading an HTTP/1 or TLS answer: Go's preface error, Netty's and OkHttp's
        # frame checks (FRAME_SIZE_ERROR: 4740180 is "HTT" read as a frame length), .NET's response checks,
        # grpc-js' RST_STREAM; a text/* content type is an HTTP server that is not gRPC, unless a proxy's 5xx
        r"error reading server preface: http2: frame too large|first received frame was not settings"
        r"|frame_size_error: \d{6,}|protocol_error invalid settings id|response protocol downgraded to http/1\.1"
        r"|invalid content-type value: text/|received unexpected content-type \"text/"
        r"|rst_stream with code 2 triggered by internal client error: protocol error"
        # h2 (Rust) sending GOAWAY itself over a frame no HTTP/2 peer sends (TLS bytes read as a frame header)
        r"|goaway\(b\"[^\"\n]{0,40}\", frame_size_error, library\)",
        component=K.GRPC,
        unless=r"\b50[234]\b",
    ),
)

# Platforms speaking about the application behind them, before the proxy rules: their pages and events
# carry statuses (a 503 in a JSON body) that the proxy rules would otherwise read as a gateway's.
PLATFORM: tuple[Rule, ...] = (
    # The kubelet probes the container itself: a 503 there is the application saying it is not ready yet.
    rule(
        "kubelet_probe_not_ready",
        C.SERVICE_STARTING,
        "probe failed with statuscode: 503",
        component=K.HTTP,
    ),
    # A backend answering 503 itself and saying why: it has not finished starting.
    rule(
        "http_503_starting",
        C.SERVICE_STARTING,
        ("503", "service unavailable"),
        r"(?:\b503\b|service unavailable)[^\n]{0,160}?\b(?:is starting|starting up|still starting|warming up"
        r"|not (?:yet )?ready|initiali[sz]ing|(?:is )?booting|loading)"
        r"|\b(?:is starting|starting up|still starting|warming up|not (?:yet )?ready|initiali[sz]ing|loading)\b[^\n]{0,80}?"
        r"(?:\b503\b|service unavailable)",
        component=K.HTTP,
        unless=r"upstream|backend|no server",  # a proxy saying its backend is not ready speaks about another
    ),
    # An application server's own access log records the status its application answered, with no proxy between:
    # uvicorn's `ip:port - "GET / HTTP/1.1" 503` (a proxy's combined log has `ip - - [date]` instead) and
    # Kestrel's `Request finished HTTP/1.1 GET url - 503`. As for the kubelet, 503 is "not ready yet".
    rule(
        "app_server_access_503",
        C.SERVICE_STARTING,
        ("503",),
        _APP_SERVER_ACCESS + "503\\b",
        component=K.HTTP,
        prefilter=_APP_SERVER_STATUS.format("503"),
    ),
    rule(
        "app_server_access_500",
        C.APP_ERROR,
        ("500",),
        _APP_SERVER_ACCESS + "500\\b",
        component=K.HTTP,
        prefilter=_APP_SERVER_STATUS.format("500"),
        weak=True,
    ),
    rule(
        "search_cluster_recovering",
        C.SERVICE_STARTING,
        ("state not recovered", "no known master node", "masternotdiscoveredexception"),
        # Elasticsearch/OpenSearch before the cluster state is recovered or a master is elected
        r"state not recovered / initialized|no known master node|masternotdiscoveredexception",
    ),
    rule(
        "heroku_router",
        C.UPSTREAM_UNAVAILABLE,
        ("at=error code=h", "error h1", "error h2", "your page could not be served"),
        # Heroku's router answering for a dyno that crashed, timed out or closed the connection
        r"\bat=error code=h(?:1\d|2[0-8])\b|\berror h(?:1\d|2[0-8]) \("
        r"|an error occurred in the application and your page could not be served",
        component=K.HTTP,
    ),
    rule(
        "ancm_start_failure",
        C.APP_ERROR,
        ("ancm in-process", "ancm out-of-process"),
        # IIS's ASP.NET Core Module: the application's process failed to start (500.30, 502.5); its 502 is not
        # a gateway speaking about a backend that exists
        r"\bancm (?:in-process|out-of-process) (?:start(?:up)? failure|handler load failure)",
        component=K.HTTP,
    ),
    rule(
        "heroku_boot_timeout",
        C.APP_ERROR,
        "failed to bind to $port within",  # the application never listened on the port it was given
        component=K.HTTP,
    ),
    # PyMySQL reading the server's greeting (sequence 0) got bytes of another protocol (an SSH banner,
    # an HTTP reply). Later in a session the same words mean a connection shared between threads.
    rule(
        "mysql_protocol_mismatch",
        C.PROTOCOL_MISMATCH,
        "packet sequence number wrong",
        r"packet sequence number wrong - got \d+ expected 0\b",
        component=K.MYSQL,
    ),
    # gRPC's HTTP/2 preface answered by an HTTP/1.x server (grpc-core's own words).
    rule(
        "grpc_http1_server",
        C.PROTOCOL_MISMATCH,
        ("trying to connect an http1.x server", "expected settings frame as the first frame"),
        component=K.GRPC,
    ),
)


def _scanned_cheaply(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Each status rule with its looser form for the log scanner (see _STATUS_SCAN)."""
    return tuple(
        replace(r, prefilter=r.source.replace(_STATUS, _STATUS_SCAN))
        if _STATUS in r.source and not r.prefilter
        else r
        for r in rules
    )


PROXY = _scanned_cheaply(PROXY)
HTTP_STATUS = _scanned_cheaply(HTTP_STATUS)
