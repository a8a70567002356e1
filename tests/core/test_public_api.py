"""The public surface is curated: `__all__` is exactly what the package exports on purpose."""

from __future__ import annotations

import importlib
import pkgutil
import types

import infraprobe
from infraprobe.taxonomy import CAUSES, Cause, Layer

EXPECTED = {
    "CAUSES", "Cause", "CheckReport", "CheckResult", "Component", "Config", "ConfigError", "Diagnosis",
    "InfraprobeError", "Layer", "LoadedConfig", "PhaseTiming", "ProbeFailed", "Redactor", "Runner", "Status",
    "__version__", "check_config", "classify", "load_config", "parse_config",
}  # fmt: skip


def test_exported_members() -> None:
    """Adding or removing a public name is a deliberate change to this list."""
    assert set(infraprobe.__all__) == EXPECTED
    for name in infraprobe.__all__:
        assert hasattr(infraprobe, name), name


def test_no_submodule_shadows_a_public_name() -> None:
    """Importing a subpackage sets it as an attribute of its parent: a subpackage named like a public
    function (`infraprobe.classify`) would replace the function once anything imported it."""
    assert infraprobe.classify("connection refused").cause is Cause.CONNECTION_REFUSED
    submodules = {m.name.split(".")[1] for m in pkgutil.iter_modules(infraprobe.__path__, "infraprobe.")}
    assert not submodules & set(infraprobe.__all__)
    importlib.import_module("infraprobe.classifier.api")
    for name in infraprobe.__all__:
        assert not isinstance(getattr(infraprobe, name), types.ModuleType), name
    assert infraprobe.classify("connection refused").cause is Cause.CONNECTION_REFUSED


def test_cause_codes_are_frozen() -> None:
    """Cause codes are public API: renaming one breaks users' alerts and stored history."""
    assert sorted(c.value for c in Cause) == sorted(
        [
            "dns_failure", "connection_refused", "connect_timeout", "read_timeout", "connection_reset",
            "network_unreachable", "tls_certificate_expired", "tls_untrusted_certificate",
            "tls_handshake_failed", "tls_hostname_mismatch", "db_connection_limit", "upstream_unavailable",
            "service_starting", "read_only", "out_of_memory", "auth_failed", "resource_missing",
            "pool_exhausted", "app_error", "websocket_rejected", "protocol_mismatch", "vantage_path_failure",
            "unknown",
        ]
    )  # fmt: skip


def test_every_cause_has_layer_and_guidance() -> None:
    """No cause without a layer, a summary, what to check next, how to confirm it, and an owner."""
    assert set(CAUSES) == set(Cause)
    for cause, meta in CAUSES.items():
        assert meta.summary and meta.check_next and meta.confirm and meta.owner, cause
        assert (meta.layer is Layer.UNKNOWN) == (cause is Cause.UNKNOWN)
