"""Run vocabulary: one set of enums for the system tables and the Jobs API.

The two sources spell the same things differently (system `SUCCEEDED`, `CANCELLED`, `TIMED_OUT`,
`ERROR`; Jobs API `SUCCESS`, `CANCELED`, `TIMEDOUT`, `INTERNAL_ERROR`; trigger `CRON` vs `PERIODIC`
…). Every raw value is mapped here, once, to the enums the API exposes. A value neither
vocabulary knows becomes `UNKNOWN`; parsing never raises. Raw values are compared
case-insensitively, surrounding whitespace ignored.

Outcome classes of a `RunState` (reference 3.5), used for rates, streaks and filters:

* **active** (`is_active`): QUEUED, PENDING, RUNNING, TERMINATING, BLOCKED, WAITING.
* **success** (`is_success`): SUCCEEDED and SUCCEEDED_WITH_FAILURES. A run that succeeded with
  failures counts as a success, as Databricks does (its termination type is `SUCCESS`): its leaf
  tasks succeeded and the job's own `run_if` rules tolerated the failed ones. The state stays
  distinct so the UI can show it.
* **failure** (`is_failure`): FAILED, TIMED_OUT, INTERNAL_ERROR.
* **canceled** (`is_canceled`): CANCELED — stopped by a person or the platform. Neither a success
  nor a failure: it is left out of success rates and passed over by failure streaks.
* **not run** (`is_not_run`): SKIPPED, EXCLUDED, UPSTREAM_FAILED, UPSTREAM_CANCELED, DISABLED,
  MAX_CONCURRENT_RUNS_REACHED — the run ended without doing its work; also left out of rates and
  streaks.
* UNKNOWN is none of these: neither active nor finished.

`is_finished` = success, failure, canceled or not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Self

from job_monitor.backend.domain.cursors import RunCursor


def _key(raw: str | None) -> str | None:
    return raw.strip().upper() if raw is not None else None


class RunState(StrEnum):
    """The state of a job or task run, in one vocabulary for both sources."""

    QUEUED = "QUEUED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    TERMINATING = "TERMINATING"
    BLOCKED = "BLOCKED"
    WAITING = "WAITING"
    SUCCEEDED = "SUCCEEDED"
    SUCCEEDED_WITH_FAILURES = "SUCCEEDED_WITH_FAILURES"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    CANCELED = "CANCELED"
    SKIPPED = "SKIPPED"
    EXCLUDED = "EXCLUDED"
    UPSTREAM_FAILED = "UPSTREAM_FAILED"
    UPSTREAM_CANCELED = "UPSTREAM_CANCELED"
    DISABLED = "DISABLED"
    MAX_CONCURRENT_RUNS_REACHED = "MAX_CONCURRENT_RUNS_REACHED"
    UNKNOWN = "UNKNOWN"

    @property
    def description(self) -> str:
        """One sentence for the API schema: what the state means and how it counts."""
        return _STATE_DESCRIPTIONS[self]

    def system_result_states(self) -> tuple[str, ...]:
        """Every raw `result_state` that `state_from_system_table` maps to this state, for SQL `IN`
        lists (system spellings first, then the Jobs API spellings it also accepts).

        Empty for states no result state gives (the active ones). The termination code
        SUCCESS_WITH_FAILURES can further turn a SUCCEEDED result into SUCCEEDED_WITH_FAILURES.
        """
        system = [raw for raw, state in _SYSTEM_RESULT_STATES.items() if state is self]
        api = [raw for raw, state in _API_RESULT_STATES.items() if state is self]
        return tuple(dict.fromkeys([*system, *api]))


_STATE_DESCRIPTIONS: Mapping[RunState, str] = {
    RunState.QUEUED: "Waiting in the job queue (concurrency or workspace limits). Active.",
    RunState.PENDING: "Starting: compute is being set up. Active.",
    RunState.RUNNING: "Running. Active.",
    RunState.TERMINATING: "Finished its work and is cleaning up. Active.",
    RunState.BLOCKED: "Blocked on an upstream dependency. Active.",
    RunState.WAITING: "Waiting for a retry after a failed attempt. Active.",
    RunState.SUCCEEDED: "Completed successfully. Counts as a success.",
    RunState.SUCCEEDED_WITH_FAILURES: (
        "Completed with some failed tasks that the job tolerates (its leaf tasks succeeded). "
        "Counts as a success."
    ),
    RunState.FAILED: "Completed with an error. Counts as a failure.",
    RunState.TIMED_OUT: "Stopped after reaching its timeout. Counts as a failure.",
    RunState.INTERNAL_ERROR: "Ended by a platform error. Counts as a failure.",
    RunState.CANCELED: (
        "Canceled by a person or the platform. Neither a success nor a failure: left out of "
        "success rates and passed over by failure streaks."
    ),
    RunState.SKIPPED: "Did not run (skipped, or ended blocked). Left out of rates and streaks.",
    RunState.EXCLUDED: "Not run: excluded by its run condition. Left out of rates and streaks.",
    RunState.UPSTREAM_FAILED: (
        "Not run because an upstream task failed. Left out of rates and streaks."
    ),
    RunState.UPSTREAM_CANCELED: (
        "Not run because an upstream task was canceled. Left out of rates and streaks."
    ),
    RunState.DISABLED: "Not run because it is disabled. Left out of rates and streaks.",
    RunState.MAX_CONCURRENT_RUNS_REACHED: (
        "Not run because the job already had its maximum of concurrent runs. Left out of rates "
        "and streaks."
    ),
    RunState.UNKNOWN: (
        "A state this service does not know yet; see the run's message. Counts in run totals only."
    ),
}

_ACTIVE = frozenset(
    {
        RunState.QUEUED,
        RunState.PENDING,
        RunState.RUNNING,
        RunState.TERMINATING,
        RunState.BLOCKED,
        RunState.WAITING,
    }
)
_SUCCESS = frozenset({RunState.SUCCEEDED, RunState.SUCCEEDED_WITH_FAILURES})
_FAILURE = frozenset({RunState.FAILED, RunState.TIMED_OUT, RunState.INTERNAL_ERROR})
_NOT_RUN = frozenset(
    {
        RunState.SKIPPED,
        RunState.EXCLUDED,
        RunState.UPSTREAM_FAILED,
        RunState.UPSTREAM_CANCELED,
        RunState.DISABLED,
        RunState.MAX_CONCURRENT_RUNS_REACHED,
    }
)


def is_active(state: RunState) -> bool:
    """True while the run is queued, pending, running, terminating, blocked or waiting for a
    retry."""
    return state in _ACTIVE


def is_success(state: RunState) -> bool:
    """True for SUCCEEDED and SUCCEEDED_WITH_FAILURES (both count as successes in rates)."""
    return state in _SUCCESS


def is_failure(state: RunState) -> bool:
    """True for FAILED, TIMED_OUT and INTERNAL_ERROR: the runs that count as failures in rates and
    streaks."""
    return state in _FAILURE


def is_canceled(state: RunState) -> bool:
    """True for CANCELED: neither success nor failure; left out of rates, passed over by streaks."""
    return state is RunState.CANCELED


def is_not_run(state: RunState) -> bool:
    """True when the run ended without doing its work (skipped, excluded, upstream failed or
    canceled, disabled, concurrency limit reached)."""
    return state in _NOT_RUN


def is_finished(state: RunState) -> bool:
    """True when the run has ended: a success, failure, cancellation or not-run. False for active
    runs and for UNKNOWN."""
    return state in _SUCCESS or state in _FAILURE or state in _NOT_RUN or state is RunState.CANCELED


# system.lakeflow.job_run_timeline / job_task_run_timeline `result_state`. The API spellings are
# accepted too: the task table and future rows may use them, and accepting them costs nothing.
_SYSTEM_RESULT_STATES: Mapping[str, RunState] = {
    "SUCCEEDED": RunState.SUCCEEDED,
    "FAILED": RunState.FAILED,
    "SKIPPED": RunState.SKIPPED,
    "CANCELLED": RunState.CANCELED,
    "TIMED_OUT": RunState.TIMED_OUT,
    "ERROR": RunState.INTERNAL_ERROR,
    # On the final slice BLOCKED means the run ended without getting past the block: it never ran.
    "BLOCKED": RunState.SKIPPED,
}

# Jobs API `state.result_state` (RunResultState).
_API_RESULT_STATES: Mapping[str, RunState] = {
    "SUCCESS": RunState.SUCCEEDED,
    "SUCCESS_WITH_FAILURES": RunState.SUCCEEDED_WITH_FAILURES,
    "FAILED": RunState.FAILED,
    "TIMEDOUT": RunState.TIMED_OUT,
    "CANCELED": RunState.CANCELED,
    "MAXIMUM_CONCURRENT_RUNS_REACHED": RunState.MAX_CONCURRENT_RUNS_REACHED,
    "EXCLUDED": RunState.EXCLUDED,
    "UPSTREAM_FAILED": RunState.UPSTREAM_FAILED,
    "UPSTREAM_CANCELED": RunState.UPSTREAM_CANCELED,
    "DISABLED": RunState.DISABLED,
}

_ANY_RESULT_STATES: Mapping[str, RunState] = {**_API_RESULT_STATES, **_SYSTEM_RESULT_STATES}

# Jobs API `state.life_cycle_state` (RunLifeCycleState) and `status.state`
# (RunLifecycleStateV2State), only the values that say the run is still going.
_ACTIVE_LIFE_CYCLES: Mapping[str, RunState] = {
    "QUEUED": RunState.QUEUED,
    "PENDING": RunState.PENDING,
    "RUNNING": RunState.RUNNING,
    "TERMINATING": RunState.TERMINATING,
    "BLOCKED": RunState.BLOCKED,
    "WAITING": RunState.WAITING,
    "WAITING_FOR_RETRY": RunState.WAITING,
}

# Termination codes (Jobs API `status.termination_details.code` and system `termination_code`) that
# decide the state when no result state is given. Every other code the docs list is a failure; see
# `_FAILURE_CODES`. Codes outside both sets stay UNKNOWN.
_OUTCOME_CODES: Mapping[str, RunState] = {
    "SUCCESS": RunState.SUCCEEDED,
    "SUCCESS_WITH_FAILURES": RunState.SUCCEEDED_WITH_FAILURES,
    "USER_CANCELED": RunState.CANCELED,
    "CANCELED": RunState.CANCELED,
    "CANCELLED": RunState.CANCELED,
    "SKIPPED": RunState.SKIPPED,
    "DISABLED": RunState.DISABLED,
    "MAX_CONCURRENT_RUNS_EXCEEDED": RunState.MAX_CONCURRENT_RUNS_REACHED,
    "INTERNAL_ERROR": RunState.INTERNAL_ERROR,
}
_FAILURE_CODES = frozenset(
    {
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
    }
)


def _state_from_code(termination_code: str | None) -> RunState:
    code = _key(termination_code)
    if code is None:
        return RunState.UNKNOWN
    if code in _FAILURE_CODES:
        return RunState.FAILED
    return _OUTCOME_CODES.get(code, RunState.UNKNOWN)


def _refine_success(state: RunState, termination_code: str | None) -> RunState:
    # A SUCCESS result with the code SUCCESS_WITH_FAILURES is a partial success.
    if state is RunState.SUCCEEDED and _key(termination_code) == "SUCCESS_WITH_FAILURES":
        return RunState.SUCCEEDED_WITH_FAILURES
    return state


def state_from_system_table(
    result_state: str | None, termination_code: str | None, is_finished: bool
) -> RunState:
    """The state of a run collapsed from `job_run_timeline` (or `job_task_run_timeline`) slices.

    `result_state` and `termination_code` are the raw values of the latest non-null slice (NULL
    until the run ends). `is_finished` says whether the caller knows the run has ended even though
    no result is recorded (for example it is no longer among the Jobs API's active runs).

    Rules, in order: a known result state decides (`SUCCEEDED`, `FAILED`, `SKIPPED`, `CANCELLED` →
    CANCELED, `TIMED_OUT`, `ERROR` → INTERNAL_ERROR, `BLOCKED` → SKIPPED because a final BLOCKED
    means the run never ran; Jobs API spellings are accepted too; `SUCCEEDED` with code
    `SUCCESS_WITH_FAILURES` → SUCCEEDED_WITH_FAILURES). Without a known result, a run that is not
    finished is RUNNING (it has slices, so it started). A finished run without a known result takes
    its state from the termination code (see `state_from_jobs_api`), else UNKNOWN.
    """
    result = _key(result_state)
    if result is not None and result in _ANY_RESULT_STATES:
        return _refine_success(_ANY_RESULT_STATES[result], termination_code)
    if result is None and not is_finished:
        return RunState.RUNNING
    return _state_from_code(termination_code)


def state_from_jobs_api(
    life_cycle_state: str | None,
    result_state: str | None,
    status_state: str | None,
    termination_code: str | None,
) -> RunState:
    """The state of a run from the Jobs API 2.2 (`runs/list`, `runs/get`), raw wire values.

    Arguments: `state.life_cycle_state`, `state.result_state`, `status.state` and
    `status.termination_details.code`; any may be None (the SDK turns values it does not know into
    None).

    Rules, in order:
    1. Still going: `status.state` (the newer model) is QUEUED, PENDING, RUNNING, TERMINATING,
       BLOCKED or WAITING, or — unless `status.state` is TERMINATED — `life_cycle_state` is one of
       these or WAITING_FOR_RETRY → that state (WAITING_FOR_RETRY → WAITING), even if a result state
       is already set.
    2. A known result state decides: SUCCESS → SUCCEEDED (SUCCESS_WITH_FAILURES when the code says
       so), SUCCESS_WITH_FAILURES, FAILED, TIMEDOUT → TIMED_OUT, CANCELED,
       MAXIMUM_CONCURRENT_RUNS_REACHED → MAX_CONCURRENT_RUNS_REACHED, EXCLUDED, UPSTREAM_FAILED,
       UPSTREAM_CANCELED, DISABLED.
    3. Life cycle INTERNAL_ERROR → INTERNAL_ERROR; SKIPPED → SKIPPED.
    4. The termination code: SUCCESS, SUCCESS_WITH_FAILURES, USER_CANCELED/CANCELED → CANCELED,
       SKIPPED, DISABLED, MAX_CONCURRENT_RUNS_EXCEEDED → MAX_CONCURRENT_RUNS_REACHED,
       INTERNAL_ERROR; every documented error code (DRIVER_ERROR, CLUSTER_ERROR,
       RUN_EXECUTION_ERROR, CLOUD_FAILURE, …) → FAILED.
    5. Anything else → UNKNOWN.
    """
    status, legacy = _key(status_state), _key(life_cycle_state)
    if status is not None and status in _ACTIVE_LIFE_CYCLES:
        return _ACTIVE_LIFE_CYCLES[status]
    # A TERMINATED status wins over a stale life cycle; an absent or unknown one does not.
    if status != "TERMINATED" and legacy is not None and legacy in _ACTIVE_LIFE_CYCLES:
        return _ACTIVE_LIFE_CYCLES[legacy]
    result = _key(result_state)
    if result is not None and result in _API_RESULT_STATES:
        return _refine_success(_API_RESULT_STATES[result], termination_code)
    if legacy == "INTERNAL_ERROR":
        return RunState.INTERNAL_ERROR
    if legacy == "SKIPPED":
        return RunState.SKIPPED
    return _state_from_code(termination_code)


class _Vocabulary(StrEnum):
    """An enum parsed from either source's raw values; `UNKNOWN` for anything else."""

    @classmethod
    def _aliases(cls) -> Mapping[str, str]:
        return {}

    @classmethod
    def parse(cls, raw: str | None) -> Self:
        """The member for a raw system-table or Jobs API value; UNKNOWN for None or an unknown
        value."""
        key = _key(raw)
        if key is None:
            return cls("UNKNOWN")
        key = cls._aliases().get(key, key)
        return cls(key) if key in cls.__members__ else cls("UNKNOWN")

    def raw_values(self) -> tuple[str, ...]:
        """Every raw value of either source that parses to this member, for SQL `IN` lists (a
        superset of what one source sends is harmless there); empty for UNKNOWN."""
        if self.value == "UNKNOWN":
            return ()
        aliases = tuple(raw for raw, name in self._aliases().items() if name == self.value)
        return (*aliases, self.value)


class Trigger(_Vocabulary):
    """What started a run. System `trigger_type` and Jobs API `trigger` map to one set of names.

    System → member: CRON → PERIODIC, ONETIME → ONE_TIME, ONETIME_RETRY → RETRY, FILE_ARRIVAL,
    CONTINUOUS, TABLE/TABLE_UPDATE → TABLE_UPDATE. API names are the members' own names (PERIODIC,
    ONE_TIME, RETRY, RUN_JOB_TASK, FILE_ARRIVAL, CONTINUOUS, CONTINUOUS_RESTART, TABLE →
    TABLE_UPDATE, JOB_COMPLETION, MODEL). The CRON↔PERIODIC pairing is the documented one but
    unconfirmed against a live workspace.
    """

    PERIODIC = "PERIODIC"
    ONE_TIME = "ONE_TIME"
    RETRY = "RETRY"
    RUN_JOB_TASK = "RUN_JOB_TASK"
    FILE_ARRIVAL = "FILE_ARRIVAL"
    CONTINUOUS = "CONTINUOUS"
    CONTINUOUS_RESTART = "CONTINUOUS_RESTART"
    TABLE_UPDATE = "TABLE_UPDATE"
    JOB_COMPLETION = "JOB_COMPLETION"
    MODEL = "MODEL"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def _aliases(cls) -> Mapping[str, str]:
        return _TRIGGER_ALIASES


# Raw value → member name, where the two differ.
_TRIGGER_ALIASES: Mapping[str, str] = {
    "CRON": "PERIODIC",
    "ONETIME": "ONE_TIME",
    "ONETIME_RETRY": "RETRY",
    "TABLE": "TABLE_UPDATE",
}


class RunType(_Vocabulary):
    """The kind of run: JOB_RUN (a job), SUBMIT_RUN (runs/submit), WORKFLOW_RUN
    (`dbutils.notebook.run`).

    Both sources use the same spelling."""

    JOB_RUN = "JOB_RUN"
    SUBMIT_RUN = "SUBMIT_RUN"
    WORKFLOW_RUN = "WORKFLOW_RUN"
    UNKNOWN = "UNKNOWN"


class TerminationType(_Vocabulary):
    """Who ended the run: SUCCESS, CLIENT_ERROR (user input or configuration), INTERNAL_ERROR (the
    platform; the system tables may say SERVICE_ERROR), CLOUD_FAILURE (the cloud provider)."""

    SUCCESS = "SUCCESS"
    CLIENT_ERROR = "CLIENT_ERROR"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    CLOUD_FAILURE = "CLOUD_FAILURE"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def _aliases(cls) -> Mapping[str, str]:
        return _TERMINATION_TYPE_ALIASES


_TERMINATION_TYPE_ALIASES: Mapping[str, str] = {"SERVICE_ERROR": "INTERNAL_ERROR"}


# --- the records --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskRunRecord:
    """One run of a task within a job run. From the system tables it is the task's latest attempt
    (a repair reruns tasks as new task runs), with `depends_on` from the job's current definition;
    from the Jobs API it is the task as the run reports it now (not started yet: no start time)."""

    task_run_id: int
    job_run_id: int
    task_key: str
    state: RunState
    termination_code: str | None
    termination_type: TerminationType
    start_time: datetime | None
    end_time: datetime | None
    duration_seconds: float | None
    depends_on: tuple[str, ...] = ()
    attempt: int | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class RepairAttempt:
    """One entry of a run's repair history: the original attempt or a repair."""

    repair_id: int | None
    # ORIGINAL or REPAIR, as the Jobs API says.
    kind: str | None
    state: RunState
    start_time: datetime | None
    end_time: datetime | None
    task_run_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A job run, whichever source knows it: the system tables (collapsed from hourly slices, the
    latest result of a repaired run), the Jobs API (live state), or both merged.

    `live` when the Jobs API says it is active now (its state is then the live one). `message`,
    `attempt`, `url`, `tasks` and `repairs` are known only from the Jobs API (None or empty: not
    fetched, or no longer kept). A run without a result yet has no end or duration.
    """

    run_id: int
    # None only for one-time `runs/submit` runs, which belong to no job.
    job_id: int | None
    run_name: str | None
    state: RunState
    # Raw: the code set is open-ended and both sources use the same strings.
    termination_code: str | None
    termination_type: TerminationType
    start_time: datetime
    end_time: datetime | None
    duration_seconds: float | None
    queue_seconds: float | None
    trigger: Trigger
    run_type: RunType
    repair_count: int
    message: str | None = None
    # 0 for the first attempt, incremented on each automatic retry.
    attempt: int | None = None
    url: str | None = None
    live: bool = False
    tasks: tuple[TaskRunRecord, ...] = ()
    repairs: tuple[RepairAttempt, ...] = ()

    @property
    def cursor(self) -> RunCursor:
        return RunCursor(start_time=self.start_time, run_id=self.run_id)

    def elapsed_seconds(self, now: datetime) -> float | None:
        """Seconds since the run started, while it is active."""
        if not self.live:
            return None
        return max(0.0, (now - self.start_time).total_seconds())


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs, newest first; `has_next_page` when more runs follow the last one,
    `has_previous_page` when the page was asked for after a cursor."""

    runs: tuple[RunRecord, ...]
    has_next_page: bool
    has_previous_page: bool = False

    @property
    def end_cursor(self) -> RunCursor | None:
        return self.runs[-1].cursor if self.runs else None
