"""Outgoing mail over SMTP (smtplib), configured by the OUTFALL_SMTP_* settings and OUTFALL_MAIL_FROM."""
from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from app.models.schedule import OutboxMessage


class MailNotConfigured(RuntimeError):
    """OUTFALL_SMTP_HOST is not set: reminders are queued but cannot be sent."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    mail_from: str = "outfall@localhost"
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SmtpSettings:
        """From a Flask config (or any mapping holding the OUTFALL_* keys)."""
        host = config.get("OUTFALL_SMTP_HOST")
        if not host:
            raise MailNotConfigured("OUTFALL_SMTP_HOST is not set")
        return cls(host=str(host), port=int(config.get("OUTFALL_SMTP_PORT") or 25),
                   user=config.get("OUTFALL_SMTP_USER") or None, password=config.get("OUTFALL_SMTP_PASSWORD") or None,
                   starttls=bool(config.get("OUTFALL_SMTP_STARTTLS")),
                   mail_from=str(config.get("OUTFALL_MAIL_FROM") or "outfall@localhost"))


def message_id(dedupe_key: str, mail_from: str) -> str:
    """The same reminder always carries the same Message-ID, so a receiving side can drop a repeat."""
    domain = mail_from.rpartition("@")[2].strip(" >") or "outfall.invalid"
    return f"<reminder.{hashlib.sha256(dedupe_key.encode('utf-8')).hexdigest()[:40]}@{domain}>"


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML as the richer alternative."""
    email = EmailMessage()
    email["From"] = formataddr(("Outfall", mail_from))
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.due_at)
    email["Message-ID"] = message_id(message.dedupe_key, mail_from)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    email["X-Outfall-Reminder"] = message.kind
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class SmtpSender:
    """Sends outbox messages over one SMTP connection, opened on first use and reopened after an error."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: OutboxMessage) -> None:
        """Returns once the server accepted the message for its recipient; raises otherwise."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(build_email(message, self.settings.mail_from),
                                              from_addr=self.settings.mail_from, to_addrs=[message.recipient])
        except BaseException:
            self.close()
            raise
        if refused:  # one recipient only, so a partial refusal is a refusal
            raise smtplib.SMTPRecipientsRefused(refused)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
