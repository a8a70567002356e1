"""Text rules for what database servers (PostgreSQL, MySQL, Redis) say when they refuse work.

Server wordings are stable across client libraries (libpq, JDBC, pgx, node-postgres all relay the
server's FATAL text), so one rule per server message covers every client. SQLSTATE codes quoted in text
("SQLSTATE 28P01") are matched too, because some clients print only the code.
"""

from __future__ import annotations

from infraprobe.classifier.model import Rule, rule
from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component as K

_SQLSTATE = r"sqlstate[ =:\[(]*"

AUTH: tuple[Rule, ...] = (
    # Before PostgreSQL's rule: MySQL also reports SQLSTATE 28000 ("SQLSTATE[28000] [1045] Access denied").
    rule(
        "mysql_access_denied",
        C.AUTH_FAILED,
        (
            "access denied for user",
            "authentication plugin",
            "does not support authentication protocol",
            "er_access_denied",
            "1045",
            "command denied to user",
            "is not allowed to connect to this",
        ),
        r"access denied for user|authentication plugin|does not support authentication protocol|er_access_denied"
        r"|command denied to user|is not allowed to connect to this (?:mysql|mariadb) server"  # ER_HOST_NOT_PRIVILEGED
        r"|(?:\[|\bno:? |\berror:? |\berrno:? |#)1045\b",
        component=K.MYSQL,
    ),
    rule(
        "pg_auth_failed",
        C.AUTH_FAILED,
        (
            "password authentication failed",
            "pg_hba.conf",
            "ident authentication failed",
            "peer authentication failed",
            "fe_sendauth",
            "does not exist",
            "but no password was provided",
            "28p01",
            "28000",
            "invalidpassworderror",
            "invalidauthorizationspecification",
            "scram authentication",
            "has no password assigned",
            "has an expired password",
            "does not have a valid scram secret",
            "password does not match for user",
            "is not permitted to log in",
            "requires a valid client certificate",
        ),
        r"password authentication failed|pg_hba\.conf|ident authentication failed|peer authentication failed"
        r"|fe_sendauth|role \"[^\"\n]{0,100}\" does not exist"
        r"|but no password was provided|" + _SQLSTATE + r"28(?:p01|000)|\b28p01\b|invalidpassworderror"
        r"|invalidauthorizationspecification|scram authentication"
        # the server log's DETAIL lines under "password authentication failed", and cert / login refusals
        r"|has no password assigned|has an expired password|does not have a valid scram secret"
        r"|password does not match for user|is not permitted to log in|requires a valid client certificate",
        component=K.POSTGRES,
    ),
    rule(
        "sasl_auth_failed",
        C.AUTH_FAILED,
        ("sasl authentication failed", "sasl authentication failure"),
        # SASL is PostgreSQL's SCRAM exchange and Kafka's login alike: the text's other words name which
        r"sasl authentication fail(?:ed|ure)",
    ),
    rule(
        "redis_auth_failed",
        C.AUTH_FAILED,
        (
            "noauth",
            "wrongpass",
            "invalid username-password pair",
            "called without any password configured",
            "but no password is set",
            "noperm",
            "err invalid password",
            "for 'auth' command",
            "called with the client already authenticated",
        ),
        component=K.REDIS,
    ),
    rule(
        "db_permission_denied",
        C.AUTH_FAILED,
        ("permission denied for", "42501"),
        r"permission denied for (?:table|relation|schema|database|sequence|function|view)|"
        + _SQLSTATE
        + "42501",
    ),
    rule(
        "generic_auth_failed",
        C.AUTH_FAILED,
        (
            "authentication failed",
            "login failed for user",
            "invalid credentials",
            "authentication required",
            "authenticationerror",
            "auth failed",
        ),
        # .NET's SslStream says "Authentication failed, see inner exception" / "because the remote party ...":
        # the TLS handshake, not a login
        r"authentication failed(?!, see inner exception| because the remote party)|login failed for user"
        r"|invalid credentials|authentication required|authenticationerror|auth failed",
        weak=True,
    ),
)

