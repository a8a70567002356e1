"""Secrets are masked in values, by structure and by shape, before anything is cut or rendered."""

from __future__ import annotations

import json
import time
from urllib.parse import quote, quote_plus

import pytest

from infraprobe.redact import MASK, Redactor, mask_patterns, mask_url, names_secret


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://app:s3cret@db:5432/x", "postgresql://app:***@db:5432/x"),
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("redis://:p@ss@cache:6379/0", "redis://:***@cache:6379/0"),
        ("host=db user=app password=s3cret dbname=x", "host=db user=app password=*** dbname=x"),
        ("password='s3cret'", "password='***'"),
        ("Authorization: Bearer abcdef123456", "Authorization: Bearer ***"),
        ("AUTH default s3cret", "AUTH ***"),
        ("nothing secret here: connection refused", "nothing secret here: connection refused"),
        # the shapes issue 9 found leaking
        ('{"password": "s3cret", "user": "app"}', '{"password": "***", "user": "app"}'),
        ("{'password': 's3cret', 'user': 'app'}", "{'password': '***', 'user': 'app'}"),
        ("PGPASSWORD=s3cret psql", "PGPASSWORD=*** psql"),
        ("DB_PASSWORD=s3cret", "DB_PASSWORD=***"),
        ("GET /cb?access_token=s3cret&state=1", "GET /cb?access_token=***&state=1"),
        ("client_secret=s3cret", "client_secret=***"),
        ("secret_key: s3cret", "secret_key: ***"),
        ("Authorization: Token s3cret", "Authorization: Token ***"),
        ("X-Api-Key: s3cret", "X-Api-Key: ***"),
        ('{"credentials": "s3cret"}', '{"credentials": "***"}'),
        ('{"token": "s3c\\"ret"}', '{"token": "***"}'),
        ('"password": "cut-off', '"password": "***"'),
    ],
)
def test_patterns(text: str, expected: str) -> None:
    """Credential-shaped substrings are masked even when the value was never declared secret."""
    assert mask_patterns(text) == expected


@pytest.mark.parametrize("text", ["Error AUTH\nnext line stays", "Bearer\nabcdefgh", "password:\nnext line"])
def test_masking_never_crosses_a_line(text: str) -> None:
    """A credential's value is on its key's line: masking never eats the next line (rows used to merge)."""
    assert mask_patterns(text) == text


@pytest.mark.parametrize(
    "secret",
    ['back\\slash"quote', "it's-a-secret", "pässwörd-ümlaut", "with space&amp=1/x", "lone-\udcff-surrogate"],
)
def test_known_secrets_masked_in_every_written_form(secret: str) -> None:
    """As is, JSON-escaped (ASCII or not), repr()-escaped and URL-encoded forms are all masked."""
    redact = Redactor([secret])
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        quote(secret.encode("utf-8", "surrogatepass"), safe=""),
        quote_plus(secret.encode("utf-8", "surrogatepass")),
    }
    for form in forms:
        assert redact(f"error near <{form}> here") == f"error near <{MASK}> here", form


def test_known_values_masked_anywhere() -> None:
    """A declared secret is masked wherever it appears, not only in credential positions."""
    redact = Redactor(["canary-pw-42"])
    assert redact("error: bad value canary-pw-42 in header") == "error: bad value *** in header"


def test_short_values_are_not_masked() -> None:
    """One- to three-character values are ignored: masking every 'a' protects nothing."""
    assert Redactor(["ab"])("abc") == "abc"


def test_clip_masks_before_it_cuts() -> None:
    """A cut that would fall inside a known secret leaves no prefix of it."""
    secret = "canary-Pw-7d41e-long"
    text = "x" * 190 + secret + " tail"
    clipped = Redactor([secret]).clip(text, 200)
    assert secret[:6] not in clipped and clipped.startswith("x" * 190 + MASK)


def test_a_piece_cut_elsewhere_is_masked_at_either_edge() -> None:
    """A value someone else truncated (a body excerpt, a driver's message) keeps no piece of a secret."""
    redact = Redactor(["canary-Pw-7d41e-long"])
    assert redact("body ends canary-Pw-7d") == "body ends ***"
    assert redact("d41e-long starts it") == "*** starts it"


