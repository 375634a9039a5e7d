"""Log lines carry the request id and never a credential."""

from __future__ import annotations

import contextvars
import logging

from job_monitor.backend.core import request_id_var, user_token_var
from job_monitor.backend.logging import REDACTED, RequestContextFilter


def filtered(message: str, *args: object) -> logging.LogRecord:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, message, args, None)
    RequestContextFilter().filter(record)
    return record


def test_records_carry_the_request_id() -> None:
    def run() -> logging.LogRecord:
        request_id_var.set("req-5")
        return filtered("hello")

    record = contextvars.copy_context().run(run)
    assert record.request_id == "req-5"  # type: ignore[attr-defined]


def test_the_requests_token_and_bearer_credentials_are_redacted() -> None:
    def run() -> logging.LogRecord:
        user_token_var.set("local-secret-token")
        return filtered("called with %s and %s", "local-secret-token", "Bearer eyJabc.def")

    record = contextvars.copy_context().run(run)
    message = record.getMessage()
    assert "local-secret-token" not in message
    assert "eyJabc.def" not in message
    assert message.count(REDACTED) == 2
