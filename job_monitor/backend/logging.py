"""Log format and filters: every line carries the request id; no line carries a token.

Code never logs a token, and the SDK's own messages carry none (its debug string masks secrets and
the user's token is not in any Config). The redaction filter is the second line of defence: the
token of the current request, and anything shaped like a bearer credential, is replaced.
"""

from __future__ import annotations

import logging
import re
import sys

from job_monitor.backend.core import request_id_var, user_token_var

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
REDACTED = "[REDACTED]"


class RequestContextFilter(logging.Filter):
    """Adds `request_id` to each record and strips credentials from its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        message = record.getMessage()
        token = user_token_var.get()
        cleaned = _BEARER.sub(rf"\1{REDACTED}", message)
        if token:
            cleaned = cleaned.replace(token, REDACTED)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str) -> None:
    """Plain lines on stderr (Databricks Apps collects stdout/stderr), one handler on the root."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, "_job_monitor", False)]:
        root.removeHandler(existing)
    handler._job_monitor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
