"""Completeness of the exception tables against the installed clients (a new client class fails here)."""

from __future__ import annotations

import importlib
import inspect
import re
import warnings

import pytest

from infraprobe.classifier.exc_tables import SQLSTATE, SQLSTATE_CLASS
from infraprobe.classifier.exc_types import TYPES
from infraprobe.classifier.exceptions import qualified_name, type_rule

MODULES = [
    "redis.exceptions",
    "psycopg",
    "psycopg.errors",
    "psycopg_pool",
    "asyncpg.exceptions",
    "httpx",
    "aiohttp.client_exceptions",
    "websockets.exceptions",
    "websockets.legacy.exceptions",
    "sqlalchemy.exc",
]
# Class names that speak of the network, the server or credentials: these need an entry of their own,
# not one inherited from a generic base.
RELEVANT = re.compile(
    r"connect|timeout|disconnect|pool|auth|ssl|tls|dns|refused|reset|closed|handshake|status|unavailable"
    r"|loading|readonly|memory|busy|limit|protocol|cert|proxy|password|permission|toomany|shutdown|starting",
    re.IGNORECASE,
)


def _classes(module_name: str) -> list[type[BaseException]]:
    module = _import(module_name)
    if module is None:
        pytest.skip(f"{module_name} not installed")
    return [
        c
        for c in vars(module).values()
        if inspect.isclass(c)
        and issubclass(c, BaseException)
        and not issubclass(c, Warning)
        and c.__module__.split(".")[0] == module_name.split(".")[0]
        and not c.__name__.startswith("_")
    ]


def _import(module_name: str) -> object | None:
    with warnings.catch_warnings():  # websockets.legacy warns on import; we only read its classes
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return importlib.import_module(module_name)
        except ImportError:
            return None


def _decided_by_sqlstate(cls: type[BaseException]) -> bool:
    state = getattr(cls, "sqlstate", None)
    return isinstance(state, str) and (state in SQLSTATE or state[:2] in SQLSTATE_CLASS)


@pytest.mark.parametrize("module_name", MODULES)
def test_every_client_exception_class_has_a_decision(module_name: str) -> None:
    """Every exception class resolves to a table entry (by MRO) or to a SQLSTATE decision."""
    missing = [
        qualified_name(c)
        for c in _classes(module_name)
        if type_rule(c) is None and not _decided_by_sqlstate(c)
    ]
    assert missing == []


@pytest.mark.parametrize("module_name", MODULES)
def test_connection_related_classes_have_their_own_entry(module_name: str) -> None:
    """Network-, server- and credential-related classes are listed explicitly, not only via a base class."""
    missing = [
        qualified_name(c)
        for c in _classes(module_name)
        if RELEVANT.search(c.__name__) and qualified_name(c) not in TYPES and not _decided_by_sqlstate(c)
    ]
    assert missing == []


def test_every_sqlstate_class_of_asyncpg_is_decided() -> None:
    """Every SQLSTATE class (two characters) asyncpg knows has a decision in the SQLSTATE tables."""
    asyncpg_exceptions = pytest.importorskip("asyncpg.exceptions")
    states = {getattr(c, "sqlstate", None) for c in vars(asyncpg_exceptions).values() if inspect.isclass(c)}
    undecided = sorted(
        s for s in states if isinstance(s, str) and s not in SQLSTATE and s[:2] not in SQLSTATE_CLASS
    )
    assert undecided == []


def test_table_keys_name_real_classes_where_installed() -> None:
    """Entries for installed modules name classes that exist (no typos hiding behind the fallback)."""
    for key in TYPES:
        module_name, _, qualname = key.rpartition(".")
        module = _import(module_name)
        if module is not None:
            assert hasattr(module, qualname.split(".")[0]), key
