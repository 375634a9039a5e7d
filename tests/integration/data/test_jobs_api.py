"""The service principal's Jobs API access over real HTTP: the real SDK against the local workspace.

Expected values come from the stand-in's own rows (`local.runs`, `local.task_runs`,
`local.task_outputs`, `local.jobs`) read straight from its DuckDB database, never from the code
under test. Faults (429, 500, held requests) are injected through the stand-in's `/_local/faults`.
"""

from __future__ import annotations

import time

import pytest
from databricks.sdk import WorkspaceClient

from job_monitor.backend.core import build_sp_client
from job_monitor.backend.data.jobs_api import JobsApi
from job_monitor.backend.domain.errors import (
    NotFoundError,
    UpstreamProblem,
    UpstreamUnavailableError,
)
from job_monitor.backend.domain.runs import RunState, is_active
from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import APP_SP, BOB, USER_TOKENS
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import local_settings
from tests.integration.data.conftest import Admin

RUNS_LIST_PATH = "/api/2.2/jobs/runs/list"
RUNS_GET_PATH = "/api/2.2/jobs/runs/get"
RUNS_GET_OUTPUT_PATH = "/api/2.2/jobs/runs/get-output"
NO_SUCH_ID = 1
BOB_TOKEN = next(token for token, who in USER_TOKENS.items() if who == BOB)

# Runs the Jobs API still keeps (60 days) that are going on now, with their life-cycle state.
ACTIVE_RUNS_SQL = """
SELECT run_id, active_state FROM local.runs
WHERE is_active AND start_time >= (SELECT anchor FROM local.meta) - INTERVAL 60 DAY
"""
# The task runs a run page shows: each task's latest attempt (a repair replaces the original), plus
# attempts that were retried.
SHOWN_TASK_RUNS_SQL = """
SELECT t.task_run_id, t.task_key, o.error
FROM local.task_runs t LEFT JOIN local.task_outputs o USING (task_run_id)
WHERE t.job_run_id = ? AND NOT (t.kind = 'ORIGINAL' AND EXISTS (
  SELECT 1 FROM local.task_runs x
  WHERE x.job_run_id = t.job_run_id AND x.task_key = t.task_key AND x.kind = 'REPAIR'))
"""
RECENT = "r.start_time >= (SELECT anchor FROM local.meta) - INTERVAL 30 DAY AND NOT r.is_active"
FAILED_RUN_SQL = f"""
SELECT max(r.run_id) FROM local.runs r
WHERE {RECENT} AND NOT r.repaired AND r.outcome = 'run_execution_error' AND r.n_tasks > 2
"""
REPAIRED_RUN_SQL = f"SELECT max(r.run_id) FROM local.runs r WHERE {RECENT} AND r.repaired"
# The demo's widest job has 130 tasks: more than one 100-task page of runs/get.
WIDE_RUN_SQL = f"SELECT max(r.run_id) FROM local.runs r WHERE {RECENT} AND r.n_tasks > 100"
RETRIED_TASK_SQL = f"""
SELECT r.run_id, t.task_key FROM local.runs r JOIN local.task_runs t ON t.job_run_id = r.run_id
WHERE {RECENT} AND t.kind = 'RETRY' ORDER BY r.run_id DESC LIMIT 1
"""
HIDDEN_FROM_BOB_SQL = f"""
SELECT max(r.run_id) FROM local.runs r WHERE {RECENT} AND r.job_id NOT IN (
  SELECT job_id FROM local.acl
  WHERE (principal_type = 'user' AND principal = ?)
    OR (principal_type = 'group' AND list_contains(?, principal)))
"""


@pytest.fixture(scope="module")
def database(local_workspace: LocalWorkspace) -> WorkspaceDatabase:
    db = local_workspace.state.database
    assert isinstance(db, WorkspaceDatabase)
    return db


def one(database: WorkspaceDatabase, sql: str, *params: object) -> int:
    row = database.cursor().execute(sql, list(params)).fetchone()
    assert row is not None
    assert row[0] is not None, f"the demo data has no row for: {sql}"
    return int(row[0])


def impatient_jobs_api(workspace: LocalWorkspace) -> JobsApi:
    """Short SDK timeouts: endless 429s and held requests give up within the test's patience."""
    settings = local_settings(workspace, http_timeout_seconds=1, retry_timeout_seconds=2)
    return JobsApi(build_sp_client(settings))


@pytest.fixture(scope="module")
def jobs_api(local_workspace: LocalWorkspace) -> JobsApi:
    # The service's default SDK timeouts: a busy CI machine must not fail a read. No caching.
    return JobsApi(build_sp_client(local_settings(local_workspace)))


