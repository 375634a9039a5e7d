"""Job health over a window of finished runs: counts, success rate, streak, durations, priority.

Every rule lives here once. `HealthSummary.from_runs` computes it from runs; the data layer may
instead fill a `HealthSummary` from SQL aggregates, and the derived fields (`success_rate`,
`duration_regression`, `duration_regressed`, `priority`) then follow the same rules.

Vocabulary (see `runs`): an *outcome run* is a finished run that succeeded (SUCCEEDED or
SUCCEEDED_WITH_FAILURES) or failed (FAILED, TIMED_OUT, INTERNAL_ERROR). Canceled and not-run runs
(and runs in an UNKNOWN state) count in `runs` only. "Latest" orders runs by start time, then run
id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from job_monitor.backend.domain.runs import (
    RunState,
    is_active,
    is_canceled,
    is_failure,
    is_not_run,
    is_success,
)

P1_FAILURE_STREAK = 2
"""P1 when the failure streak is at least this long."""

P2_SUCCESS_RATE_BELOW = Fraction(9, 10)
"""P2 when the success rate is strictly below this (exactly 90% is not P2)."""

MIN_BASELINE_RUNS = 5
"""A duration baseline needs at least this many successful runs before the latest outcome run."""

REGRESSION_RATIO = Fraction(3, 2)
"""A duration regression is flagged when latest / baseline is strictly greater than this (1.5x) …"""

REGRESSION_MIN_EXTRA_SECONDS = 60.0
"""… and the latest outcome run took at least this many seconds more than the baseline, so that a
10 s job taking 16 s is not flagged."""


class Priority(StrEnum):
    """How urgently a job needs attention; see `HealthSummary.priority` for the rules."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def description(self) -> str:
        """The rule, in one sentence for the API schema."""
        return _PRIORITY_DESCRIPTIONS[self]


_PRIORITY_DESCRIPTIONS = {
    Priority.P1: (
        "Two or more consecutive failures ending at the latest run that succeeded or failed."
    ),
    Priority.P2: (
        "Not P1, and a success rate below 90% (succeeded / (succeeded + failed); exactly 90% is "
        "not P2) or a duration regression (the latest run that succeeded or failed took more than "
        "1.5x the baseline and at least 60 s longer)."
    ),
    Priority.P3: (
        "Not P1 or P2, and the latest run failed (a streak of exactly 1; canceled and not-run "
        "runs are passed over)."
    ),
}


@dataclass(frozen=True, slots=True)
class FinishedRun:
    """One finished job run, as health needs it.

    `duration_seconds` is the run's duration (system `run_duration_seconds`, else the sum of its
    slices; Jobs API `run_duration` / 1000). `is_retry` marks an automatic retry (system trigger
    ONETIME_RETRY, Jobs API `attempt_number` > 0). `repair_count` is how many times the run was
    repaired (0 when never). Times are timezone-aware.
    """

    run_id: int
    start_time: datetime
    end_time: datetime
    duration_seconds: float
    state: RunState
    is_retry: bool = False
    repair_count: int = 0
    termination_code: str | None = None

    def __post_init__(self) -> None:
        if self.start_time.tzinfo is None or self.end_time.tzinfo is None:
            raise ValueError("FinishedRun times must be timezone-aware")
        if not math.isfinite(self.duration_seconds) or self.duration_seconds < 0:
            raise ValueError(
                f"duration_seconds must be finite and >= 0, not {self.duration_seconds}"
            )
        if self.repair_count < 0:
            raise ValueError(f"repair_count must be >= 0, not {self.repair_count}")


def _order(run: FinishedRun) -> tuple[datetime, int]:
    return (run.start_time, run.run_id)


