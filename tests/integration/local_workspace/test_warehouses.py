"""The SQL warehouse: its state for the health check, and the cold start of a stopped warehouse."""

import time

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import ResourceDoesNotExist
from databricks.sdk.service.sql import State, StatementState

from job_monitor.local_workspace.principals import WAREHOUSE_ID
from tests.integration.local_workspace.conftest import (
    COLD_START_SECONDS,
    JOB_COUNT,
    building_workspace,
    user_client,
)

_TERMINAL = {StatementState.SUCCEEDED, StatementState.FAILED, StatementState.CANCELED}


def test_warehouse_reports_running(alice: WorkspaceClient) -> None:
    # when
    warehouse = alice.warehouses.get(WAREHOUSE_ID)

    # then
    assert warehouse.id == WAREHOUSE_ID
    assert warehouse.state == State.RUNNING


def test_unknown_warehouse_does_not_exist(alice: WorkspaceClient) -> None:
    # when / then
    with pytest.raises(ResourceDoesNotExist):
        alice.warehouses.get("no-such-warehouse")


def test_stopped_warehouse_cold_starts_on_the_first_statement(
    alice: WorkspaceClient, admin: httpx.Client
) -> None:
    # given a stopped warehouse
    admin.post("/_local/faults", json={"warehouse_state": "STOPPED"}).raise_for_status()
    assert alice.warehouses.get(WAREHOUSE_ID).state == State.STOPPED

    # when a statement arrives
    started = time.monotonic()
    submitted = alice.statement_execution.execute_statement(
        statement="SELECT 1 AS one", warehouse_id=WAREHOUSE_ID, wait_timeout="0s"
    )

    # then the statement waits in PENDING while the warehouse starts
    assert submitted.status is not None
    assert submitted.status.state == StatementState.PENDING
    assert alice.warehouses.get(WAREHOUSE_ID).state == State.STARTING
    finished = alice.statement_execution.execute_statement(
        statement="SELECT 2 AS two", warehouse_id=WAREHOUSE_ID, wait_timeout="10s"
    )
    assert finished.status is not None
    assert finished.status.state == StatementState.SUCCEEDED
    assert time.monotonic() - started >= COLD_START_SECONDS
    assert alice.warehouses.get(WAREHOUSE_ID).state == State.RUNNING


def test_warehouse_is_starting_until_the_database_is_built() -> None:
    with building_workspace() as (workspace, built):
        client = user_client(workspace, "local-alice")

        # when a statement arrives during the build
        during_build = client.warehouses.get(WAREHOUSE_ID).state
        submitted = client.statement_execution.execute_statement(
            statement="SELECT count(*) AS jobs FROM system.lakeflow.jobs",
            warehouse_id=WAREHOUSE_ID,
            wait_timeout="0s",
        )
        statement_id = submitted.statement_id or ""
        polled = client.statement_execution.get_statement(statement_id)
        built.set()

        # then the warehouse is starting and the statement waits, until the build is done
        assert during_build == State.STARTING
        assert submitted.status is not None
        assert submitted.status.state == StatementState.PENDING
        assert polled.status is not None
        assert polled.status.state == StatementState.PENDING
        deadline = time.monotonic() + 30
        finished = polled
        while finished.status and finished.status.state not in _TERMINAL:
            assert time.monotonic() < deadline, "the statement never finished"
            time.sleep(0.05)
            finished = client.statement_execution.get_statement(statement_id)
        assert finished.status is not None
        assert finished.status.state == StatementState.SUCCEEDED
        assert finished.result is not None
        assert finished.result.data_array == [[str(JOB_COUNT)]]
        assert client.warehouses.get(WAREHOUSE_ID).state == State.RUNNING
