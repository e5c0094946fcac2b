"""Handing a finished e-mail to the world: SMTP, or `.eml` files in a folder (the embedded default)."""
from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Mapping, Protocol

SECURITY = ("starttls", "tls", "none")


class Transport(Protocol):
    def send(self, message: EmailMessage, *, name: str) -> None:
        """Deliver `message`; `name` is stable for one outbox row (a retry reuses it)."""


@dataclass
class FileTransport:
    """Writes each message to `<folder>/<name>.eml`; sending the same row again rewrites one file."""

    folder: Path

    def send(self, message: EmailMessage, *, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.eml"
        partial = self.folder / f".{name}.eml.partial"
        partial.write_bytes(message.as_bytes())
        os.replace(partial, path)  # readers never see half a message


@dataclass
class SmtpTransport:
    """One connection per message: simple, and a broken connection never takes a batch with it."""

    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    password: str = ""
    timeout: float = 30

    def send(self, message: EmailMessage, *, name: str) -> None:
        with self._connect() as smtp:
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def transport_from_config(config: Mapping[str, Any]) -> Transport:
    """The transport the settings name: LMS_MAIL_TRANSPORT = "file" (default) or "smtp"."""
    kind = config["LMS_MAIL_TRANSPORT"]
    if kind == "file":
        return FileTransport(Path(config["LMS_OUTBOX_DIR"]))
    if kind != "smtp":
        raise ValueError(f"LMS_MAIL_TRANSPORT must be 'file' or 'smtp', not {kind!r}")
    security = config["LMS_SMTP_SECURITY"]
    if security not in SECURITY:
        raise ValueError(f"LMS_SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}")
    return SmtpTransport(
        host=config["LMS_SMTP_HOST"], port=int(config["LMS_SMTP_PORT"]), security=security,
        username=config["LMS_SMTP_USERNAME"], password=config["LMS_SMTP_PASSWORD"],
        timeout=float(config["LMS_SMTP_TIMEOUT"]),
    )
