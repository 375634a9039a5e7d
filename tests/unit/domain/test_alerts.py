"""Alert rules: each kind with its severity, a stable id, a remediation in words and when it began;
an acknowledged alert stays quiet until it expires or its condition worsens."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.domain.alerts import (
    Acknowledgement,
    AlertKind,
    AlertSeverity,
    advice_for,
    cost_anomaly_alert,
    duration_regression_alert,
    failure_streak_alert,
    is_silenced,
    low_success_rate_alert,
    ordered,
    over_provisioned_alert,
    sla_breached_alert,
    sla_running_alert,
    zombie_job_alert,
)
from job_monitor.backend.domain.costs import CostAnomalyFacts, JobCostSummary, ZombieReason
from job_monitor.backend.domain.health import FinishedRun, HealthSummary
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.runs import RunState, Trigger
from job_monitor.backend.domain.utilization import (
    ClusterShape,
    Finding,
    FindingKind,
    MeasuredUtilization,
    OverProvisioningThresholds,
    Recommendation,
    RecommendationKind,
    UnmeasurableReason,
    UnmeasuredUtilization,
    UtilizationFacts,
    WorkerLoad,
)
from job_monitor.backend.domain.windows import Window

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
JOB = JobDefinition(
    job_id=7,
    name="nightly-sales",
    owner="bob@example.com",
    run_as=None,
    tags={},
    trigger=None,
    paused=None,
    timeout_seconds=None,
    health_rules=(),
    tasks=(),
    changed_at=NOW,
)
LAST = FinishedRun(
    run_id=99,
    start_time=NOW - timedelta(hours=1),
    end_time=NOW,
    duration_seconds=3600.0,
    state=RunState.FAILED,
    is_retry=False,
    repair_count=0,
)


def health(**changes: object) -> HealthSummary:
    base = HealthSummary(
        runs=20,
        succeeded=19,
        failed=1,
        canceled=0,
        not_run=0,
        failure_streak=0,
        duration_p50_seconds=600.0,
        duration_p90_seconds=700.0,
        latest_duration_seconds=600.0,
        duration_baseline_seconds=600.0,
        retries=0,
        repairs=0,
        last_run=LAST,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_failure_streak_is_p1_with_the_code_since_when_and_a_next_step() -> None:
    started = datetime(2026, 11, 1, 2, 10, tzinfo=UTC)
    alert = failure_streak_alert(
        JOB,
        health(failure_streak=3),
        streak_started_at=started,
        termination_code="DRIVER_ERROR",
        latest_failed_run_id=99,
    )
    assert alert is not None
    assert alert.severity is AlertSeverity.P1
    assert alert.alert_id == "FAILURE_STREAK:7"
    assert "3 consecutive failures with DRIVER_ERROR since 2026-11-01 02:10" in alert.detail
    assert "driver" in alert.remediation.lower()
    assert alert.first_seen_at == started
    assert alert.run_id == 99


def test_a_single_failure_is_no_streak_alert() -> None:
    assert (
        failure_streak_alert(
            JOB,
            health(failure_streak=1),
            streak_started_at=None,
            termination_code=None,
            latest_failed_run_id=None,
        )
        is None
    )


def test_advice_falls_back_to_reading_the_error() -> None:
    assert "error" in advice_for(None)
    assert "memory" in advice_for("DRIVER_ERROR")


def test_low_success_rate_is_p2_below_90_percent_only() -> None:
    assert low_success_rate_alert(JOB, health(succeeded=9, failed=1)) is None
    # one failure is not a trend, even below 90 %
    assert low_success_rate_alert(JOB, health(succeeded=5, failed=1)) is None
    alert = low_success_rate_alert(JOB, health(succeeded=8, failed=2))
    assert alert is not None
    assert alert.severity is AlertSeverity.P2
    assert "80%" in alert.title
    # a failing streak is P1's alert, not this one's
    assert low_success_rate_alert(JOB, health(succeeded=8, failed=2, failure_streak=2)) is None


def test_duration_regression_is_p3() -> None:
    assert duration_regression_alert(JOB, health()) is None
    alert = duration_regression_alert(JOB, health(latest_duration_seconds=1500.0))
    assert alert is not None
    assert alert.severity is AlertSeverity.P3
    assert alert.magnitude == pytest.approx(2.5)


def test_sla_breaches_are_p2_and_a_run_going_past_its_target_is_p1() -> None:
    assert (
        sla_breached_alert(
            JOB,
            breaches=0,
            finished_runs=5,
            target_seconds=600,
            latest_breach_run_id=None,
            first_breach_at=None,
        )
        is None
    )
    breached = sla_breached_alert(
        JOB,
        breaches=2,
        finished_runs=5,
        target_seconds=600,
        latest_breach_run_id=98,
        first_breach_at=NOW,
    )
    assert breached is not None
    assert breached.severity is AlertSeverity.P2
    at_risk = sla_running_alert(
        JOB, run_id=5, started_at=NOW, elapsed_seconds=500, target_seconds=600
    )
    assert at_risk.severity is AlertSeverity.P2
    assert at_risk.kind is AlertKind.SLA_AT_RISK
    past = sla_running_alert(JOB, run_id=5, started_at=NOW, elapsed_seconds=700, target_seconds=600)
    assert past.severity is AlertSeverity.P1


def test_cost_anomaly_names_its_likely_cause() -> None:
    facts = CostAnomalyFacts(
        job_id=7,
        run_id=5,
        start_time=NOW,
        list_cost_usd=30.0,
        dbus=100.0,
        baseline_p90_cost_usd=10.0,
        baseline_runs=20,
        duration_seconds=2000.0,
        baseline_p90_duration_seconds=1000.0,
        repair_count=0,
        baseline_max_repairs=0,
        trigger=Trigger.PERIODIC,
        skus=("PREMIUM_JOBS_COMPUTE_(PHOTON)",),
        baseline_skus=("PREMIUM_JOBS_COMPUTE",),
        serverless=False,
        baseline_serverless=False,
        definition_changed_at=datetime(2026, 10, 25, tzinfo=UTC),
    )
    alert = cost_anomaly_alert(JOB, facts)
    assert alert.severity is AlertSeverity.P3
    assert "the job changed on 2026-10-25" in alert.detail
    assert "2.0x longer" in alert.detail
    assert "PREMIUM_JOBS_COMPUTE_(PHOTON)" in alert.detail


def test_zombie_job_says_why_and_what_it_spent() -> None:
    spend = JobCostSummary(
        job_id=7,
        dbus=10.0,
        list_cost_usd=42.5,
        runs=30,
        successful_runs=0,
        wasted_usd=42.5,
        p90_run_cost_usd=1.5,
        previous_list_cost_usd=40.0,
        longest_run_seconds=900.0,
    )
    alert = zombie_job_alert(JOB, ZombieReason.NO_SUCCESSFUL_RUN, spend)
    assert "None of its 30 runs" in alert.detail
    assert "$42.50" in alert.detail


def test_an_acknowledged_alert_comes_back_when_it_worsens_or_expires() -> None:
    alert = failure_streak_alert(
        JOB,
        health(failure_streak=3),
        streak_started_at=None,
        termination_code=None,
        latest_failed_run_id=None,
    )
    assert alert is not None
    ack = Acknowledgement(
        alert.alert_id, "alice@example.com", NOW, NOW + timedelta(hours=4), magnitude=3.0
    )
    assert is_silenced(alert, ack, NOW)
    worse = replace(alert, magnitude=4.0)
    assert not is_silenced(worse, ack, NOW)
    assert not is_silenced(alert, ack, NOW + timedelta(hours=5))
    assert not is_silenced(alert, None, NOW)


def test_alerts_are_ordered_p1_first_then_worst_first() -> None:
    streak = failure_streak_alert(
        JOB,
        health(failure_streak=2),
        streak_started_at=None,
        termination_code=None,
        latest_failed_run_id=None,
    )
    regression = duration_regression_alert(JOB, health(latest_duration_seconds=1500.0))
    rate = low_success_rate_alert(JOB, health(succeeded=5, failed=5))
    assert streak is not None
    assert regression is not None
    assert rate is not None
    assert [a.severity for a in ordered([regression, rate, streak])] == [
        AlertSeverity.P1,
        AlertSeverity.P2,
        AlertSeverity.P3,
    ]


@pytest.mark.parametrize(
    ("tagged", "asked", "belongs"),
    [("Data-Eng", "data-eng", True), (" data-eng ", "DATA-ENG ", True), ("data-eng", "ml", False)],
)
def test_a_job_belongs_to_the_team_its_tag_names_whatever_the_case_and_spaces(
    tagged: str, asked: str, belongs: bool
) -> None:
    job = replace(JOB, tags={"team": tagged})
    assert job.belongs_to_team("team", asked) is belongs
    assert replace(JOB, tags={}).belongs_to_team("team", asked) is False


# --- over-provisioned jobs -----------------------------------------------------------------------

THRESHOLDS = OverProvisioningThresholds()
FIRST_MINUTE = datetime(2026, 10, 25, 12, 3, tzinfo=UTC)
RESIZE = Finding(
    FindingKind.OVER_PROVISIONED,
    Recommendation(
        RecommendationKind.FEWER_WORKERS,
        "Run 2 workers instead of 8: at their busiest its workers used 1.4 workers' worth of CPU "
        "and 0.9 of memory; about $412 a month less at list price.",
        workers=2,
    ),
    412.3,
)
FIXED_SIZE = Finding(
    FindingKind.AUTOSCALING_NEVER_EXERCISED,
    Recommendation(RecommendationKind.FIXED_SIZE, "A fixed size of 2 workers.", workers=2),
    None,
)


def measured(*findings: Finding) -> MeasuredUtilization:
    facts = UtilizationFacts(
        job_id=7,
        runs=7,
        serverless_runs=0,
        shared_cluster_runs=0,
        runs_observed=7,
        minutes_observed=1300,
        first_observed_at=FIRST_MINUTE,
        driver_cpu=None,
        driver_memory=None,
        worker_cpu=None,
        worker_memory=None,
        worker_minutes=1240,
        underused_minutes=1141,
        cluster=ClusterShape("m5.xlarge", "m5.xlarge", 8, None, None),
        load=WorkerLoad(
            minutes=1240,
            peak_cpu_percent=17.5,
            peak_memory_percent=11.0,
            peak_busy_workers=1.4,
            peak_memory_workers=0.9,
            average_workers=8.0,
            most_workers=8,
            minutes_at_minimum=0,
            minutes_at_maximum=0,
        ),
    )
    return MeasuredUtilization(Window.LAST_7_DAYS, facts, findings)


def test_over_provisioned_is_p3_with_the_resize_and_its_monthly_saving_in_words() -> None:
    # given a job whose workers were idle in 92 % of 1,240 worker run-minutes over 7 runs, told to
    # run 2 workers instead of 8 for about $412 a month
    alert = over_provisioned_alert(JOB, measured(RESIZE), THRESHOLDS)

    # then a P3 alert, one per job, that says what the data shows and the resize with its saving
    assert alert is not None
    assert (alert.kind, alert.severity) == (AlertKind.OVER_PROVISIONED, AlertSeverity.P3)
    assert alert.alert_id == "OVER_PROVISIONED:7"
    assert alert.jobs == (7,)
    assert alert.title == "nightly-sales: over-provisioned, about $412 a month to save"
    assert alert.detail == (
        "Its workers stayed under 40 % CPU and 40 % memory in 92 % of 1,240 worker run-minutes "
        "over 7 runs in the last 7 days."
    )
    assert alert.remediation == RESIZE.recommendation.summary
    assert "Run 2 workers instead of 8" in alert.remediation
    assert "about $412 a month less" in alert.remediation
    # and it began with the first run-minute measured; its magnitude is the saving in USD
    assert alert.first_seen_at == FIRST_MINUTE
    assert alert.magnitude == pytest.approx(412.3)
    assert alert.run_id is None


def test_only_an_over_provisioned_finding_raises_the_alert() -> None:
    # given a job whose autoscaling was never exercised (it saves nothing by itself), one without
    # findings, and one that could not be measured but would be cheaper on job compute
    cheaper = UnmeasuredUtilization(
        Window.LAST_7_DAYS,
        7,
        UnmeasurableReason.SHARED_CLUSTER,
        runs=7,
        serverless_runs=0,
        shared_cluster_runs=7,
        findings=(
            Finding(
                FindingKind.CHEAPER_ON_JOB_COMPUTE,
                Recommendation(RecommendationKind.JOB_COMPUTE, "Run it on a job cluster."),
                50.0,
            ),
        ),
    )
    # then none of them is alerted as over-provisioned
    assert over_provisioned_alert(JOB, measured(FIXED_SIZE), THRESHOLDS) is None
    assert over_provisioned_alert(JOB, measured(), THRESHOLDS) is None
    assert over_provisioned_alert(JOB, cheaper, THRESHOLDS) is None
    # and a job with the finding among others is
    assert over_provisioned_alert(JOB, measured(FIXED_SIZE, RESIZE), THRESHOLDS) is not None


def test_the_thresholds_in_force_are_the_ones_the_alert_names() -> None:
    stricter = OverProvisioningThresholds(cpu_percent=25.0, memory_percent=30.5)
    alert = over_provisioned_alert(JOB, measured(RESIZE), stricter)
    assert alert is not None
    assert "under 25 % CPU and 30.5 % memory" in alert.detail


def test_an_acknowledged_over_provisioned_alert_returns_once_its_saving_grows_a_quarter() -> None:
    # given an over-provisioned alert acknowledged at a saving of $412.30 a month
    alert = over_provisioned_alert(JOB, measured(RESIZE), THRESHOLDS)
    assert alert is not None
    ack = Acknowledgement(
        alert.alert_id, "alice@example.com", NOW, NOW + timedelta(days=7), alert.magnitude
    )
    # when the week's spend moves the estimate a little, it stays quiet
    assert is_silenced(replace(alert, magnitude=412.3 * 1.2), ack, NOW)
    assert is_silenced(replace(alert, magnitude=412.3 * 1.25), ack, NOW)
    assert is_silenced(replace(alert, magnitude=100.0), ack, NOW)
    # and once the saving is more than a quarter larger, it comes back
    assert not is_silenced(replace(alert, magnitude=412.3 * 1.26), ack, NOW)
    # while any other kind comes back at any growth
    zombie = replace(alert, kind=AlertKind.ZOMBIE_JOB, magnitude=412.31)
    assert not is_silenced(zombie, ack, NOW)