def test_values_masked_by_structure() -> None:
    """A secret-naming key masks its whole value; URLs lose userinfo and credential query values."""
    redact = Redactor()
    masked = redact.value(
        {
            "password": "plain",
            "headers": {"X-Api-Key": "k", "Set-Cookie": "s=1", "Accept": "text/plain"},
            "dsn": "postgresql://u:pw@h/db?sslpassword=zz&application_name=a",
            "nested": [{"client_secret": 7}, "token=abc"],
            "count": 3,
        }
    )
    assert masked == {
        "password": MASK,
        "headers": {"X-Api-Key": MASK, "Set-Cookie": MASK, "Accept": "text/plain"},
        "dsn": "postgresql://u:***@h/db?sslpassword=%2A%2A%2A&application_name=a".replace("%2A%2A%2A", MASK),
        "nested": [{"client_secret": MASK}, "token=***"],
        "count": 3,
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://TOKEN123@host/p", "https://***@host/p"),
        ("https://u:p@host/p?api_key=1&q=2", "https://u:***@host/p?api_key=***&q=2"),
        ("https://host/p?signature=abc", "https://host/p?signature=***"),
        ("https://host:badport/p?token=abc", "https://host:badport/p?token=***"),
    ],
)
def test_urls(url: str, expected: str) -> None:
    assert mask_url(url) == expected


@pytest.mark.parametrize(
    "key", ["password", "PGPASSWORD", "db_pwd", "X-Api-Key", "Authorization", "access_token"]
)
def test_secret_key_names(key: str) -> None:
    assert names_secret(key)


@pytest.mark.parametrize("key", ["host", "port", "user", "database", "status", "url", "headers"])
def test_locator_key_names(key: str) -> None:
    assert not names_secret(key)


PATHOLOGICAL = {
    "dots": "a." * (1 << 19),
    "pluses": "a+" * (1 << 19),
    "schemes": "a://" * (1 << 18),
    "userinfo": "a://b:" * 174_762,
    "keys": "pass" * (1 << 18),
    "keys-spaced": "key  " * 209_715,
    "quotes": 'password="' * 104_857,
    "colons": ":" * (1 << 20),
    "auth": "AUTH " * 209_715,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_masking_is_linear_on_pathological_megabyte_lines(name: str) -> None:
    """Every masking pattern runs in linear time: a 1 MiB line built to make backtracking explode."""
    text = PATHOLOGICAL[name]
    redact = Redactor(["canary-secret-1234"])
    start = time.process_time()
    redact(text)
    redact.value({"field": text})
    # Backtracking on a 1 MiB line is hours of CPU; linear is well under a second. 3 s keeps that gap while CPU
    # time inflated by a loaded machine (seen: over 1 s at load 6) stays green.
    assert time.process_time() - start < 3.0


@pytest.mark.parametrize(
    "text",
    [
        "critical dependencies not passing: db",
        "keyspace: 0",
        "tokenizer: bpe",
        "authority: ok",
        "monkey=banana",
        "bypass: on",
        "author: bob",
    ],
)
def test_words_that_only_start_like_a_key_are_left_alone(text: str) -> None:
    """A secret word must end the key's word: ordinary prose with a colon stays readable."""
    assert mask_patterns(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "connect to auth.example.test:443 failed",
        "dial tcp token-service:8080: connection refused",
        '"public-auth": {"status": "down"}',
        '"session-keys": ["a", "b"]',
    ],
)
def test_host_ports_and_structured_values_are_not_secrets(text: str) -> None:
    """A host named after a credential word keeps its port, and a value that opens an object or a list is
    structure (masked field by field by `Redactor.value`), not a secret: masking them broke history's JSON
    and hid the port of an auth service in an outage."""
    assert mask_patterns(text) == text


def test_a_colon_without_a_space_still_separates_a_secret() -> None:
    """`password:abc` in free text is masked; only a port-like number after a colon is kept."""
    assert mask_patterns("password:abc token:deadbeef01") == "password:*** token:***"
