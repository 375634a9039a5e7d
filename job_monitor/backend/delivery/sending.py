"""Sending with retries, to every channel at once.

`deliver` sends one message to every channel concurrently; each channel is tried up to `attempts`
times with exponential backoff and jitter (`retry_delay`), so a slow or failing channel never holds
up or fails the others, and each gets a typed outcome. What is retried: connection failures and
timeouts, HTTP 429 (after its `Retry-After`, within a cap) and 5xx, SMTP 4yz replies (the protocol's
"try again later"). What is not: HTTP 4xx, SMTP 5yz (a refused login, a refused address), TLS
failures, anything else: trying again would fail again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import smtplib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from job_monitor.backend.delivery.channels import Channel, Message

logger = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
"""No wait between two attempts is longer than this, whatever the attempt."""
MAX_RETRY_AFTER_SECONDS = 120.0
"""A `Retry-After` longer than this is not waited for in full: the next attempt may be early."""


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How sending to one channel went: delivered or not, after how many attempts, and why not
    (in words, without the channel's secrets)."""

    channel: str
    delivered: bool
    attempts: int
    error: str | None = None


def retry_delay(
    attempt: int, backoff_seconds: float, jitter: float, retry_after: float | None = None
) -> float:
    """Seconds to wait after failed attempt `attempt` (1 for the first): `backoff x 2^(attempt-1)`
    capped at `MAX_BACKOFF_SECONDS`, of which the upper half is jittered (`jitter` in [0, 1)) so
    that senders failing together do not retry together; at least `retry_after` (capped) when the
    server said when to come back."""
    ceiling = min(MAX_BACKOFF_SECONDS, backoff_seconds * 2.0 ** (attempt - 1))
    delay = ceiling / 2 + ceiling / 2 * jitter
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


def is_transient(error: BaseException) -> bool:
    """Whether trying again may succeed (see the module docstring)."""
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        return status == httpx.codes.TOO_MANY_REQUESTS or status >= 500
    if isinstance(error, httpx.UnsupportedProtocol):
        return False
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    return isinstance(
        error, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError | socket.gaierror
    )


def retry_after(error: BaseException, now: datetime | None = None) -> float | None:
    """The seconds an HTTP answer's `Retry-After` asks for (a number or an HTTP date)."""
    if not isinstance(error, httpx.HTTPStatusError):
        return None
    value = error.response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def describe(error: BaseException) -> str:
    """What went wrong, in words that name no URL (an HTTP error quotes the URL it failed on)."""
    if isinstance(error, httpx.HTTPStatusError):
        response = error.response
        return f"HTTP {response.status_code} {response.reason_phrase}".strip()
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"SMTP {error.smtp_code} {text}".strip()
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"SMTP refused every recipient ({len(error.recipients)})"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def send_with_retries(
    channel: Channel,
    message: Message,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
) -> DeliveryOutcome:
    """Send to one channel, retrying transient failures; never raises for a failed send."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    attempt = 1
    while True:
        try:
            await channel.send(message)
        except Exception as error:
            reason = channel.redact(describe(error))
            if attempt >= attempts or not is_transient(error):
                logger.warning(
                    "delivery to %s failed after %d attempt(s): %s", channel.name, attempt, reason
                )
                return DeliveryOutcome(
                    channel.name, delivered=False, attempts=attempt, error=reason
                )
            jitter = random.random()  # noqa: S311 (spreads retries; not a secret)
            wait = retry_delay(attempt, backoff_seconds, jitter, retry_after(error))
            logger.info(
                "delivery to %s failed (%s); attempt %d in %.1f s",
                channel.name,
                reason,
                attempt + 1,
                wait,
            )
            await asyncio.sleep(wait)
            attempt += 1
        else:
            logger.info("delivered to %s (attempt %d)", channel.name, attempt)
            return DeliveryOutcome(channel.name, delivered=True, attempts=attempt)


async def deliver(
    message: Message,
    channels: Sequence[Channel],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
) -> list[DeliveryOutcome]:
    """Send to every channel concurrently; one outcome per channel, in the channels' order."""
    return list(
        await asyncio.gather(
            *(
                send_with_retries(channel, message, attempts, backoff_seconds)
                for channel in channels
            )
        )
    )