SERVER_STATE: tuple[Rule, ...] = (
    rule(
        "pg_not_accepting_yet",
        C.SERVICE_STARTING,
        (
            "database system is",
            "not yet accepting connections",
            "consistent recovery state",
            "57p03",
            "cannotconnectnowerror",
            "- rejecting connections",
        ),
        r"the database system is (?:starting up|in recovery mode|shutting down|not (?:yet )?accepting)"
        # the standby's DETAIL, not its informational "consistent recovery state reached at 0/..." LOG line
        r"|not yet accepting connections|consistent recovery state has not (?:yet )?been (?:yet )?reached|"
        + _SQLSTATE
        + r"57p03|cannotconnectnowerror|:\d+ - rejecting connections",  # pg_isready
        component=K.POSTGRES,
    ),
    rule(
        "redis_loading",
        C.SERVICE_STARTING,
        ("loading the dataset", "busyloadingerror", "masterdown", "clusterdown"),
        # also a Redis Cluster without full slot coverage (a failover under way): it answers, cannot serve yet
        r"loading the dataset|busyloadingerror|masterdown|\bclusterdown\b",
        component=K.REDIS,
    ),
    rule(
        "envoy_not_ready",
        C.SERVICE_STARTING,
        "envoy proxy is not ready",
        component=K.HTTP,
    ),
    rule("mysql_shutdown_in_progress", C.SERVICE_STARTING, "server shutdown in progress", component=K.MYSQL),
    rule(
        "galera_node_not_ready",
        C.SERVICE_STARTING,
        "wsrep has not yet prepared node",  # a Galera node still joining its cluster (ER_UNKNOWN_COM_ERROR)
        component=K.MYSQL,
    ),
    rule(
        "db_server_not_ready",
        C.SERVICE_STARTING,
        (
            "is not currently available.  please retry",
            "is not currently available. please retry",
            "server is in script upgrade mode",
            "initialization or shutdown in progress",
            "server is in quiesce mode",
            "no replset config has been received",
            "notyetinitialized",
            "shutdowninprogress",
            "nodeisrecovering",
            "notprimaryorsecondary",
            "not in primary or recovering state",
            "leadernotavailable",
            "leader_not_available",
            "could not find the leader",
            "in the middle of a leadership election",
        ),
        # Azure SQL 40613 (a database moving or restarting), SQL Server 18401, Oracle ORA-01033, MongoDB's
        # ShutdownInProgress / NotYetInitialized: the server answers but will not take work yet
        r"is not currently available\. {1,2}please retry the connection later|server is in script upgrade mode"
        r"|initialization or shutdown in progress|server is in quiesce mode|no replset config has been received"
        r"|\bnotyetinitialized\b|\bshutdowninprogress\b"
        # MongoDB's NotPrimaryOrSecondary (13436) / NodeIsRecovering; Kafka electing a partition leader
        r"|nodeisrecovering|notprimaryorsecondary|not in primary or recovering state"
        r"|leadernotavailable|leader_not_available|could not find the leader|in the middle of a leadership election",
    ),
    rule(
        "mongo_not_primary",
        C.READ_ONLY,
        ("notwritableprimary", "not primary", "not master and slaveok"),
        r"\bnotwritableprimary\b|errmsg': 'not primary'|\bnot master and slaveok=false",
    ),
    # ER_QUERY_INTERRUPTED (1317): a client whose query timeout fired cancels it with KILL QUERY, so the
    # statement got no answer in time (like 3024, max_execution_time, and 1205, lock wait timeout).
    rule("mysql_query_interrupted", C.READ_TIMEOUT, "query execution was interrupted", component=K.MYSQL),
    rule(
        "pg_read_only",
        C.READ_ONLY,
        ("read-only transaction", "during recovery", "25006"),
        r"in a read-only transaction|cannot execute [^\n]{0,60}during recovery|" + _SQLSTATE + "25006",
        component=K.POSTGRES,
    ),
    rule(
        "redis_read_only",
        C.READ_ONLY,
        (
            "write against a read only replica",
            "write against a read-only replica",
            "write against a read only slave",
            "readonlyerror",
            "misconf",
        ),
        component=K.REDIS,
    ),
    rule("mysql_read_only", C.READ_ONLY, ("--read-only", "--super-read-only"), component=K.MYSQL),
    rule(
        "generic_read_only",
        C.READ_ONLY,
        ("read-only file system", "readonly database", "read-only mode"),
        weak=True,
    ),
    rule(
        "redis_oom",
        C.OUT_OF_MEMORY,
        ("oom command not allowed", "used memory > 'maxmemory'"),
        r"oom command not allowed|used memory > 'maxmemory'",
        component=K.REDIS,
    ),
    rule(
        "pg_out_of_memory",
        C.OUT_OF_MEMORY,
        (
            "failed on request of size",
            "out of shared memory",
            "max_locks_per_transaction",
            "terminated by signal 9",
        ),
        # the postmaster reporting a backend SIGKILLed (the kernel's OOM killer in practice)
        r"failed on request of size|out of shared memory|max_locks_per_transaction"
        r"|server process \(pid \d+\) was terminated by signal 9",
        component=K.POSTGRES,
    ),
    rule("mysql_out_of_memory", C.OUT_OF_MEMORY, "out of sort memory", component=K.MYSQL),
    rule(
        "out_of_memory",
        C.OUT_OF_MEMORY,
        (
            "out of memory",
            "out of shared memory",
            "out of sort memory",
            "cannot allocate memory",
            "memoryerror",
            "oomkilled",
            "outofmemoryerror",
            "53200",
            "enomem",
            "heap out of memory",
            "errno 12",
            "memory limit",
        ),
        r"out of (?:shared |sort )?memory|cannot allocate memory|memoryerror|oomkilled|outofmemoryerror"
        r"|" + _SQLSTATE + r"53200|\benomem\b"
        # ENOMEM by number (InnoDB's "mmap(...) failed; errno 12"); Cloud Run's and serverless memory limits
        r"|\berrno:? 12\b|memory limit (?:of [\d.]+ ?[kmgt]i?b )?exceeded",
    ),
)