async def test_active_runs_are_the_runs_running_or_queued_now_each_once(
    jobs_api: JobsApi, database: WorkspaceDatabase
) -> None:
    # given the runs the stand-in has going on now (the app's service principal views every job)
    expected = dict(database.cursor().execute(ACTIVE_RUNS_SQL).fetchall())
    assert "QUEUED" in expected.values(), "the demo data queues runs behind a concurrency limit"
    # when the service lists the active runs
    runs = await jobs_api.active_runs()
    # then each active run appears exactly once, in its state, and none has ended
    ids = [run.run_id for run in runs]
    assert len(ids) == len(set(ids))
    assert {run.run_id: run.state.value for run in runs} == expected
    assert all(is_active(run.state) and run.end_time is None for run in runs)
    assert all(run.job_id is not None and run.start_time is not None for run in runs)


async def test_run_detail_has_its_tasks_and_the_error_text_of_a_failed_task(
    jobs_api: JobsApi, database: WorkspaceDatabase
) -> None:
    # given a recent run that failed in one of its tasks
    run_id = one(database, FAILED_RUN_SQL)
    rows = database.cursor().execute(SHOWN_TASK_RUNS_SQL, [run_id]).fetchall()
    # when the service reads it
    run = await jobs_api.run_detail(run_id)
    # then it has each task once, and the failed task carries its error text
    assert run.run_id == run_id
    assert run.state is RunState.FAILED
    assert run.end_time is not None
    assert run.duration_seconds is not None
    assert run.duration_seconds > 0
    queue_ms = one(database, "SELECT queue_ms FROM local.runs WHERE run_id = ?", run_id)
    assert run.queue_seconds == queue_ms / 1000
    assert {t.task_run_id: t.task_key for t in run.tasks} == {row[0]: row[1] for row in rows}
    failed = [t for t in run.tasks if t.state is RunState.FAILED]
    assert failed
    errors = {row[0]: row[2] for row in rows}
    messages = await jobs_api.task_error_messages(t.task_run_id for t in run.tasks)
    for task in failed:
        assert messages[task.task_run_id] == errors[task.task_run_id]
        assert messages[task.task_run_id]
    assert not any(t.task_run_id in messages for t in run.tasks if t.state is RunState.SUCCEEDED)
    assert {dep for t in run.tasks for dep in t.depends_on} <= {t.task_key for t in run.tasks}


async def test_run_detail_has_the_repair_history(
    jobs_api: JobsApi, database: WorkspaceDatabase
) -> None:
    # given a recent run whose failed tasks were repaired
    run_id = one(database, REPAIRED_RUN_SQL)
    repaired_tasks = {
        row[0]
        for row in database.cursor()
        .execute(
            "SELECT task_run_id FROM local.task_runs WHERE job_run_id = ? AND kind = 'REPAIR'",
            [run_id],
        )
        .fetchall()
    }
    # when the service reads it
    run = await jobs_api.run_detail(run_id)
    # then the original attempt and the repair are listed, and the repaired tasks are shown
    assert [repair.kind for repair in run.repairs] == ["ORIGINAL", "REPAIR"]
    assert run.repair_count == 1
    assert set(run.repairs[1].task_run_ids) == repaired_tasks
    assert repaired_tasks <= {t.task_run_id for t in run.tasks}


async def test_run_detail_reads_every_page_of_tasks(
    jobs_api: JobsApi, database: WorkspaceDatabase
) -> None:
    # given a recent run of the 130-task job (runs/get pages tasks 100 at a time)
    run_id = one(database, WIDE_RUN_SQL)
    expected = {
        row[0] for row in database.cursor().execute(SHOWN_TASK_RUNS_SQL, [run_id]).fetchall()
    }
    # when the service reads it
    run = await jobs_api.run_detail(run_id)
    # then every task is there, once
    assert len(expected) > 100
    assert [t.task_run_id for t in run.tasks].count(run.tasks[-1].task_run_id) == 1
    assert {t.task_run_id for t in run.tasks} == expected


async def test_run_detail_shows_both_attempts_of_a_retried_task(
    jobs_api: JobsApi, database: WorkspaceDatabase
) -> None:
    # given a recent run one of whose tasks failed once and succeeded on its retry
    run_id, task_key = database.cursor().execute(RETRIED_TASK_SQL).fetchone()  # type: ignore[misc]
    # when the service reads the run
    run = await jobs_api.run_detail(run_id)
    # then the task appears once per attempt: the failed first try, then the successful retry
    attempts = sorted((t.attempt, t.state) for t in run.tasks if t.task_key == task_key)
    assert attempts == [(0, RunState.FAILED), (1, RunState.SUCCEEDED)]
    retried = next(t for t in run.tasks if t.task_key == task_key and t.attempt == 0)
    assert (await jobs_api.task_error_messages([retried.task_run_id]))[retried.task_run_id]


