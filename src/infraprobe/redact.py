"""Masking of secrets in values before they enter a result or a report; never in rendered text.

Three layers, because any one alone leaks:
- by structure: a mapping key, header name, URL query parameter or JSON-lines field that names a password,
  secret, token, key, credential or auth has its whole value masked (`Redactor.value`);
- known values: every secret the config holds (interpolated `${ENV}` values, password fields) is masked
  wherever it appears, also as JSON, `repr()` or URL encoding would write it;
- shapes in free text: URL userinfo, `key=value` / `"key": "value"` / `key: value` with such a key,
  `Authorization:` headers and bearer tokens, masked even when the value was never declared.

Masking runs on a value before any cut (`Redactor.clip`), so a truncation can never keep half a secret,
and the rendered document is never edited (that is how JSON broke and table rows merged). Every pattern
here runs in linear time on hostile input: each starts at a literal and every repetition is bounded or
stops at a character the pattern needs next.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

MASK = "***"
_MIN_SECRET = 4  # shorter values are skipped: masking every "a" or "1" would destroy the text
_MIN_FRAGMENT = 6
_CLIP_MARGIN = 4096  # a cut-off piece of a known secret at a text's edge, masked too
# A monitor masks the same texts every interval (a peer address, a header, a message): masking is pure, so
# short texts are remembered. Bounded both ways: at most _MEMO_ENTRIES texts of at most _MEMO_CHARS each.
_MEMO_CHARS = 512
_MEMO_ENTRIES = 4096
_PATTERN_MEMO: dict[str, str] = {}  # mask_patterns' (a body excerpt, a header): shared, it depends on nothing

# A key naming a credential: the words real configs and logs use (PGPASSWORD, DB_PASSWORD, access_token,
# client_secret, secret_key, X-Api-Key, Authorization, credentials, Cookie, signature). A word must not run on
# into more letters, so "passing:" or "keyspace:" are not keys. The short, common words (key, pass, auth,
# cookie) must also start a word, so "monkey=", "bypass:" or "author:" are not keys either; the compounds
# that glue them to a prefix (apikey, accesskey, oauth) are listed.
_SECRET_WORDS = (
    r"(?:passwords?|passwd|passphrase|pwd|secrets?|tokens?|credentials?|authorization|signature"
    r"|session[_-]?id|(?:api|access|secret|private|signing|master|encryption|client)[_-]?keys?|oauth"
    r"|(?<![a-z])(?:keys?|pass|auth|cookies?))(?![a-z])"
)


@functools.cache
def _shapes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The credential-shape patterns (URL userinfo, key=value, bearer, Redis AUTH), compiled when the first
    text is masked: a command that masks none (`config validate` of a valid file) does not pay about 3 ms
    for them at start-up (issue 10). The same for the key pattern (`_secret_key`)."""
    # `scheme://user:password@host`: starts at the literal `://`; the password stops at `/` or whitespace,
    # and every `://` holds a `/`, so no character is scanned by more than two attempts.
    url_userinfo = re.compile(r"://(?P<user>[^:/@\s]{0,256}):(?P<pw>[^\s/]+)@")
    # Linear by construction: the search starts at a literal secret word; the rest of the key is at most 40
    # name characters (which cannot contain the separator, so backtracking is bounded by 40), and the value
    # stops at whitespace, a quote or a separator. The key has no dots and a port is not a value, so
    # `auth.example.test:443` and `token-service:8080` keep their ports. A value opening an object or a list
    # is structure, masked by `Redactor.value`.
    key_value = re.compile(
        rf"(?P<keep>{_SECRET_WORDS}[\w\-]{{0,40}}+(?:[\"'][^\S\n]{{0,8}}+[=:]|[^\S\n]{{0,8}}+=|:(?!\d{{1,5}}(?!\w)))"
        r"[^\S\n]{0,8}+(?:(?:bearer|basic|token|digest|negotiate|apikey)[^\S\n]+)?)"
        r"(?P<val>\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?|(?![{\[])[^\s'\",;&]+)",
        re.IGNORECASE,
    )
    bearer = re.compile(r"\b(?P<key>(?:Bearer|Basic)[^\S\n]+)(?P<val>[A-Za-z0-9._~+/=\-]{6,})", re.IGNORECASE)
    # Redis `AUTH [user] password` as echoed in errors; never across a line.
    redis_auth = re.compile(r"\b(?P<key>AUTH[^\S\n]+)(?P<val>[^\s]+(?:[^\S\n]+[^\s]+)?)")
    return url_userinfo, key_value, bearer, redis_auth


@functools.lru_cache(maxsize=1024)  # keys come from small vocabularies: fact keys, header names, fields
def names_secret(key: str) -> bool:
    """Whether a mapping key, header name, query parameter or field names a credential."""
    return _secret_key().search(key) is not None


@functools.cache
def _secret_key() -> re.Pattern[str]:
    """Compiled by the first key looked at: `classify` and `logs` mask text but never ask about a key."""
    return re.compile(_SECRET_WORDS, re.IGNORECASE)


def mask_patterns(text: str) -> str:
    """Mask credential-shaped substrings, keeping the surrounding text readable."""
    return _remembered(_PATTERN_MEMO, text, _mask_patterns)


