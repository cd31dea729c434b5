"""Plain-text e-mail through an SMTP server, with the standard library's smtplib."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT_SECONDS = 10.0


class SmtpDeliveryFailed(Exception):
    """The server could not be reached, or refused the message."""


class SmtpNotifier:
    """Sends each message through ``smtp://host:port`` (``smtps://``: TLS from the start).

    Logs in only when the URL carries ``user:password@``; the password is never
    part of an error message or of :attr:`server`. Each message opens its own
    connection: alerts are rare, and a fresh connection never finds a stale one.
    """

    def __init__(self, url: str, sender: str, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError("must be smtp://host:port or smtps://host:port")
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or DEFAULT_PORTS[parts.scheme]  # ValueError if out of range
        self._user = unquote(parts.username) if parts.username is not None else None
        self._password = unquote(parts.password) if parts.password is not None else None
        self._sender = sender
        self._timeout = timeout
        self.server = f"{parts.scheme}://{self._host}:{self._port}"
        """Where mail goes, fit to log: scheme, host and port, no credentials."""

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one message; raises :class:`SmtpDeliveryFailed` if it was not accepted."""
        message = self._message(to, subject, body)
        try:
            with self._connect() as smtp:
                if self._user is not None and self._password is not None:
                    smtp.login(self._user, self._password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpDeliveryFailed(
                f"could not send mail to {to} through {self.server}: {exc}"
            ) from exc

    def _message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        # The sender's domain, not make_msgid's default: that looks up this host's
        # fully qualified name, which can stall on a badly configured resolver.
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message.set_content(body)  # text/plain; UTF-8 whenever the text needs it
        return message

    def _connect(self) -> smtplib.SMTP:
        if self._tls:
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout)
