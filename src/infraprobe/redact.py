"""Masking of secrets in any text that leaves the process.

Two layers, because either alone leaks: known secret values (everything interpolated from the
environment and every password field in the config) are replaced wherever they appear, and
credential-shaped substrings (URL userinfo, `password=...`, bearer tokens) are masked even when the
value was never declared as secret (a DSN pasted into a log line, an error text that echoes it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s/]+)@")
_KV_SECRET = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth)\s*[=:]\s*)"
    r"(?P<q>['\"]?)(?P<val>[^'\"\s&;,]+)(?P=q)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<key>\b(?:Bearer|Basic)\s+)(?P<val>[A-Za-z0-9._~+/=\-]{6,})", re.IGNORECASE)
_REDIS_AUTH = re.compile(r"(?P<key>\bAUTH\s+)(?P<val>\S+(?:\s+\S+)?)")


def mask_patterns(text: str) -> str:
    """Mask credential-shaped substrings, keeping the surrounding text readable."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _KV_SECRET.sub(lambda m: f"{m['key']}{m['q']}{MASK}{m['q']}", text)
    text = _BEARER.sub(lambda m: f"{m['key']}{MASK}", text)
    return _REDIS_AUTH.sub(lambda m: f"{m['key']}{MASK}", text)


class Redactor:
    """Replaces known secret values and credential patterns. Immutable; share freely."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole. Very short values are
        # skipped: masking every "a" or "1" would destroy the text and protects nothing.
        self._secrets = tuple(sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True))

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        return Redactor((*self._secrets, *secrets))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return mask_patterns(text)


NO_SECRETS = Redactor()
