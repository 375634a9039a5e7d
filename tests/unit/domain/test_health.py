"""Job health: streaks, priorities, percentiles, baselines and the regression flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.domain.health import (
    MIN_BASELINE_RUNS,
    FinishedRun,
    HealthSummary,
    Priority,
    duration_baseline,
    failure_streak,
    percentile_approx,
)
from job_monitor.backend.domain.runs import RunState

S, F, C = RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELED
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def history(*states: RunState, duration: float = 600.0) -> list[FinishedRun]:
    """Runs an hour apart, oldest first, all with the same duration."""
    return [
        FinishedRun(
            run_id=100 + i,
            start_time=T0 + timedelta(hours=i),
            end_time=T0 + timedelta(hours=i, seconds=duration),
            duration_seconds=duration,
            state=state,
        )
        for i, state in enumerate(states)
    ]


def with_latest_duration(runs: list[FinishedRun], seconds: float) -> list[FinishedRun]:
    *older, latest = runs
    changed = FinishedRun(
        run_id=latest.run_id,
        start_time=latest.start_time,
        end_time=latest.start_time + timedelta(seconds=seconds),
        duration_seconds=seconds,
        state=latest.state,
    )
    return [*older, changed]


# --- percentiles: Databricks percentile_approx, smallest value with at least p of values <= it ---


@pytest.mark.parametrize(
    ("values", "percentage", "expected"),
    [
        ([0, 1, 2, 10], 0.5, 1),  # Databricks docs example: 2 of 4 values <= 1
        ([0, 1, 2, 10], 0.4, 1),  # docs: 0.4 x 4 = 1.6 -> needs 2 values
        ([0, 1, 2, 10], 0.1, 0),  # docs
        ([0, 6, 7, 9, 10], 0.5, 7),  # docs: 2.5 -> 3rd value
        ([100, 200], 0.9, 200),  # not 190: always an actual value, never interpolated
        ([100, 200], 0.5, 100),
        ([5], 0.5, 5),
        ([30, 10, 20], 0.0, 10),  # unsorted input, p = 0 is the minimum
        ([30, 10, 20], 1.0, 30),
        (list(range(1, 11)), 0.9, 9),  # exactly 9 of 10: 0.9 x 10 is 9, not 9.000…01
        (list(range(1, 11)), 0.91, 10),
        (list(range(1, 31)), 0.9, 27),
        ([7, 7, 7, 1], 0.5, 7),
    ],
)
def test_percentile_matches_databricks_percentile_approx(
    values: list[float], percentage: float, expected: float
) -> None:
    assert percentile_approx(values, percentage) == expected


def test_percentile_of_no_values_is_none() -> None:
    assert percentile_approx([], 0.5) is None


@pytest.mark.parametrize("percentage", [-0.1, 1.01])
def test_percentile_rejects_a_percentage_outside_0_and_1(percentage: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile_approx([1.0], percentage)


def test_percentiles_of_job_health_use_successful_runs_only() -> None:
    # given successful runs of 100..500 s and a quick failure of 1 s
    runs = history(S, S, S, S, S, F)
    runs = [
        FinishedRun(r.run_id, r.start_time, r.end_time, float(d), r.state)
        for r, d in zip(runs, [100, 200, 300, 400, 500, 1], strict=True)
    ]
    # when health is computed
    health = HealthSummary.from_runs(runs)
    # then p50 and p90 describe the successful runs
    assert health.duration_p50_seconds == 300
    assert health.duration_p90_seconds == 500
    assert health.latest_duration_seconds == 1


# --- failure streaks ---


@pytest.mark.parametrize(
    ("newest_first", "expected"),
    [
        ([], 0),
        ([S], 0),
        ([F], 1),
        ([F, F, S, F], 2),
        ([F, F, F], 3),
        ([S, F, F], 0),
        ([C, F, F, S], 2),  # a cancel neither ends nor extends the streak
        ([F, C, F, S], 2),
        ([RunState.TIMED_OUT, RunState.INTERNAL_ERROR, S], 2),
        ([RunState.SKIPPED, RunState.UNKNOWN, F, S], 1),
        ([RunState.SUCCEEDED_WITH_FAILURES, F], 0),  # a partial success is a success
    ],
)
def test_failure_streak_counts_consecutive_failures_ending_at_the_latest_outcome(
    newest_first: list[RunState], expected: int
) -> None:
    assert failure_streak(newest_first) == expected


def test_failure_streak_of_job_health_ends_at_the_latest_run_whatever_the_input_order() -> None:
    # given runs handed over newest first
    runs = list(reversed(history(F, S, F, F)))
    # when health is computed, then the streak is counted from the latest start
    assert HealthSummary.from_runs(runs).failure_streak == 2


# --- priorities ---


def test_priority_p1_when_streak_is_exactly_2() -> None:
    health = HealthSummary.from_runs(history(*[S] * 20, F, F))
    assert health.failure_streak == 2
    assert health.priority is Priority.P1


def test_priority_p1_takes_precedence_over_p2() -> None:
    health = HealthSummary.from_runs(history(F, F, F))
    assert health.success_rate == 0
    assert health.priority is Priority.P1


def test_priority_p3_when_only_the_latest_run_failed() -> None:
    # given 9 successes then 1 failure: streak 1, success rate exactly 90%
    health = HealthSummary.from_runs(history(*[S] * 9, F))
    assert health.success_rate == 0.9
    assert health.priority is Priority.P3


def test_priority_not_p2_when_success_rate_is_exactly_90_percent() -> None:
    health = HealthSummary.from_runs(history(F, *[S] * 9))
    assert health.success_rate == 0.9
    assert health.priority is None


def test_priority_p2_when_success_rate_is_below_90_percent() -> None:
    # given 2 failures in 19 outcome runs (89.47%), the latest succeeded
    health = HealthSummary.from_runs(history(F, F, *[S] * 17))
    assert health.success_rate is not None
    assert health.success_rate < 0.9
    assert health.priority is Priority.P2


def test_priority_p2_when_the_duration_regressed() -> None:
    runs = with_latest_duration(history(*[S] * 6), 1000.0)
    health = HealthSummary.from_runs(runs)
    assert health.duration_regressed
    assert health.priority is Priority.P2


def test_priority_none_when_healthy() -> None:
    assert HealthSummary.from_runs(history(*[S] * 10)).priority is None


def test_priority_none_without_runs() -> None:
    health = HealthSummary.from_runs([])
    assert health.runs == 0
    assert health.success_rate is None
    assert health.failure_streak == 0
    assert health.last_run is None
    assert health.priority is None


def test_priority_applies_to_health_filled_from_sql_aggregates() -> None:
    # given health built directly, as the data layer does from SQL
    health = HealthSummary(
        runs=30,
        succeeded=26,
        failed=3,
        canceled=1,
        not_run=0,
        failure_streak=0,
        duration_p50_seconds=60.0,
        duration_p90_seconds=90.0,
        latest_duration_seconds=61.0,
        duration_baseline_seconds=60.0,
        retries=0,
        repairs=0,
        last_run=None,
    )
    # then the same rules hold: 26 / 29 = 89.7% is P2
    assert health.priority is Priority.P2


# --- counts, rates, retries and repairs ---


def test_success_rate_counts_partial_success_as_success_and_leaves_cancels_out() -> None:
    runs = history(S, RunState.SUCCEEDED_WITH_FAILURES, F, C, RunState.SKIPPED, RunState.UNKNOWN)
    health = HealthSummary.from_runs(runs)
    assert (health.runs, health.succeeded, health.failed) == (6, 2, 1)
    assert (health.canceled, health.not_run) == (1, 1)
    assert health.success_rate == pytest.approx(2 / 3)
    assert health.last_run is not None
    assert health.last_run.state is RunState.UNKNOWN


def test_job_health_ignores_active_runs() -> None:
    runs = history(S, F, RunState.RUNNING)
    health = HealthSummary.from_runs(runs)
    assert health.runs == 2
    assert health.last_run == runs[1]


def test_retries_and_repairs_are_counted() -> None:
    base = history(S, F, S)
    runs = [
        base[0],
        FinishedRun(base[1].run_id, base[1].start_time, base[1].end_time, 5.0, F, repair_count=2),
        FinishedRun(base[2].run_id, base[2].start_time, base[2].end_time, 5.0, S, is_retry=True),
    ]
    health = HealthSummary.from_runs(runs)
    assert (health.retries, health.repairs) == (1, 2)


def test_finished_run_rejects_naive_times_and_negative_durations() -> None:
    naive = datetime(2026, 11, 1)  # naive on purpose
    with pytest.raises(ValueError, match="timezone-aware"):
        FinishedRun(1, naive, naive, 1.0, S)
    with pytest.raises(ValueError, match="duration_seconds"):
        FinishedRun(1, T0, T0, -1.0, S)


# --- baseline and regression flag ---


def test_duration_baseline_needs_the_minimum_sample_size() -> None:
    assert duration_baseline([100.0] * (MIN_BASELINE_RUNS - 1)) is None
    assert duration_baseline([100.0] * MIN_BASELINE_RUNS) == 100.0


def test_regression_flag_needs_enough_baseline_runs() -> None:
    # given only 4 successful runs before a latest run 3x as long
    health = HealthSummary.from_runs(with_latest_duration(history(*[S] * 5), 1800.0))
    assert health.duration_baseline_seconds is None
    assert health.duration_regression is None
    assert not health.duration_regressed


def test_regression_flag_at_exactly_the_threshold_is_not_flagged() -> None:
    # given a baseline of 600 s and a latest run of exactly 1.5 x 600 = 900 s
    health = HealthSummary.from_runs(with_latest_duration(history(*[S] * 6), 900.0))
    assert health.duration_baseline_seconds == 600.0
    assert health.duration_regression == 1.5
    assert not health.duration_regressed


def test_regression_flag_just_above_the_threshold_is_flagged() -> None:
    health = HealthSummary.from_runs(with_latest_duration(history(*[S] * 6), 900.001))
    assert health.duration_regressed


def test_regression_flag_ignores_small_absolute_increases() -> None:
    # given a 10 s job taking 16 s: 1.6x but only 6 s more
    runs = with_latest_duration(history(*[S] * 6, duration=10.0), 16.0)
    health = HealthSummary.from_runs(runs)
    assert health.duration_regression == 1.6
    assert not health.duration_regressed


def test_regression_baseline_uses_successful_runs_before_the_latest_run_only() -> None:
    # given failed runs that were very long, and successes of 600 s
    runs = history(F, F, S, S, S, S, S, S, duration=600.0)
    runs = [
        FinishedRun(r.run_id, r.start_time, r.end_time, 5000.0, r.state) if r.state is F else r
        for r in runs
    ]
    # when the latest (a success of 600 s) is compared with the successes before it
    health = HealthSummary.from_runs(runs)
    # then the failures do not enter the baseline
    assert health.duration_baseline_seconds == 600.0
    assert health.duration_regression == 1.0


def test_regression_compares_a_long_failed_latest_run_too() -> None:
    # given five 600 s successes, then a canceled run, then a failure after 3000 s
    runs = with_latest_duration(history(*[S] * 5, C, F), 3000.0)
    health = HealthSummary.from_runs(runs)
    assert health.latest_duration_seconds == 3000.0
    assert health.duration_regression == 5.0
    assert health.duration_regressed
    assert health.priority is Priority.P2


def test_every_priority_has_a_schema_description() -> None:
    for level in Priority:
        assert level.description.endswith(".")
