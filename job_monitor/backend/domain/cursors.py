"""Keyset cursors for runs listed newest first.

Runs are ordered by (start_time DESC, run_id DESC); run ids are unique, so the order is total. A
cursor holds the (start_time, run_id) of the last run of a page, and the next page is every run
strictly after it in that order. New runs start later, so they sort before any cursor taken earlier:
a page boundary never skips or repeats a run while new runs arrive (an offset would shift). In SQL
the next page is

    WHERE start_time < :start_time
       OR (start_time = :start_time AND CAST(run_id AS BIGINT) < :run_id)
    ORDER BY start_time DESC, CAST(run_id AS BIGINT) DESC

(run ids are strings in the system tables: compare them as numbers).

The cursor text is opaque: URL-safe base64 of a versioned payload and its keyed HMAC
(`CursorSigner`, with a secret from the settings), so a truncated, edited or forged cursor is
rejected with `InvalidFilterError` instead of silently paging from somewhere else: nobody without
the key can make one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from job_monitor.backend.domain.errors import InvalidFilterError

_PREFIX = "run1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_CURSOR_LENGTH = 200


_SIGNATURE_LENGTH = 32


def _invalid(problem: str) -> InvalidFilterError:
    return InvalidFilterError(
        "after", f"{problem}; pass an endCursor or cursor returned by this list"
    )


@dataclass(frozen=True)
class CursorSigner:
    """Signs cursor payloads with a keyed HMAC (SHA-256) and checks them in constant time."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            raise ValueError("a cursor key needs at least 16 bytes")

    def _signature(self, payload: str) -> str:
        return hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()[:_SIGNATURE_LENGTH]

    def sign(self, payload: str) -> str:
        """The cursor text: base64 of the payload and its signature."""
        return base64.urlsafe_b64encode(f"{payload}|{self._signature(payload)}".encode()).decode()

    def verify(self, cursor: str, max_length: int) -> str:
        """The payload a cursor carries; `InvalidFilterError` (field `after`) for one this key did
        not sign, including a truncated or edited one."""
        if len(cursor) > max_length:
            raise _invalid("the cursor is too long")
        try:
            text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise _invalid("the cursor is not valid") from None
        payload, _, signature = text.rpartition("|")
        if not hmac.compare_digest(signature.encode(), self._signature(payload).encode()):
            raise _invalid("the cursor has been altered or was not issued by this service")
        return payload


@dataclass(frozen=True, slots=True)
class RunCursor:
    """A position in a newest-first list of runs: the start time (timezone-aware, microsecond
    precision) and id of the last run already returned."""

    start_time: datetime
    run_id: int

    def __post_init__(self) -> None:
        if self.start_time.tzinfo is None:
            raise ValueError("RunCursor.start_time must be timezone-aware")

    def encode(self, signer: CursorSigner) -> str:
        """The opaque cursor string."""
        micros = (self.start_time - _EPOCH) // timedelta(microseconds=1)
        return signer.sign(f"{_PREFIX}:{micros}:{self.run_id}")

    @classmethod
    def decode(cls, cursor: str, signer: CursorSigner) -> RunCursor:
        """The position a cursor string holds; `InvalidFilterError` (field `after`) for anything
        this service did not sign, or signed for another list."""
        parts = signer.verify(cursor, _MAX_CURSOR_LENGTH).split(":")
        if len(parts) != 3 or parts[0] != _PREFIX:
            raise _invalid("the cursor is not a run cursor")
        try:
            micros, run_id = int(parts[1]), int(parts[2])
            start_time = _EPOCH + timedelta(microseconds=micros)
        except (ValueError, OverflowError):
            raise _invalid("the cursor is not valid") from None
        return cls(start_time=start_time, run_id=run_id)

    def precedes(self, start_time: datetime, run_id: int) -> bool:
        """Whether a run belongs after this position in newest-first order, i.e. on a later page
        (strictly older start time, or the same start time and a smaller run id)."""
        return (start_time, run_id) < (self.start_time, self.run_id)
