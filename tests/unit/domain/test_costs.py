"""Cost rules: change against the window before, cost per successful run, a complete run cost,
anomalies and their likely causes, zombie jobs and daily series, without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from job_monitor.backend.domain.costs import (
    BILLING_SETTLE,
    AnomalyCause,
    CostAnomalyFacts,
    DailyCost,
    GroupSpend,
    JobCostSummary,
    ZombieReason,
    change_ratio,
    cost_complete,
    cost_groups,
    daily_costs,
    is_cost_anomaly,
    is_scheduled,
    likely_causes,
    previous_total,
    previous_window_kept,
    zombie_reason,
)
from job_monitor.backend.domain.jobs import JobDefinition, TriggerSettings
from job_monitor.backend.domain.runs import Trigger
from job_monitor.backend.domain.windows import Window

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def summary(**changes: object) -> JobCostSummary:
    base = JobCostSummary(
        job_id=1,
        dbus=10.0,
        list_cost_usd=20.0,
        runs=4,
        successful_runs=2,
        wasted_usd=5.0,
        p90_run_cost_usd=6.0,
        previous_list_cost_usd=16.0,
        longest_run_seconds=600.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def scheduled_job(*, cron: str | None = "0 0 2 * * ?", paused: bool = False) -> JobDefinition:
    return JobDefinition(
        job_id=1,
        name="nightly",
        owner=None,
        run_as=None,
        tags={},
        trigger=TriggerSettings(kind=Trigger.PERIODIC, quartz_cron_expression=cron)
        if cron is not None
        else None,
        paused=paused,
        timeout_seconds=None,
        health_rules=(),
        tasks=(),
        changed_at=NOW,
    )


def facts(**changes: object) -> CostAnomalyFacts:
    base = CostAnomalyFacts(
        job_id=1,
        run_id=9,
        start_time=NOW,
        list_cost_usd=30.0,
        dbus=100.0,
        baseline_p90_cost_usd=10.0,
        baseline_runs=20,
        duration_seconds=1000.0,
        baseline_p90_duration_seconds=900.0,
        repair_count=0,
        baseline_max_repairs=0,
        trigger=Trigger.PERIODIC,
        skus=("PREMIUM_JOBS_COMPUTE",),
        baseline_skus=("PREMIUM_JOBS_COMPUTE",),
        serverless=False,
        baseline_serverless=False,
        definition_changed_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# --- spend against the window before ------------------------------------------------------------


def test_change_vs_previous_window_is_relative_and_null_without_spend_before() -> None:
    assert change_ratio(125.0, 100.0) == pytest.approx(0.25)
    assert change_ratio(50.0, 100.0) == pytest.approx(-0.5)
    assert change_ratio(10.0, 0.0) is None
    assert change_ratio(10.0, None) is None


def test_previous_window_is_unknown_when_older_than_the_billing_kept() -> None:
    assert previous_window_kept(Window.LAST_90_DAYS)
    assert not previous_window_kept(Window.LAST_365_DAYS)
    assert summary(previous_list_cost_usd=None).change_vs_previous_window is None
    assert previous_total([1.0, 2.0]) == 3.0
    assert previous_total([1.0, None]) is None


def test_cost_per_successful_run_is_null_never_infinity_without_a_success() -> None:
    assert summary().cost_per_successful_run_usd == pytest.approx(10.0)
    assert summary(successful_runs=0).cost_per_successful_run_usd is None


def test_run_cost_is_complete_a_day_after_the_run_ended() -> None:
    assert not cost_complete(None, NOW)
    assert not cost_complete(NOW - BILLING_SETTLE + timedelta(minutes=1), NOW)
    assert cost_complete(NOW - BILLING_SETTLE, NOW)


# --- daily series and groups ---------------------------------------------------------------------


def test_daily_series_has_every_day_with_zeros() -> None:
    series = daily_costs(date(2026, 11, 1), date(2026, 11, 3), [DailyCost(date(2026, 11, 2), 1, 2)])
    assert [(d.day.day, d.list_cost_usd) for d in series] == [(1, 0.0), (2, 2), (3, 0.0)]


def test_groups_most_spend_first_with_the_window_before() -> None:
    entries = [
        GroupSpend("a", date(2026, 11, 1), 1.0, 5.0),
        GroupSpend("b", date(2026, 11, 2), 1.0, 9.0),
        GroupSpend("a", date(2026, 11, 2), 1.0, 5.0),
        GroupSpend("a", None, 3.0, 8.0),
        GroupSpend("gone", None, 3.0, 8.0),
    ]
    groups = cost_groups(entries, date(2026, 11, 1), date(2026, 11, 2))
    assert [(g.key, g.list_cost_usd, g.previous_list_cost_usd) for g in groups] == [
        ("a", 10.0, 8.0),
        ("b", 9.0, 0.0),
    ]
    assert groups[0].change_vs_previous_window == pytest.approx(0.25)
    assert len(groups[1].daily) == 2
    unknown = cost_groups(entries, date(2026, 11, 1), date(2026, 11, 2), previous_known=False)
    assert unknown[0].previous_list_cost_usd is None


# --- anomalies ----------------------------------------------------------------------------------


def test_cost_anomaly_is_more_than_twice_the_p90() -> None:
    assert is_cost_anomaly(20.1, 10.0)
    assert not is_cost_anomaly(20.0, 10.0)
    assert not is_cost_anomaly(5.0, 0.0)
    assert not is_cost_anomaly(5.0, None)
    assert facts().ratio == pytest.approx(3.0)


def test_likely_cause_definition_changed() -> None:
    changed = facts(definition_changed_at=NOW - timedelta(days=1))
    assert likely_causes(changed) == (AnomalyCause.DEFINITION_CHANGED,)


def test_likely_cause_more_repairs_and_retry() -> None:
    assert likely_causes(facts(repair_count=2, baseline_max_repairs=1)) == (
        AnomalyCause.MORE_REPAIRS,
    )
    assert likely_causes(facts(repair_count=1, baseline_max_repairs=1)) == ()
    assert likely_causes(facts(trigger=Trigger.RETRY)) == (AnomalyCause.RETRY,)


def test_likely_cause_longer_duration() -> None:
    assert likely_causes(facts(duration_seconds=1351.0)) == (AnomalyCause.LONGER_DURATION,)
    assert likely_causes(facts(duration_seconds=1350.0)) == ()
    assert likely_causes(facts(duration_seconds=None)) == ()


def test_likely_cause_different_sku_or_compute_type() -> None:
    photon = facts(skus=("PREMIUM_JOBS_COMPUTE_(PHOTON)",))
    assert likely_causes(photon) == (AnomalyCause.DIFFERENT_SKU,)
    serverless = facts(
        serverless=True, skus=("PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA",)
    )
    assert likely_causes(serverless) == (
        AnomalyCause.DIFFERENT_SKU,
        AnomalyCause.DIFFERENT_COMPUTE_TYPE,
    )


def test_no_likely_cause_when_the_data_shows_none() -> None:
    assert likely_causes(facts()) == ()


# --- zombie jobs ---------------------------------------------------------------------------------


def test_zombie_job_without_a_successful_run() -> None:
    assert zombie_reason(scheduled_job(), summary(successful_runs=0)) is (
        ZombieReason.NO_SUCCESSFUL_RUN
    )


def test_zombie_job_whose_runs_all_end_within_a_minute() -> None:
    short = summary(longest_run_seconds=42.0)
    assert zombie_reason(scheduled_job(), short) is ZombieReason.ONLY_SHORT_RUNS
    assert zombie_reason(scheduled_job(), summary(longest_run_seconds=60.0)) is None


def test_only_scheduled_spending_jobs_are_zombies() -> None:
    failing = summary(successful_runs=0)
    assert zombie_reason(scheduled_job(paused=True), failing) is None
    assert zombie_reason(scheduled_job(cron=None), failing) is None
    assert zombie_reason(scheduled_job(), summary(successful_runs=0, list_cost_usd=0.0)) is None
    assert is_scheduled(scheduled_job())
