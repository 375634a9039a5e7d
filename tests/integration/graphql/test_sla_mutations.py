"""SLA mutations: `setJobSla` / `clearJobSla` write a job's RUN_DURATION_SECONDS health rule
through the real SDK and Jobs API of the stand-in, as the app's service principal, only for a
viewer who manages the job, never for a bundle-deployed job, never from another origin, never over
GET.

The module runs its own stand-in and service over the same demo data: the edits live in that
stand-in's memory and leave the session's workspace untouched for every other test.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import duckdb
import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.service.sql import StatementParameterListItem, StatementState

from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET, WAREHOUSE_ID
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from tests.conftest import DATA_DIR, StartService, local_settings, private_state
from tests.integration.graphql.conftest import GRAPHQL, TOKENS, GraphQL, wait_for_permissions

SET_SLA = """
mutation SetSla($jobId: ID!, $target: Int!) {
  setJobSla(jobId: $jobId, targetSeconds: $target) {
    __typename
    ... on JobSlaPayload { jobId targetSeconds previousTargetSeconds changed }
    ... on Error { message code }
    ... on PermissionDenied { principal requiredPermissions grant }
    ... on BundleManagedJob { bundleMetadataPath }
    ... on InvalidFilter { field }
  }
}
"""

CLEAR_SLA = """
mutation ClearSla($jobId: ID!) {
  clearJobSla(jobId: $jobId) {
    __typename
    ... on JobSlaPayload { jobId targetSeconds previousTargetSeconds changed }
    ... on Error { message code }
  }
}
"""

SCD_HEALTH = """
SELECT health_rules, change_time FROM system.lakeflow.jobs
WHERE job_id = :job_id ORDER BY change_time DESC LIMIT 1
"""
SCD_ROWS = "SELECT count(*) AS n FROM system.lakeflow.jobs WHERE job_id = :job_id"


@pytest.fixture(scope="module")
def workspace() -> Iterator[LocalWorkspace]:
    """A stand-in of its own over the demo data (the file is shared; edits stay in its memory)."""
    workspace = LocalWorkspace(
        LocalWorkspaceOptions(
            seed=7, jobs=300, days=90, data_dir=DATA_DIR, state_dir=private_state()
        )
    )
    workspace.start()
    _ = workspace.state.database
    yield workspace
    workspace.stop()


@pytest.fixture(scope="module")
def service(workspace: LocalWorkspace, start_service: StartService) -> RunningService:
    return start_service(local_settings(workspace))


@pytest.fixture(scope="module")
def http(service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def gql(http: httpx.Client) -> GraphQL:
    client = GraphQL(http)
    wait_for_permissions(client)
    return client


@pytest.fixture(scope="module")
def sp(workspace: LocalWorkspace) -> WorkspaceClient:
    """The app's service principal through the real SDK: to read back what the app wrote."""
    return WorkspaceClient(
        config=Config(
            host=workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret=SP_CLIENT_SECRET,
            auth_type="oauth-m2m",
        )
    )


class Jobs:
    """Jobs picked from the stand-in's own tables (read-only, our SQL), by what the test needs."""

    def __init__(self, workspace: LocalWorkspace) -> None:
        database = workspace.state.database
        assert isinstance(database, WorkspaceDatabase)
        self._path = str(database.path)

    def _first(self, sql: str) -> int:
        con = duckdb.connect(self._path, read_only=True)
        try:
            row = con.execute(sql).fetchone()
        finally:
            con.close()
        assert row is not None, f"the demo workspace has no job for: {sql}"
        return int(row[0])

    def sp_level(self, level: str, *, bundle: bool, with_rule: bool = True) -> int:
        deployment = "= 'BUNDLE'" if bundle else "IS NULL"
        rule = "IS NOT NULL" if with_rule else "IS NULL"
        return self._first(
            "SELECT j.job_id FROM local.jobs j JOIN local.acl a USING (job_id) "
            f"WHERE NOT j.deleted AND j.deployment_kind {deployment} "
            f"AND j.health_duration_seconds {rule} "
            f"AND a.principal_type = 'service_principal' AND a.permission_level = '{level}' "
            "ORDER BY j.job_id"
        )

    def viewed_only_by_bob(self) -> int:
        """A job bob sees through data-eng's CAN_MANAGE_RUN and holds nothing more on."""
        return self._first(
            "SELECT job_id FROM local.acl "
            "WHERE principal_type = 'group' AND principal = 'data-eng' "
            "AND job_id NOT IN (SELECT job_id FROM local.acl WHERE principal = 'bob@example.com') "
            "AND job_id IN (SELECT job_id FROM local.jobs WHERE NOT deleted) ORDER BY job_id"
        )


