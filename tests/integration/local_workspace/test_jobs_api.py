"""Contract tests of the local workspace's Jobs API 2.2 and job permissions, via the real SDK.

They run against the shared demo workspace (`local_workspace`: seed 7, 300 jobs, 90 days) and check
answers against the stand-in's own database, read directly with SQL.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.errors import (
    InvalidParameterValue,
    NotFound,
    PermissionDenied,
    ResourceDoesNotExist,
)
from databricks.sdk.service.jobs import (
    JobSettings,
    JobsHealthMetric,
    JobsHealthOperator,
    JobsHealthRule,
    JobsHealthRules,
    RunLifeCycleState,
    RunResultState,
    RunType,
)

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from tests.integration.local_workspace.conftest import building_workspace, user_client

JOBS_LIST = "/api/2.2/jobs/list"
JOBS_GET = "/api/2.2/jobs/get"
RUNS_LIST = "/api/2.2/jobs/runs/list"
RUNS_GET_OUTPUT = "/api/2.2/jobs/runs/get-output"
BIG_DAG_TASKS = 130


@pytest.fixture(scope="module")
def alice_ws(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(local_workspace, "local-alice")


@pytest.fixture(scope="module")
def bob_ws(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(local_workspace, "local-bob")


@pytest.fixture(scope="module")
def carol_ws(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(local_workspace, "local-carol")


@pytest.fixture(scope="module")
def sp_ws(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return WorkspaceClient(
        config=Config(
            host=local_workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret=SP_CLIENT_SECRET,
            auth_type="oauth-m2m",
        )
    )


def _one(database: WorkspaceDatabase, sql: str, params: list[object] | None = None) -> Any:
    row = database.cursor().execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def _job_by_index(database: WorkspaceDatabase, index: int) -> int:
    """The job pinned to a scenario (see synth/generate.py `_PINNED`)."""
    job_id: int = _one(database, "SELECT job_id FROM local.jobs WHERE job_index = ?", [index])
    return job_id


def _live_job_ids(database: WorkspaceDatabase, condition: str = "TRUE") -> set[int]:
    rows = database.cursor().execute(
        f"SELECT job_id FROM local.jobs WHERE NOT deleted AND ({condition})"
    )
    return {row[0] for row in rows.fetchall()}


# --- jobs/list ------------------------------------------------------------------------------------


def test_jobs_list_pages_through_every_visible_job_exactly_once(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given an admin and a small page size
    # when she lists every job
    ids = [job.job_id for job in alice_ws.jobs.list(limit=7)]
    # then each live job comes exactly once, deleted jobs never
    assert len(ids) == len(set(ids))
    assert set(ids) == _live_job_ids(database)


def test_bob_sees_data_eng_jobs_and_his_own_carol_none_the_app_all(
    bob_ws: WorkspaceClient,
    carol_ws: WorkspaceClient,
    sp_ws: WorkspaceClient,
    database: WorkspaceDatabase,
) -> None:
    # given the workspace's ACLs
    # when each principal lists jobs
    bob = {job.job_id for job in bob_ws.jobs.list(limit=100)}
    carol = list(carol_ws.jobs.list())
    app = {job.job_id for job in sp_ws.jobs.list(limit=100)}
    # then bob sees data-eng's jobs plus the ones he owns, carol nothing, the service principal
    # everything
    assert bob == _live_job_ids(database, "team = 'data-eng' OR owner = 'bob@example.com'")
    assert _live_job_ids(database, "owner = 'bob@example.com' AND team <> 'data-eng'")
    assert carol == []
    assert app == _live_job_ids(database)


def test_jobs_list_name_filter_is_exact_and_case_insensitive(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a job's name
    name: str = _one(database, "SELECT name FROM local.jobs WHERE job_index = 0")
    # when listing by the upper-cased name and by a prefix of it
    found = list(alice_ws.jobs.list(name=name.upper()))
    prefix = list(alice_ws.jobs.list(name=name[:-2]))
    # then exactly the jobs with that name come back, and a prefix matches nothing
    assert found
    assert {job.settings.name for job in found if job.settings} == {name}
    assert prefix == []


def test_jobs_list_limit_above_100_is_rejected(alice_ws: WorkspaceClient) -> None:
    with pytest.raises(InvalidParameterValue):
        alice_ws.api_client.do("GET", JOBS_LIST, query={"limit": 101})


def test_jobs_list_expand_tasks_includes_the_dag(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the regressed job, a 5-task DAG
    job_id = _job_by_index(database, 0)
    name: str = _one(database, "SELECT name FROM local.jobs WHERE job_id = ?", [job_id])
    # when listing it with and without tasks
    plain = next(j for j in alice_ws.jobs.list(name=name) if j.job_id == job_id)
    expanded = next(
        j for j in alice_ws.jobs.list(name=name, expand_tasks=True) if j.job_id == job_id
    )
    # then tasks come only when asked, with their dependencies
    assert plain.settings is not None
    assert not plain.settings.tasks
    assert expanded.settings is not None
    assert expanded.settings.tasks
    assert len(expanded.settings.tasks) == 5
    assert any(task.depends_on for task in expanded.settings.tasks)


# --- jobs/get -------------------------------------------------------------------------------------


def test_jobs_get_paginates_tasks_at_100(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the job with a 130-task DAG
    job_id = _job_by_index(database, 4)
    # when reading it page by page on the wire, and through the SDK (which follows the pages itself)
    first = alice_ws.api_client.do("GET", JOBS_GET, query={"job_id": job_id})
    assert isinstance(first, dict)
    second = alice_ws.api_client.do(
        "GET", JOBS_GET, query={"job_id": job_id, "page_token": first["next_page_token"]}
    )
    assert isinstance(second, dict)
    whole = alice_ws.jobs.get(job_id)
    # then the first page holds 100 tasks, the last the other 30 and no token, and the SDK joins
    # them
    keys = [t["task_key"] for t in first["settings"]["tasks"] + second["settings"]["tasks"]]
    assert len(first["settings"]["tasks"]) == 100
    assert len(keys) == len(set(keys)) == BIG_DAG_TASKS
    assert "next_page_token" not in second
    assert whole.settings is not None
    assert whole.settings.tasks is not None
    assert [t.task_key for t in whole.settings.tasks] == keys


def test_jobs_get_answers_settings_owner_and_run_as(
    bob_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the flaky job bob owns, which has a duration health rule
    job_id = _job_by_index(database, 2)
    # when bob reads it
    job = bob_ws.jobs.get(job_id)
    # then it carries its owner, run-as identity, team tag, schedule and health rule
    assert job.creator_user_name == "bob@example.com"
    assert job.run_as_user_name == "bob@example.com"
    assert job.settings is not None
    assert job.settings.tags is not None
    assert job.settings.tags["team"] == "data-eng"
    assert set(job.settings.tags) == {"team", "env", "cost_center"}
    assert job.settings.schedule is not None
    assert job.settings.health is not None
    assert job.settings.health.rules
    assert job.settings.health.rules[0].metric == JobsHealthMetric.RUN_DURATION_SECONDS


def test_jobs_get_of_an_unknown_job_does_not_exist(alice_ws: WorkspaceClient) -> None:
    with pytest.raises(ResourceDoesNotExist):
        alice_ws.jobs.get(1)


def test_jobs_get_of_a_job_the_caller_cannot_view_is_permission_denied(
    carol_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    with pytest.raises(PermissionDenied):
        carol_ws.jobs.get(_job_by_index(database, 0))


def test_jobs_get_of_a_deleted_job_does_not_exist(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    with pytest.raises(ResourceDoesNotExist):
        alice_ws.jobs.get(_job_by_index(database, 10))


# --- runs/list ------------------------------------------------------------------------------------


def test_runs_list_pages_to_the_last_page_with_no_run_twice_or_missing(
    bob_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given an hourly job bob owns, with over a thousand runs in the Jobs API's 60 days
    job_id = _job_by_index(database, 2)
    expected: int = _one(
        database,
        "SELECT count(*) FROM local.runs WHERE job_id = ? AND start_time >= ?::TIMESTAMPTZ - "
        "INTERVAL 60 DAY",
        [job_id, database.anchor.isoformat()],
    )
    # when listing all its runs at the server's maximum page size
    runs = list(bob_ws.jobs.list_runs(job_id=job_id, limit=25))
    ids = [run.run_id for run in runs]
    # then every run comes once, newest first
    assert expected > 1000
    assert len(ids) == len(set(ids)) == expected
    starts = [run.start_time or 0 for run in runs]
    assert starts == sorted(starts, reverse=True)


def test_runs_list_limit_zero_means_the_maximum_and_above_it_is_rejected(
    alice_ws: WorkspaceClient,
) -> None:
    page = alice_ws.api_client.do("GET", RUNS_LIST, query={"limit": 0})
    assert isinstance(page, dict)
    assert len(page["runs"]) == 25
    assert page["next_page_token"]
    with pytest.raises(InvalidParameterValue):
        alice_ws.api_client.do("GET", RUNS_LIST, query={"limit": 26})


def test_runs_list_active_only_and_completed_only_split_the_runs(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the queued-now scenario job (one run running, the next queued behind it)
    job_id = _job_by_index(database, 6)
    # when listing its active and completed runs
    active = list(alice_ws.jobs.list_runs(job_id=job_id, active_only=True))
    completed = list(alice_ws.jobs.list_runs(job_id=job_id, completed_only=True, limit=25))
    every = list(alice_ws.jobs.list_runs(job_id=job_id, limit=25))
    # then active runs are running or queued, never terminated, and the two sets partition all runs
    states = {run.state.life_cycle_state for run in active if run.state}
    assert states == {RunLifeCycleState.RUNNING, RunLifeCycleState.QUEUED}
    assert all(run.end_time == 0 for run in active)
    terminal = {
        RunLifeCycleState.TERMINATED,
        RunLifeCycleState.SKIPPED,
        RunLifeCycleState.INTERNAL_ERROR,
    }
    assert all(run.state and run.state.life_cycle_state in terminal for run in completed)
    assert {r.run_id for r in active} | {r.run_id for r in completed} == {r.run_id for r in every}
    with pytest.raises(InvalidParameterValue):
        alice_ws.api_client.do(
            "GET", RUNS_LIST, query={"active_only": "true", "completed_only": "true"}
        )


def test_runs_list_start_time_window_filters_on_start_time_in_ms(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a job's runs and a window around some of them
    job_id = _job_by_index(database, 2)
    runs = list(alice_ws.jobs.list_runs(job_id=job_id, limit=25))[:60]
    start_from, start_to = runs[40].start_time or 0, runs[10].start_time or 0
    # when listing only that window
    window = list(
        alice_ws.jobs.list_runs(job_id=job_id, start_time_from=start_from, start_time_to=start_to)
    )
    # then exactly the runs starting inside it (bounds inclusive) come back
    assert [r.run_id for r in window] == [r.run_id for r in runs[10:41]]


def test_runs_list_run_type_and_expand_tasks(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    job_id = _job_by_index(database, 0)
    submitted = list(alice_ws.jobs.list_runs(job_id=job_id, run_type=RunType.SUBMIT_RUN))
    page = alice_ws.api_client.do(
        "GET", RUNS_LIST, query={"job_id": job_id, "expand_tasks": "true", "limit": 3}
    )
    plain = alice_ws.api_client.do("GET", RUNS_LIST, query={"job_id": job_id, "limit": 3})
    assert submitted == []
    assert isinstance(page, dict)
    assert isinstance(plain, dict)
    assert all(len(run["tasks"]) >= 5 for run in page["runs"])
    assert all("tasks" not in run for run in plain["runs"])


def test_runs_list_keeps_about_60_days(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a daily job with runs across the whole 90-day window
    job_id = _job_by_index(database, 0)
    # when listing all its runs through the Jobs API
    runs = list(alice_ws.jobs.list_runs(job_id=job_id, limit=25))
    # then only the last 60 days are there, while the system tables keep all 90
    in_tables: int = _one(database, "SELECT count(*) FROM local.runs WHERE job_id = ?", [job_id])
    oldest_days = (
        database.now().timestamp() * 1000 - min(r.start_time or 0 for r in runs)
    ) / 86_400_000
    assert 58 <= oldest_days <= 60
    assert in_tables > len(runs) + 25


# --- runs/get and runs/get-output -----------------------------------------------------------------


def _repaired_run(database: WorkspaceDatabase) -> int:
    run_id: int = _one(
        database,
        "SELECT max(run_id) FROM local.runs WHERE repaired AND repair_outcome = 'success' "
        "AND start_time >= ?::TIMESTAMPTZ - INTERVAL 50 DAY",
        [database.anchor.isoformat()],
    )
    return run_id


def test_runs_get_of_a_repaired_run_has_its_repair_history_and_latest_outcome(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a run that failed and was repaired successfully
    run_id = _repaired_run(database)
    # when reading it with its history
    run = alice_ws.jobs.get_run(run_id, include_history=True)
    # then the repair history shows the failed original and the successful repair, and the run
    # succeeded
    assert run.state is not None
    assert run.state.result_state == RunResultState.SUCCESS
    assert run.repair_history is not None
    assert [item.type.value for item in run.repair_history if item.type] == ["ORIGINAL", "REPAIR"]
    original, repair = run.repair_history
    assert original.state is not None
    assert original.state.result_state == RunResultState.FAILED
    assert repair.task_run_ids
    assert run.tasks is not None
    assert {t.run_id for t in run.tasks} >= set(repair.task_run_ids)
    assert all(t.state and t.state.result_state == RunResultState.SUCCESS for t in run.tasks)
    assert (run.end_time or 0) == repair.end_time


def test_runs_get_shows_retried_task_attempts(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a run in which a task failed once and succeeded on retry
    run_id: int = _one(
        database,
        "SELECT max(r.run_id) FROM local.runs r JOIN local.task_runs t ON t.job_run_id = r.run_id "
        "WHERE t.kind = 'RETRY' AND NOT r.is_active",
    )
    # when reading it
    run = alice_ws.jobs.get_run(run_id)
    # then both attempts of that task are there, numbered 0 and 1
    assert run.tasks is not None
    attempts: dict[str, list[int]] = {}
    for task in run.tasks:
        attempts.setdefault(task.task_key, []).append(task.attempt_number or 0)
    assert [0, 1] in attempts.values()


def test_runs_get_of_an_unknown_run_does_not_exist(alice_ws: WorkspaceClient) -> None:
    with pytest.raises(ResourceDoesNotExist):
        alice_ws.jobs.get_run(12345)


def test_runs_get_of_another_teams_run_is_permission_denied(
    carol_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    with pytest.raises(PermissionDenied):
        carol_ws.jobs.get_run(_repaired_run(database))


def test_runs_get_output_of_a_failed_task_has_error_and_trace(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the latest failed task of the failing-streak job
    task_run_id: int = _one(
        database,
        "SELECT max(task_run_id) FROM local.task_runs WHERE job_id = ? AND outcome = "
        "'run_execution_error'",
        [_job_by_index(database, 1)],
    )
    # when reading its output
    output = alice_ws.jobs.get_run_output(task_run_id)
    # then the error and its trace are there
    assert output.error
    assert "AnalysisException" in output.error
    assert output.error_trace
    assert "Traceback" not in output.error
    assert "line" in output.error_trace
    assert output.metadata is not None
    assert output.metadata.run_id == task_run_id


def test_runs_get_output_of_a_multi_task_run_is_rejected(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    run_id = _repaired_run(database)
    with pytest.raises(InvalidParameterValue):
        alice_ws.api_client.do("GET", RUNS_GET_OUTPUT, query={"run_id": run_id})


# --- permissions and health rules -----------------------------------------------------------------


def test_permissions_list_owner_team_group_app_and_inherited_admins(
    sp_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    job_id = _job_by_index(database, 1)
    acl = sp_ws.jobs.get_permissions(str(job_id))
    assert acl.object_id == f"/jobs/{job_id}"
    assert acl.object_type == "job"
    levels = {
        (e.user_name or e.group_name or e.service_principal_name): [
            p.permission_level.value for p in e.all_permissions or [] if p.permission_level
        ]
        for e in acl.access_control_list or []
    }
    assert levels["bob@example.com"] == ["IS_OWNER"]
    assert levels["data-eng"] == ["CAN_MANAGE_RUN"]
    assert levels[SP_CLIENT_ID] in (["CAN_VIEW"], ["CAN_MANAGE"])
    assert levels["admins"] == ["CAN_MANAGE"]


def test_the_app_service_principal_manages_some_jobs_and_only_views_the_others(
    database: WorkspaceDatabase,
) -> None:
    # The SLA mutations need both: a job the app may edit, and one it must say it may not.
    rows = database.cursor().execute(
        "SELECT permission_level, count(*) FROM local.acl "
        "WHERE principal_type = 'service_principal' AND principal = ? GROUP BY ALL",
        [SP_CLIENT_ID],
    )
    counts = dict(rows.fetchall())
    assert set(counts) == {"CAN_VIEW", "CAN_MANAGE"}
    assert min(counts.values()) > 0.3 * sum(counts.values())


def test_permissions_of_an_unknown_job_is_not_found_and_hidden_from_carol(
    carol_ws: WorkspaceClient, alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    with pytest.raises(NotFound):
        alice_ws.jobs.get_permissions("1")
    with pytest.raises(PermissionDenied):
        carol_ws.jobs.get_permissions(str(_job_by_index(database, 1)))


@pytest.fixture
def bobs_job(bob_ws: WorkspaceClient, database: WorkspaceDatabase) -> Iterator[int]:
    """The failing-streak job bob owns; its health rules are restored afterwards."""
    job_id = _job_by_index(database, 1)
    before = bob_ws.jobs.get(job_id).settings
    yield job_id
    assert before is not None
    bob_ws.jobs.reset(job_id, JobSettings(name=before.name, health=before.health))


def _duration_rule(seconds: int) -> JobsHealthRules:
    return JobsHealthRules(
        rules=[
            JobsHealthRule(
                metric=JobsHealthMetric.RUN_DURATION_SECONDS,
                op=JobsHealthOperator.GREATER_THAN,
                value=seconds,
            )
        ]
    )


def test_jobs_update_and_reset_change_health_rules(bob_ws: WorkspaceClient, bobs_job: int) -> None:
    # given bob's own job
    # when he sets a duration rule, then resets the job without one
    bob_ws.jobs.update(bobs_job, new_settings=JobSettings(health=_duration_rule(5400)))
    updated = bob_ws.jobs.get(bobs_job).settings
    bob_ws.jobs.reset(bobs_job, JobSettings(name="anything"))
    reset = bob_ws.jobs.get(bobs_job).settings
    # then jobs/get shows the rule, and no rule after the reset
    assert updated is not None
    assert updated.health is not None
    assert updated.health.rules
    assert updated.health.rules[0].value == 5400
    assert reset is not None
    assert reset.health is None


def test_jobs_update_with_fields_to_remove_drops_health(
    bob_ws: WorkspaceClient, bobs_job: int
) -> None:
    bob_ws.jobs.update(bobs_job, new_settings=JobSettings(health=_duration_rule(60)))
    bob_ws.jobs.update(bobs_job, fields_to_remove=["health"])
    settings = bob_ws.jobs.get(bobs_job).settings
    assert settings is not None
    assert settings.health is None


def test_jobs_update_needs_manage_permission(
    bob_ws: WorkspaceClient, carol_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a data-eng job bob does not own (his group holds CAN_MANAGE_RUN on it)
    job_id: int = _one(
        database,
        "SELECT min(j.job_id) FROM local.jobs j WHERE team = 'data-eng' AND NOT deleted AND owner "
        "<> "
        "'bob@example.com' AND NOT EXISTS (SELECT 1 FROM local.acl a WHERE a.job_id = j.job_id "
        "AND a.principal = 'bob@example.com')",
    )
    # when bob or carol try to change its health rules, then each is refused
    with pytest.raises(PermissionDenied):
        bob_ws.jobs.update(job_id, new_settings=JobSettings(health=_duration_rule(60)))
    with pytest.raises(PermissionDenied):
        carol_ws.jobs.update(job_id, new_settings=JobSettings(health=_duration_rule(60)))
    settings = bob_ws.jobs.get(job_id).settings
    assert settings is not None
    assert settings.health is None or settings.health.rules != _duration_rule(60).rules


def test_jobs_update_rejects_a_bad_health_rule(bob_ws: WorkspaceClient, bobs_job: int) -> None:
    with pytest.raises(InvalidParameterValue):
        bob_ws.api_client.do(
            "POST",
            "/api/2.2/jobs/update",
            body={
                "job_id": bobs_job,
                "new_settings": {
                    "health": {
                        "rules": [{"metric": "RUN_DURATION_SECONDS", "op": "LESS_THAN", "value": 5}]
                    }
                },
            },
        )


def test_runs_get_pages_the_tasks_of_a_130_task_run(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a finished run of the 130-task job
    run_id: int = _one(
        database,
        "SELECT max(run_id) FROM local.runs WHERE job_id = ? AND outcome = 'success'",
        [_job_by_index(database, 4)],
    )
    # when reading it on the wire and through the SDK
    first = alice_ws.api_client.do("GET", "/api/2.2/jobs/runs/get", query={"run_id": run_id})
    whole = alice_ws.jobs.get_run(run_id)
    # then the wire pages at 100 tasks and the SDK joins the pages
    assert isinstance(first, dict)
    assert len(first["tasks"]) == 100
    assert first["next_page_token"]
    assert whole.tasks is not None
    assert len({task.task_key for task in whole.tasks}) == BIG_DAG_TASKS


def test_jobs_api_says_at_once_that_the_workspace_is_starting(tmp_path: Path) -> None:
    # given a workspace still building a small synthetic database
    def build() -> WorkspaceDatabase:
        return WorkspaceDatabase.build_or_open(tmp_path, seed=7, jobs=3, days=2)

    with building_workspace(build) as (workspace, built):
        alice = {"Authorization": "Bearer local-alice"}

        # when the jobs are asked for during the build, and after it
        started = time.monotonic()
        during_build = httpx.get(f"{workspace.host}{JOBS_LIST}", headers=alice)
        answered_after = time.monotonic() - started
        built.set()
        _ = workspace.state.database
        after_build = httpx.get(f"{workspace.host}{JOBS_LIST}", headers=alice)

    # then a retryable 503 answers at once, instead of holding the request for the whole build
    assert during_build.status_code == 503
    assert during_build.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert during_build.headers["Retry-After"] == "5"
    assert answered_after < 2
    assert after_build.status_code == 200
    assert after_build.json()["jobs"]
