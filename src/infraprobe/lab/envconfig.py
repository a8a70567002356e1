"""The infraprobe config the lab writes for itself: its components, and a topology with its real numbers.

Secrets stay out of the file (`${LAB_DB_PASSWORD}` and `${LAB_REDIS_PASSWORD}` are interpolated from the
environment the lab passes to the commands), so the evidence folder can be shared as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

from infraprobe.lab.scenario import Sizing

DB_PASSWORD_VAR = "LAB_DB_PASSWORD"
REDIS_PASSWORD_VAR = "LAB_REDIS_PASSWORD"
HEALTH_PATH = "/health/ready"
# The second served name is `login`, not `auth`: text that reads `auth...: {` is credential-shaped to the
# output maskers (see redact.py), and a component named `*-auth` had its JSON value masked whole.
API_NAME, LOGIN_NAME = "api.lab.test", "login.lab.test"


@dataclass(frozen=True)
class Endpoints:
    """Where the commands reach each part (names in namespaces; loopback addresses and ports otherwise)."""

    lb_host: str  # what clients connect to: a name the lab's resolver knows, or 127.0.0.1
    lb_port: int
    backend_host: str
    backend_port: int
    db_host: str
    db_port: int
    cache_host: str
    cache_port: int
    ca_file: str


@dataclass(frozen=True)
class Scene:
    """What the config describes beyond where things are: the numbers, the certificate, when the run began."""

    size: Sizing
    cert_names: tuple[str, ...]
    since: dt.datetime  # log checks count events from here on: this run's, not an earlier one's


def config_document(env: str, ends: Endpoints, scene: Scene) -> dict[str, Any]:
    return {
        "version": 1,
        "environment": env,
        "defaults": {"timeout": "2s", "interval": "1s"},  # interval: `infraprobe monitor`, every second
        "components": _components(ends, scene.size),
        "topology": _topology(scene.size, scene.cert_names),
        "validation": _validation(scene.since),
    }


def render_config(env: str, ends: Endpoints, scene: Scene) -> str:
    header = (
        "# Written by `infraprobe lab`: the lab's own environment, with the numbers it really runs.\n"
        f"# Secrets come from ${{{DB_PASSWORD_VAR}}} and ${{{REDIS_PASSWORD_VAR}}}.\n"
    )
    return header + yaml.safe_dump(config_document(env, ends, scene), sort_keys=False)


def _tls(ends: Endpoints, name: str) -> dict[str, str]:
    tls = {"ca_file": ends.ca_file}
    return tls if ends.lb_host == name else {**tls, "server_name": name}


def _components(ends: Endpoints, size: Sizing) -> list[dict[str, Any]]:
    public = f"https://{ends.lb_host}:{ends.lb_port}"
    return [
        {
            "name": "public-api",
            "kind": "http",
            "url": public + HEALTH_PATH,
            "tls": _tls(ends, API_NAME),
            "description": "the load balancer's public health endpoint",
            "depends_on": ["backend"],
        },
        {
            "name": "public-login",
            "kind": "tls",
            "host": ends.lb_host if ends.lb_host != API_NAME else LOGIN_NAME,
            "port": ends.lb_port,
            **_tls(ends, LOGIN_NAME),
            "description": "the second name the load balancer serves",
        },
        {
            "name": "events",
            "kind": "websocket",
            "url": f"wss://{ends.lb_host}:{ends.lb_port}/ws",
            "tls": _tls(ends, API_NAME),
            "send": "ping",
            "expect": "ping",
            "depends_on": ["backend"],
        },
        {
            "name": "backend",
            "kind": "http",
            "url": f"http://{ends.backend_host}:{ends.backend_port}{HEALTH_PATH}",
            "description": "the reference backend's readiness, straight, not through the balancer",
            "depends_on": ["db", "cache"],
        },
        {
            "name": "connector",
            "kind": "path",
            "description": "the namespace between the app and the database; its packet filter caps connections",
            "max_connections": size.connector_cap,
        },
        {
            "name": "db",
            "kind": "postgres",
            "host": ends.db_host,
            "port": ends.db_port,
            "user": "app",
            "password": f"${{{DB_PASSWORD_VAR}}}",
            "database": "app",
            "depends_on": ["connector"],
        },
        {
            "name": "cache",
            "kind": "redis",
            "host": ends.cache_host,
            "port": ends.cache_port,
            "password": f"${{{REDIS_PASSWORD_VAR}}}",
        },
    ]


def _topology(size: Sizing, cert_names: tuple[str, ...]) -> dict[str, Any]:
    balancer: dict[str, Any] = {
        "name": "public-lb",
        "component": "public-api",
        "backends": ["backend"],
        "health_check_path": HEALTH_PATH,
        "interval": f"{size.lb_interval:g}s",
        "timeout": "1s",
        "healthy_threshold": 1,
        "unhealthy_threshold": size.lb_unhealthy_threshold,
        "domains": [API_NAME, LOGIN_NAME],
        "certificate": "lab-cert",
    }
    if size.lb_startup_window is not None:
        balancer["startup_window"] = f"{size.lb_startup_window:g}s"
    return {
        "services": [_backend(size), _worker(size)],
        "databases": [
            {
                "name": "db",
                "max_connections": size.db_max_connections,
                "reserved_connections": size.db_reserved,
            }
        ],
        "paths": [{"name": "connector"}],
        "load_balancers": [balancer],
        "certificates": [
            {
                "name": "lab-cert",
                "component": "public-login",
                "names": list(cert_names),
                "not_after": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
            }
        ],
    }


def _backend(size: Sizing) -> dict[str, Any]:
    pool = {
        "server": "db",
        "size": size.backend_pool_min,
        "max_overflow": size.backend_pool_max - size.backend_pool_min,
        "via": "connector",
    }
    return {
        "name": "backend",
        "max_instances": 1,
        "startup_budget": f"{size.startup_budget:g}s",
        "pools": [pool],
    }


def _worker(size: Sizing) -> dict[str, Any]:
    # The worker has no endpoint (no component): it only holds its pool, as a second service would.
    return {
        "name": "worker",
        "max_instances": 1,
        "pools": [{"server": "db", "size": size.worker_pool, "via": "connector"}],
    }


def _validation(since: dt.datetime) -> dict[str, Any]:
    """What "fixed" means for the lab: every path a user takes works, steadily, and the logs stay clean."""
    stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    logs = ["logs/backend.log", "logs/postgres.log"]
    return {
        "threshold": "100%",
        "categories": [
            {
                "name": "edge",
                "critical": True,
                "checks": [
                    {"component": "public-api", "consistently": {"attempts": 3, "over": "2s"}},
                    {"component": "public-login"},
                    {"component": "events"},
                ],
            },
            {"name": "application", "critical": True, "checks": [{"component": "backend"}]},
            {"name": "data", "critical": True, "checks": [{"component": "db"}, {"component": "cache"}]},
            {
                "name": "logs",
                "checks": [
                    {"logs": logs, "expect_none": "dns_failure", "component": "cache", "since": stamp},
                    {"logs": logs, "expect_none": "db_connection_limit", "since": stamp},
                ],
            },
        ],
    }