MISSING: tuple[Rule, ...] = (
    rule(
        "pg_database_missing",
        C.RESOURCE_MISSING,
        ("does not exist", "3d000", "invalidcatalogname"),
        r"database \"[^\"\n]{0,100}\" does not exist|" + _SQLSTATE + r"3d000|invalidcatalogname",
        component=K.POSTGRES,
    ),
    rule(
        "pg_wal_segment_removed",
        C.RESOURCE_MISSING,
        "has already been removed",
        r"requested wal segment \S+ has already been removed",
        component=K.POSTGRES,
    ),
    rule(
        "mysql_unknown_database",
        C.RESOURCE_MISSING,
        ("unknown database", "er_bad_db_error"),
        component=K.MYSQL,
    ),
    rule(
        "redis_db_index",
        C.RESOURCE_MISSING,
        ("db index is out of range", "invalid db index"),
        component=K.REDIS,
    ),
    rule(
        "socket_file_missing",
        C.RESOURCE_MISSING,
        ("no such file or directory", "(2)"),
        r"(?:socket|\.s\.pgsql|\.sock\b)(?s:.{0,240})(?:no such file or directory|\(2\))"
        r"|no such file or directory(?s:.{0,240})(?:socket|\.s\.pgsql|\.sock\b)",
    ),
    rule(
        "ca_file_missing",
        C.RESOURCE_MISSING,
        (
            "root certificate file",
            "ca certificate bundle",
            "certificate verify locations",
            "cafile",
            "could not load certificate",
            "could not open certificate",
            "could not read certificate",
            "no certificate or crl found",
            ".pem: no such file",
            ".crt: no such file",
            "load_verify_locations(",
        ),
        r"no certificate or crl found|could not read root certificate file|root certificate file [^\n]{0,120}does not exist"
        r"|ca certificate bundle, invalid path|error setting certificate verify locations|cafile: "
        r"|could not (?:load|open|read) certificate"
        # Go's os.ReadFile of a CA bundle; Python's SSLContext.load_verify_locations raising FileNotFoundError
        r"|\.(?:pem|crt): no such file|load_verify_locations\([^\n]*\n(?:[^\n]*\n){0,3}?[^\n]*(?:filenotfounderror|no such file)",
        fallback=K.TLS,
    ),
    rule(
        "no_such_file",
        C.RESOURCE_MISSING,
        ("no such file or directory", "filenotfounderror", "enoent"),
        weak=True,
    ),
)

APP: tuple[Rule, ...] = (
    rule(
        "pg_app_error",
        C.APP_ERROR,
        (
            "syntax error at or near",
            "does not exist",
            "undefinedtable",
            "undefinedcolumn",
            "undefinedfunction",
            "violates",
            "deadlock detected",
            "division by zero",
            "42601",
            "42p01",
            "42703",
            "syntaxerror",
        ),
        r"syntax error at or near|(?:relation|column|function|type|operator) [^\n]{1,120}does not exist"
        r"|undefined(?:table|column|function)|violates (?:unique|foreign key|not-null|check) constraint"
        r"|deadlock detected|(?<!zerodivisionerror: )(?<!exception calling application: )division by zero|"
        + _SQLSTATE
        + r"42(?:601|p01|703)|postgressyntaxerror",
        component=K.POSTGRES,
    ),
    rule(
        "mysql_app_error",
        C.APP_ERROR,
        (
            "error in your sql syntax",
            "doesn't exist",
            "unknown column",
            "er_no_such_table",
            "er_bad_field_error",
            "er_parse_error",
            "deadlock found when trying to get lock",
            "er_net_packet_too_large",
            "max_allowed_packet",
            "cannot enqueue",
        ),
        r"er_net_packet_too_large|got a packet bigger than 'max_allowed_packet'"
        # mysqljs: the application used a connection after quit() or connected it twice
        r"|cannot enqueue \w+ after (?:invoking quit|already enqueuing a handshake)"
        r"|error in your sql syntax|table '[^'\n]{1,120}' doesn't exist|unknown column|er_no_such_table"
        r"|er_bad_field_error|er_parse_error|deadlock found when trying to get lock",
        component=K.MYSQL,
    ),
    rule("sql_app_error", C.APP_ERROR, ("no such table", "no such column"), r"no such (?:table|column)"),
    rule(
        "redis_app_error",
        C.APP_ERROR,
        ("wrongtype operation", "err unknown command", "noscript", "no matching script"),
        r"wrongtype operation|err unknown command|\bnoscript\b|no matching script",
        component=K.REDIS,
    ),
    # -BUSY: the application's own Lua script or function is still running and blocks the server.
    rule(
        "redis_busy_script",
        C.APP_ERROR,
        ("busy running a script", "busy running a function"),
        component=K.REDIS,
    ),
)
