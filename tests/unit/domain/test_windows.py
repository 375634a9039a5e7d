"""Windows and the daily series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from job_monitor.backend.domain.health import FinishedRun
from job_monitor.backend.domain.runs import RunState
from job_monitor.backend.domain.windows import DailyRuns, Window, count_by_day, daily_series

NOW = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "duration"),
    [
        (Window.LAST_24_HOURS, timedelta(hours=24)),
        (Window.LAST_7_DAYS, timedelta(days=7)),
        (Window.LAST_30_DAYS, timedelta(days=30)),
        (Window.LAST_90_DAYS, timedelta(days=90)),
        (Window.LAST_365_DAYS, timedelta(days=365)),
    ],
)
def test_windows_start_their_duration_before_now(window: Window, duration: timedelta) -> None:
    assert window.duration == duration
    assert window.start(NOW) == NOW - duration


def test_window_start_is_in_utc_whatever_the_zone_of_now() -> None:
    now = NOW.astimezone(timezone(timedelta(hours=-5)))
    start = Window.LAST_7_DAYS.start(now)
    assert start.utcoffset() == timedelta(0)
    assert start == NOW - timedelta(days=7)


def test_window_start_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Window.LAST_7_DAYS.start(datetime(2026, 11, 25))  # naive on purpose


def run(run_id: int, start: datetime, state: RunState) -> FinishedRun:
    return FinishedRun(run_id, start, start + timedelta(minutes=5), 300.0, state)


def test_windows_daily_series_has_every_utc_date_with_zeros_for_days_without_runs() -> None:
    # given runs on two days of the last 7, one started late on the 20th in UTC-5 (the 21st UTC)
    late_evening = datetime(2026, 11, 20, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    runs = [
        run(1, datetime(2026, 11, 19, 8, tzinfo=UTC), RunState.SUCCEEDED),
        run(2, datetime(2026, 11, 19, 9, tzinfo=UTC), RunState.FAILED),
        run(3, datetime(2026, 11, 19, 10, tzinfo=UTC), RunState.CANCELED),
        run(4, late_evening, RunState.SUCCEEDED),
        run(5, datetime(2026, 11, 25, 1, tzinfo=UTC), RunState.RUNNING),
    ]
    # when the daily series of the last 7 days is built
    series = daily_series(Window.LAST_7_DAYS, NOW, count_by_day(runs))
    # then it has the 8 dates from the 18th to today, oldest first
    assert [d.day for d in series] == [date(2026, 11, 18) + timedelta(days=i) for i in range(8)]
    by_day = {d.day: d for d in series}
    assert by_day[date(2026, 11, 19)] == DailyRuns(date(2026, 11, 19), 3, 1, 1)
    assert by_day[date(2026, 11, 19)].success_rate == 0.5
    assert by_day[date(2026, 11, 21)] == DailyRuns(date(2026, 11, 21), 1, 1, 0)
    # and days without finished runs are zeros with no success rate (the active run is left out)
    assert by_day[date(2026, 11, 25)] == DailyRuns(date(2026, 11, 25), 0, 0, 0)
    assert by_day[date(2026, 11, 25)].success_rate is None


def test_windows_daily_series_adds_up_entries_and_drops_dates_outside_the_window() -> None:
    # given SQL rows split by job, plus one outside the window
    rows = [
        DailyRuns(date(2026, 11, 25), 2, 2, 0),
        DailyRuns(date(2026, 11, 25), 3, 1, 2),
        DailyRuns(date(2026, 10, 1), 9, 9, 0),
    ]
    # when the 24-hour series is built
    series = daily_series(Window.LAST_24_HOURS, NOW, rows)
    # then it covers yesterday and today
    assert series == [
        DailyRuns(date(2026, 11, 24), 0, 0, 0),
        DailyRuns(date(2026, 11, 25), 5, 3, 2),
    ]
