"""Report rules without I/O: which alerts are new and which are action items, daily totals, the
jobs whose spend changed most and what that saved, the most wasteful jobs, and the records'
derived figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from job_monitor.backend.domain.alerts import AlertKind, AlertRecord, AlertSeverity
from job_monitor.backend.domain.costs import DailyCost, JobCostSummary
from job_monitor.backend.domain.reports import (
    JobLink,
    JobSpendChange,
    RenderedReport,
    ReportKind,
    TeamSpend,
    action_items,
    daily_totals,
    first_seen_since,
    most_wasteful,
    over_provisioned_alerts,
    spend_changes,
)
from job_monitor.backend.domain.windows import Window

NOW = datetime(2026, 1, 5, 7, tzinfo=UTC)
JOB = JobLink(1, "nightly", "https://example/jobs/1")


def alert(severity: AlertSeverity, job_id: int, first_seen_at: datetime | None) -> AlertRecord:
    return AlertRecord(
        kind=AlertKind.FAILURE_STREAK,
        severity=severity,
        job_id=job_id,
        title="t",
        detail="d",
        remediation="r",
        first_seen_at=first_seen_at,
        magnitude=1.0,
    )


def spend(job_id: int, now: float, before: float | None, wasted: float = 0.0) -> JobCostSummary:
    return JobCostSummary(
        job_id=job_id,
        dbus=1.0,
        list_cost_usd=now,
        runs=1,
        successful_runs=1,
        wasted_usd=wasted,
        p90_run_cost_usd=None,
        previous_list_cost_usd=before,
        longest_run_seconds=None,
    )


def test_each_report_covers_its_window_and_is_named_in_lower_case() -> None:
    assert ReportKind.DAILY.window is Window.LAST_24_HOURS
    assert ReportKind.WEEKLY.window is Window.LAST_7_DAYS
    assert ReportKind.MONTHLY.window is Window.LAST_30_DAYS
    assert [kind.slug for kind in ReportKind] == ["daily", "weekly", "monthly"]


def test_new_alerts_began_in_the_window_and_an_alert_without_a_start_is_not_new() -> None:
    since = NOW - timedelta(hours=24)
    older = alert(AlertSeverity.P1, 1, since - timedelta(seconds=1))
    exactly = alert(AlertSeverity.P1, 2, since)
    unknown = alert(AlertSeverity.P1, 3, None)
    assert first_seen_since([older, exactly, unknown], since) == [exactly]


def test_action_items_are_the_p1_and_p2_alerts_in_the_order_given() -> None:
    p2, p3, p1 = (
        alert(AlertSeverity.P2, 1, None),
        alert(AlertSeverity.P3, 2, None),
        alert(AlertSeverity.P1, 3, None),
    )
    assert action_items([p2, p3, p1]) == [p2, p1]


def test_the_over_provisioned_alerts_are_listed_apart_in_the_order_given() -> None:
    # given a P1, a bigger and a smaller over-provisioned alert (P3), in the alerts' order
    p1 = alert(AlertSeverity.P1, 1, None)
    bigger = replace(alert(AlertSeverity.P3, 2, None), kind=AlertKind.OVER_PROVISIONED)
    smaller = replace(bigger, job_id=3)
    every = [p1, bigger, smaller]
    # then the over-provisioned ones are listed in that order, and none is an action item
    assert over_provisioned_alerts(every) == [bigger, smaller]
    assert action_items(every) == [p1]


def test_daily_totals_add_every_series_per_day_oldest_first() -> None:
    first, second = date(2026, 1, 1), date(2026, 1, 2)
    totals = daily_totals(
        [
            [DailyCost(second, 1.0, 10.0), DailyCost(first, 2.0, 5.0)],
            [DailyCost(first, 0.5, 2.5)],
            [],
        ]
    )
    assert totals == (DailyCost(first, 2.5, 7.5), DailyCost(second, 1.0, 10.0))


def test_spend_changes_sort_rises_and_falls_and_sum_every_one_of_them() -> None:
    changes = spend_changes(
        [
            spend(1, 150.0, 100.0),  # +50
            spend(2, 10.0, 110.0),  # -100
            spend(3, 300.0, 100.0),  # +200
            spend(4, 40.0, 60.0),  # -20
            spend(5, 20.0, 20.0),  # no change
            spend(6, 500.0, None),  # nothing to compare with
            spend(7, 0.0, 20.0),  # stopped spending: -20, ties by job id
        ]
    )
    assert [job.job_id for job in changes.increases] == [3, 1]
    assert [job.job_id for job in changes.decreases] == [2, 4, 7]
    assert changes.increased_usd == 250.0
    assert changes.saved_usd == 140.0


def test_most_wasteful_keeps_jobs_that_wasted_anything_most_first() -> None:
    jobs = [spend(1, 10.0, 0.0, wasted=2.0), spend(2, 10.0, 0.0), spend(3, 10.0, 0.0, wasted=5.0)]
    assert [job.job_id for job in most_wasteful(jobs)] == [3, 1]


def test_records_derive_their_changes() -> None:
    assert TeamSpend("data", 120.0, 100.0).change == 0.2
    assert TeamSpend(None, 120.0, None).change is None
    assert TeamSpend("new", 120.0, 0.0).change is None
    assert JobSpendChange(JOB, 40.0, 100.0).change_usd == -60.0


def test_a_rendered_report_is_filed_under_its_kind_and_the_day_its_window_ends() -> None:
    rendered = RenderedReport(
        kind=ReportKind.WEEKLY,
        subject="s",
        html="<p>h</p>",
        text="t",
        period_start=NOW - timedelta(days=7),
        period_end=NOW,
    )
    assert rendered.file_stem == "weekly-2026-01-05"
    assert replace(rendered, kind=ReportKind.DAILY).file_stem == "daily-2026-01-05"
