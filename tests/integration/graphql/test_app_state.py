"""The app's own state — alert acknowledgements and budgets — in Unity Catalog tables of the app's
schema, written by its service principal through Statement Execution on the stand-in's writable
catalog: created and versioned at start-up, refused to users' tokens, kept across a restart of the
stand-in, never half-written by a failed write, and complete when two replicas write at once.

The module runs its own stand-in (over the shared demo data, with a state directory of its own)
and its own services, so its writes touch no other test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.service.sql import StatementState

from job_monitor.backend.app import RunningService
from job_monitor.backend.data.state import STATE_READ_SECONDS
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET, WAREHOUSE_ID
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from tests.conftest import DATA_DIR, StartService, local_settings
from tests.integration.graphql.conftest import GraphQL, StandIn, wait_for_permissions

STATE = "main.job_monitor"

ALERTS = """
query($filter: AlertFilter) {
  alerts(filter: $filter, first: 100) {
    __typename
    ... on AlertConnection {
      totalCount acknowledgedCount
      nodes { id kind severity magnitude job { jobId }
              acknowledgement { by at until magnitude silencing } }
    }
  }
}
"""
ACKNOWLEDGE = """
mutation($id: ID!, $until: DateTime!) {
  acknowledgeAlert(id: $id, until: $until) {
    __typename
    ... on AlertAcknowledged { alert { id acknowledgement { by until magnitude silencing } } }
    ... on Error { message code }
    ... on InvalidFilter { field }
  }
}
"""
UNACKNOWLEDGE = """
mutation($id: ID!) {
  unacknowledgeAlert(id: $id) {
    __typename
    ... on AlertUnacknowledged { alert { id acknowledgement { by } } }
    ... on Error { message code }
  }
}
"""
SET_BUDGET = """
mutation($scope: BudgetScopeInput!, $usd: Float!) {
  setBudget(scope: $scope, monthlyUsd: $usd) {
    __typename
    ... on BudgetSet { budget { scope { kind jobId team } monthlyUsd monthToDateUsd forecastUsd
                                status setBy coversAllJobs jobIds month } }
    ... on Error { message code }
    ... on StateWriteFailed { problem }
    ... on PermissionDenied { principal requiredPermissions }
    ... on InvalidFilter { field }
  }
}
"""
CLEAR_BUDGET = """
mutation($scope: BudgetScopeInput!) {
  clearBudget(scope: $scope) {
    __typename
    ... on BudgetCleared { cleared }
    ... on Error { message code }
  }
}
"""
JOB_BUDGET = """
query($id: ID!) {
  job(jobId: $id) { ... on Job { budget { monthlyUsd monthToDateUsd status setBy } } }
}
"""
BUDGETS = """
{ budgets { ... on BudgetList { nodes { scope { kind jobId team } monthlyUsd coversAllJobs
                                         jobIds monthToDateUsd } } } }
