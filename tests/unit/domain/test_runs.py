"""State, trigger, run type and termination type normalisation from both vocabularies."""

from __future__ import annotations

import pytest

from job_monitor.backend.domain.runs import (
    RunState,
    RunType,
    TerminationType,
    Trigger,
    is_active,
    is_canceled,
    is_failure,
    is_finished,
    is_not_run,
    is_success,
    state_from_jobs_api,
    state_from_system_table,
)

# Every `result_state` the system-table docs list (reference 2.3).
SYSTEM_RESULT_STATES = [
    ("SUCCEEDED", RunState.SUCCEEDED),
    ("FAILED", RunState.FAILED),
    ("SKIPPED", RunState.SKIPPED),
    ("CANCELLED", RunState.CANCELED),
    ("TIMED_OUT", RunState.TIMED_OUT),
    ("ERROR", RunState.INTERNAL_ERROR),
    ("BLOCKED", RunState.SKIPPED),
]

# Every RunResultState of the Jobs API (reference 3.4).
API_RESULT_STATES = [
    ("SUCCESS", RunState.SUCCEEDED),
    ("SUCCESS_WITH_FAILURES", RunState.SUCCEEDED_WITH_FAILURES),
    ("FAILED", RunState.FAILED),
    ("TIMEDOUT", RunState.TIMED_OUT),
    ("CANCELED", RunState.CANCELED),
    ("MAXIMUM_CONCURRENT_RUNS_REACHED", RunState.MAX_CONCURRENT_RUNS_REACHED),
    ("EXCLUDED", RunState.EXCLUDED),
    ("UPSTREAM_FAILED", RunState.UPSTREAM_FAILED),
    ("UPSTREAM_CANCELED", RunState.UPSTREAM_CANCELED),
    ("DISABLED", RunState.DISABLED),
]

# Every RunLifeCycleState and RunLifecycleStateV2State that means "still going".
API_ACTIVE_LIFE_CYCLES = [
    ("QUEUED", RunState.QUEUED),
    ("PENDING", RunState.PENDING),
    ("RUNNING", RunState.RUNNING),
    ("TERMINATING", RunState.TERMINATING),
    ("BLOCKED", RunState.BLOCKED),
    ("WAITING", RunState.WAITING),
    ("WAITING_FOR_RETRY", RunState.WAITING),
]

# Every termination code of the Jobs API and the system tables (reference 3.4).
TERMINATION_CODES = [
    ("SUCCESS", RunState.SUCCEEDED),
    ("SUCCESS_WITH_FAILURES", RunState.SUCCEEDED_WITH_FAILURES),
    ("USER_CANCELED", RunState.CANCELED),
    ("CANCELED", RunState.CANCELED),
    ("CANCELLED", RunState.CANCELED),
    ("SKIPPED", RunState.SKIPPED),
    ("DISABLED", RunState.DISABLED),
    ("INTERNAL_ERROR", RunState.INTERNAL_ERROR),
    ("MAX_CONCURRENT_RUNS_EXCEEDED", RunState.MAX_CONCURRENT_RUNS_REACHED),
    *(
        (code, RunState.FAILED)
        for code in [
            "DRIVER_ERROR",
            "CLUSTER_ERROR",
            "REPOSITORY_CHECKOUT_FAILED",
            "INVALID_CLUSTER_REQUEST",
            "WORKSPACE_RUN_LIMIT_EXCEEDED",
            "FEATURE_DISABLED",
            "CLUSTER_REQUEST_LIMIT_EXCEEDED",
            "STORAGE_ACCESS_ERROR",
            "RUN_EXECUTION_ERROR",
            "UNAUTHORIZED_ERROR",
            "LIBRARY_INSTALLATION_ERROR",
            "MAX_SPARK_CONTEXTS_EXCEEDED",
            "RESOURCE_NOT_FOUND",
            "INVALID_RUN_CONFIGURATION",
            "CLOUD_FAILURE",
            "MAX_JOB_QUEUE_SIZE_EXCEEDED",
            "BREAKING_CHANGE",
            "BUDGET_POLICY_LIMIT_EXCEEDED",
            "CLUSTER_TERMINATED_BY_USER",
        ]
    ),
]


@pytest.mark.parametrize(("raw", "expected"), SYSTEM_RESULT_STATES)
def test_state_mapping_from_system_table_result_states(raw: str, expected: RunState) -> None:
    # given the final slice's result state, when mapped, then it is the app's state
    assert state_from_system_table(raw, None, is_finished=True) is expected


@pytest.mark.parametrize(("raw", "expected"), API_RESULT_STATES)
def test_state_mapping_from_system_table_accepts_jobs_api_spellings(
    raw: str, expected: RunState
) -> None:
    assert state_from_system_table(raw, None, is_finished=True) is expected


