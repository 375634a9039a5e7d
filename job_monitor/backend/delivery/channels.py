"""Where a message goes: e-mail over SMTP, a Slack-compatible incoming webhook, files on disk.

A channel sends one message once and raises what its transport raised; retrying, and deciding
what is worth retrying, is `sending`'s. Every credential is a `SecretStr` (masked in any repr),
and each channel knows its own secrets so that an error about it can be told without them
(`redact`): a webhook's URL is its credential, and HTTP errors quote the URL they failed on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from job_monitor.backend.config import Settings, SmtpSecurity

# httpx logs each request with its URL at INFO, and a webhook's URL is its credential.
logging.getLogger("httpx").setLevel(logging.WARNING)

SEND_TIMEOUT_SECONDS = 30.0
"""One attempt's network timeout (connect, and each read or write)."""
SLACK_SECTION_CHARS = 3000
"""Slack's limit on a section block's text."""
SLACK_HEADER_CHARS = 150
"""Slack's limit on a header block's text."""
SLACK_MAX_SECTIONS = 45
"""Sections per message, within Slack's 50 blocks (a header and a closing note beside them)."""


@dataclass(frozen=True, slots=True)
class Message:
    """What is sent: a subject, a plain-text body and its HTML twin; `stem` names its files."""

    subject: str
    text: str
    html: str
    stem: str | None = None
    """The files' name without suffix (`daily-2026-01-05`); None: `message-<UTC time>`."""


class Channel(Protocol):
    """One place messages go."""

    @property
    def name(self) -> str:
        """How outcomes and logs name it: `email`, `slack`, `file`."""
        ...

    async def send(self, message: Message) -> None:
        """Send once; raise the transport's error on failure."""
        ...

    def redact(self, text: str) -> str:
        """`text` without this channel's secrets."""
        ...


@dataclass(frozen=True, slots=True)
class EmailChannel:
    """E-mail over SMTP: one multipart/alternative message (plain text, then HTML) to every
    recipient. The standard library's `smtplib` runs in a worker thread: it is the client every
    Python mail tool builds on, and one message per report needs nothing faster."""

    host: str
    port: int
    security: SmtpSecurity
    sender: str
    """`jm@example.com` or `Job Monitor <jm@example.com>`."""
    recipients: tuple[str, ...]
    username: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = SEND_TIMEOUT_SECONDS
    tls_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    """The certificates to trust; None: the system's."""
    name: str = "email"

    @property
    def _sender_address(self) -> str:
        """The bare address, without a display name: the envelope's sender."""
        return parseaddr(self.sender)[1] or self.sender

    def compose(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        # A header may not carry a line break: one would start another header.
        email["Subject"] = " ".join(message.subject.split())
        email["From"] = self.sender
        email["To"] = ", ".join(self.recipients)
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = make_msgid(domain=self._sender_address.rpartition("@")[2] or None)
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    async def send(self, message: Message) -> None:
        await asyncio.to_thread(self._send, self.compose(message))

    def _send(self, email: EmailMessage) -> None:
        context = self.tls_context or ssl.create_default_context()
        client: smtplib.SMTP
        if self.security is SmtpSecurity.TLS:
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds)
        with client:
            if self.security is SmtpSecurity.STARTTLS:
                client.starttls(context=context)
            if self.username is not None:
                secret = self.password.get_secret_value() if self.password is not None else ""
                client.login(self.username, secret)
            client.send_message(
                email, from_addr=self._sender_address, to_addrs=list(self.recipients)
            )

    def redact(self, text: str) -> str:
        return _without(text, self.password)


@dataclass(frozen=True, slots=True)
class SlackWebhookChannel:
    """A Slack-compatible incoming webhook: one POST of `{"text", "blocks"}` (Mattermost and
    Rocket.Chat accept the same)."""

    url: SecretStr
    timeout_seconds: float = SEND_TIMEOUT_SECONDS
    name: str = "slack"

    async def send(self, message: Message) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
            response = await client.post(self.url.get_secret_value(), json=slack_payload(message))
            response.raise_for_status()

    def redact(self, text: str) -> str:
        return _without(text, self.url)


