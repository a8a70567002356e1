"""One duration grammar: what a config accepts, `--since` accepts, with the same meaning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infraprobe.config.types import parse_duration
from infraprobe.logs.timestamps import parse_when

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1m30s", 90.0),
        ("250ms", 0.25),
        ("2H", 7200.0),
        ("1h 30m", 5400.0),
        ("1d", 86400.0),
        ("2w", 1209600.0),
        ("45", 45.0),
    ],
)
def test_config_and_since_read_a_duration_alike(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds
    assert parse_when(text, NOW) == NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["1x", "m5", "5 minutes", "-3s", ""])
def test_both_reject_the_same_texts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
    with pytest.raises(ValueError):
        parse_when(text, NOW)
