"""Delivery rules without a network: how long to wait between attempts, what is worth another
attempt, errors told without secrets, Slack's escaping and limits, file names, and the channels the
settings can make."""

from __future__ import annotations

import smtplib
import socket
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from job_monitor.backend.config import Settings, SmtpSecurity
from job_monitor.backend.delivery import (
    ChannelKind,
    EmailChannel,
    FileChannel,
    Message,
    SlackWebhookChannel,
    configured_channels,
)
from job_monitor.backend.delivery.channels import (
    SLACK_MAX_SECTIONS,
    SLACK_SECTION_CHARS,
    slack_payload,
)
from job_monitor.backend.delivery.sending import (
    MAX_BACKOFF_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    describe,
    is_transient,
    retry_after,
    retry_delay,
)

WEBHOOK = "https://hooks.example.com/services/T000/B000/s3cr3t-t0k3n"
MESSAGE = Message(subject="Daily health", text="figures", html="<p>figures</p>", stem="daily-x")


def http_error(status: int, headers: dict[str, str] | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", WEBHOOK)
    response = httpx.Response(status, headers=headers, request=request)
    return httpx.HTTPStatusError(f"failed for url {WEBHOOK}", request=request, response=response)


def test_waits_grow_exponentially_with_jitter_and_stay_bounded() -> None:
    assert retry_delay(1, 1.0, jitter=0.0) == 0.5
    assert retry_delay(1, 1.0, jitter=0.999) == pytest.approx(1.0, abs=0.001)
    assert retry_delay(3, 1.0, jitter=0.0) == 2.0
    assert retry_delay(30, 1.0, jitter=0.999) <= MAX_BACKOFF_SECONDS
    assert retry_delay(2, 0.0, jitter=0.5) == 0.0


def test_a_retry_after_is_honoured_within_its_cap() -> None:
    assert retry_delay(1, 1.0, jitter=0.0, retry_after=7.0) == 7.0
    assert retry_delay(1, 1.0, jitter=0.0, retry_after=0.0) == 0.5
    assert retry_delay(1, 1.0, jitter=0.0, retry_after=10_000.0) == MAX_RETRY_AFTER_SECONDS


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 5, 7, tzinfo=UTC)
    assert retry_after(http_error(429, {"Retry-After": "12"})) == 12.0
    later = format_datetime(datetime(2026, 1, 5, 7, 0, 30, tzinfo=UTC), usegmt=True)
    assert retry_after(http_error(503, {"Retry-After": later}), now) == 30.0
    assert retry_after(http_error(429, {"Retry-After": "soon"})) is None
    assert retry_after(http_error(429)) is None
    assert retry_after(ConnectionRefusedError()) is None


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (http_error(429), True),
        (http_error(500), True),
        (http_error(503), True),
        (http_error(400), False),
        (http_error(403), False),
        (http_error(404), False),
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("slow"), True),
        (httpx.UnsupportedProtocol("ftp"), False),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPResponseException(421, b"try later"), True),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPSenderRefused(550, b"no", "a@example.com"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), False),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (socket.gaierror(-3, "temporary failure in name resolution"), True),
        (PermissionError("read-only"), False),
        (ValueError("bad"), False),
    ],
    ids=repr,
)
def test_only_failures_that_may_pass_are_retried(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_errors_are_told_without_the_webhook_url() -> None:
    channel = SlackWebhookChannel(SecretStr(WEBHOOK))
    assert describe(http_error(503)) == "HTTP 503 Service Unavailable"
    # an error whose text quotes the URL loses it
    quoted = channel.redact(describe(httpx.ConnectError(f"cannot reach {WEBHOOK}")))
    assert "s3cr3t" not in quoted
    assert "[secret]" in quoted
    assert "s3cr3t" not in repr(channel)
    assert describe(smtplib.SMTPAuthenticationError(535, b"5.7.8 bad")) == "SMTP 535 5.7.8 bad"


def test_slack_text_is_escaped_so_a_job_name_pings_nobody() -> None:
    message = Message(subject="a & <b>", text="job <!channel> & <@U123>", html="")
    payload = slack_payload(message)
    assert payload["text"] == "a &amp; &lt;b&gt;"
    assert payload["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "a & <b>"},
    }
    assert payload["blocks"][1]["text"] == {
        "type": "mrkdwn",
        "text": "job &lt;!channel&gt; &amp; &lt;@U123&gt;",
    }


def test_a_long_report_fits_slacks_limits() -> None:
    line = "x" * 70 + "\n"
    message = Message(subject="s" * 400, text=line * 5000 + "y" * 7000, html="")
    blocks = slack_payload(message)["blocks"]
    header, *sections = blocks
    assert len(header["text"]["text"]) == 150
    assert len(blocks) <= 50
    texts = [block["text"]["text"] for block in sections if block["type"] == "section"]
    assert len(texts) == SLACK_MAX_SECTIONS
    assert all(len(text) <= SLACK_SECTION_CHARS for text in texts)
    # cut at line ends while lines allow
    assert all(text.endswith("\n") for text in texts)
    assert blocks[-1]["type"] == "context"


def test_files_are_named_after_the_message_and_stay_in_their_directory(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path)
    assert channel.paths_for(MESSAGE) == (tmp_path / "daily-x.html", tmp_path / "daily-x.txt")
    escaping = Message("s", "t", "h", stem="../../etc/passwd")
    html, text = channel.paths_for(escaping)
    assert html.parent == tmp_path
    assert text.parent == tmp_path
    unnamed, _ = channel.paths_for(Message("s", "t", "h"))
    assert unnamed.name.startswith("message-")


def test_an_email_is_text_then_html_alternatives_to_every_recipient() -> None:
    channel = EmailChannel(
        host="smtp.example.com",
        port=587,
        security=SmtpSecurity.STARTTLS,
        sender="Job Monitor <job-monitor@example.com>",
        recipients=("a@example.com", "b@example.com"),
        username="job-monitor",
        password=SecretStr("pa55word"),
    )
    email = channel.compose(Message("Daily\r\nBcc: evil@example.com", "figures", "<p>figures</p>"))
    assert email.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in email.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert email["To"] == "a@example.com, b@example.com"
    assert email["From"] == "Job Monitor <job-monitor@example.com>"
    assert email["Message-ID"].endswith("@example.com>")
    assert email["Subject"] == "Daily Bcc: evil@example.com"
    assert email["Bcc"] is None
    assert "pa55word" not in repr(channel)
    assert channel.redact("login pa55word refused") == "login [secret] refused"


def test_the_settings_make_the_channels_asked_for_or_say_what_is_missing(tmp_path: Path) -> None:
    bare = Settings(host="http://127.0.0.1:1", report_dir=tmp_path)
    channels, problems = configured_channels(
        bare, [ChannelKind.FILE, ChannelKind.EMAIL, ChannelKind.SLACK], None
    )
    assert channels == [FileChannel(tmp_path)]
    assert problems == [
        "email: set JOB_MONITOR_SMTP_HOST, JOB_MONITOR_MAIL_FROM, JOB_MONITOR_MAIL_TO",
        "slack: set JOB_MONITOR_SLACK_WEBHOOK_URL",
    ]
    full = Settings(
        host="http://127.0.0.1:1",
        smtp_host="smtp.example.com",
        mail_from="jm@example.com",
        mail_to="a@example.com, b@example.com",  # type: ignore[arg-type]
        slack_webhook_url=SecretStr(WEBHOOK),
    )
    channels, problems = configured_channels(
        full, [ChannelKind.EMAIL, ChannelKind.SLACK, ChannelKind.FILE], tmp_path / "out"
    )
    assert problems == []
    assert [channel.name for channel in channels] == ["email", "slack", "file"]
    email = channels[0]
    assert isinstance(email, EmailChannel)
    assert email.recipients == ("a@example.com", "b@example.com")
    assert channels[2] == FileChannel(tmp_path / "out")
    # a password is never sent over a plain connection
    clear = full.model_copy(update={"smtp_username": "u", "smtp_security": SmtpSecurity.NONE})
    _, problems = configured_channels(clear, [ChannelKind.EMAIL], None)
    assert problems == [
        "email: JOB_MONITOR_SMTP_SECURITY=none would send the SMTP password in clear text; use "
        "starttls or tls"
    ]