@pytest.fixture(scope="module")
def jobs(workspace: LocalWorkspace) -> Jobs:
    return Jobs(workspace)


def health_rules(sp: WorkspaceClient, job_id: int) -> list[dict[str, Any]]:
    """The job's health rules as the Jobs API answers them (raw `jobs/get`)."""
    raw = sp.api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})
    assert isinstance(raw, dict)
    rules: list[dict[str, Any]] = raw["settings"].get("health", {}).get("rules", [])
    return rules


def settings_without_health(sp: WorkspaceClient, job_id: int) -> dict[str, Any]:
    raw = sp.api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})
    assert isinstance(raw, dict)
    settings: dict[str, Any] = dict(raw["settings"])
    settings.pop("health", None)
    return settings


def sql(sp: WorkspaceClient, statement: str, job_id: int) -> list[list[Any]]:
    response = sp.statement_execution.execute_statement(
        statement=statement,
        warehouse_id=WAREHOUSE_ID,
        parameters=[StatementParameterListItem(name="job_id", value=str(job_id))],
        wait_timeout="30s",
    )
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED
    assert response.result is not None
    return [list(row) for row in response.result.data_array or []]


def test_alice_sets_and_clears_a_target_and_both_the_jobs_api_and_the_system_table_follow(
    gql: GraphQL, sp: WorkspaceClient, jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    # given a job the app's service principal manages, with a target, not deployed by a bundle
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False)
    before = health_rules(sp, job_id)
    (old_target,) = [r["value"] for r in before if r["metric"] == "RUN_DURATION_SECONDS"]
    other_settings = settings_without_health(sp, job_id)
    scd_rows = int(sql(sp, SCD_ROWS, job_id)[0][0])
    new_target = old_target + 600
    caplog.set_level(logging.INFO, logger="job_monitor.audit")

    # when alice (a workspace admin) sets a new target
    result = gql.data(SET_SLA, "alice", jobId=str(job_id), target=new_target)["setJobSla"]

    # then the answer says old and new, the Jobs API holds the new rule only, nothing else moved
    assert result == {
        "__typename": "JobSlaPayload",
        "jobId": str(job_id),
        "targetSeconds": new_target,
        "previousTargetSeconds": old_target,
        "changed": True,
    }
    assert health_rules(sp, job_id) == [
        {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": new_target}
    ]
    assert settings_without_health(sp, job_id) == other_settings
    # and system.lakeflow.jobs has a new SCD row with the new rule
    assert int(sql(sp, SCD_ROWS, job_id)[0][0]) == scd_rows + 1
    latest_rules = sql(sp, SCD_HEALTH, job_id)[0][0]
    assert "RUN_DURATION_SECONDS" in latest_rules
    assert str(new_target) in latest_rules
    # and one audit line says who, which job, old -> new and the request id
    (line,) = [r for r in caplog.records if r.name == "job_monitor.audit"]
    assert line.__dict__["actor"] == "alice@example.com"
    assert line.__dict__["job_id"] == job_id
    assert (line.__dict__["old_target_seconds"], line.__dict__["new_target_seconds"]) == (
        old_target,
        new_target,
    )
    assert line.__dict__["request_id"]
    caplog.clear()

    # when she clears it
    cleared = gql.data(CLEAR_SLA, "alice", jobId=str(job_id))["clearJobSla"]

    # then the rule is gone from the Jobs API and the system table, every other setting unchanged
    assert cleared["targetSeconds"] is None
    assert cleared["previousTargetSeconds"] == new_target
    assert health_rules(sp, job_id) == []
    assert settings_without_health(sp, job_id) == other_settings
    assert int(sql(sp, SCD_ROWS, job_id)[0][0]) == scd_rows + 2
    assert "RUN_DURATION_SECONDS" not in sql(sp, SCD_HEALTH, job_id)[0][0]
    assert len([r for r in caplog.records if r.name == "job_monitor.audit"]) == 1

    # and setting it again to the same value twice writes once
    gql.data(SET_SLA, "alice", jobId=str(job_id), target=old_target)
    again = gql.data(SET_SLA, "alice", jobId=str(job_id), target=old_target)["setJobSla"]
    assert again["changed"] is False
    assert int(sql(sp, SCD_ROWS, job_id)[0][0]) == scd_rows + 3


JOB_TARGET = "query($jobId: ID!) { job(jobId: $jobId) { ... on Job { sla { targetSeconds } } } }"


def target_of(gql: GraphQL, job_id: int) -> int | None:
    target: int | None = gql.data(JOB_TARGET, "alice", jobId=str(job_id))["job"]["sla"][
        "targetSeconds"
    ]
    return target


def test_a_saved_target_shows_on_the_job_at_once_while_the_catalog_is_cached(
    gql: GraphQL, jobs: Jobs
) -> None:
    # given a job whose target alice has just read (the job catalog is cached for a minute)
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False)
    old_target = target_of(gql, job_id)
    assert old_target is not None
    try:
        # when she saves a new target and reads the job again at once
        gql.data(SET_SLA, "alice", jobId=str(job_id), target=old_target + 900)
        # then it shows the target she saved, not the cached one
        assert target_of(gql, job_id) == old_target + 900
        # and once she clears it, none
        gql.data(CLEAR_SLA, "alice", jobId=str(job_id))
        assert target_of(gql, job_id) is None
    finally:
        gql.data(SET_SLA, "alice", jobId=str(job_id), target=old_target)
    assert target_of(gql, job_id) == old_target


def test_bob_may_not_change_a_job_he_may_only_view(
    gql: GraphQL, sp: WorkspaceClient, jobs: Jobs
) -> None:
    # given a job bob sees through his group's CAN_MANAGE_RUN, and holds nothing more on
    job_id = jobs.viewed_only_by_bob()
    before = health_rules(sp, job_id)

    # when bob sets a target
    result = gql.data(SET_SLA, "bob", jobId=str(job_id), target=3600)["setJobSla"]

    # then he is refused, as the viewer, and the job is unchanged
    assert result["__typename"] == "PermissionDenied"
    assert result["code"] == "PERMISSION_DENIED"
    assert result["principal"] == "VIEWER"
    assert set(result["requiredPermissions"]) == {"CAN_MANAGE", "IS_OWNER"}
    assert health_rules(sp, job_id) == before


def test_a_job_the_viewer_may_not_see_is_not_found(gql: GraphQL, jobs: Jobs) -> None:
    # given a job carol (no grants) may not see
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False)

    # when carol clears its target
    result = gql.data(CLEAR_SLA, "carol", jobId=str(job_id))["clearJobSla"]

    # then it does not exist for her
    assert result["__typename"] == "NotFound"


def test_refused_where_the_apps_service_principal_lacks_can_manage_saying_what_to_grant(
    gql: GraphQL, sp: WorkspaceClient, jobs: Jobs
) -> None:
    # given a job the app's service principal may only view
    job_id = jobs.sp_level("CAN_VIEW", bundle=False)
    before = health_rules(sp, job_id)

    # when alice (who manages every job) sets a target
    result = gql.data(SET_SLA, "alice", jobId=str(job_id), target=1800)["setJobSla"]

    # then the app says its own principal lacks CAN_MANAGE, and what to grant
    assert result["__typename"] == "PermissionDenied"
    assert result["principal"] == "APP"
    assert result["grant"] == "CAN_MANAGE"
    assert "CAN_MANAGE" in result["message"]
    assert "IS_OWNER" in result["message"]
    assert health_rules(sp, job_id) == before


