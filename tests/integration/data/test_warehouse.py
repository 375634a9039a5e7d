"""The warehouse over real HTTP: the real SDK against the local workspace's Statement Execution API.

Decoding of every column type, chunk walking, polling, the deadline (cancel), FAILED statements, a
stopped warehouse and upstream 429/500/timeouts, each to its typed answer.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import StatementState

from job_monitor.backend.data.warehouse import (
    NULL_BIGINT,
    NULL_DOUBLE,
    NULL_STRING,
    NULL_TIMESTAMP,
    QueryParams,
    Warehouse,
    WarehouseSettings,
    counting_statements,
    load_query,
)
from job_monitor.backend.domain.errors import (
    StatementTimeoutError,
    UpstreamProblem,
    UpstreamUnavailableError,
    WarehouseQueryFailedError,
    WarehouseUnavailableError,
)
from job_monitor.local_workspace.principals import WAREHOUSE_ID, WORKSPACE_ID
from tests.integration.data.conftest import (
    LARGE_RUN_COUNT,
    TYPED_JOB_ID,
    StandIn,
)

EXECUTE_ROUTE = "POST /api/2.0/sql/statements"
POLL_ROUTE = "GET /api/2.0/sql/statements/{statement_id}"
CHUNK_ROUTE = "GET /api/2.0/sql/statements/{statement_id}/result/chunks/{chunk_index}"
WAREHOUSE_ROUTE = "GET /api/2.0/sql/warehouses/{id}"


def all_runs_params(page_size: int) -> QueryParams:
    """Every run of the typed workspace through the runs-page query, without filters."""
    return {
        "workspace_id": WORKSPACE_ID,
        "job_ids": NULL_STRING,
        "started_after": datetime(2020, 1, 1, tzinfo=UTC),
        "scan_start": datetime(2020, 1, 1, tzinfo=UTC),
        "started_before": NULL_TIMESTAMP,
        "result_states": NULL_STRING,
        "include_unfinished": False,
        "termination_codes": NULL_STRING,
        "trigger_types": NULL_STRING,
        "run_types": NULL_STRING,
        "min_duration_seconds": NULL_DOUBLE,
        "max_duration_seconds": NULL_DOUBLE,
        "after_start_time": NULL_TIMESTAMP,
        "after_run_id": NULL_BIGINT,
        "include_deleted": False,
        "page_size": page_size,
    }


def slow_params() -> QueryParams:
    return {
        "workspace_id": WORKSPACE_ID,
        "job_run_ids": "1,2",
        "since": datetime(2020, 1, 1, tzinfo=UTC),
    }


# --- decoding -----------------------------------------------------------------------------------


async def test_catalog_columns_decode_to_python_types(typed_client: WorkspaceClient) -> None:
    # given a job row with a map, a struct, an array of structs, a boolean, a bigint and a timestamp
    warehouse = Warehouse(typed_client, WAREHOUSE_ID)
    # when the catalog query runs
    rows = await warehouse.query("jobs_catalog", {"workspace_id": WORKSPACE_ID})
    # then only this workspace's job comes back, with each value in its Python type
    assert [row.text("job_id") for row in rows] == [TYPED_JOB_ID]
    (row,) = rows
    assert row.text_map("tags") == {"team": "data-eng", "env": "prod"}
    trigger = row.json("trigger")
    assert isinstance(trigger, dict)
    assert trigger["schedule"] == {"quartz_cron_expression": "0 0 5 * * ?", "timezone_id": "UTC"}
    assert row.json("health_rules") == [
        {"metric": "RUN_DURATION_SECONDS", "operator": "GREATER_THAN", "value": 1800}
    ]
    assert row.opt_flag("paused") is True
    assert row.integer("timeout_seconds") == 3600
    assert row.timestamp("change_time") == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


async def test_arrays_dates_doubles_and_decimals_decode(typed_client: WorkspaceClient) -> None:
    warehouse = Warehouse(typed_client, WAREHOUSE_ID)
    window_start = datetime.now(UTC) - timedelta(days=7)
    tasks = await warehouse.query("job_tasks", {"workspace_id": WORKSPACE_ID})
    daily = await warehouse.query(
        "daily_run_counts",
        {
            "workspace_id": WORKSPACE_ID,
            "window_start": window_start,
            "scan_start": window_start,
            "job_ids": TYPED_JOB_ID,
            "include_deleted": False,
            "success_states": "SUCCEEDED",
            "failure_states": "FAILED",
        },
    )
    costs = await warehouse.query(
        "job_costs",
        {
            "workspace_id": WORKSPACE_ID,
            "window_start": window_start,
            "previous_start": window_start - timedelta(days=1),
            "previous_start_date": date(2020, 1, 1),
            "scan_start": window_start - timedelta(days=2),
            "currency": "USD",
            "success_states": "SUCCEEDED",
            "wasted_states": "FAILED,ERROR,TIMED_OUT,CANCELLED",
        },
    )
    assert {row.text("task_key"): row.texts("depends_on_keys") for row in tasks} == {
        "ingest": [],
        "publish": ["ingest", "check"],
    }
    assert all(type(row["day"]) is date for row in daily)
    assert sum(row.integer("runs") for row in daily) == LARGE_RUN_COUNT
    (cost,) = costs
    assert cost["dbus"] == pytest.approx(12.5)
    assert cost["list_cost_usd"] == pytest.approx(12.5 * 0.15)
    assert isinstance(cost["list_cost_usd"], float)


async def test_a_large_result_is_read_across_every_chunk(
    typed_client: WorkspaceClient, typed_stand_in: StandIn
) -> None:
    # given 5,000 runs and a stand-in that cuts results into 16 KiB chunks
    warehouse = Warehouse(typed_client, WAREHOUSE_ID)
    chunk_requests = typed_stand_in.requests(CHUNK_ROUTE)
    # when all of them are asked for
    rows = await warehouse.query("job_runs_page", all_runs_params(LARGE_RUN_COUNT + 1))
    # then every run arrives once, newest first, and the extra chunks were fetched
    run_ids = [row.text("run_id") for row in rows]
    assert len(run_ids) == LARGE_RUN_COUNT
    assert len(set(run_ids)) == LARGE_RUN_COUNT
    assert run_ids == sorted(run_ids, key=int)
    starts = [row.timestamp("start_time") for row in rows]
    assert starts == sorted(starts, reverse=True)
    assert typed_stand_in.requests(CHUNK_ROUTE) - chunk_requests > 10


async def test_statements_are_counted_per_request(typed_client: WorkspaceClient) -> None:
    warehouse = Warehouse(typed_client, WAREHOUSE_ID)
    with counting_statements() as counter:
        await warehouse.query("jobs_catalog", {"workspace_id": WORKSPACE_ID})
        await warehouse.query("job_tasks", {"workspace_id": WORKSPACE_ID})
    await warehouse.query("job_tasks", {"workspace_id": WORKSPACE_ID})
    assert counter.statements == 2
    assert counter.by_query == {"jobs_catalog": 1, "job_tasks": 1}
    assert warehouse.statements_issued == 3


async def test_parameters_must_match_the_query_markers(typed_client: WorkspaceClient) -> None:
    warehouse = Warehouse(typed_client, WAREHOUSE_ID)
    with pytest.raises(ValueError, match="do not match"):
        await warehouse.query("jobs_catalog", {})
    assert load_query("jobs_catalog").parameters == {"workspace_id"}


# --- slow statements ----------------------------------------------------------------------------


async def test_a_slow_statement_is_polled_until_it_succeeds(
    troubled_client: WorkspaceClient, troubled_stand_in: StandIn
) -> None:
    # given a statement that takes over a second and a submit call that does not wait
    warehouse = Warehouse(
        troubled_client,
        WAREHOUSE_ID,
        WarehouseSettings(wait_timeout_seconds=0, statement_timeout_seconds=30),
    )
    polls = troubled_stand_in.requests(POLL_ROUTE)
    # when it runs
    started = time.monotonic()
    rows = await warehouse.query("task_runs", slow_params())
    # then the warehouse polled with backoff until the result came
    assert rows == []
    assert time.monotonic() - started > 0.3
    assert troubled_stand_in.requests(POLL_ROUTE) - polls >= 2


async def test_a_statement_past_its_deadline_is_cancelled(
    troubled_client: WorkspaceClient,
) -> None:
    # given a deadline shorter than the statement
    warehouse = Warehouse(
        troubled_client,
        WAREHOUSE_ID,
        WarehouseSettings(wait_timeout_seconds=0, statement_timeout_seconds=0.3),
    )
    # when it runs, then the answer is a typed timeout
    with pytest.raises(StatementTimeoutError) as raised:
        await warehouse.query("task_runs", slow_params())
    assert raised.value.query == "task_runs"
    assert raised.value.problem is UpstreamProblem.TIMEOUT
    # and the statement was cancelled on the warehouse
    state = troubled_client.statement_execution.get_statement(raised.value.statement_id)
    assert state.status is not None
    deadline = time.monotonic() + 5
    while state.status and state.status.state is not StatementState.CANCELED:
        assert time.monotonic() < deadline, "the statement was not cancelled"
        await asyncio.sleep(0.1)
        state = troubled_client.statement_execution.get_statement(raised.value.statement_id)


# --- failures -----------------------------------------------------------------------------------


async def test_a_failed_statement_raises_a_query_error_without_sql(
    troubled_client: WorkspaceClient,
) -> None:
    warehouse = Warehouse(troubled_client, WAREHOUSE_ID)
    with pytest.raises(WarehouseQueryFailedError) as raised:
        await warehouse.query(
            "job_costs",
            {
                "workspace_id": WORKSPACE_ID,
                "window_start": datetime.now(UTC) - timedelta(days=1),
                "previous_start": datetime.now(UTC) - timedelta(days=2),
                "previous_start_date": date(2020, 1, 1),
                "scan_start": datetime.now(UTC) - timedelta(days=3),
                "currency": "USD",
                "success_states": "SUCCEEDED",
                "wasted_states": "FAILED",
            },
        )
    error = raised.value
    assert error.error_code
    assert "broken" in error.detail
    # The message shown to users names the query, never SQL text, values or tokens.
    assert error.message == (
        f"The SQL warehouse could not run the query job_costs ({error.error_code})."
    )
    assert WORKSPACE_ID not in error.message


async def test_a_stopped_warehouse_answers_unavailable_with_its_state(
    troubled_client: WorkspaceClient, troubled_stand_in: StandIn
) -> None:
    # given a stopped warehouse that takes 30 s to start
    troubled_stand_in.set_faults({"warehouse_state": "STOPPED", "cold_start_seconds": 30})
    warehouse = Warehouse(troubled_client, WAREHOUSE_ID, WarehouseSettings(wait_timeout_seconds=0))
    # when a query runs
    started = time.monotonic()
    with pytest.raises(WarehouseUnavailableError) as raised:
        await warehouse.query("jobs_catalog", {"workspace_id": WORKSPACE_ID})
    # then it answers at once that the warehouse is starting, instead of hanging
    assert raised.value.state == "STARTING"
    assert "starting" in raised.value.message
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"rate_429": 1.0, "retry_after_seconds": 1}, UpstreamProblem.THROTTLED),
        ({"status_500": 1.0}, UpstreamProblem.FAILING),
        ({"status_503": 1.0}, UpstreamProblem.FAILING),
        ({"timeout": True, "hold_seconds": 10}, UpstreamProblem.TIMEOUT),
    ],
    ids=["429", "500", "503", "timeout"],
)
async def test_upstream_faults_answer_upstream_unavailable(
    troubled_client: WorkspaceClient,
    troubled_stand_in: StandIn,
    fault: dict[str, object],
    reason: UpstreamProblem,
) -> None:
    # given every statement submission faulted
    troubled_stand_in.set_faults({"routes": {EXECUTE_ROUTE: fault}})
    warehouse = Warehouse(
        troubled_client, WAREHOUSE_ID, WarehouseSettings(statement_timeout_seconds=4)
    )
    # when a query runs, then the answer is typed, after the SDK's bounded retries
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailableError) as raised:
        await warehouse.query("jobs_catalog", {"workspace_id": WORKSPACE_ID})
    assert raised.value.problem is reason
    assert time.monotonic() - started < 8
