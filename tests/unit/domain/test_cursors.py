"""Keyset cursors for runs newest first."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.domain.cursors import CursorSigner, RunCursor
from job_monitor.backend.domain.errors import InvalidFilterError

T = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
SIGNER = CursorSigner(b"k" * 32)


@pytest.mark.parametrize(
    "cursor",
    [
        RunCursor(T, 1),
        RunCursor(T, 2**63 - 1),
        RunCursor(datetime(1970, 1, 1, tzinfo=UTC), 5),
        RunCursor(datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 5),
    ],
)
def test_cursors_round_trip(cursor: RunCursor) -> None:
    assert RunCursor.decode(cursor.encode(SIGNER), SIGNER) == cursor


def test_cursors_are_opaque_url_safe_text() -> None:
    text = RunCursor(T, 42).encode(SIGNER)
    assert text.isascii()
    assert not set(text) & set("+/ ")
    assert "42" not in text


def test_cursors_never_skip_or_repeat_a_run_while_new_runs_arrive() -> None:
    # given runs newest first, two sharing a start time
    runs = [(T - timedelta(minutes=m), run_id) for m, run_id in [(0, 9), (5, 8), (5, 7), (9, 3)]]
    ordered = sorted(runs, reverse=True)
    # when the first page of 2 is read and a cursor kept
    cursor = RunCursor(*ordered[1])
    # and new runs arrive (later start times) before the next page is read
    arrived = [*runs, (T + timedelta(minutes=1), 10), (T + timedelta(minutes=2), 11)]
    next_page = sorted((r for r in arrived if cursor.precedes(*r)), reverse=True)
    # then the next page continues exactly where the first ended
    assert ordered[:2] + next_page == ordered


def test_cursors_order_ties_on_start_time_by_run_id() -> None:
    cursor = RunCursor(T, 8)
    assert cursor.precedes(T, 7)
    assert not cursor.precedes(T, 8)
    assert not cursor.precedes(T, 9)
    assert cursor.precedes(T - timedelta(microseconds=1), 99)


def tampered(cursor: str) -> str:
    text = base64.urlsafe_b64decode(cursor).decode()
    return base64.urlsafe_b64encode(text.replace(":42|", ":43|").encode()).decode()


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        (tampered(RunCursor(T, 42).encode(SIGNER)), "after: the cursor has been altered"),
        (RunCursor(T, 42).encode(SIGNER)[:-4], "after: the cursor (is not valid|has been altered)"),
        ("not a cursor!", "after: the cursor is not"),
        ("", "after: the cursor has been altered"),
        ("é", "after: the cursor is not valid"),
        (base64.urlsafe_b64encode(b"arrayconnection:5").decode(), "has been altered"),
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "after: the cursor is not valid"),
        ("A" * 201, "after: the cursor is too long"),
    ],
)
def test_cursors_tampered_or_foreign_cursor_is_an_invalid_filter(cursor: str, message: str) -> None:
    with pytest.raises(InvalidFilterError, match=message) as caught:
        RunCursor.decode(cursor, SIGNER)
    assert caught.value.field == "after"


def test_a_cursor_recomputed_without_the_key_is_refused() -> None:
    # given a cursor for run 43 that someone made with the unkeyed scheme or another key
    forged = RunCursor(T, 43).encode(CursorSigner(b"another key, not ours"))
    # then it is not accepted
    with pytest.raises(InvalidFilterError, match="not issued by this service"):
        RunCursor.decode(forged, SIGNER)


def test_cursors_need_a_timezone_aware_start_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        RunCursor(datetime(2026, 11, 25), 1)  # naive on purpose
