"""Changing a job's SLA target: only the duration rule moves, every other rule survives the
round trip untouched (unknown metrics and fields included); who may edit comes from the ACL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.domain.errors import InvalidFilterError
from job_monitor.backend.domain.identity import Identity, Mode
from job_monitor.backend.domain.jobs import HealthRule, JobDefinition
from job_monitor.backend.domain.sla_changes import (
    MAX_TARGET_SECONDS,
    WrittenTarget,
    caught_up,
    duration_target,
    may_edit,
    rules_with_target,
    valid_target,
    with_written_targets,
)
from tests.unit.domain.test_sla import job

BACKLOG = {"metric": "STREAMING_BACKLOG_SECONDS", "op": "GREATER_THAN", "value": 900}
FUTURE = {"metric": "SOMETHING_NEW", "op": "GREATER_THAN", "value": 1, "extra": {"x": 1}}
DURATION = {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 3600}

BOB = Identity("bob@example.com", None, None, ("data-eng", "users"), Mode.LOCAL)


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str
    levels: frozenset[str]


def test_setting_a_target_replaces_only_the_duration_rule_and_keeps_every_other_rule() -> None:
    rules = rules_with_target([BACKLOG, DURATION, FUTURE], 7200)
    assert rules == (
        BACKLOG,
        FUTURE,
        {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 7200},
    )
    assert duration_target(rules) == 7200


def test_clearing_a_target_removes_only_the_duration_rule() -> None:
    assert rules_with_target([BACKLOG, DURATION, FUTURE], None) == (BACKLOG, FUTURE)
    assert rules_with_target([DURATION], None) == ()


def test_a_job_without_rules_gets_just_the_duration_rule() -> None:
    assert duration_target(rules_with_target([], 60)) == 60
    assert duration_target([BACKLOG]) is None


@pytest.mark.parametrize("target", [0, -1, MAX_TARGET_SECONDS + 1])
def test_a_target_outside_one_second_to_thirty_days_is_invalid(target: int) -> None:
    with pytest.raises(InvalidFilterError) as raised:
        valid_target(target)
    assert raised.value.field == "targetSeconds"


def test_a_target_within_bounds_is_kept() -> None:
    assert valid_target(1) == 1
    assert valid_target(MAX_TARGET_SECONDS) == MAX_TARGET_SECONDS


def test_the_owner_and_managers_may_edit_directly_or_through_a_group() -> None:
    owner = Entry("user", "bob@example.com", frozenset({"IS_OWNER"}))
    group_manager = Entry("group", "data-eng", frozenset({"CAN_MANAGE"}))
    assert may_edit(BOB, [owner])
    assert may_edit(BOB, [group_manager])


def test_viewing_or_running_a_job_does_not_allow_editing_it() -> None:
    runner = Entry("group", "data-eng", frozenset({"CAN_MANAGE_RUN", "CAN_VIEW"}))
    someone_else = Entry("user", "alice@example.com", frozenset({"CAN_MANAGE"}))
    other_group = Entry("group", "admins", frozenset({"CAN_MANAGE"}))
    assert not may_edit(BOB, [runner, someone_else, other_group])


# --- a written target over the catalog until the catalog has it ---------------------------------

SAVED_AT = datetime(2026, 11, 1, 12, tzinfo=UTC)
BACKLOG_RULE = HealthRule("STREAMING_BACKLOG_SECONDS", "GREATER_THAN", 900)


def catalog_job(job_id: int, changed_at: datetime, target: int | None) -> JobDefinition:
    duration = (HealthRule("RUN_DURATION_SECONDS", "GREATER_THAN", target),) if target else ()
    return replace(job(BACKLOG_RULE, *duration), job_id=job_id, changed_at=changed_at)


def test_a_written_target_shows_over_a_catalog_row_older_than_the_write() -> None:
    # given a catalog whose rows predate two writes: a new target and a cleared one
    catalog = {
        1: catalog_job(1, SAVED_AT - timedelta(hours=1), 3600),
        2: catalog_job(2, SAVED_AT - timedelta(hours=1), 3600),
        3: catalog_job(3, SAVED_AT - timedelta(hours=1), 600),
    }
    written = {1: WrittenTarget(5400, SAVED_AT), 2: WrittenTarget(None, SAVED_AT)}
    # when the catalog is shown
    shown = with_written_targets(catalog, written)
    # then the written targets show, every other rule and job as they were
    assert shown[1].duration_target_seconds == 5400
    assert shown[2].duration_target_seconds is None
    assert BACKLOG_RULE in shown[1].health_rules
    assert BACKLOG_RULE in shown[2].health_rules
    assert shown[3] is catalog[3]
    assert caught_up(catalog, written) == set()


def test_a_catalog_row_from_the_write_or_later_wins_and_the_write_is_forgotten() -> None:
    # given rows stamped at the write (it landed) and after it (someone changed the job since)
    catalog = {1: catalog_job(1, SAVED_AT, 5400), 2: catalog_job(2, SAVED_AT + timedelta(1), 60)}
    written = {1: WrittenTarget(5400, SAVED_AT), 2: WrittenTarget(None, SAVED_AT)}
    # then the catalog is shown as it is, and both writes are caught up
    assert with_written_targets(catalog, written) is catalog
    assert caught_up(catalog, written) == {1, 2}


def test_a_write_to_a_job_the_catalog_does_not_list_adds_nothing() -> None:
    catalog = {1: catalog_job(1, SAVED_AT - timedelta(hours=1), None)}
    written = {9: WrittenTarget(5400, SAVED_AT)}
    assert with_written_targets(catalog, written) is catalog
    assert caught_up(catalog, written) == set()
