"""Counters that let tests and benchmarks count what a client asked the workspace for."""

import httpx
from databricks.sdk import WorkspaceClient

from job_monitor.local_workspace.principals import WAREHOUSE_ID

JOB_NAMES = "SELECT name FROM system.lakeflow.jobs WHERE job_id = :job_id"


def stats(admin: httpx.Client) -> dict[str, dict[str, object]]:
    body: dict[str, dict[str, object]] = admin.get("/_local/stats").json()
    return body


def test_requests_are_counted_per_route(alice: WorkspaceClient, admin: httpx.Client) -> None:
    # given
    admin.post("/_local/stats/reset").raise_for_status()

    # when
    alice.current_user.me()
    alice.current_user.me()
    alice.warehouses.get(WAREHOUSE_ID)

    # then
    requests = stats(admin)["requests"]
    assert requests["by_route"] == {
        "GET /api/2.0/preview/scim/v2/Me": 2,
        "GET /api/2.0/sql/warehouses/{warehouse_id}": 1,
    }
    assert requests["total"] == 3


def test_statements_are_counted_per_normalised_text(
    alice: WorkspaceClient, admin: httpx.Client
) -> None:
    # given
    admin.post("/_local/stats/reset").raise_for_status()

    # when the same query is sent twice, formatted differently
    for text in (JOB_NAMES, f"  {JOB_NAMES.replace(' ', chr(10) + '   ')} ;"):
        alice.statement_execution.execute_statement(
            statement=text, warehouse_id=WAREHOUSE_ID, wait_timeout="10s"
        )

    # then
    statements = stats(admin)["statements"]
    assert statements == {"total": 2, "by_text": {JOB_NAMES: 2}}


def test_reset_zeroes_the_counters(alice: WorkspaceClient, admin: httpx.Client) -> None:
    # given
    alice.current_user.me()

    # when
    response = admin.post("/_local/stats/reset")

    # then
    assert response.json() == {
        "requests": {"total": 0, "by_route": {}},
        "statements": {"total": 0, "by_text": {}},
    }


def test_the_admin_surface_is_not_counted(admin: httpx.Client) -> None:
    # given
    admin.post("/_local/stats/reset").raise_for_status()

    # when
    admin.get("/_local/faults")

    # then
    assert stats(admin)["requests"]["total"] == 0