async def test_a_run_the_caller_may_not_see_is_not_found(
    local_workspace: LocalWorkspace, database: WorkspaceDatabase
) -> None:
    # given a caller that may not view a job (bob's token stands in for a service principal
    # without a grant: the Jobs API answers 403 PERMISSION_DENIED)
    run_id = one(database, HIDDEN_FROM_BOB_SQL, BOB.user_name, list(BOB.groups))
    bob = WorkspaceClient(host=local_workspace.host, token=BOB_TOKEN, auth_type="pat")
    # when the service reads a run of that job
    with pytest.raises(NotFoundError) as hidden:
        await JobsApi(bob).run_detail(run_id)
    # then it is NotFound, worded exactly as for a run that does not exist
    assert str(hidden.value) == f"No run with id {run_id}."


async def test_an_unknown_run_is_not_found(jobs_api: JobsApi) -> None:
    # when the service asks for a run that does not exist
    with pytest.raises(NotFoundError) as missing:
        await jobs_api.run_detail(NO_SUCH_ID)
    # then the answer is NotFound, in our words (nothing of the upstream message)
    assert missing.value.kind == "run"
    assert str(missing.value) == f"No run with id {NO_SUCH_ID}."


async def test_an_unknown_job_is_not_found(jobs_api: JobsApi) -> None:
    with pytest.raises(NotFoundError):
        await jobs_api.job_access(NO_SUCH_ID)


async def test_the_jobs_acl_lists_who_may_view_it(
    jobs_api: JobsApi, database: WorkspaceDatabase
) -> None:
    # given a job and its ACL rows
    job_id = one(database, "SELECT min(job_id) FROM local.jobs WHERE NOT deleted")
    rows = database.cursor().execute(
        "SELECT principal_type, principal, permission_level FROM local.acl WHERE job_id = ?",
        [job_id],
    )
    expected = {(kind, name, level) for kind, name, level in rows.fetchall()}
    # when the service reads the job's permissions
    entries = await jobs_api.job_access(job_id)
    # then every stored grant is there, with the admins' inherited CAN_MANAGE
    got = {(e.kind, e.name, level) for e in entries for level in e.levels}
    assert got == expected | {("group", "admins", "CAN_MANAGE")}
    assert ("service_principal", APP_SP.user_name, "CAN_VIEW") in got
    assert all(e.can_view for e in entries)


async def test_throttling_past_the_sdk_retries_is_upstream_unavailable(
    local_workspace: LocalWorkspace, admin: Admin
) -> None:
    # given the Jobs API answers 429 to every listing (the SDK retries for 2 s)
    await admin.faults({"routes": {RUNS_LIST_PATH: {"rate_429": 1.0, "retry_after_seconds": 1}}})
    # when the service lists active runs
    with pytest.raises(UpstreamUnavailableError) as unavailable:
        await impatient_jobs_api(local_workspace).active_runs()
    # then it says Databricks is throttling
    assert unavailable.value.problem is UpstreamProblem.THROTTLED


async def test_a_server_error_is_upstream_unavailable(jobs_api: JobsApi, admin: Admin) -> None:
    # given runs/get fails with 500 (the SDK does not retry those)
    await admin.faults({"routes": {RUNS_GET_PATH: {"status_500": 1.0}}})
    # when the service reads a run
    started = time.perf_counter()
    with pytest.raises(UpstreamUnavailableError) as unavailable:
        await jobs_api.run_detail(NO_SUCH_ID)
    # then it says the Jobs API is failing, at once
    assert unavailable.value.problem is UpstreamProblem.FAILING
    assert time.perf_counter() - started < 1.0


async def test_error_text_that_cannot_be_read_is_upstream_unavailable(
    jobs_api: JobsApi, database: WorkspaceDatabase, admin: Admin
) -> None:
    # given a failed run, and runs/get-output failing with 500
    run_id = one(database, FAILED_RUN_SQL)
    await admin.faults({"routes": {RUNS_GET_OUTPUT_PATH: {"status_500": 1.0}}})
    run = await jobs_api.run_detail(run_id)
    # when the service reads the error text of its tasks
    with pytest.raises(UpstreamUnavailableError) as unavailable:
        await jobs_api.task_error_messages(t.task_run_id for t in run.tasks)
    # then the answer is the typed one (not a group of task failures)
    assert unavailable.value.problem is UpstreamProblem.FAILING


async def test_a_request_held_past_the_timeout_is_upstream_unavailable(
    local_workspace: LocalWorkspace, admin: Admin
) -> None:
    # given a listing that the Jobs API never answers, and a client that waits 1 s per try
    await admin.faults({"routes": {RUNS_LIST_PATH: {"timeout": True, "hold_seconds": 10}}})
    impatient = impatient_jobs_api(local_workspace)
    # when the service lists active runs
    started = time.perf_counter()
    with pytest.raises(UpstreamUnavailableError) as unavailable:
        await impatient.active_runs()
    # then it gives up within its bounds and says the API did not answer in time
    assert unavailable.value.problem is UpstreamProblem.TIMEOUT
    assert time.perf_counter() - started < 6.0
