"""SLA rules: a finished run breaches its job's target when it took longer; a run going now is at
risk past 80 % of it and breached past it; a job without a target has none."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.domain.jobs import HealthRule, JobDefinition
from job_monitor.backend.domain.runs import RunRecord, RunState, RunType, TerminationType, Trigger
from job_monitor.backend.domain.sla import (
    NO_FINISHED_RUNS,
    SlaCounts,
    SlaStatus,
    breach_of,
    needs_attention,
    sla_status,
    sla_target,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
TARGET = 1000


def finished(duration: float, state: RunState = RunState.SUCCEEDED) -> RunRecord:
    start = NOW - timedelta(hours=3)
    return RunRecord(
        run_id=7,
        job_id=1,
        run_name="nightly",
        state=state,
        termination_code=None,
        termination_type=TerminationType.SUCCESS,
        start_time=start,
        end_time=start + timedelta(seconds=duration),
        duration_seconds=duration,
        queue_seconds=None,
        trigger=Trigger.PERIODIC,
        run_type=RunType.JOB_RUN,
        repair_count=0,
    )


def going(elapsed: float, *, live: bool = True) -> RunRecord:
    return replace(
        finished(0),
        state=RunState.RUNNING,
        start_time=NOW - timedelta(seconds=elapsed),
        end_time=None,
        duration_seconds=None,
        live=live,
    )


def job(*rules: HealthRule) -> JobDefinition:
    return JobDefinition(
        job_id=1,
        name="nightly",
        owner=None,
        run_as=None,
        tags={},
        trigger=None,
        paused=None,
        timeout_seconds=None,
        health_rules=rules,
        tasks=(),
        changed_at=NOW,
    )


# --- the target ---------------------------------------------------------------------------------


def test_the_target_is_the_run_duration_health_rule() -> None:
    # given a job with a streaming-backlog rule and a duration rule
    rules = (
        HealthRule("STREAMING_BACKLOG_SECONDS", "GREATER_THAN", 60),
        HealthRule("RUN_DURATION_SECONDS", "GREATER_THAN", 3600),
    )

    # then its target is the duration rule's value
    assert sla_target(job(*rules)) == 3600


def test_a_job_without_a_duration_rule_or_with_a_non_positive_one_has_no_target() -> None:
    assert sla_target(job()) is None
    assert sla_target(job(HealthRule("RUN_DURATION_SECONDS", "GREATER_THAN", 0))) is None


# --- finished runs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (999.0, SlaStatus.MET),
        (1000.0, SlaStatus.MET),  # exactly the target is met
        (1000.5, SlaStatus.BREACHED),
        (5000.0, SlaStatus.BREACHED),
    ],
)
def test_a_finished_run_breaches_when_it_took_longer_than_the_target(
    duration: float, expected: SlaStatus
) -> None:
    assert sla_status(finished(duration), TARGET, NOW) is expected


def test_a_failed_run_over_the_target_breaches_it_too() -> None:
    assert sla_status(finished(1500, RunState.FAILED), TARGET, NOW) is SlaStatus.BREACHED


def test_without_a_target_every_run_is_no_target() -> None:
    for run in (finished(10_000), going(10_000)):
        assert sla_status(run, None, NOW) is SlaStatus.NO_TARGET


# --- runs going now -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (0.0, SlaStatus.MET),
        (800.0, SlaStatus.MET),  # exactly 80 % is not past it
        (801.0, SlaStatus.AT_RISK),
        (1000.0, SlaStatus.AT_RISK),  # exactly the target is not past it
        (1001.0, SlaStatus.BREACHED),
    ],
)
def test_a_running_run_is_at_risk_past_80_percent_and_breached_past_the_target(
    elapsed: float, expected: SlaStatus
) -> None:
    assert sla_status(going(elapsed), TARGET, NOW) is expected


def test_a_run_history_holds_as_running_is_judged_on_its_elapsed_time() -> None:
    # given a run the system tables hold without a result, while the Jobs API cannot be read
    run = going(900, live=False)

    # then it is judged as running
    assert sla_status(run, TARGET, NOW) is SlaStatus.AT_RISK


def test_a_run_that_ended_without_a_recorded_duration_has_no_status() -> None:
    run = replace(going(5000, live=False), state=RunState.UNKNOWN)
    assert sla_status(run, TARGET, NOW) is None


def test_only_at_risk_and_breached_need_attention() -> None:
    assert needs_attention(SlaStatus.AT_RISK)
    assert needs_attention(SlaStatus.BREACHED)
    assert not needs_attention(SlaStatus.MET)
    assert not needs_attention(SlaStatus.NO_TARGET)
    assert not needs_attention(None)


# --- breaches and the rate ----------------------------------------------------------------------


def test_a_breach_says_by_how_much_the_run_missed_the_target() -> None:
    # when a run took 1500 s against a 1000 s target
    breach = breach_of(finished(1500), TARGET)

    # then it is 500 s over, 1.5 times the target
    assert breach is not None
    assert breach.over_seconds == 500
    assert breach.over_ratio == 1.5


def test_runs_within_target_going_or_without_a_target_are_no_breach() -> None:
    assert breach_of(finished(1000), TARGET) is None
    assert breach_of(going(5000), TARGET) is None
    assert breach_of(finished(5000), None) is None


def test_the_breach_rate_is_breaches_over_finished_runs_and_null_without_runs() -> None:
    assert SlaCounts(finished=8, breaches=2).breach_rate == 0.25
    assert SlaCounts(finished=3, breaches=0).breach_rate == 0
    assert NO_FINISHED_RUNS.breach_rate is None
