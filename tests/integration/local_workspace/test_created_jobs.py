"""Jobs created through the Jobs API, as `databricks bundle deploy` creates the bundle's scheduled
reports and alert delivery: the local workspace records them (jobs/list, jobs/get, permissions,
`system.lakeflow.jobs` and `job_tasks`), keeps them across a restart, refuses what Databricks
refuses, and Job Monitor lists them to whoever may view them.

Each test runs its own stand-in (over the shared demo data, with a state directory of its own), so
no other test sees these jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.errors import InvalidParameterValue, NotFound, PermissionDenied
from databricks.sdk.service.sql import StatementState

from job_monitor.local_workspace.bundle import BUNDLE_FILE, TARGET, deploy_to_local_workspace
from job_monitor.local_workspace.principals import (
    SP_CLIENT_ID,
    SP_CLIENT_SECRET,
    WAREHOUSE_ID,
)
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from tests.conftest import DATA_DIR, StartService, local_settings, private_state, state_prepared
from tests.integration.graphql.conftest import GraphQL, wait_for_permissions

BUNDLE_JOBS = {
    "job-monitor-alert-dispatch": "0 0/15 * * * ?",
    "job-monitor-data-sweep": "0 5 * * * ?",
    "job-monitor-daily-report": "0 0 7 * * ?",
    "job-monitor-weekly-report": "0 0 7 ? * MON",
    "job-monitor-monthly-report": "0 0 7 1 * ?",
}
TASK: dict[str, Any] = {
    "task_key": "main",
    "spark_python_task": {"python_file": "/Workspace/Shared/run.py"},
}


def _start(state_dir: Path) -> LocalWorkspace:
    workspace = LocalWorkspace(
        LocalWorkspaceOptions(seed=7, jobs=300, days=90, data_dir=DATA_DIR, state_dir=state_dir)
    ).start()
    _ = workspace.state.database
    return workspace


@pytest.fixture
def workspace() -> Iterator[LocalWorkspace]:
    started = _start(private_state())
    yield started
    started.stop()


def _client(workspace: LocalWorkspace, token: str | None = None) -> WorkspaceClient:
    if token is None:
        config = Config(
            host=workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret=SP_CLIENT_SECRET,
            auth_type="oauth-m2m",
        )
    else:
        config = Config(host=workspace.host, token=token, auth_type="pat")
    return WorkspaceClient(config=config)


def _deploy(workspace: LocalWorkspace) -> dict[str, int]:
    return deploy_to_local_workspace(workspace.host, workspace.state.options.state_dir or Path())


def _listed(client: WorkspaceClient) -> dict[str, int]:
    return {
        job.settings.name: job.job_id
        for job in client.jobs.list()
        if job.settings and job.settings.name in BUNDLE_JOBS and job.job_id
    }


def _sql(client: WorkspaceClient, statement: str) -> list[list[Any]]:
    answer = client.statement_execution.execute_statement(
        warehouse_id=WAREHOUSE_ID, statement=statement, wait_timeout="30s"
    )
    assert answer.status is not None
    assert answer.status.state is StatementState.SUCCEEDED, answer.status
    return answer.result.data_array or [] if answer.result else []


def test_the_local_workspace_records_the_bundles_jobs(workspace: LocalWorkspace) -> None:
    deployed = _deploy(workspace)
    alice = _client(workspace, "local-alice")
    assert _listed(alice) == {
        alice.jobs.get(job_id).settings.name: job_id  # type: ignore[union-attr]
        for job_id in deployed.values()
    }
    bundle = yaml.safe_load(BUNDLE_FILE.read_text())
    for key, job_id in deployed.items():
        job = alice.jobs.get(job_id)
        assert job.settings is not None
        assert job.settings.schedule is not None
        declared = bundle["resources"]["jobs"][key]
        assert job.settings.name == declared["name"]
        assert job.settings.schedule.quartz_cron_expression == BUNDLE_JOBS[declared["name"]]
        assert job.settings.schedule.timezone_id == "UTC"  # the variable's default
        assert job.settings.run_as is not None
        assert job.settings.run_as.service_principal_name == SP_CLIENT_ID
        assert job.settings.deployment is not None
        assert job.settings.deployment.metadata_file_path == (
            f"/Workspace/Shared/.bundle/job-monitor/{TARGET}/state/metadata.json"
        )
        task = (job.settings.tasks or [])[0]
        assert task.spark_python_task is not None
        assert task.spark_python_task.python_file == (
            f"/Workspace/Shared/.bundle/job-monitor/{TARGET}/files/jobs/job_monitor_task.py"
        )
        assert task.spark_python_task.parameters == [
            "job-monitor" if parameter == "${var.delivery_secret_scope}" else parameter
            for parameter in declared["tasks"][0]["spark_python_task"]["parameters"]
        ]
    rows = _sql(
        alice,
        "SELECT name, trigger.schedule.quartz_cron_expression, run_as_user_name, delete_time "
        "FROM system.lakeflow.jobs WHERE job_id IN "
        f"({', '.join(repr(str(i)) for i in deployed.values())})",
    )
    assert sorted((name, cron, run_as, deleted) for name, cron, run_as, deleted in rows) == sorted(
        (name, cron, SP_CLIENT_ID, None) for name, cron in BUNDLE_JOBS.items()
    )
    tasks = _sql(
        alice,
        "SELECT count(*) FROM system.lakeflow.job_tasks WHERE job_id IN "
        f"({', '.join(repr(str(i)) for i in deployed.values())})",
    )
    assert tasks == [["5"]]


def test_a_redeploy_changes_the_same_jobs_and_adds_no_row_when_nothing_changed(
    workspace: LocalWorkspace,
) -> None:
    first = _deploy(workspace)
    again = _deploy(workspace)
    assert again == first
    alice = _client(workspace, "local-alice")
    assert len(_listed(alice)) == len(BUNDLE_JOBS)
    rows = _sql(
        alice,
        "SELECT count(*) FROM system.lakeflow.jobs WHERE job_id IN "
        f"({', '.join(repr(str(i)) for i in first.values())})",
    )
    assert rows == [["5"]]


def test_created_jobs_are_seen_by_admins_and_granted_principals_only(
    workspace: LocalWorkspace,
) -> None:
    deployed = _deploy(workspace)
    some_job = next(iter(deployed.values()))
    assert len(_listed(_client(workspace))) == len(
        BUNDLE_JOBS
    )  # the app's service principal holds CAN_VIEW
    bob = _client(workspace, "local-bob")
    assert _listed(bob) == {}
    with pytest.raises(PermissionDenied):
        bob.jobs.get(some_job)
    with pytest.raises(PermissionDenied):
        bob.jobs.delete(some_job)
    acl = _client(workspace, "local-alice").permissions.get("jobs", str(some_job))
    levels = {
        (entry.user_name or entry.service_principal_name or entry.group_name): [
            p.permission_level.value for p in entry.all_permissions or [] if p.permission_level
        ]
        for entry in acl.access_control_list or []
    }
    assert levels == {
        "alice@example.com": ["IS_OWNER"],
        SP_CLIENT_ID: ["CAN_VIEW"],
        "admins": ["CAN_MANAGE"],
    }


def test_a_deleted_job_leaves_the_lists_and_gets_its_delete_time(workspace: LocalWorkspace) -> None:
    alice = _client(workspace, "local-alice")
    created = alice.api_client.do(
        "POST", "/api/2.2/jobs/create", body={"name": "short-lived", "tasks": [TASK]}
    )
    job_id = int(created["job_id"])
    alice.jobs.delete(job_id)
    assert all(job.job_id != job_id for job in alice.jobs.list(name="short-lived"))
    with pytest.raises(NotFound, match="does not exist"):
        alice.jobs.get(job_id)
    rows = _sql(
        alice,
        "SELECT delete_time IS NULL FROM system.lakeflow.jobs "
        f"WHERE job_id = '{job_id}' ORDER BY change_time",
    )
    assert rows == [["true"], ["false"]]


def test_created_jobs_survive_a_restart_of_the_local_workspace() -> None:
    state_dir = private_state()
    first = _start(state_dir)
    try:
        deployed = _deploy(first)
    finally:
        first.stop()
    second = _start(state_dir)
    try:
        assert _listed(_client(second, "local-alice")) == {
            name: deployed[key]
            for key, name in zip(
                (
                    "job_monitor_alert_dispatch",
                    "job_monitor_data_sweep",
                    "job_monitor_daily_report",
                    "job_monitor_weekly_report",
                    "job_monitor_monthly_report",
                ),
                BUNDLE_JOBS,
                strict=True,
            )
        }
        assert _deploy(second) == deployed
    finally:
        second.stop()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"name": "no tasks"}, "at least one task"),
        (
            {"name": "two kinds", "tasks": [{**TASK, "notebook_task": {"notebook_path": "/x"}}]},
            "exactly one task type",
        ),
        ({"name": "twice", "tasks": [TASK, TASK]}, "Duplicate task_key"),
        (
            {
                "name": "cron",
                "tasks": [TASK],
                "schedule": {"quartz_cron_expression": "daily", "timezone_id": "UTC"},
            },
            "quartz_cron_expression",
        ),
        (
            {
                "name": "zone",
                "tasks": [TASK],
                "schedule": {
                    "quartz_cron_expression": "0 0 7 * * ?",
                    "timezone_id": "Mars/Olympus",
                },
            },
            "timezone_id",
        ),
        ({"name": "field", "tasks": [TASK], "colour": "blue"}, "colour"),
        (
            {"name": "upstream", "tasks": [{**TASK, "depends_on": [{"task_key": "nope"}]}]},
            "unknown task",
        ),
    ],
)
def test_settings_databricks_would_refuse_are_refused(
    workspace: LocalWorkspace, settings: dict[str, Any], message: str
) -> None:
    alice = _client(workspace, "local-alice")
    with pytest.raises(InvalidParameterValue, match=message):
        alice.api_client.do("POST", "/api/2.2/jobs/create", body=settings)


def test_a_user_may_not_make_a_job_run_as_someone_else(workspace: LocalWorkspace) -> None:
    bob = _client(workspace, "local-bob")
    settings = {
        "name": "as the app",
        "tasks": [TASK],
        "run_as": {"service_principal_name": SP_CLIENT_ID},
    }
    with pytest.raises(PermissionDenied, match="run_as"):
        bob.api_client.do("POST", "/api/2.2/jobs/create", body=settings)
    own = {**settings, "run_as": {"user_name": "bob@example.com"}}
    job_id = int(bob.api_client.do("POST", "/api/2.2/jobs/create", body=own)["job_id"])
    assert bob.jobs.get(job_id).creator_user_name == "bob@example.com"
    assert list(bob.jobs.list_runs(job_id=job_id)) == []  # the stand-in runs no code


def test_job_monitor_lists_the_bundles_jobs_to_those_who_may_view_them(
    workspace: LocalWorkspace, start_service: StartService
) -> None:
    _deploy(workspace)
    service = state_prepared(start_service(local_settings(workspace)))
    query = """
    query { jobs(filter: {namePattern: "job-monitor-*"}, first: 10) {
      ... on JobConnection {
        nodes { name runAs trigger { schedule { quartzCronExpression timezoneId } } } } } }
    """
    with httpx.Client(base_url=service.url, timeout=60) as http:
        gql = GraphQL(http)
        wait_for_permissions(gql)
        nodes = gql.data(query, "alice")["jobs"]["nodes"]
        schedules = {node["name"]: node["trigger"]["schedule"] for node in nodes}
        assert {name: s["quartzCronExpression"] for name, s in schedules.items()} == BUNDLE_JOBS
        assert {s["timezoneId"] for s in schedules.values()} == {"UTC"}
        assert {node["runAs"] for node in nodes} == {SP_CLIENT_ID}
        assert gql.data(query, "bob")["jobs"]["nodes"] == []