def percentile_approx(values: Iterable[float], percentage: float) -> float | None:
    """Databricks `percentile_approx(values, percentage)` on exact data: the smallest value such
    that at least `percentage` of the values are less than or equal to it; None for no values.

    That is the value of rank ceil(percentage x n) in ascending order (rank 1 for percentage 0). The
    product is computed exactly on the decimal `percentage` as written (0.9 x 10 = 9, not 9.000…01).
    Examples: [0, 1, 2, 10] at 0.5 → 1; [0, 6, 7, 9, 10] at 0.5 → 7; [100, 200] at 0.9 → 200.
    """
    if not 0.0 <= percentage <= 1.0:
        raise ValueError(f"percentage must be between 0 and 1, not {percentage}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(Fraction(str(percentage)) * len(ordered)))
    return ordered[rank - 1]


def failure_streak(states_newest_first: Iterable[RunState]) -> int:
    """The number of consecutive failures ending at the latest outcome run.

    Walks the states newest first, passing over canceled, not-run, active and UNKNOWN ones (a cancel
    does not end a streak, nor extend it), counting failures until the first success. 0 when the
    latest outcome run succeeded or there is none.
    """
    streak = 0
    for state in states_newest_first:
        if is_success(state):
            break
        if is_failure(state):
            streak += 1
    return streak


def duration_baseline(successful_durations: Sequence[float]) -> float | None:
    """The job's usual duration: p50 (`percentile_approx` at 0.5) of the durations of its successful
    runs in the window that started before the latest outcome run; None with fewer than
    `MIN_BASELINE_RUNS` of them."""
    if len(successful_durations) < MIN_BASELINE_RUNS:
        return None
    return percentile_approx(successful_durations, 0.5)


def _failure_streak_of(outcomes_oldest_first: Sequence[FinishedRun]) -> list[FinishedRun]:
    """The failures ending at the latest outcome run, newest first."""
    streak: list[FinishedRun] = []
    for run in reversed(outcomes_oldest_first):
        if not is_failure(run.state):
            break
        streak.append(run)
    return streak


@dataclass(frozen=True, slots=True)
class HealthSummary:
    """A job's health over one window of finished runs.

    Fields:
    * `runs`: finished runs in the window (every state, active runs excluded).
    * `succeeded`, `failed`, `canceled`, `not_run`: runs by outcome class (see module `runs`);
      SUCCEEDED_WITH_FAILURES counts as succeeded; UNKNOWN runs count in `runs` only.
    * `failure_streak`: consecutive failures ending at the latest outcome run (see
      `failure_streak`).
    * `duration_p50_seconds`, `duration_p90_seconds`: `percentile_approx` at 0.5 / 0.9 over the
      durations of the successful runs in the window (failed runs end early or at a timeout and
      would blur the usual duration); None without successful runs.
    * `latest_duration_seconds`: duration of the latest outcome run.
    * `duration_baseline_seconds`: see `duration_baseline`.
    * `retries`: runs that were automatic retries. `repairs`: repairs summed over the runs.
    * `last_run`: the latest finished run, whatever its state.
    """

    runs: int
    succeeded: int
    failed: int
    canceled: int
    not_run: int
    failure_streak: int
    duration_p50_seconds: float | None
    duration_p90_seconds: float | None
    latest_duration_seconds: float | None
    duration_baseline_seconds: float | None
    retries: int
    repairs: int
    last_run: FinishedRun | None
    failure_streak_started_at: datetime | None = None
    """When the first failure of the current streak started; None without a streak."""
    latest_failure_code: str | None = None
    """The termination code of the latest outcome run when it failed."""
    latest_failure_run_id: int | None = None
    """The latest outcome run when it failed."""

    @classmethod
    def from_runs(cls, runs: Iterable[FinishedRun]) -> HealthSummary:
        """Health of one job from its runs in the window (any order; active runs are ignored)."""
        finished = sorted((run for run in runs if not is_active(run.state)), key=_order)
        outcomes = [run for run in finished if is_success(run.state) or is_failure(run.state)]
        successful = [run.duration_seconds for run in outcomes if is_success(run.state)]
        latest = outcomes[-1] if outcomes else None
        before_latest = [run.duration_seconds for run in outcomes[:-1] if is_success(run.state)]
        streak = _failure_streak_of(outcomes)
        return cls(
            runs=len(finished),
            succeeded=len(successful),
            failed=sum(1 for run in finished if is_failure(run.state)),
            canceled=sum(1 for run in finished if is_canceled(run.state)),
            not_run=sum(1 for run in finished if is_not_run(run.state)),
            failure_streak=failure_streak(run.state for run in reversed(outcomes)),
            duration_p50_seconds=percentile_approx(successful, 0.5),
            duration_p90_seconds=percentile_approx(successful, 0.9),
            latest_duration_seconds=latest.duration_seconds if latest is not None else None,
            duration_baseline_seconds=duration_baseline(before_latest),
            retries=sum(1 for run in finished if run.is_retry),
            repairs=sum(run.repair_count for run in finished),
            last_run=finished[-1] if finished else None,
            failure_streak_started_at=streak[-1].start_time if streak else None,
            latest_failure_code=streak[0].termination_code if streak else None,
            latest_failure_run_id=streak[0].run_id if streak else None,
        )

    @property
    def success_rate(self) -> float | None:
        """succeeded / (succeeded + failed), between 0 and 1; canceled and not-run runs are left
        out. None when no run succeeded or failed."""
        outcomes = self.succeeded + self.failed
        return self.succeeded / outcomes if outcomes else None

    @property
    def duration_regression(self) -> float | None:
        """latest duration / baseline duration; None without a baseline (or with a zero
        baseline)."""
        if self.latest_duration_seconds is None or not self.duration_baseline_seconds:
            return None
        return self.latest_duration_seconds / self.duration_baseline_seconds

    @property
    def duration_regressed(self) -> bool:
        """True when the latest outcome run took more than 1.5x the baseline (`REGRESSION_RATIO`,
        strictly) and at least 60 s more (`REGRESSION_MIN_EXTRA_SECONDS`). False without a
        baseline."""
        latest, baseline = self.latest_duration_seconds, self.duration_baseline_seconds
        if latest is None or not baseline:
            return False
        return (
            Fraction(latest) > REGRESSION_RATIO * Fraction(baseline)
            and latest - baseline >= REGRESSION_MIN_EXTRA_SECONDS
        )

    @property
    def priority(self) -> Priority | None:
        """The first rule that holds:
        P1 — failure streak of 2 or more;
        P2 — success rate below 90% (exactly 90% is not), or a flagged duration regression;
        P3 — the latest outcome run failed (a streak of exactly 1);
        None — healthy.
        """
        if self.failure_streak >= P1_FAILURE_STREAK:
            return Priority.P1
        outcomes = self.succeeded + self.failed
        if outcomes and Fraction(self.succeeded, outcomes) < P2_SUCCESS_RATE_BELOW:
            return Priority.P2
        if self.duration_regressed:
            return Priority.P2
        if self.failure_streak == 1:
            return Priority.P3
        return None
