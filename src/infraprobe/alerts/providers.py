"""Where alerts go: a generic JSON webhook, a Slack-compatible incoming webhook, e-mail over SMTP + STARTTLS.

A sender delivers one payload (see message.py) or raises `DeliveryFailed` with a one-line reason; it is
called from the dispatcher's worker threads, never from the monitor's loop, and each attempt is bounded by
the configured timeout. Reasons never quote a URL, a header or a password: they are built from status codes
and error names here, and masked again by the config's redactor before they are stored or shown.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any, Protocol

from infraprobe.alerts import message
from infraprobe.configfile.alerts import Email, Provider
from infraprobe.errors import InfraprobeError

_MAX_REPLY = 64 * 1024  # a webhook's reply is read (so the connection ends cleanly) but never kept


class DeliveryFailed(InfraprobeError):
    """A provider did not accept an alert; the message is one line and safe to show."""


class Sender(Protocol):
    def send(self, payload: dict[str, Any]) -> None: ...


def sender(provider: Provider, timeout: float) -> Sender:
    if provider.webhook is not None:
        hook = provider.webhook
        return JsonPost(hook.url, dict(hook.headers), timeout, hook.ca_file, lambda doc: doc)
    if provider.slack is not None:
        return JsonPost(provider.slack.url, {}, timeout, provider.slack.ca_file, slack_message)
    assert provider.email is not None
    return Smtp(provider.email, timeout)


def slack_message(doc: dict[str, Any]) -> dict[str, Any]:
    """Incoming-webhook JSON: the summary as the notification line, the details under it."""
    icon = ":white_check_mark:" if doc["event"] == message.RECOVERY else ":rotating_light:"
    return {"text": f"{icon} {message.body(doc)}"}


class JsonPost:
    """POST a JSON document; any 2xx is accepted."""

    def __init__(
        self, url: str, headers: dict[str, str], timeout: float, ca_file: str | None, render: Any
    ) -> None:
        self._url, self._headers, self._timeout = url, headers, timeout
        self._render = render
        context = ssl.create_default_context(cafile=ca_file)
        # No redirects: a hook that moved answers 3xx, which is a failed delivery to look at, not a new URL.
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect)

    def send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(self._render(payload)).encode()
        headers = {"content-type": "application/json", "user-agent": "infraprobe-alerts", **self._headers}
        request = urllib.request.Request(self._url, body, headers, method="POST")
        try:
            with self._opener.open(request, timeout=self._timeout) as reply:
                reply.read(_MAX_REPLY)
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise DeliveryFailed(_reason(exc.reason, self._timeout)) from None
        except (OSError, ValueError) as exc:
            raise DeliveryFailed(_reason(exc, self._timeout)) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Smtp:
    """One SMTP session per alert: connect, STARTTLS (required), log in if configured, send."""

    def __init__(self, settings: Email, timeout: float) -> None:
        self._s, self._timeout = settings, timeout
        self._context = ssl.create_default_context(cafile=settings.ca_file)

    def send(self, payload: dict[str, Any]) -> None:
        s = self._s
        try:
            with smtplib.SMTP(s.host, s.port, timeout=self._timeout) as smtp:
                smtp.starttls(context=self._context)
                if s.username is not None and s.password is not None:
                    smtp.login(s.username, s.password)
                smtp.send_message(self._message(payload))
        except smtplib.SMTPNotSupportedError:
            raise DeliveryFailed("the server does not offer STARTTLS; refusing to send in clear") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(_reason(exc, self._timeout)) from None

    def _message(self, payload: dict[str, Any]) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = f"[infraprobe] {payload['summary']}"
        mail["From"] = self._s.sender
        mail["To"] = ", ".join(self._s.to)
        mail.set_content(message.body(payload))
        return mail


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())[:200]


def _reason(exc: object, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {exc.verify_message}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _text(str(exc)) or type(exc).__name__
