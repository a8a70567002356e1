"""Secrets are masked wherever they might appear in text we print."""

from __future__ import annotations

import pytest

from infraprobe.redact import Redactor, mask_patterns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://app:s3cret@db:5432/x", "postgresql://app:***@db:5432/x"),
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("host=db user=app password=s3cret dbname=x", "host=db user=app password=*** dbname=x"),
        ("password='s3cret'", "password='***'"),
        ("Authorization: Bearer abcdef123456", "Authorization: Bearer ***"),
        ("AUTH default s3cret", "AUTH ***"),
        ("nothing secret here: connection refused", "nothing secret here: connection refused"),
    ],
)
def test_patterns(text: str, expected: str) -> None:
    """Credential-shaped substrings are masked even when the value was never declared secret."""
    assert mask_patterns(text) == expected


def test_known_values_masked_anywhere() -> None:
    """A declared secret is masked wherever it appears, not only in credential positions."""
    redact = Redactor(["canary-pw-42"])
    assert redact("error: bad value canary-pw-42 in header") == "error: bad value *** in header"


def test_short_values_are_not_masked() -> None:
    """One- to three-character values are ignored: masking every 'a' protects nothing."""
    assert Redactor(["ab"])("abc") == "abc"
