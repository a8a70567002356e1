"""redis: PING, then INFO for clients, memory, role and loading; optionally SELECT and a real write.

Phases: dns -> connect -> tls (rediss:// or `tls: true`) -> auth (when a password is given) -> query.
The query phase is one round trip (PING, SELECT, INFO pipelined); `write_check` adds one SET.

Error replies are the server telling us exactly what is wrong (`NOAUTH ...`, `OOM ...`, `READONLY ...`):
they are raised with the server's text, and the classifier's Redis rules (the same ones that read redis-py
errors and logs) name the cause.
"""

from __future__ import annotations

import time

from infraprobe import facts
from infraprobe.net import Net, TlsOptions, close_quietly, start_tls
from infraprobe.phases import Phase
from infraprobe.probes._role import judge_role
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.redis import RedisCheck, Target, resolve_target
from infraprobe.probes.wire.resp import Arg, NotResp, RedisReplyError, RespClient, info_fields, text
from infraprobe.taxonomy import Cause, Component

# Error-reply prefixes (and one message) that name their cause unambiguously, most specific first.
INFO_KEYS = (
    "redis_version",
    "role",
    "connected_clients",
    "maxclients",
    "used_memory",
    "used_memory_human",
    "maxmemory",
    "maxmemory_policy",
    "loading",
    "master_host",
    "master_port",
    "master_link_status",
)


async def probe(cfg: RedisCheck, run: ProbeRun) -> str:
    t = resolve_target(cfg)
    with run.phase(Phase.DNS):
        addresses = await run.net.resolver.resolve(t.host, t.port)
    with run.phase(Phase.CONNECT):
        reader, writer = await run.net.connect(addresses)
    try:
        if t.tls:
            with run.phase(Phase.TLS):
                ctx = run.net.ssl.get(TlsOptions(verify=cfg.tls_verify, ca_file=cfg.ca_file))
                await start_tls(writer, ctx, t.host)
        # An error reply (NOAUTH, OOM, READONLY, LOADING, ...) propagates as RedisReplyError carrying the
        # server's own text; the classifier's Redis rules turn it into the cause, as for any client.
        return await _session(cfg, t, RespClient(reader, writer), run)
    except NotResp as exc:
        run.fail(
            Cause.PROTOCOL_MISMATCH,
            f"not a Redis server: {exc}",
            summary="Another protocol answers on this port: wrong port, or redis:// to a TLS port.",
            rule="redis_not_resp",
        )
    finally:
        await close_quietly(writer)


async def _session(cfg: RedisCheck, t: Target, client: RespClient, run: ProbeRun) -> str:
    if t.password:  # `redis://:@host` names an empty password: no AUTH, as redis-cli does
        with run.phase(Phase.AUTH):
            creds: tuple[str, ...] = (t.username, t.password) if t.username else (t.password,)
            await client.call("AUTH", *creds)
    with run.phase(Phase.QUERY):
        info = await _query(t, client)
        if not info.get("maxclients"):
            info["maxclients"] = await _config_maxclients(client)
        _record_facts(run, info, t)
        if cfg.write_check:
            # PX: the key expires on its own, so a probe every few seconds never accumulates keys.
            await client.call("SET", f"infraprobe:probe:{cfg.name}", f"{time.time():.3f}", "PX", 10000)
    return _judge(cfg, run, info)


async def _query(t: Target, client: RespClient) -> dict[str, str]:
    commands: list[tuple[Arg, ...]] = [("PING",)]
    if t.db is not None:
        commands.append(("SELECT", t.db))
    commands.append(("INFO",))
    replies = await client.pipeline(*commands)
    return info_fields(replies[-1], INFO_KEYS)


async def _config_maxclients(client: RespClient) -> str:
    """Redis before 7 has no maxclients in INFO; CONFIG may be renamed or denied by ACL, so it is optional."""
    try:
        reply = await client.call("CONFIG", "GET", "maxclients")
    except RedisReplyError:
        return ""
    values = reply if isinstance(reply, list) else []
    return text(values[1]) if len(values) == 2 else ""