def slack_escape(text: str) -> str:
    """Slack's mrkdwn escapes: `<`, `>` and `&` only, so a job named `<!channel>` pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: Message) -> dict[str, Any]:
    """The message as Slack blocks: the subject as a header, the plain text in sections cut at line
    ends; what does not fit in one message is left to the e-mail and the app. `text` is the
    notification's line."""
    sections = _chunks(slack_escape(message.text), SLACK_SECTION_CHARS)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(message.subject, SLACK_HEADER_CHARS)},
        },
        *(
            {"type": "section", "text": {"type": "mrkdwn", "text": section}}
            for section in sections[:SLACK_MAX_SECTIONS]
        ),
    ]
    if len(sections) > SLACK_MAX_SECTIONS:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "The rest is in the e-mail and the app."}],
            }
        )
    return {"text": slack_escape(message.subject), "blocks": blocks}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at line ends (a longer line is cut
    where it must)."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        for start in range(0, len(line), limit):
            piece = line[start : start + limit]
            if len(current) + len(piece) > limit:
                chunks.append(current)
                current = ""
            current += piece
    chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class FileChannel:
    """Files in a directory: `<stem>.html` and `<stem>.txt`, each written whole or not at all
    (written beside, then renamed into place)."""

    directory: Path
    name: str = "file"

    def paths_for(self, message: Message) -> tuple[Path, Path]:
        stem = message.stem or f"message-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        # A name, never a path: nothing is written outside the directory.
        safe = _UNSAFE_IN_NAMES.sub("-", stem).strip(".-") or "message"
        return self.directory / f"{safe}.html", self.directory / f"{safe}.txt"

    async def send(self, message: Message) -> None:
        await asyncio.to_thread(self._write, message)

    def _write(self, message: Message) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        html, text = self.paths_for(message)
        for target, body in ((html, message.html), (text, message.text)):
            partial = target.with_name(f".{target.name}.partial")
            partial.write_text(body, encoding="utf-8")
            os.replace(partial, target)

    def redact(self, text: str) -> str:
        return text


def _without(text: str, secret: SecretStr | None) -> str:
    value = secret.get_secret_value() if secret is not None else ""
    return text.replace(value, "[secret]") if value else text


class ChannelKind(StrEnum):
    """The channels `job-monitor report --to` names."""

    EMAIL = "email"
    SLACK = "slack"
    FILE = "file"


DEFAULT_REPORT_DIR = Path("reports")


def configured_channels(
    settings: Settings, kinds: Sequence[ChannelKind], out: Path | None
) -> tuple[list[Channel], list[str]]:
    """The channels asked for, from the settings; and, for those the settings cannot make, what is
    missing in words (naming the environment variables, never their values). Files go to `out`,
    else `report_dir`, else ./reports."""
    channels: list[Channel] = []
    problems: list[str] = []
    for kind in dict.fromkeys(kinds):
        if kind is ChannelKind.FILE:
            channels.append(FileChannel(out or settings.report_dir or DEFAULT_REPORT_DIR))
        elif kind is ChannelKind.SLACK:
            if settings.slack_webhook_url is None:
                problems.append("slack: set JOB_MONITOR_SLACK_WEBHOOK_URL")
            else:
                channels.append(SlackWebhookChannel(settings.slack_webhook_url))
        else:
            email = _email_channel(settings)
            if isinstance(email, str):
                problems.append(f"email: {email}")
            else:
                channels.append(email)
    return channels, problems


def _email_channel(settings: Settings) -> EmailChannel | str:
    """The e-mail channel, or what keeps the settings from making one."""
    host, sender, recipients = settings.smtp_host, settings.mail_from, settings.mail_to
    if not host or not sender or not recipients:
        missing = [
            name
            for name, value in (
                ("JOB_MONITOR_SMTP_HOST", host),
                ("JOB_MONITOR_MAIL_FROM", sender),
                ("JOB_MONITOR_MAIL_TO", recipients),
            )
            if not value
        ]
        return f"set {', '.join(missing)}"
    if settings.smtp_username is not None and settings.smtp_security is SmtpSecurity.NONE:
        return (
            "JOB_MONITOR_SMTP_SECURITY=none would send the SMTP password in clear text; use "
            "starttls or tls"
        )
    return EmailChannel(
        host=host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        sender=sender,
        recipients=recipients,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )
