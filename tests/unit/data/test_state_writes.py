"""The app's state writes: Delta's concurrent-write conflict (SQLSTATE 2D521) is retried with
backoff, anything else is not, and a state schema setting can only name a schema; the delivery
episodes that make "sent once" are stable within an episode and new with the next."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.config import Settings
from job_monitor.backend.data import state
from job_monitor.backend.data.state import WRITE_ATTEMPTS, quoted_schema
from job_monitor.backend.domain.alerts import AlertKind, AlertRecord, AlertSeverity
from job_monitor.backend.domain.errors import WarehouseQueryFailedError
from job_monitor.backend.services.dispatch import episode

CONFLICT = WarehouseQueryFailedError(
    "set_budget",
    "BAD_REQUEST",
    "[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added. SQLSTATE: 2D521",
)
OTHER = WarehouseQueryFailedError("set_budget", "BAD_REQUEST", "[PARSE_SYNTAX_ERROR] x")


class Flaky:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "written"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "WRITE_BACKOFF_SECONDS", 0.0)


def test_a_conflict_is_retried_until_the_write_lands() -> None:
    write = Flaky(CONFLICT, CONFLICT)
    assert asyncio.run(state._retrying_conflicts(write)) == "written"
    assert write.calls == 3


def test_a_lasting_conflict_gives_up_after_its_attempts() -> None:
    write = Flaky(*[CONFLICT] * (WRITE_ATTEMPTS + 1))
    with pytest.raises(WarehouseQueryFailedError):
        asyncio.run(state._retrying_conflicts(write))
    assert write.calls == WRITE_ATTEMPTS


def test_another_failure_is_not_retried() -> None:
    write = Flaky(OTHER)
    with pytest.raises(WarehouseQueryFailedError):
        asyncio.run(state._retrying_conflicts(write))
    assert write.calls == 1


def test_the_state_schema_setting_names_a_schema_and_nothing_else() -> None:
    assert quoted_schema("main.job_monitor") == "`main`.`job_monitor`"
    for bad in ("main", "main.x.y", "main.x; DROP TABLE y", "main.`x`", "a-b.c"):
        with pytest.raises(ValueError, match="state_schema"):
            Settings(state_schema=bad)


NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def alert(first_seen_at: datetime | None) -> AlertRecord:
    return AlertRecord(
        kind=AlertKind.FAILURE_STREAK,
        severity=AlertSeverity.P1,
        job_id=7,
        title="t",
        detail="d",
        remediation="r",
        first_seen_at=first_seen_at,
        magnitude=3.0,
    )


def test_an_alert_episode_is_its_id_and_the_start_of_its_condition() -> None:
    started = NOW - timedelta(hours=5)
    assert episode(alert(started), NOW) == episode(alert(started), NOW + timedelta(hours=1))
    assert episode(alert(started), NOW) != episode(alert(NOW), NOW)
    assert episode(alert(started), NOW).startswith("alert:FAILURE_STREAK:7:")


def test_a_condition_without_a_known_start_is_one_episode_a_month() -> None:
    assert episode(alert(None), NOW) == episode(alert(None), NOW + timedelta(days=10))
    assert episode(alert(None), NOW) != episode(alert(None), NOW + timedelta(days=40))
