"""Alert delivery (`job-monitor alerts dispatch`): each new P1 or P2 alert sent once to each
configured channel, however often and on however many replicas the dispatch runs.

What "once" means: an alert is an episode of a condition — its id with the start of its condition
(`first_seen_at`: a streak's first failure, a run's start); a condition with no known start (a low
success rate, a budget) is one episode per calendar month. Acknowledged alerts are not sent.

How: for each channel, every alert is first claimed in the state table `deliveries` (a MERGE that
inserts the claim only where none is — see `claim_delivery.sql`), so a concurrent dispatcher skips
it; the claimed alerts go out as one message per channel (retried with backoff; a failing channel
never holds up the others), and each claim is then marked SENT or FAILED. A FAILED claim, or one
whose sender died (SENDING for longer than `CLAIM_STALE`), is taken over by the next dispatch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from job_monitor.backend.delivery import Channel, DeliveryOutcome, Message, send_with_retries
from job_monitor.backend.domain.alerts import AlertRecord, AlertSeverity
from job_monitor.backend.reports.render import render_alerts
from job_monitor.backend.services.alerts import AlertQuery, alerts
from job_monitor.backend.services.reports import alert_digest
from job_monitor.backend.services.session import Session

SENT_SEVERITIES = frozenset({AlertSeverity.P1, AlertSeverity.P2})
CLAIM_STALE = timedelta(minutes=30)
"""A claim still SENDING after this was left by a dispatcher that died: the next one takes it."""


def episode(alert: AlertRecord, now: datetime) -> str:
    """The delivery key of the alert's current episode (see the module docstring)."""
    started = alert.first_seen_at
    when = started.isoformat() if started is not None else f"month-{now:%Y-%m}"
    return f"alert:{alert.alert_id}:{when}"


@dataclass(frozen=True, slots=True)
class ChannelDispatch:
    """What one channel was sent in one dispatch."""

    channel: str
    alerts: tuple[AlertRecord, ...]
    """The alerts this dispatch claimed for the channel (others were sent before)."""
    outcome: DeliveryOutcome | None
    """None when there was nothing new to send."""


async def dispatch_alerts(
    session: Session,
    channels: Sequence[Channel],
    *,
    attempts: int,
    backoff_seconds: float,
) -> list[ChannelDispatch]:
    """Sends the session's new P1/P2 alerts to every channel, once each; one result per channel.
    State write failures raise (`StateWriteFailedError`): nothing is sent unclaimed."""
    found = await alerts(session, AlertQuery(severities=SENT_SEVERITIES))
    state = await session.state()
    now = session.now
    claims: dict[str, list[tuple[AlertRecord, str]]] = {}
    for channel in channels:
        claimed = claims.setdefault(channel.name, [])
        for alert in found.alerts:
            item = episode(alert, now)
            if await state.claim_delivery(item, channel.name, now, now - CLAIM_STALE):
                claimed.append((alert, item))

    async def send(channel: Channel) -> ChannelDispatch:
        claimed = claims[channel.name]
        if not claimed:
            return ChannelDispatch(channel.name, (), None)
        digest = await alert_digest(session, [alert for alert, _ in claimed])
        subject, html, text = render_alerts(digest)
        message = Message(subject, text, html, stem=f"alerts-{now:%Y-%m-%dT%H%M%S}")
        outcome = await send_with_retries(channel, message, attempts, backoff_seconds)
        for _, item in claimed:
            await state.finish_delivery(
                item,
                channel.name,
                now,
                sent=outcome.delivered,
                attempts=outcome.attempts,
                finished_at=datetime.now(UTC),
                detail=outcome.error,
            )
        return ChannelDispatch(channel.name, tuple(alert for alert, _ in claimed), outcome)

    # Concurrently: a slow or failing channel holds up no other.
    return list(await asyncio.gather(*(send(channel) for channel in channels)))
