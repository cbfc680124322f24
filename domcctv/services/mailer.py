"""Outgoing e-mail: SMTP when configured, otherwise a local outbox folder (.eml files).

The outbox makes password reset work in the default run and lets tests read the message
without a mail server.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import anyio

from domcctv.config import Settings
from domcctv.services.clock import utcnow


class Mailer(Protocol):
    """Something that delivers one e-mail."""

    async def send(self, to: str, subject: str, body: str) -> None: ...


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


class OutboxMailer:
    """Writes each message as an .eml file into a folder."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    async def send(self, to: str, subject: str, body: str) -> None:
        msg = _message(self.sender, to, subject, body)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        safe_to = "".join(c if c.isalnum() or c in "@._-" else "_" for c in to)
        path = self.folder / f"{stamp}-{safe_to}.eml"

        def _write() -> None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(msg))

        await anyio.to_thread.run_sync(_write)


class SmtpMailer:
    """Sends through an SMTP server (STARTTLS by default), in a worker thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, to: str, subject: str, body: str) -> None:
        s = self.settings
        msg = _message(s.mail_from, to, subject, body)

        def _send() -> None:
            assert s.smtp_host is not None
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user and s.smtp_password:
                    smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
                smtp.send_message(msg)

        await anyio.to_thread.run_sync(_send)


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(settings.mail_outbox_dir, settings.mail_from)
