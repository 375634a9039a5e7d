"""Delivery of reports (and, with them, alerts) to e-mail, Slack-compatible webhooks and files."""

from job_monitor.backend.delivery.channels import (
    Channel,
    ChannelKind,
    EmailChannel,
    FileChannel,
    Message,
    SlackWebhookChannel,
    configured_channels,
)
from job_monitor.backend.delivery.sending import DeliveryOutcome, deliver, send_with_retries

__all__ = [
    "Channel",
    "ChannelKind",
    "DeliveryOutcome",
    "EmailChannel",
    "FileChannel",
    "Message",
    "SlackWebhookChannel",
    "configured_channels",
    "deliver",
    "send_with_retries",
]
