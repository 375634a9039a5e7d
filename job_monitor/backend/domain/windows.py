"""Time windows for aggregates, and daily series in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from job_monitor.backend.domain.health import FinishedRun
from job_monitor.backend.domain.runs import is_active, is_failure, is_success


class Window(StrEnum):
    """A rolling window ending now: the last 24 hours, 7, 30, 90 or 365 days."""

    LAST_24_HOURS = "LAST_24_HOURS"
    LAST_7_DAYS = "LAST_7_DAYS"
    LAST_30_DAYS = "LAST_30_DAYS"
    LAST_90_DAYS = "LAST_90_DAYS"
    LAST_365_DAYS = "LAST_365_DAYS"

    @property
    def duration(self) -> timedelta:
        """The window's length."""
        return _DURATIONS[self]

    def start(self, now: datetime) -> datetime:
        """The window's start in UTC: `now - duration`. Runs with start_time >= start are in the
        window. `now` must be timezone-aware."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return (now - self.duration).astimezone(UTC)


_DURATIONS = {
    Window.LAST_24_HOURS: timedelta(hours=24),
    Window.LAST_7_DAYS: timedelta(days=7),
    Window.LAST_30_DAYS: timedelta(days=30),
    Window.LAST_90_DAYS: timedelta(days=90),
    Window.LAST_365_DAYS: timedelta(days=365),
}


@dataclass(frozen=True, slots=True)
class DailyRuns:
    """Runs that started on one UTC date: `runs` finished runs, of which `succeeded` and `failed`
    (same classes as `HealthSummary`)."""

    day: date
    runs: int
    succeeded: int
    failed: int

    @property
    def success_rate(self) -> float | None:
        """succeeded / (succeeded + failed); None on a day without such runs."""
        outcomes = self.succeeded + self.failed
        return self.succeeded / outcomes if outcomes else None


def count_by_day(runs: Iterable[FinishedRun]) -> list[DailyRuns]:
    """Bucket runs by the UTC date of their start time; only dates with runs, in date order. Active
    runs are left out, as in `HealthSummary`."""
    totals: dict[date, tuple[int, int, int]] = {}
    for run in runs:
        if is_active(run.state):
            continue
        day = run.start_time.astimezone(UTC).date()
        count, succeeded, failed = totals.get(day, (0, 0, 0))
        totals[day] = (
            count + 1,
            succeeded + int(is_success(run.state)),
            failed + int(is_failure(run.state)),
        )
    return [DailyRuns(day, *totals[day]) for day in sorted(totals)]


def daily_series(window: Window, now: datetime, days: Iterable[DailyRuns]) -> list[DailyRuns]:
    """One entry per UTC date from the window's start date to now's date, both included, oldest
    first.

    Dates without an entry in `days` appear with zeros; entries for the same date are added up;
    entries outside the window's dates are dropped. `days` may come from `count_by_day` or from SQL.
    """
    first, last = window.start(now).date(), now.astimezone(UTC).date()
    totals = {first + timedelta(days=i): (0, 0, 0) for i in range((last - first).days + 1)}
    for entry in days:
        if entry.day in totals:
            count, succeeded, failed = totals[entry.day]
            totals[entry.day] = (
                count + entry.runs,
                succeeded + entry.succeeded,
                failed + entry.failed,
            )
    return [DailyRuns(day, *counts) for day, counts in totals.items()]
