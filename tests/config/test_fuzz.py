"""Whatever the file holds, loading it either succeeds or raises one ConfigError: never a traceback."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from infraprobe.configfile import parse_config
from infraprobe.errors import ConfigError

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True), st.text(max_size=20)
)
_KEYS = st.sampled_from(
    ["name", "kind", "host", "port", "timeout", "critical", "depends_on", "url", "dsn", "expect", "x"]
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)
_KINDS = st.sampled_from(["tcp", "http", "tls", "dns", "postgres", "redis", "websocket", "path", "nope"])


@st.composite
def configs(draw: st.DrawFn) -> dict[str, object]:
    components = draw(st.lists(st.dictionaries(_KEYS, _VALUES, max_size=5), max_size=4))
    for component in components:
        if draw(st.booleans()):
            component["kind"] = draw(_KINDS)
    return {
        "components": components,
        **draw(
            st.dictionaries(st.sampled_from(["defaults", "version", "topology", "zz"]), _VALUES, max_size=2)
        ),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_structured_garbage_is_a_config_error(data: dict[str, object]) -> None:
    """Random but YAML-shaped configs load or fail with ConfigError, nothing else."""
    import yaml

    try:
        parse_config(yaml.safe_dump(data), env={})
    except ConfigError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
@example("=")  # the !!value tag: composes, but SafeConstructor refuses it
def test_arbitrary_text_is_a_config_error(text: str) -> None:
    """Any text at all (invalid YAML, tabs, control characters) loads or fails with ConfigError."""
    message = ""
    try:
        parse_config(text, env={})
    except ConfigError as exc:
        message = exc.one_line()
    assert "\n" not in message