def test_state_mapping_from_system_table_ignores_case_and_whitespace() -> None:
    assert state_from_system_table(" cancelled ", None, is_finished=True) is RunState.CANCELED


def test_state_mapping_from_system_table_without_result_is_running_until_finished() -> None:
    # given a run whose slices carry no result yet
    # when it is not known to be finished, then it is running; when it is, then its state is unknown
    assert state_from_system_table(None, None, is_finished=False) is RunState.RUNNING
    assert state_from_system_table(None, None, is_finished=True) is RunState.UNKNOWN


def test_state_mapping_from_system_table_partial_success_from_termination_code() -> None:
    state = state_from_system_table("SUCCEEDED", "SUCCESS_WITH_FAILURES", is_finished=True)
    assert state is RunState.SUCCEEDED_WITH_FAILURES


@pytest.mark.parametrize(("code", "expected"), TERMINATION_CODES)
def test_state_mapping_from_system_table_termination_code_when_result_is_missing(
    code: str, expected: RunState
) -> None:
    assert state_from_system_table(None, code, is_finished=True) is expected


def test_state_mapping_from_system_table_unknown_result_is_unknown_never_a_crash() -> None:
    assert state_from_system_table("EXPLODED", None, is_finished=True) is RunState.UNKNOWN
    assert state_from_system_table("EXPLODED", "NEW_CODE", is_finished=False) is RunState.UNKNOWN
    assert state_from_system_table("", None, is_finished=True) is RunState.UNKNOWN


@pytest.mark.parametrize(("raw", "expected"), API_RESULT_STATES)
def test_state_mapping_from_jobs_api_result_states(raw: str, expected: RunState) -> None:
    # given a terminated run with a result state, when mapped, then it is the app's state
    assert state_from_jobs_api("TERMINATED", raw, "TERMINATED", None) is expected


@pytest.mark.parametrize(("raw", "expected"), API_ACTIVE_LIFE_CYCLES)
def test_state_mapping_from_jobs_api_active_life_cycle(raw: str, expected: RunState) -> None:
    assert state_from_jobs_api(raw, None, None, None) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(raw, state) for raw, state in API_ACTIVE_LIFE_CYCLES if raw != "WAITING_FOR_RETRY"],
)
def test_state_mapping_from_jobs_api_active_status_state(raw: str, expected: RunState) -> None:
    assert state_from_jobs_api(None, None, raw, None) is expected


def test_state_mapping_from_jobs_api_status_state_wins_over_stale_life_cycle() -> None:
    # given the newer status says terminated while the deprecated life cycle still says running
    state = state_from_jobs_api("RUNNING", "SUCCESS", "TERMINATED", "SUCCESS")
    # then the run is finished
    assert state is RunState.SUCCEEDED


def test_state_mapping_from_jobs_api_unknown_status_falls_back_to_life_cycle() -> None:
    assert state_from_jobs_api("RUNNING", None, "HIBERNATING", None) is RunState.RUNNING
    assert state_from_jobs_api("RUNNING", None, None, None) is RunState.RUNNING


def test_state_mapping_from_jobs_api_active_run_with_early_result_is_still_active() -> None:
    assert state_from_jobs_api("TERMINATING", "FAILED", "TERMINATING", None) is (
        RunState.TERMINATING
    )


@pytest.mark.parametrize(
    ("life_cycle", "expected"),
    [("INTERNAL_ERROR", RunState.INTERNAL_ERROR), ("SKIPPED", RunState.SKIPPED)],
)
def test_state_mapping_from_jobs_api_terminal_life_cycle_without_result(
    life_cycle: str, expected: RunState
) -> None:
    assert state_from_jobs_api(life_cycle, None, "TERMINATED", None) is expected


@pytest.mark.parametrize(("code", "expected"), TERMINATION_CODES)
def test_state_mapping_from_jobs_api_termination_code_of_status_only_run(
    code: str, expected: RunState
) -> None:
    # given a run described only by the newer status object
    assert state_from_jobs_api(None, None, "TERMINATED", code) is expected


def test_state_mapping_from_jobs_api_partial_success_from_termination_code() -> None:
    state = state_from_jobs_api("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS_WITH_FAILURES")
    assert state is RunState.SUCCEEDED_WITH_FAILURES


@pytest.mark.parametrize(
    ("life_cycle", "result", "status", "code"),
    [
        (None, None, None, None),
        ("TERMINATED", None, "TERMINATED", None),
        ("TERMINATED", "MODEL_DRIFT", "TERMINATED", None),
        ("HIBERNATING", None, None, None),
        (None, None, "TERMINATED", "CLUSTER_ON_FIRE"),
        ("", "", "", ""),
    ],
)
def test_state_mapping_from_jobs_api_unknown_values_are_unknown_never_a_crash(
    life_cycle: str | None, result: str | None, status: str | None, code: str | None
) -> None:
    assert state_from_jobs_api(life_cycle, result, status, code) is RunState.UNKNOWN