def _int(info: dict[str, str], key: str) -> int | None:
    value = info.get(key, "")
    return int(value) if value.lstrip("-").isdigit() else None


def _record_facts(run: ProbeRun, info: dict[str, str], t: Target) -> None:
    run.fact(facts.REDIS_VERSION, info.get("redis_version"))
    run.fact(facts.ROLE, _role(info))
    run.fact(facts.CONNECTED_CLIENTS, _int(info, "connected_clients"))
    run.fact(facts.MAXCLIENTS, _int(info, "maxclients"))
    run.fact(facts.USED_MEMORY, _int(info, "used_memory"))
    run.fact(facts.MAXMEMORY, _int(info, "maxmemory"))
    run.fact(facts.MAXMEMORY_POLICY, info.get("maxmemory_policy"))
    run.fact(facts.LOADING, info.get("loading") == "1")
    run.fact(facts.DB, t.db or 0)
    if _role(info) == "replica":
        run.fact(facts.MASTER, f"{info.get('master_host')}:{info.get('master_port')}")
        run.fact(facts.MASTER_LINK_STATUS, info.get("master_link_status"))


def _role(info: dict[str, str]) -> str | None:
    role = info.get("role")
    return "replica" if role == "slave" else role  # INFO still says "slave"; the docs say replica


def _judge(cfg: RedisCheck, run: ProbeRun, info: dict[str, str]) -> str:
    """Fail on what breaks clients now; warn on what will soon; otherwise one line of state."""
    if info.get("loading") == "1":
        run.fail(Cause.SERVICE_STARTING, "INFO persistence reports loading:1", rule="redis-info:loading")
    _check_role(cfg, run, info)
    _check_memory(cfg, run, info)
    _check_clients(cfg, run, info)
    clients, maxclients = info.get("connected_clients", "?"), info.get("maxclients") or "?"
    used = info.get("used_memory_human", "?")
    return f"PONG from redis {info.get('redis_version', '?')} ({_role(info)}): {clients}/{maxclients} clients, {used} used"


def _check_role(cfg: RedisCheck, run: ProbeRun, info: dict[str, str]) -> None:
    replica = _role(info) == "replica"
    judge_role(
        run, cfg.role, is_replica=replica, replica="a replica", primary="a master", rule="redis-info:role"
    )
    if replica and info.get("master_link_status") != "up":
        run.warn(
            f"replica's link to its master is {info.get('master_link_status', 'unknown')}: data may be stale"
        )


def _check_memory(cfg: RedisCheck, run: ProbeRun, info: dict[str, str]) -> None:
    used, limit = _int(info, "used_memory"), _int(info, "maxmemory")
    if not used or not limit:
        return  # maxmemory 0 means no limit
    policy = info.get("maxmemory_policy", "")
    # With an eviction policy a full cache is normal; with noeviction every write fails from here on.
    if policy == "noeviction" and used >= limit:
        run.fail(Cause.OUT_OF_MEMORY, f"used_memory {used} >= maxmemory {limit} with noeviction")
    if policy == "noeviction" and used >= cfg.max_memory_ratio * limit:
        run.warn(f"memory {used / limit:.0%} of maxmemory with noeviction", Cause.OUT_OF_MEMORY)


def _check_clients(cfg: RedisCheck, run: ProbeRun, info: dict[str, str]) -> None:
    clients, limit = _int(info, "connected_clients"), _int(info, "maxclients")
    if clients is not None and limit and clients >= cfg.max_clients_ratio * limit:
        run.warn(f"{clients} of maxclients {limit} connected", Cause.DB_CONNECTION_LIMIT)


def _prepare(cfg: RedisCheck, net: Net) -> None:
    if resolve_target(cfg).tls:
        net.ssl.prepare(TlsOptions(verify=cfg.tls_verify, ca_file=cfg.ca_file))


SPEC = ProbeSpec(
    "redis",
    RedisCheck,
    probe,
    Component.REDIS,
    "PING + INFO: auth, role, clients vs maxclients, memory vs maxmemory, loading; optional write",
    prepare=_prepare,
)
