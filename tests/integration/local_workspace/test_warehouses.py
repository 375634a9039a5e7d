"""The SQL warehouse: its state for the health check, and the cold start of a stopped warehouse."""

import time

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import ResourceDoesNotExist
from databricks.sdk.service.sql import State, StatementState

from job_monitor.local_workspace.principals import WAREHOUSE_ID
from tests.integration.local_workspace.conftest import COLD_START_SECONDS


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