def test_system_result_states_lists_the_raw_values_of_a_state() -> None:
    assert RunState.CANCELED.system_result_states() == ("CANCELLED", "CANCELED")
    assert RunState.SKIPPED.system_result_states() == ("SKIPPED", "BLOCKED")
    assert RunState.TIMED_OUT.system_result_states() == ("TIMED_OUT", "TIMEDOUT")
    assert RunState.RUNNING.system_result_states() == ()
    # and each listed value maps back to its state
    for state in RunState:
        for raw in state.system_result_states():
            assert state_from_system_table(raw, None, is_finished=True) is state


# Outcome classes: every state is in exactly one, UNKNOWN in none.
OUTCOME_CLASSES = {
    "active": (
        is_active,
        {"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING"},
    ),
    "success": (is_success, {"SUCCEEDED", "SUCCEEDED_WITH_FAILURES"}),
    "failure": (is_failure, {"FAILED", "TIMED_OUT", "INTERNAL_ERROR"}),
    "canceled": (is_canceled, {"CANCELED"}),
    "not run": (
        is_not_run,
        {
            "SKIPPED",
            "EXCLUDED",
            "UPSTREAM_FAILED",
            "UPSTREAM_CANCELED",
            "DISABLED",
            "MAX_CONCURRENT_RUNS_REACHED",
        },
    ),
}


@pytest.mark.parametrize("state", list(RunState))
def test_failure_classification_puts_each_state_in_one_class(state: RunState) -> None:
    classes = [name for name, (test, _) in OUTCOME_CLASSES.items() if test(state)]
    expected = [name for name, (_, members) in OUTCOME_CLASSES.items() if state in members]
    assert classes == expected
    assert len(classes) == (0 if state is RunState.UNKNOWN else 1)
    assert is_finished(state) == (classes not in ([], ["active"]))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CRON", Trigger.PERIODIC),
        ("ONETIME", Trigger.ONE_TIME),
        ("ONETIME_RETRY", Trigger.RETRY),
        ("FILE_ARRIVAL", Trigger.FILE_ARRIVAL),
        ("CONTINUOUS", Trigger.CONTINUOUS),
        ("TABLE_UPDATE", Trigger.TABLE_UPDATE),
        ("PERIODIC", Trigger.PERIODIC),
        ("ONE_TIME", Trigger.ONE_TIME),
        ("RETRY", Trigger.RETRY),
        ("RUN_JOB_TASK", Trigger.RUN_JOB_TASK),
        ("TABLE", Trigger.TABLE_UPDATE),
        ("CONTINUOUS_RESTART", Trigger.CONTINUOUS_RESTART),
        ("JOB_COMPLETION", Trigger.JOB_COMPLETION),
        ("MODEL", Trigger.MODEL),
        ("cron", Trigger.PERIODIC),
        ("TELEPATHY", Trigger.UNKNOWN),
        (None, Trigger.UNKNOWN),
    ],
)
def test_trigger_mapping_from_both_vocabularies(raw: str | None, expected: Trigger) -> None:
    assert Trigger.parse(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("JOB_RUN", RunType.JOB_RUN),
        ("SUBMIT_RUN", RunType.SUBMIT_RUN),
        ("WORKFLOW_RUN", RunType.WORKFLOW_RUN),
        ("PIPELINE_RUN", RunType.UNKNOWN),
        (None, RunType.UNKNOWN),
    ],
)
def test_run_type_mapping(raw: str | None, expected: RunType) -> None:
    assert RunType.parse(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SUCCESS", TerminationType.SUCCESS),
        ("CLIENT_ERROR", TerminationType.CLIENT_ERROR),
        ("INTERNAL_ERROR", TerminationType.INTERNAL_ERROR),
        ("SERVICE_ERROR", TerminationType.INTERNAL_ERROR),
        ("CLOUD_FAILURE", TerminationType.CLOUD_FAILURE),
        ("GREMLINS", TerminationType.UNKNOWN),
        (None, TerminationType.UNKNOWN),
    ],
)
def test_termination_type_mapping(raw: str | None, expected: TerminationType) -> None:
    assert TerminationType.parse(raw) is expected


def test_raw_values_parse_back_to_their_member() -> None:
    # given every member of every vocabulary, when its raw values are parsed, then they give it back
    for vocabulary in (Trigger, RunType, TerminationType):
        for member in vocabulary:
            for raw in member.raw_values():
                assert vocabulary.parse(raw) is member
    assert Trigger.PERIODIC.raw_values() == ("CRON", "PERIODIC")
    assert Trigger.UNKNOWN.raw_values() == ()


def test_every_state_has_a_schema_description() -> None:
    for state in RunState:
        assert state.description.endswith(".")