def _mask_patterns(text: str) -> str:
    url_userinfo, key_value, bearer, redis_auth = _shapes()
    if "://" in text:
        text = url_userinfo.sub(lambda m: f"://{m['user']}:{MASK}@", text)
    text = key_value.sub(_kv_masked, text)
    text = bearer.sub(lambda m: f"{m['key']}{MASK}", text)
    return redis_auth.sub(lambda m: f"{m['key']}{MASK}", text)


def _kv_masked(m: re.Match[str]) -> str:
    value = m["val"]
    quote_char = value[0] if value[:1] in ("'", '"') else ""
    return f"{m['keep']}{quote_char}{MASK}{quote_char}"


def mask_url(url: str) -> str:
    """A URL with its password (or a lone user, usually a token) and credential query values masked."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a malformed port: fall back to text masking)
    except ValueError:
        return mask_patterns(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0] if ":" in userinfo else MASK
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(names_secret(k) for k, _ in pairs):
            query = urlencode([(k, MASK if names_secret(k) else v) for k, v in pairs], safe="*")
    return mask_patterns(urlunsplit(parts._replace(netloc=netloc, query=query)))


def _forms(secret: str) -> set[str]:
    """The ways a secret is written out: as is, JSON- and repr-escaped, URL-encoded."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms.add(repr(secret)[1:-1])
    forms.add(secret.encode("unicode_escape").decode("ascii"))
    raw = secret.encode("utf-8", "surrogatepass")  # a lone surrogate has no strict UTF-8 form
    forms.update((quote(raw, safe=""), quote_plus(raw), quote(raw), repr(raw)[2:-1]))
    return {f for f in forms if len(f) >= _MIN_SECRET}


class Redactor:
    """Masks known secret values and credential shapes in values. Immutable; share freely."""

    __slots__ = ("_forms", "_memo", "_secrets", "_url_memo", "_value_memo")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = frozenset(s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET)
        forms = set().union(*(_forms(s) for s in self._secrets)) if self._secrets else set()
        # Longest first, so a secret that contains another is masked whole.
        self._forms = tuple(sorted(forms, key=len, reverse=True))
        # text -> masked text: caches, not state (see _MEMO_CHARS)
        self._memo: dict[str, str] = {}
        self._url_memo: dict[str, str] = {}
        self._value_memo: dict[str, str] = {}

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        return Redactor((*self._secrets, *secrets))

    def __call__(self, text: str) -> str:
        return _remembered(self._memo, text, self._mask)

    def _mask(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return self._edges(mask_patterns(text))

    def clip(self, text: str, limit: int, ellipsis: str = "") -> str:
        """Mask, then cut to `limit` characters: the cut can never keep part of a secret.

        Only a window longer than the limit by more than any known secret (and any credential shape's key)
        is masked, so clipping a megabyte line costs what clipping a short one does, and a secret that starts
        inside the limit still ends inside the window."""
        window = limit + max(_CLIP_MARGIN, len(self._forms[0]) if self._forms else 0)
        masked = self(text[:window] if len(text) > window else text)
        if len(masked) <= limit:
            return masked
        return masked[: max(0, limit - len(ellipsis))] + ellipsis

    def value(self, value: Any, key: str = "") -> Any:
        """Mask a JSON-like value by structure: a secret-naming key masks its whole value."""
        if key and names_secret(key) and value not in (None, "", [], {}):
            return MASK
        if isinstance(value, str):
            masked = self._value_memo.get(value)  # a result's facts repeat probe after probe
            if masked is None:
                masked = _remembered(self._value_memo, value, self._text)
            return masked
        if isinstance(value, _SEQUENCES):
            return [self.value(v, key) for v in value]
        if isinstance(value, _MAPPINGS):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        return value

    def _text(self, text: str) -> str:
        return self.url(text) if "://" in text else self(text)

    def url(self, url: str) -> str:
        return _remembered(self._url_memo, url, lambda u: self(mask_url(u)))

    def _edges(self, text: str) -> str:
        """A piece of a known secret left at either edge by a cut made elsewhere is masked too."""
        for secret in self._secrets:
            for size in range(len(secret) - 1, _MIN_FRAGMENT - 1, -1):
                if text.endswith(secret[:size]):
                    text = text[:-size] + MASK
                    break
            for size in range(len(secret) - 1, _MIN_FRAGMENT - 1, -1):
                if text.startswith(secret[-size:]):
                    text = MASK + text[size:]
                    break
        return text


# Tuples, not `list | tuple`: isinstance with a union is slower, and value() runs on every fact of every check.
_SEQUENCES = (list, tuple)
_MAPPINGS = (dict, Mapping)  # dict first: the common case, decided without the ABC's check


def _remembered(memo: dict[str, str], text: str, mask: Callable[[str], str]) -> str:
    """`mask(text)`, from `memo` when this short text was masked before."""
    if len(text) > _MEMO_CHARS:
        return mask(text)
    masked = memo.get(text)
    if masked is None:
        if len(memo) >= _MEMO_ENTRIES:
            memo.clear()
        masked = memo[text] = mask(text)
    return masked


NO_SECRETS = Redactor()
