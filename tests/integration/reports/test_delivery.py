"""Delivery end to end: a real SMTP server on loopback (plain, STARTTLS with a login, implicit TLS
with a login) and a local webhook receiver; retries that recover, a 429 that is waited out, failures
that are not retried, and a failing channel that never holds up or fails the others."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from job_monitor.backend.config import SmtpSecurity
from job_monitor.backend.delivery import (
    Channel,
    EmailChannel,
    FileChannel,
    Message,
    SlackWebhookChannel,
    deliver,
    send_with_retries,
)
from tests.conftest import unused_port
from tests.integration.reports.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    Certificate,
    SmtpServer,
    Webhooks,
)

MESSAGE = Message(
    subject="Job Monitor daily health 2026-01-05: 3 failed runs",
    text="3 failed runs\nnightly-sales: FAILED (DRIVER_ERROR)\n",
    html="<!DOCTYPE html><html><body><p>3 failed runs</p></body></html>",
    stem="daily-2026-01-05",
)
FAST = 0.01
"""Backoff for tests: the retries are real, the waits short."""


def email_to(server: SmtpServer, **options: object) -> EmailChannel:
    defaults: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "security": SmtpSecurity.NONE,
        "sender": "Job Monitor <job-monitor@example.com>",
        "recipients": ("oncall@example.com", "lead@example.com"),
        "timeout_seconds": 5.0,
    }
    return EmailChannel(**{**defaults, **options})  # type: ignore[arg-type]


def assert_received_the_report(server: SmtpServer) -> None:
    assert len(server.mailbox.messages) == 1
    envelope, email = server.mailbox.messages[0]
    assert envelope.mail_from == "job-monitor@example.com"
    assert envelope.rcpt_tos == ["oncall@example.com", "lead@example.com"]
    assert email["Subject"] == MESSAGE.subject
    assert email.get_content_type() == "multipart/alternative"
    text, html = list(email.iter_parts())
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    # SMTP carries lines ended by CRLF
    assert text.get_content().replace("\r\n", "\n") == MESSAGE.text
    assert html.get_content().strip() == MESSAGE.html


async def test_an_email_reaches_an_smtp_server_as_text_and_html_alternatives(
    smtp_server: SmtpServer,
) -> None:
    outcome = await send_with_retries(email_to(smtp_server), MESSAGE, 3, FAST)
    assert (outcome.delivered, outcome.attempts, outcome.error) == (True, 1, None)
    assert_received_the_report(smtp_server)


async def test_an_email_is_sent_over_starttls_with_a_login(
    starttls_smtp_server: SmtpServer, certificate: Certificate
) -> None:
    channel = email_to(
        starttls_smtp_server,
        security=SmtpSecurity.STARTTLS,
        username=SMTP_USER,
        password=SecretStr(SMTP_PASSWORD),
        tls_context=certificate.client,
    )
    outcome = await send_with_retries(channel, MESSAGE, 3, FAST)
    assert outcome.delivered, outcome.error
    assert_received_the_report(starttls_smtp_server)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_an_email_is_sent_over_implicit_tls_with_a_login(
    tls_smtp_server: SmtpServer, certificate: Certificate
) -> None:
    channel = email_to(
        tls_smtp_server,
        security=SmtpSecurity.TLS,
        username=SMTP_USER,
        password=SecretStr(SMTP_PASSWORD),
        tls_context=certificate.client,
    )
    outcome = await send_with_retries(channel, MESSAGE, 3, FAST)
    assert outcome.delivered, outcome.error
    assert_received_the_report(tls_smtp_server)


async def test_a_refused_login_is_not_retried_and_its_error_tells_no_password(
    starttls_smtp_server: SmtpServer, certificate: Certificate
) -> None:
    wrong = "wrong-" + SMTP_PASSWORD
    channel = email_to(
        starttls_smtp_server,
        security=SmtpSecurity.STARTTLS,
        username=SMTP_USER,
        password=SecretStr(wrong),
        tls_context=certificate.client,
    )
    outcome = await send_with_retries(channel, MESSAGE, 4, FAST)
    assert (outcome.delivered, outcome.attempts) == (False, 1)
    assert outcome.error is not None
    assert outcome.error.startswith("SMTP 535")
    assert wrong not in outcome.error
    assert starttls_smtp_server.mailbox.messages == []


async def test_a_webhook_gets_the_text_and_blocks(webhooks: Webhooks) -> None:
    url = webhooks.script("/hooks/ok", 200)
    outcome = await send_with_retries(SlackWebhookChannel(SecretStr(url)), MESSAGE, 3, FAST)
    assert (outcome.delivered, outcome.attempts) == (True, 1)
    [payload] = webhooks.received["/hooks/ok"]
    assert payload["text"] == MESSAGE.subject
    assert payload["blocks"][0]["text"]["text"] == MESSAGE.subject
    assert "nightly-sales: FAILED (DRIVER_ERROR)" in payload["blocks"][1]["text"]["text"]


async def test_a_webhook_that_fails_twice_with_503_then_recovers_is_delivered_on_the_third_try(
    webhooks: Webhooks,
) -> None:
    url = webhooks.script("/hooks/flaky", 503, 503, 200)
    outcome = await send_with_retries(SlackWebhookChannel(SecretStr(url)), MESSAGE, 4, FAST)
    assert (outcome.delivered, outcome.attempts, outcome.error) == (True, 3, None)
    assert len(webhooks.received["/hooks/flaky"]) == 3


async def test_a_429_is_retried_after_its_retry_after(webhooks: Webhooks) -> None:
    url = webhooks.script("/hooks/busy", (429, {"Retry-After": "1"}), 200)
    started = time.monotonic()
    outcome = await send_with_retries(SlackWebhookChannel(SecretStr(url)), MESSAGE, 3, FAST)
    assert (outcome.delivered, outcome.attempts) == (True, 2)
    assert time.monotonic() - started >= 1.0


async def test_a_4xx_is_not_retried_and_the_outcome_names_no_url(webhooks: Webhooks) -> None:
    url = webhooks.script("/hooks/T000/B000/revoked-token", 404)
    outcome = await send_with_retries(SlackWebhookChannel(SecretStr(url)), MESSAGE, 4, FAST)
    assert (outcome.delivered, outcome.attempts) == (False, 1)
    assert outcome.error == "HTTP 404 Not Found"
    assert outcome.channel == "slack"


async def test_an_unreachable_channel_is_retried_up_to_its_attempts() -> None:
    url = f"http://127.0.0.1:{unused_port()}/hooks/nobody"
    outcome = await send_with_retries(SlackWebhookChannel(SecretStr(url)), MESSAGE, 3, FAST)
    assert (outcome.delivered, outcome.attempts) == (False, 3)
    assert outcome.error is not None
    assert "nobody" not in outcome.error


async def test_a_failing_channel_neither_fails_nor_holds_up_the_others(
    smtp_server: SmtpServer, webhooks: Webhooks, report_dir: Path
) -> None:
    # given a webhook that always answers 503, an SMTP server, a directory, and a webhook that
    # was revoked
    failing = SlackWebhookChannel(SecretStr(webhooks.script("/hooks/down", 503)))
    revoked = SlackWebhookChannel(SecretStr(webhooks.script("/hooks/revoked", 403)))
    channels: list[Channel] = [failing, email_to(smtp_server), FileChannel(report_dir), revoked]
    # when the message goes to all of them, retrying the failing one with waits of 0.25 s and more
    sending = asyncio.ensure_future(deliver(MESSAGE, channels, attempts=4, backoff_seconds=0.5))
    # then the e-mail arrives while the failing webhook is still being retried
    arrived = await asyncio.to_thread(smtp_server.mailbox.arrived.wait, 10)
    assert arrived
    assert not sending.done()
    outcomes = await sending
    # and every channel has its outcome, in order
    assert [(o.channel, o.delivered, o.attempts) for o in outcomes] == [
        ("slack", False, 4),
        ("email", True, 1),
        ("file", True, 1),
        ("slack", False, 1),
    ]
    assert [o.error for o in outcomes] == [
        "HTTP 503 Service Unavailable",
        None,
        None,
        "HTTP 403 Forbidden",
    ]
    assert_received_the_report(smtp_server)
    assert (report_dir / "daily-2026-01-05.html").read_text() == MESSAGE.html
    assert (report_dir / "daily-2026-01-05.txt").read_text() == MESSAGE.text


async def test_a_file_channel_that_cannot_write_fails_alone(
    tmp_path: Path, webhooks: Webhooks
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the directory should be")
    hook = SlackWebhookChannel(SecretStr(webhooks.script("/hooks/fine", 200)))
    outcomes = await deliver(
        MESSAGE, [FileChannel(blocked), hook], attempts=3, backoff_seconds=FAST
    )
    assert [(o.channel, o.delivered, o.attempts) for o in outcomes] == [
        ("file", False, 1),
        ("slack", True, 1),
    ]
    assert outcomes[0].error is not None
    assert outcomes[0].error.startswith("FileExistsError")


@pytest.mark.parametrize("attempts", [0, -1])
async def test_attempts_must_be_at_least_one(attempts: int, report_dir: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await send_with_retries(FileChannel(report_dir), MESSAGE, attempts, FAST)
