"""Who may see details: one rule for the health endpoints and the monitor's status page.

Details (targets, addresses, error texts, guidance) go to a caller presenting the configured token, as
`Authorization: Bearer <token>` or `X-Health-Token: <token>`, compared in constant time; to everyone when the
operator says so (`expose_details`, for a port only they reach); to nobody when no token is configured.
Never from a query string: URLs end up in access logs.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable


def presented_token(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The token in request headers (lower-case names, as ASGI and h11 give them), or None."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, credential = value.partition(b" ")
            if scheme.lower() == b"bearer":
                return bytes(credential.strip())
        elif name == b"x-health-token":
            return bytes(value.strip())
    return None


class DetailGate:
    """Decides, per request, whether details may be shown."""

    def __init__(self, token: str | None, *, expose_details: bool = False) -> None:
        self._token = token.encode() if token else None
        self.expose_details = expose_details

    def allows(self, presented: bytes | None) -> bool:
        if self.expose_details:
            return True
        if self._token is None or presented is None:
            return False
        return hmac.compare_digest(presented, self._token)