"""


def sp_client(workspace: LocalWorkspace) -> WorkspaceClient:
    return WorkspaceClient(
        config=Config(
            host=workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret=SP_CLIENT_SECRET,
            auth_type="oauth-m2m",
        )
    )


def user_client(workspace: LocalWorkspace, token: str) -> WorkspaceClient:
    return WorkspaceClient(config=Config(host=workspace.host, token=token, auth_type="pat"))


def rows(client: WorkspaceClient, statement: str) -> list[list[Any]]:
    response = client.statement_execution.execute_statement(
        statement=statement, warehouse_id=WAREHOUSE_ID, wait_timeout="30s"
    )
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED, response.status
    return [list(row) for row in (response.result.data_array if response.result else None) or []]


class Deployment:
    """A stand-in with a state directory of its own and the services pointed at it."""

    def __init__(self, state_dir: Path, start_service: StartService) -> None:
        self.state_dir = state_dir
        self._start_service = start_service
        self.workspace = self._start()
        self.service = start_service(local_settings(self.workspace))
        self.http = httpx.Client(base_url=self.service.url, timeout=60)
        self.gql = GraphQL(self.http)
        self.stand_in = StandIn(httpx.Client(base_url=self.workspace.host, timeout=30))
        wait_for_permissions(self.gql)

    def _start(self) -> LocalWorkspace:
        options = LocalWorkspaceOptions(
            seed=7, jobs=300, days=90, data_dir=DATA_DIR, state_dir=self.state_dir
        )
        workspace = LocalWorkspace(options).start()
        _ = workspace.state.database
        return workspace

    def replica(self) -> GraphQL:
        """A second service on the same workspace: another replica of the app."""
        service: RunningService = self._start_service(local_settings(self.workspace))
        client = GraphQL(httpx.Client(base_url=service.url, timeout=60))
        wait_for_permissions(client)
        return client

    def restart(self) -> None:
        """Stops the stand-in and starts a new one on the same state directory, and a new
        service in front of it."""
        self.http.close()
        self.workspace.stop()
        self.workspace = self._start()
        self.service = self._start_service(local_settings(self.workspace))
        self.http = httpx.Client(base_url=self.service.url, timeout=60)
        self.gql = GraphQL(self.http)
        self.stand_in = StandIn(httpx.Client(base_url=self.workspace.host, timeout=30))
        wait_for_permissions(self.gql)

    def close(self) -> None:
        self.http.close()
        self.workspace.stop()


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, start_service: StartService
) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path_factory.mktemp("app-state"), start_service)
    yield deployment
    deployment.close()


def alerts(gql: GraphQL, user: str = "alice", **filter: Any) -> dict[str, Any]:
    found: dict[str, Any] = gql.data(ALERTS, user, filter=filter or None)["alerts"]
    assert found["__typename"] == "AlertConnection", found
    return found


def an_alert_bob_sees(deployment: Deployment) -> dict[str, Any]:
    bobs = {node["id"] for node in alerts(deployment.gql, "bob")["nodes"]}
    for node in alerts(deployment.gql, "alice", severities=["P1"])["nodes"]:
        if node["id"] in bobs:
            return dict(node)
    raise AssertionError("no P1 alert that bob sees too")


def until(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def set_budget(gql: GraphQL, user: str, usd: float, **scope: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql.data(SET_BUDGET, user, scope=scope, usd=usd)["setBudget"]
    return result


def a_job_bob_manages_with_spend(deployment: Deployment) -> str:
    """A job bob holds CAN_MANAGE on (per its ACL, through the Jobs API) with spend this month."""
    sp = sp_client(deployment.workspace)
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    spending = rows(
        sp,
        "SELECT usage_metadata.job_id, SUM(usage_quantity) FROM system.billing.usage "
        f"WHERE usage_start_time >= TIMESTAMP '{month.isoformat()}' "
        "AND usage_metadata.job_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC",
    )
    for job_id, _ in spending:
        acl = sp.api_client.do("GET", f"/api/2.0/permissions/jobs/{job_id}")
        assert isinstance(acl, dict)
        for entry in acl.get("access_control_list", []):
            levels = {p["permission_level"] for p in entry.get("all_permissions", [])}
            if entry.get("user_name") == "bob@example.com" and "CAN_MANAGE" in levels:
                return str(job_id)
    raise AssertionError("no job bob manages with spend this month")


def test_the_state_tables_are_created_and_versioned_at_start_up(deployment: Deployment) -> None:
    sp = sp_client(deployment.workspace)
    # The service migrates on start-up, in the background: a first request waits for it.
    alerts(deployment.gql)
    assert rows(sp, f"SELECT version, description FROM {STATE}.schema_versions") == [
        ["1", "budgets, acknowledgements, deliveries"],
        ["2", "table column snapshots and the changes found between them"],
        ["3", "the latest sweep of what jobs write"],
    ]
    tables = ("budgets", "acknowledgements", "deliveries", "table_columns", "column_changes")
    for table in (*tables, "data_findings"):
        assert rows(sp, f"SELECT COUNT(*) FROM {STATE}.{table}")[0][0] is not None


def test_users_tokens_may_neither_read_nor_write_the_state_schema(deployment: Deployment) -> None:
    alice = user_client(deployment.workspace, "local-alice")
    for statement in (
        f"SELECT * FROM {STATE}.budgets",
        f"DELETE FROM {STATE}.acknowledgements WHERE true",
    ):
        response = alice.statement_execution.execute_statement(
            statement=statement, warehouse_id=WAREHOUSE_ID, wait_timeout="30s"
        )
        assert response.status is not None
        assert response.status.state == StatementState.FAILED
        assert response.status.error is not None
        assert "INSUFFICIENT_PERMISSIONS" in (response.status.error.message or "")


def test_an_acknowledged_alert_leaves_the_list_and_everyone_who_sees_its_job_sees_who(
    deployment: Deployment,
) -> None:
    gql = deployment.gql
    alert = an_alert_bob_sees(deployment)
    before = alerts(gql, "bob")

    acknowledged = gql.data(ACKNOWLEDGE, "alice", id=alert["id"], until=until(4))
    result = acknowledged["acknowledgeAlert"]
    assert result["__typename"] == "AlertAcknowledged", result
    assert result["alert"]["acknowledgement"]["by"] == "alice@example.com"
    assert result["alert"]["acknowledgement"]["silencing"] is True

    after = alerts(gql, "bob")
    assert alert["id"] not in {node["id"] for node in after["nodes"]}
    assert after["totalCount"] == before["totalCount"] - 1
    assert after["acknowledgedCount"] == before["acknowledgedCount"] + 1
    shown = alerts(gql, "bob", includeAcknowledged=True)
    (node,) = [n for n in shown["nodes"] if n["id"] == alert["id"]]
    assert node["acknowledgement"]["by"] == "alice@example.com"
    assert node["acknowledgement"]["magnitude"] == alert["magnitude"]

    # carol sees no job: the alert does not exist for her
    refused = gql.data(UNACKNOWLEDGE, "carol", id=alert["id"])["unacknowledgeAlert"]
    assert refused["__typename"] == "NotFound"

    back = gql.data(UNACKNOWLEDGE, "bob", id=alert["id"])["unacknowledgeAlert"]
    assert back["__typename"] == "AlertUnacknowledged"
    assert back["alert"]["acknowledgement"] is None
    assert alert["id"] in {node["id"] for node in alerts(gql, "bob")["nodes"]}


def test_an_acknowledged_alert_comes_back_when_its_condition_worsens(
    deployment: Deployment,
) -> None:
    gql = deployment.gql
    alert = an_alert_bob_sees(deployment)
    # An acknowledgement made when the condition was milder (a shorter streak): the service
    # principal writes it as the app would have then.
    milder = alert["magnitude"] - 1
    rows(
        sp_client(deployment.workspace),
        f"INSERT INTO {STATE}.acknowledgements VALUES ('{deployment_workspace_id(deployment)}', "
        f"'{alert['id']}', 'bob@example.com', current_timestamp(), "
        f"current_timestamp() + INTERVAL 4 HOURS, {milder})",
    )
    # A write the service did not make (another replica's) shows within its short read cache.
    deadline = time.monotonic() + STATE_READ_SECONDS + 5
    while True:
        shown = {node["id"]: node for node in alerts(gql, "bob")["nodes"]}
        acknowledgement = shown[alert["id"]]["acknowledgement"]
        if acknowledgement is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # back in the list although acknowledged: its condition is worse than when acknowledged
    assert acknowledgement is not None
    assert acknowledgement["by"] == "bob@example.com"
    assert acknowledgement["magnitude"] == milder
    assert acknowledgement["silencing"] is False
    gql.data(UNACKNOWLEDGE, "bob", id=alert["id"])


def deployment_workspace_id(deployment: Deployment) -> str:
    found = rows(
        sp_client(deployment.workspace),
        "SELECT DISTINCT workspace_id FROM system.lakeflow.jobs LIMIT 1",
    )
    return str(found[0][0])


@pytest.mark.parametrize(
    ("hours", "field"), [(-1, "until"), (24 * 31, "until")], ids=["past", "beyond-30-days"]
)
def test_an_acknowledgement_until_the_past_or_beyond_30_days_is_refused(
    deployment: Deployment, hours: float, field: str
) -> None:
    alert = an_alert_bob_sees(deployment)
    result = deployment.gql.data(ACKNOWLEDGE, "bob", id=alert["id"], until=until(hours))
    assert result["acknowledgeAlert"]["__typename"] == "InvalidFilter"
    assert result["acknowledgeAlert"]["field"] == field


def test_acknowledging_an_alert_that_does_not_exist_is_not_found(deployment: Deployment) -> None:
    result = deployment.gql.data(ACKNOWLEDGE, "alice", id="FAILURE_STREAK:1", until=until(1))
    assert result["acknowledgeAlert"]["__typename"] == "NotFound"


def test_a_job_manager_sets_a_budget_measured_against_the_month_so_far(
    deployment: Deployment,
) -> None:
    gql = deployment.gql
    job_id = a_job_bob_manages_with_spend(deployment)

    result = set_budget(gql, "bob", 1_000_000.0, jobId=job_id)
    assert result["__typename"] == "BudgetSet", result
    budget = result["budget"]
    assert budget["scope"] == {"kind": "JOB", "jobId": job_id, "team": None}
    assert budget["setBy"] == "bob@example.com"
    assert budget["status"] == "WITHIN"
    assert budget["month"] == datetime.now(UTC).strftime("%Y-%m-01")
    assert budget["monthToDateUsd"] > 0
    assert budget["forecastUsd"] >= budget["monthToDateUsd"]
    # the job page shows it, to alice too
    shown = gql.data(JOB_BUDGET, "alice", id=job_id)["job"]["budget"]
    assert shown["monthlyUsd"] == 1_000_000.0
    assert shown["monthToDateUsd"] == pytest.approx(budget["monthToDateUsd"])

    # a budget below the month's spend is breached, and a P2 alert says so
    tight = set_budget(gql, "bob", 0.01, jobId=job_id)["budget"]
    assert tight["status"] == "BREACHED"
    breached = alerts(gql, "bob", kinds=["BUDGET_BREACHED"])["nodes"]
    assert [(n["job"]["jobId"], n["severity"]) for n in breached] == [(job_id, "P2")]

    cleared = gql.data(CLEAR_BUDGET, "bob", scope={"jobId": job_id})["clearBudget"]
    assert cleared == {"__typename": "BudgetCleared", "cleared": True}
    assert gql.data(JOB_BUDGET, "bob", id=job_id)["job"]["budget"] is None
    assert alerts(gql, "bob", kinds=["BUDGET_BREACHED"])["nodes"] == []


def test_who_may_set_a_budget(deployment: Deployment) -> None:
    gql = deployment.gql
    job_id = a_job_bob_manages_with_spend(deployment)
    # carol sees no job: not found; a nonsense amount is invalid
    assert set_budget(gql, "carol", 100.0, jobId=job_id)["__typename"] == "NotFound"
    invalid = set_budget(gql, "bob", -5.0, jobId=job_id)
    assert (invalid["__typename"], invalid["field"]) == ("InvalidFilter", "monthlyUsd")
    both = gql.data(SET_BUDGET, "bob", scope={"jobId": job_id, "team": "x"}, usd=5.0)
    assert both["setBudget"]["__typename"] == "InvalidFilter"
    # bob is no admin: a team's budget is refused in words
    team = set_budget(gql, "bob", 100.0, team="data-platform")
    assert team["__typename"] in ("PermissionDenied", "NotFound")
    if team["__typename"] == "PermissionDenied":
        assert "admin" in team["message"]


def test_a_team_budget_is_measured_over_the_jobs_each_viewer_sees(deployment: Deployment) -> None:
    gql = deployment.gql
    teams = gql.data(
        "{ costs(groupBy: TEAM) { ... on CostBreakdown { groups { key listCostUsd } } } }", "bob"
    )["costs"]["groups"]
    team = next(group["key"] for group in teams if group["key"])
    assert set_budget(gql, "alice", 50_000.0, team=team)["__typename"] == "BudgetSet"

    def team_budget(user: str) -> dict[str, Any]:
        nodes = gql.data(BUDGETS, user)["budgets"]["nodes"]
        (found,) = [n for n in nodes if n["scope"]["team"] == team.lower()]
        return dict(found)

    alice, bob = team_budget("alice"), team_budget("bob")
    assert alice["coversAllJobs"] is True
    assert set(bob["jobIds"]) <= set(alice["jobIds"])
    assert bob["coversAllJobs"] == (set(bob["jobIds"]) == set(alice["jobIds"]))
    assert bob["monthToDateUsd"] <= alice["monthToDateUsd"] + 1e-6
    assert gql.data(BUDGETS, "carol")["budgets"]["nodes"] == []
    gql.data(CLEAR_BUDGET, "alice", scope={"team": team})


def test_a_failed_write_is_a_typed_error_and_leaves_nothing_half_written(
    deployment: Deployment,
) -> None:
    gql = deployment.gql
    job_id = a_job_bob_manages_with_spend(deployment)
    assert set_budget(gql, "bob", 500.0, jobId=job_id)["__typename"] == "BudgetSet"
    deployment.stand_in.set_faults(
        {"statements": [{"pattern": "MERGE INTO .*budgets", "error": "FAILED_AFTER_WRITE"}]}
    )
    try:
        failed = set_budget(gql, "bob", 900.0, jobId=job_id)
    finally:
        deployment.stand_in.clear_faults()
    assert failed["__typename"] == "StateWriteFailed", failed
    assert failed["problem"] == "FAILED"
    assert "Nothing was changed" in failed["message"]
    assert "MERGE" not in failed["message"]
    stored = rows(
        sp_client(deployment.workspace),
        f"SELECT monthly_usd FROM {STATE}.budgets WHERE scope_key = '{job_id}'",
    )
    assert stored == [["500.0"]]
    gql.data(CLEAR_BUDGET, "bob", scope={"jobId": job_id})


def test_a_concurrent_write_conflict_is_retried_and_a_lasting_one_is_a_typed_error(
    deployment: Deployment,
) -> None:
    gql = deployment.gql
    job_id = a_job_bob_manages_with_spend(deployment)
    conflict = {"pattern": "MERGE INTO .*budgets", "error": "CONCURRENT_WRITE"}
    deployment.stand_in.set_faults({"statements": [{**conflict, "times": 2}]})
    try:
        retried = set_budget(gql, "bob", 700.0, jobId=job_id)
    finally:
        deployment.stand_in.clear_faults()
    assert retried["__typename"] == "BudgetSet", retried
    assert retried["budget"]["monthlyUsd"] == 700.0

    deployment.stand_in.set_faults({"statements": [conflict]})
    try:
        lasting = set_budget(gql, "bob", 800.0, jobId=job_id)
    finally:
        deployment.stand_in.clear_faults()
    assert (lasting["__typename"], lasting["problem"]) == ("StateWriteFailed", "CONFLICT")
    assert gql.data(JOB_BUDGET, "bob", id=job_id)["job"]["budget"]["monthlyUsd"] == 700.0
    gql.data(CLEAR_BUDGET, "bob", scope={"jobId": job_id})


def test_two_replicas_writing_at_once_lose_nothing(deployment: Deployment) -> None:
    first, second = deployment.gql, deployment.replica()
    job_ids = [
        node["jobId"]
        for node in first.data(
            "{ jobs(first: 40) { ... on JobConnection { nodes { jobId } } } }", "alice"
        )["jobs"]["nodes"]
    ]
    errors: list[Any] = []

    def write(client: GraphQL, ids: list[str], usd: float) -> None:
        for job_id in ids:
            result = set_budget(client, "alice", usd, jobId=job_id)
            if result["__typename"] != "BudgetSet":
                errors.append(result)

    threads = [
        threading.Thread(target=write, args=(first, job_ids[::2], 111.0)),
        threading.Thread(target=write, args=(second, job_ids[1::2], 222.0)),
        threading.Thread(target=write, args=(second, job_ids[::2], 111.0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = rows(
        sp_client(deployment.workspace),
        f"SELECT scope_key, monthly_usd FROM {STATE}.budgets WHERE scope_kind = 'JOB'",
    )
    expected = {job_id: 111.0 if i % 2 == 0 else 222.0 for i, job_id in enumerate(job_ids)}
    assert {key: float(usd) for key, usd in stored if key in expected} == expected
    assert len([key for key, _ in stored if key in expected]) == len(expected)
    for job_id in job_ids:
        first.data(CLEAR_BUDGET, "alice", scope={"jobId": job_id})


def test_nothing_is_lost_when_the_workspace_restarts(deployment: Deployment) -> None:
    job_id = a_job_bob_manages_with_spend(deployment)
    alert = an_alert_bob_sees(deployment)
    assert set_budget(deployment.gql, "bob", 4321.0, jobId=job_id)["__typename"] == "BudgetSet"
    acked = deployment.gql.data(ACKNOWLEDGE, "bob", id=alert["id"], until=until(2))
    assert acked["acknowledgeAlert"]["__typename"] == "AlertAcknowledged"

    deployment.restart()

    gql = deployment.gql
    assert gql.data(JOB_BUDGET, "bob", id=job_id)["job"]["budget"]["monthlyUsd"] == 4321.0
    shown = alerts(gql, "bob", includeAcknowledged=True)["nodes"]
    (node,) = [n for n in shown if n["id"] == alert["id"]]
    assert node["acknowledgement"]["by"] == "bob@example.com"
    gql.data(CLEAR_BUDGET, "bob", scope={"jobId": job_id})
    gql.data(UNACKNOWLEDGE, "bob", id=alert["id"])
