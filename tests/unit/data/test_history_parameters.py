"""How the repository turns domain rules and filters into statement parameters (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from job_monitor.backend.data.history import (
    _id_list,
    _state_list,
    as_of,
    effective_job_ids,
)
from job_monitor.backend.domain.jobs import HealthRule, JobDefinition
from job_monitor.backend.domain.runs import is_canceled, is_failure, is_not_run, is_success


def test_windows_end_on_the_minute_in_utc() -> None:
    now = datetime(2026, 5, 1, 12, 34, 56, 789, tzinfo=timezone(timedelta(hours=2)))
    assert as_of(now) == datetime(2026, 5, 1, 10, 34, tzinfo=UTC)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        as_of(datetime(2026, 5, 1))


def test_outcome_classes_follow_the_domain_in_system_spelling() -> None:
    classes = {
        name: set(_state_list(predicate).split(","))
        for name, predicate in [
            ("success", is_success),
            ("failure", is_failure),
            ("canceled", is_canceled),
            ("not run", is_not_run),
        ]
    }
    assert "SUCCEEDED" in classes["success"]
    assert {"FAILED", "TIMED_OUT", "ERROR"} <= classes["failure"]
    assert "CANCELLED" in classes["canceled"]
    assert {"SKIPPED", "BLOCKED"} <= classes["not run"]
    # Disjoint: a raw state counts in one class at most.
    names = list(classes)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            assert not classes[first] & classes[second], (first, second)


def test_id_lists_are_sorted_and_deduplicated_so_equal_sets_share_a_key() -> None:
    assert _id_list([3, 1, 2, 3]) == "1,2,3"
    assert _id_list({2, 1}) == _id_list([1, 2])


@pytest.mark.parametrize(
    ("requested", "visible", "expected"),
    [
        ((), None, None),
        ((), [1, 2], [1, 2]),
        ((2, 3), None, (2, 3)),
        ((2, 3), [1, 2], [2]),
        ((3,), [1, 2], []),
    ],
)
def test_a_run_list_covers_the_requested_jobs_cut_to_the_visible_ones(
    requested: tuple[int, ...], visible: list[int] | None, expected: object
) -> None:
    assert effective_job_ids(requested, visible) == expected


def test_the_duration_target_is_the_run_duration_health_rule() -> None:
    job = JobDefinition(
        job_id=1,
        name="j",
        owner=None,
        run_as=None,
        tags={"team": "data-eng"},
        trigger=None,
        paused=None,
        timeout_seconds=None,
        health_rules=(
            HealthRule("STREAMING_BACKLOG_BYTES", "GREATER_THAN", 10),
            HealthRule("RUN_DURATION_SECONDS", "GREATER_THAN", 3600),
        ),
        tasks=(),
        changed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert job.duration_target_seconds == 3600
    assert job.team == "data-eng"