def test_a_bundle_deployed_job_is_not_written_and_the_answer_says_the_target_belongs_in_the_bundle(
    gql: GraphQL, sp: WorkspaceClient, jobs: Jobs
) -> None:
    # given a job deployed by a bundle, which the app's service principal could edit
    job_id = jobs.sp_level("CAN_MANAGE", bundle=True)
    before = health_rules(sp, job_id)

    # when alice sets a target
    result = gql.data(SET_SLA, "alice", jobId=str(job_id), target=1800)["setJobSla"]

    # then nothing is written and the answer points at the bundle
    assert result["__typename"] == "BundleManagedJob"
    assert "bundle" in result["message"]
    assert result["bundleMetadataPath"].endswith("metadata.json")
    assert health_rules(sp, job_id) == before


@pytest.mark.parametrize("target", [0, -5, 30 * 24 * 3600 + 1])
def test_a_target_that_is_not_a_sane_positive_duration_is_invalid(
    gql: GraphQL, jobs: Jobs, target: int
) -> None:
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False)
    result = gql.data(SET_SLA, "alice", jobId=str(job_id), target=target)["setJobSla"]
    assert result["__typename"] == "InvalidFilter"
    assert result["field"] == "targetSeconds"


def test_a_cross_origin_post_is_refused_and_the_job_is_unchanged(
    gql: GraphQL, http: httpx.Client, sp: WorkspaceClient, jobs: Jobs
) -> None:
    # given a job alice could change
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False)
    before = health_rules(sp, job_id)

    # when a page on another site posts the mutation with her credentials
    response = http.post(
        GRAPHQL,
        json={"query": SET_SLA, "variables": {"jobId": str(job_id), "target": 60}},
        headers={"X-Forwarded-Access-Token": TOKENS["alice"], "Origin": "https://evil.example"},
    )

    # then it is a 403 with a typed error, and the job is unchanged
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN_ORIGIN"
    assert health_rules(sp, job_id) == before


def test_a_same_origin_post_is_accepted(
    gql: GraphQL, http: httpx.Client, service: RunningService, jobs: Jobs
) -> None:
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False, with_rule=False)
    response = http.post(
        GRAPHQL,
        json={"query": CLEAR_SLA, "variables": {"jobId": str(job_id)}},
        headers={"X-Forwarded-Access-Token": TOKENS["alice"], "Origin": service.url},
    )
    assert response.status_code == 200
    assert response.json()["data"]["clearJobSla"]["changed"] is False


def test_a_form_post_is_refused(http: httpx.Client, jobs: Jobs) -> None:
    # when a cross-site form (no JSON) posts the mutation from a page without an Origin
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False)
    response = http.post(
        GRAPHQL,
        content=f'query=mutation{{clearJobSla(jobId:"{job_id}"){{__typename}}}}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # then it is not executed
    assert response.status_code == 415


def test_a_mutation_over_get_is_refused(
    http: httpx.Client, sp: WorkspaceClient, jobs: Jobs
) -> None:
    # given a job alice could change
    job_id = jobs.sp_level("CAN_MANAGE", bundle=False)
    before = health_rules(sp, job_id)

    # when the mutation arrives as a GET (a link, an image)
    response = http.get(
        GRAPHQL,
        params={"query": f'mutation {{ clearJobSla(jobId: "{job_id}") {{ __typename }} }}'},
        headers={"X-Forwarded-Access-Token": TOKENS["alice"], "Accept": "application/json"},
    )

    # then it is a 405 and the job is unchanged
    assert response.status_code == 405
    assert health_rules(sp, job_id) == before
