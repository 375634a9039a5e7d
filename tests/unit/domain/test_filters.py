"""Job name patterns and run filters: validation, matching and SQL LIKE escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from job_monitor.backend.domain.errors import InvalidFilterError
from job_monitor.backend.domain.filters import (
    MAX_JOB_IDS,
    NamePattern,
    RunFilter,
)
from job_monitor.backend.domain.runs import RunState, RunType, Trigger

# --- name patterns ---


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("prod-*-daily", "prod-sales-daily", True),
        ("prod-*-daily", "PROD-Sales-Daily", True),
        ("PROD-*-DAILY", "prod-sales-daily", True),
        ("prod-*-daily", "prod--daily", True),
        ("prod-*-daily", "prod-sales-daily-2", False),
        ("prod-*-daily", "dev-prod-sales-daily", False),
        ("etl-?", "etl-1", True),
        ("etl-?", "etl-12", False),
        ("etl-?", "etl-", False),
        ("*", "anything at all", True),
        ("*sales*", "Q3 sales report", True),
        ("exact name", "Exact Name", True),
        ("exact name", "exact name 2", False),
        ("50%_done", "50%_done", True),
        ("50%_done", "50xxdone", False),  # % and _ are literal, not SQL wildcards
        ("a.b", "axb", False),  # . is literal, not a regex
        ("(x)[y]+", "(X)[Y]+", True),
        ("wow!", "WOW!", True),
        ("émile-*", "ÉMILE-nightly", True),
    ],
)
def test_filters_name_pattern_matches_case_insensitively(
    pattern: str, name: str, matches: bool
) -> None:
    assert NamePattern(pattern).matches(name) is matches


@pytest.mark.parametrize(
    ("pattern", "like"),
    [
        ("prod-*-daily", "prod-%-daily"),
        ("ETL-?", "etl-_"),
        ("50%_done", "50!%!_done"),
        ("wow!*", "wow!!%"),
        ("a**b", "a%b"),
        (r"back\slash", r"back\slash"),
    ],
)
def test_filters_name_pattern_compiles_to_an_escaped_sql_like_pattern(
    pattern: str, like: str
) -> None:
    assert NamePattern(pattern).sql_like == like


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "namePattern: must not be empty"),
        ("   ", "namePattern: must not be empty"),
        ("x" * 201, "namePattern: is 201 characters long; at most 200 are allowed"),
        ("prod\n*", r"namePattern: contains the character U\+000A, which is not allowed"),
        ("a\x00", r"namePattern: contains the character U\+0000"),
        ("?" * 11, r"namePattern: has 11 wildcards \(\* and \?\); at most 10 are allowed"),
        ("*a" * 11, "namePattern: has 11 wildcards"),
        ("?*" * 6, "namePattern: has 12 wildcards"),
    ],
)
def test_filters_invalid_name_pattern_is_rejected_with_a_precise_message(
    pattern: str, message: str
) -> None:
    with pytest.raises(InvalidFilterError, match=message) as caught:
        NamePattern(pattern)
    assert caught.value.field == "namePattern"


def test_filters_name_pattern_limits_are_inclusive() -> None:
    assert NamePattern("x" * 200).matches("X" * 200)
    assert NamePattern("?" * 10).matches("0123456789")
    # runs of * count once
    assert NamePattern("a" + "*" * 30 + "b").pattern == "a*b"


# --- run filters ---

T = datetime(2026, 11, 1, tzinfo=UTC)


def test_filters_run_filter_normalises_codes_times_and_duplicates() -> None:
    run_filter = RunFilter(
        job_ids=(3, 1, 3),
        termination_codes=(" run_execution_error", "RUN_EXECUTION_ERROR"),
        started_after=datetime(2026, 11, 1),  # naive means UTC
        started_before=datetime(2026, 11, 2, 1, tzinfo=timezone(timedelta(hours=1))),
    )
    assert run_filter.job_ids == (3, 1)
    assert run_filter.termination_codes == ("RUN_EXECUTION_ERROR",)
    assert run_filter.started_after == T
    assert run_filter.started_before == T + timedelta(days=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"job_ids": tuple(range(1, MAX_JOB_IDS + 2))}, "jobIds: has 101 values; at most 100"),
        ({"job_ids": (5, 0)}, "jobIds: 0 is not a job id"),
        ({"states": (RunState.FAILED,) * 51}, "states: has 51 values; at most 50"),
        ({"triggers": (Trigger.RETRY,) * 51}, "triggers: has 51 values"),
        ({"run_types": (RunType.JOB_RUN,) * 51}, "runTypes: has 51 values"),
        ({"termination_codes": ("DROP TABLE",)}, "terminationCodes: 'DROP TABLE' is not a"),
        ({"termination_codes": ("X" * 65,)}, "terminationCodes: .* is not a termination code"),
        (
            {"started_after": T, "started_before": T},
            "startedAfter: 2026-11-01T00:00:00\\+00:00 must be earlier than startedBefore",
        ),
        (
            {"started_after": T + timedelta(seconds=1), "started_before": T},
            "startedAfter: .* must be earlier",
        ),
        ({"min_duration_seconds": -1.0}, "minDurationSeconds: must be a finite number"),
        ({"max_duration_seconds": float("nan")}, "maxDurationSeconds: must be a finite number"),
        ({"max_duration_seconds": float("inf")}, "maxDurationSeconds: must be a finite number"),
        (
            {"min_duration_seconds": 60.0, "max_duration_seconds": 59.9},
            "minDurationSeconds: 60.0 is greater than maxDurationSeconds 59.9",
        ),
    ],
)
def test_filters_invalid_run_filter_is_rejected_with_a_precise_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidFilterError, match=message):
        RunFilter(**kwargs)  # type: ignore[arg-type]


def test_filters_run_filter_boundaries_are_valid() -> None:
    RunFilter(job_ids=tuple(range(1, MAX_JOB_IDS + 1)))
    RunFilter(min_duration_seconds=0.0, max_duration_seconds=0.0)
    RunFilter(started_after=T, started_before=T + timedelta(microseconds=1))


RUN = {
    "job_id": 7,
    "state": RunState.FAILED,
    "termination_code": "run_execution_error",
    "trigger": Trigger.PERIODIC,
    "run_type": RunType.JOB_RUN,
    "start_time": T,
    "duration_seconds": 120.0,
}


@pytest.mark.parametrize(
    ("run_filter", "matches"),
    [
        (RunFilter(), True),
        (RunFilter(job_ids=(7, 8)), True),
        (RunFilter(job_ids=(8,)), False),
        (RunFilter(states=(RunState.FAILED, RunState.TIMED_OUT)), True),
        (RunFilter(states=(RunState.SUCCEEDED,)), False),
        (RunFilter(termination_codes=("RUN_EXECUTION_ERROR",)), True),
        (RunFilter(termination_codes=("DRIVER_ERROR",)), False),
        (RunFilter(triggers=(Trigger.RETRY,)), False),
        (RunFilter(run_types=(RunType.JOB_RUN,)), True),
        (RunFilter(started_after=T), True),  # inclusive
        (RunFilter(started_before=T), False),  # exclusive
        (RunFilter(started_before=T + timedelta(seconds=1)), True),
        (RunFilter(min_duration_seconds=120.0, max_duration_seconds=120.0), True),
        (RunFilter(min_duration_seconds=120.5), False),
        (RunFilter(max_duration_seconds=119.0), False),
    ],
)
def test_filters_run_filter_matches_runs_in_memory(run_filter: RunFilter, matches: bool) -> None:
    assert run_filter.matches(**RUN) is matches  # type: ignore[arg-type]


def test_filters_run_without_duration_or_code_does_not_match_such_bounds() -> None:
    run = {**RUN, "duration_seconds": None, "termination_code": None}
    assert not RunFilter(min_duration_seconds=0.0).matches(**run)  # type: ignore[arg-type]
    assert not RunFilter(termination_codes=("SUCCESS",)).matches(**run)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "moment"),
    [
        ("startedAfter", datetime(1, 1, 1, tzinfo=UTC)),
        ("startedAfter", datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5)))),
        ("startedBefore", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
    ],
)
def test_times_outside_the_supported_range_are_an_invalid_filter(
    field: str, moment: datetime
) -> None:
    def given() -> RunFilter:
        if field == "startedAfter":
            return RunFilter(started_after=moment)
        return RunFilter(started_before=moment)

    with pytest.raises(InvalidFilterError, match="outside the times the API accepts") as caught:
        given()
    assert caught.value.field == field
