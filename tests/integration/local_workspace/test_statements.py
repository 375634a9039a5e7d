"""SQL Statement Execution 2.0 contract, through the real databricks-sdk over HTTP."""

import json
import time

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound, ResourceDoesNotExist
from databricks.sdk.service.sql import (
    ColumnInfoTypeName,
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
)

from job_monitor.local_workspace.principals import WAREHOUSE_ID
from job_monitor.local_workspace.server import LocalWorkspace
from tests.integration.local_workspace.conftest import JOB_COUNT, RUN_COUNT, user_client

ALL_RUNS = """
    SELECT run_id, job_id, period_start_time, period_end_time, result_state, compute_ids
    FROM system.lakeflow.job_run_timeline
    ORDER BY CAST(run_id AS BIGINT)
"""
JOBS = "SELECT job_id, name, tags, change_time FROM system.lakeflow.jobs ORDER BY job_id"
# About half a second on DuckDB: long enough to be observed PENDING or RUNNING.
SLOW = """
    SELECT count(*) AS n
    FROM system.lakeflow.job_run_timeline a, system.lakeflow.job_run_timeline b,
         system.lakeflow.jobs c
    WHERE hash(a.run_id, b.run_id, c.job_id) % 7 = 0
"""
# Hours of work: it only ends by cancellation.
ENDLESS = """
    SELECT count(*) AS n
    FROM system.lakeflow.job_run_timeline a, system.lakeflow.job_run_timeline b,
         system.lakeflow.job_run_timeline c
    WHERE hash(a.run_id, b.run_id, c.run_id) % 7 = 0
"""
TERMINAL = {StatementState.SUCCEEDED, StatementState.FAILED, StatementState.CANCELED}


def execute(client: WorkspaceClient, statement: str, **options: object) -> StatementResponse:
    return client.statement_execution.execute_statement(
        statement=statement,
        warehouse_id=WAREHOUSE_ID,
        wait_timeout=str(options.pop("wait_timeout", "30s")),
        **options,  # type: ignore[arg-type]
    )


def state_of(response: StatementResponse) -> StatementState | None:
    return response.status.state if response.status else None


def poll_until_done(client: WorkspaceClient, statement_id: str) -> StatementResponse:
    deadline = time.monotonic() + 30
    while True:
        response = client.statement_execution.get_statement(statement_id)
        if state_of(response) in TERMINAL or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def error_message(response: StatementResponse) -> str:
    assert response.status is not None
    assert response.status.error is not None
    return response.status.error.message or ""


def test_chunked_results_walk_to_the_last_chunk_with_no_row_missing_or_twice(
    alice: WorkspaceClient,
) -> None:
    # when
    response = execute(alice, ALL_RUNS)

    # then the manifest announces several chunks and the walk returns each row once, in order
    assert state_of(response) == StatementState.SUCCEEDED
    assert response.manifest is not None
    assert response.result is not None
    assert response.manifest.total_row_count == RUN_COUNT
    assert (response.manifest.total_chunk_count or 0) > 3
    rows = list(response.result.data_array or [])
    next_index = response.result.next_chunk_index
    while next_index is not None:
        chunk = alice.statement_execution.get_statement_result_chunk_n(
            response.statement_id or "", next_index
        )
        assert chunk.chunk_index == next_index
        assert chunk.row_offset == len(rows)
        rows.extend(chunk.data_array or [])
        next_index = chunk.next_chunk_index
    assert [row[0] for row in rows] == [str(i) for i in range(RUN_COUNT)]
    assert sum(c.row_count or 0 for c in response.manifest.chunks or []) == RUN_COUNT


def test_next_chunk_internal_link_is_the_path_of_the_next_chunk(
    http: httpx.Client, alice: WorkspaceClient
) -> None:
    # given
    response = execute(alice, ALL_RUNS)
    assert response.result is not None
    assert response.result.next_chunk_internal_link

    # when
    chunk = http.get(
        response.result.next_chunk_internal_link, headers={"Authorization": "Bearer local-alice"}
    ).json()

    # then
    assert chunk["chunk_index"] == 1
    assert chunk["data_array"][0][0] == str(response.result.row_count)


def test_values_are_strings_or_null_with_databricks_types_in_the_manifest(
    alice: WorkspaceClient,
) -> None:
    # when
    response = execute(alice, ALL_RUNS + " LIMIT 1")

    # then
    assert response.manifest is not None
    assert response.result is not None
    columns = response.manifest.schema.columns if response.manifest.schema else None
    assert [(c.name, c.type_name, c.type_text) for c in columns or []] == [
        ("run_id", ColumnInfoTypeName.STRING, "STRING"),
        ("job_id", ColumnInfoTypeName.STRING, "STRING"),
        ("period_start_time", ColumnInfoTypeName.TIMESTAMP, "TIMESTAMP"),
        ("period_end_time", ColumnInfoTypeName.TIMESTAMP, "TIMESTAMP"),
        ("result_state", ColumnInfoTypeName.STRING, "STRING"),
        ("compute_ids", ColumnInfoTypeName.ARRAY, "ARRAY<STRING>"),
    ]
    assert response.result.data_array == [
        [
            "0",
            "1",
            "2026-01-01T00:00:00.000Z",
            "2026-01-01T00:00:30.250Z",
            "FAILED",
            '["cluster-0"]',
        ]
    ]


def test_maps_are_json_text(alice: WorkspaceClient) -> None:
    # when
    response = execute(alice, JOBS)

    # then
    assert response.result is not None
    rows = response.result.data_array or []
    assert len(rows) == JOB_COUNT
    assert json.loads(rows[0][2] or "") == {"team": "team-1"}


def test_computed_columns_get_databricks_type_names(alice: WorkspaceClient) -> None:
    # when
    response = execute(
        alice,
        "SELECT count(*) AS runs, avg(1.5) AS mean, max(result_state = 'FAILED') AS any_failed,"
        " CAST(1.25 AS DECIMAL(10,2)) AS price, CAST(NULL AS STRING) AS nothing"
        " FROM system.lakeflow.job_run_timeline",
    )

    # then
    assert response.manifest is not None
    assert response.manifest.schema is not None
    columns = response.manifest.schema.columns or []
    assert [c.type_name for c in columns] == [
        ColumnInfoTypeName.LONG,
        ColumnInfoTypeName.DOUBLE,
        ColumnInfoTypeName.BOOLEAN,
        ColumnInfoTypeName.DECIMAL,
        ColumnInfoTypeName.STRING,
    ]
    assert (columns[3].type_precision, columns[3].type_scale) == (10, 2)
    assert response.result is not None
    assert response.result.data_array == [[str(RUN_COUNT), "1.5", "true", "1.25", None]]


def test_timestamp_differences_are_day_time_intervals(alice: WorkspaceClient) -> None:
    # given runs that last 30.25 s
    query = """
        SELECT period_end_time - period_start_time AS elapsed,
               CAST(period_end_time - period_start_time AS LONG) AS seconds,
               period_start_time - period_end_time AS backwards
        FROM system.lakeflow.job_run_timeline
        WHERE run_id = '1'
    """

    # when
    response = execute(alice, query)

    # then the interval reads as Spark writes it, and casts to whole seconds
    assert response.manifest is not None
    assert response.manifest.schema is not None
    columns = response.manifest.schema.columns or []
    assert [(c.type_name, c.type_text) for c in columns] == [
        (ColumnInfoTypeName.INTERVAL, "INTERVAL DAY TO SECOND"),
        (ColumnInfoTypeName.LONG, "BIGINT"),
        (ColumnInfoTypeName.INTERVAL, "INTERVAL DAY TO SECOND"),
    ]
    assert response.result is not None
    assert response.result.data_array == [["0 00:00:30.250000000", "30", "-0 00:00:30.250000000"]]


def test_polling_with_wait_timeout_0s(alice: WorkspaceClient) -> None:
    # when submitted asynchronously
    submitted = execute(alice, SLOW, wait_timeout="0s")

    # then it answers at once, and polling reaches the result
    assert state_of(submitted) in (StatementState.PENDING, StatementState.RUNNING)
    assert submitted.manifest is None
    finished = poll_until_done(alice, submitted.statement_id or "")
    assert state_of(finished) == StatementState.SUCCEEDED
    assert finished.result is not None
    assert finished.result.data_array is not None
    assert int(finished.result.data_array[0][0] or "0") > 0


def test_cancellation_stops_a_running_statement(alice: WorkspaceClient) -> None:
    # given a statement that would run for hours
    submitted = execute(alice, ENDLESS, wait_timeout="0s")
    statement_id = submitted.statement_id or ""

    # when
    alice.statement_execution.cancel_execution(statement_id)

    # then
    started = time.monotonic()
    assert state_of(poll_until_done(alice, statement_id)) == StatementState.CANCELED
    assert time.monotonic() - started < 5


def test_on_wait_timeout_cancel_cancels_when_the_wait_runs_out(alice: WorkspaceClient) -> None:
    # when
    response = execute(
        alice,
        ENDLESS,
        wait_timeout="5s",
        on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL,
    )

    # then
    assert state_of(response) == StatementState.CANCELED


def test_row_limit_truncates_and_says_so(alice: WorkspaceClient) -> None:
    # when
    limited = execute(alice, ALL_RUNS, row_limit=10)
    exact = execute(alice, JOBS, row_limit=JOB_COUNT)

    # then
    assert limited.manifest is not None
    assert limited.result is not None
    assert limited.manifest.truncated is True
    assert limited.manifest.total_row_count == 10
    assert [row[0] for row in limited.result.data_array or []] == [str(i) for i in range(10)]
    assert exact.manifest is not None
    assert exact.manifest.truncated is False


def test_empty_result_has_one_empty_chunk(alice: WorkspaceClient) -> None:
    # when
    response = execute(alice, "SELECT job_id FROM system.lakeflow.jobs WHERE job_id = 'none'")

    # then
    assert response.manifest is not None
    assert response.result is not None
    assert response.manifest.total_row_count == 0
    assert response.result.row_count == 0
    assert response.result.next_chunk_index is None


def test_sql_error_is_a_failed_statement_not_an_http_error(alice: WorkspaceClient) -> None:
    # when
    response = execute(alice, "SELECT no_such_column FROM system.lakeflow.jobs")

    # then
    assert state_of(response) == StatementState.FAILED
    assert response.status is not None
    assert response.status.error is not None
    assert response.status.error.error_code is not None
    assert response.status.error.error_code.value == "BAD_REQUEST"
    assert error_message(response).startswith("[UNRESOLVED_COLUMN")
    assert response.status.sql_state == "42703"


@pytest.mark.parametrize(
    ("statement", "error_class"),
    [
        ("SELEC 1", "PARSE_SYNTAX_ERROR"),
        ("SELECT * FROM system.lakeflow.no_such_table", "TABLE_OR_VIEW_NOT_FOUND"),
        ("SELECT * FROM local.job_settings", "TABLE_OR_VIEW_NOT_FOUND"),
        ("SELECT * FROM read_csv('/etc/passwd')", "UNRESOLVED_ROUTINE"),
        ("DROP TABLE system.lakeflow.jobs", "UNSUPPORTED_FEATURE"),
    ],
)
def test_statements_outside_the_system_tables_fail(
    alice: WorkspaceClient, statement: str, error_class: str
) -> None:
    # when
    response = execute(alice, statement)

    # then
    assert state_of(response) == StatementState.FAILED
    assert error_message(response).startswith(f"[{error_class}]")


@pytest.mark.parametrize(
    ("type_text", "value", "expression", "expected", "type_name"),
    [
        ("STRING", "team-1", ":p", "team-1", ColumnInfoTypeName.STRING),
        (None, "untyped", ":p", "untyped", ColumnInfoTypeName.STRING),
        ("BIGINT", "41", ":p + 1", "42", ColumnInfoTypeName.LONG),
        ("INT", "7", ":p * 2", "14", ColumnInfoTypeName.INT),
        ("DOUBLE", "1.5", ":p * 2", "3.0", ColumnInfoTypeName.DOUBLE),
        ("DECIMAL(10,2)", "1.25", ":p", "1.25", ColumnInfoTypeName.DECIMAL),
        ("BOOLEAN", "true", "NOT :p", "false", ColumnInfoTypeName.BOOLEAN),
        ("DATE", "2026-01-31", "date_add(:p, 1)", "2026-02-01", None),
        (
            "TIMESTAMP",
            "2026-01-01T10:00:00Z",
            ":p + INTERVAL 90 MINUTES",
            "2026-01-01T11:30:00.000Z",
            ColumnInfoTypeName.TIMESTAMP,
        ),
        ("BIGINT", None, ":p", None, ColumnInfoTypeName.LONG),
    ],
)
def test_parameters_are_bound_by_their_declared_type(
    alice: WorkspaceClient,
    type_text: str | None,
    value: str | None,
    expression: str,
    expected: str | None,
    type_name: ColumnInfoTypeName | None,
) -> None:
    # when
    response = execute(
        alice,
        f"SELECT {expression} AS v",
        parameters=[StatementParameterListItem(name="p", value=value, type=type_text)],
    )

    # then
    assert state_of(response) == StatementState.SUCCEEDED, error_message(response)
    assert response.result is not None
    assert response.result.data_array == [[expected]]
    assert response.manifest is not None
    assert response.manifest.schema is not None
    column = (response.manifest.schema.columns or [])[0]
    if type_name is not None:
        assert column.type_name == type_name


def test_parameters_filter_system_tables(alice: WorkspaceClient) -> None:
    # when
    response = execute(
        alice,
        "SELECT count(*) AS runs FROM system.lakeflow.job_run_timeline"
        " WHERE job_id = :job_id AND period_start_time >= :since",
        parameters=[
            StatementParameterListItem(name="job_id", value="1", type="STRING"),
            StatementParameterListItem(
                name="since", value="2026-01-01T00:30:00Z", type="TIMESTAMP"
            ),
            StatementParameterListItem(name="unused", value="ignored", type="STRING"),
        ],
    )

    # then: runs 30..2499 with run_id % 3 == 0 belong to job 1
    assert response.result is not None
    assert response.result.data_array == [[str(len(range(30, RUN_COUNT, 3)))]]


def test_missing_parameter_fails_as_unbound(alice: WorkspaceClient) -> None:
    # when
    response = execute(alice, "SELECT :job_id AS v")

    # then
    assert state_of(response) == StatementState.FAILED
    assert error_message(response).startswith("[UNBOUND_SQL_PARAMETER]")


def test_malformed_parameter_value_fails_as_a_cast_error(alice: WorkspaceClient) -> None:
    # when
    response = execute(
        alice,
        "SELECT :n AS v",
        parameters=[StatementParameterListItem(name="n", value="forty-two", type="BIGINT")],
    )

    # then
    assert state_of(response) == StatementState.FAILED
    assert error_message(response).startswith("[CAST_INVALID_INPUT]")
    assert "forty-two" in error_message(response)


def test_service_principal_and_alice_may_read_system_tables(
    alice: WorkspaceClient, app_service_principal: WorkspaceClient
) -> None:
    # when
    as_alice = execute(alice, JOBS)
    as_service_principal = execute(app_service_principal, JOBS)

    # then
    assert state_of(as_alice) == StatementState.SUCCEEDED
    assert state_of(as_service_principal) == StatementState.SUCCEEDED


@pytest.mark.parametrize("user", ["bob", "carol"])
def test_users_without_grants_get_the_permission_error(
    request: pytest.FixtureRequest, user: str
) -> None:
    # given
    client: WorkspaceClient = request.getfixturevalue(user)

    # when
    response = execute(client, JOBS)

    # then
    assert state_of(response) == StatementState.FAILED
    assert error_message(response).startswith("[INSUFFICIENT_PERMISSIONS]")
    assert "system.lakeflow" in error_message(response)
    assert response.status is not None
    assert response.status.sql_state == "42501"


def test_queries_without_system_tables_need_no_grant(bob: WorkspaceClient) -> None:
    # when
    response = execute(bob, "SELECT 1 AS one")

    # then
    assert state_of(response) == StatementState.SUCCEEDED


def test_unknown_warehouse_does_not_exist(alice: WorkspaceClient) -> None:
    # when / then
    with pytest.raises(ResourceDoesNotExist):
        alice.statement_execution.execute_statement(
            statement="SELECT 1", warehouse_id="no-such-warehouse"
        )


@pytest.mark.parametrize("wait_timeout", ["3s", "51s", "10"])
def test_wait_timeout_outside_the_allowed_range_is_rejected(
    alice: WorkspaceClient, wait_timeout: str
) -> None:
    # when / then
    with pytest.raises(InvalidParameterValue):
        execute(alice, "SELECT 1", wait_timeout=wait_timeout)


def test_external_links_are_not_offered(alice: WorkspaceClient) -> None:
    # when / then
    with pytest.raises(InvalidParameterValue):
        execute(alice, "SELECT 1", disposition=Disposition.EXTERNAL_LINKS)


def test_a_statement_is_visible_only_to_its_principal(
    alice: WorkspaceClient, bob: WorkspaceClient
) -> None:
    # given
    response = execute(alice, "SELECT 1 AS one")

    # when / then
    with pytest.raises(NotFound):
        bob.statement_execution.get_statement(response.statement_id or "")


def test_unknown_statement_is_not_found(alice: WorkspaceClient) -> None:
    # when / then
    with pytest.raises(NotFound):
        alice.statement_execution.get_statement("00000000-0000-0000-0000-000000000000")


def test_the_demo_workspace_reports_system_table_types(local_workspace: LocalWorkspace) -> None:
    # given the synthetic demo workspace, which stores decimals at another scale than Databricks
    client = user_client(local_workspace, "local-alice")

    # when
    response = execute(
        client,
        "SELECT usage_quantity, usage_date, custom_tags FROM system.billing.usage LIMIT 5",
    )

    # then the manifest reports the system table's own Databricks types
    assert state_of(response) == StatementState.SUCCEEDED, error_message(response)
    assert response.manifest is not None
    assert response.manifest.schema is not None
    columns = response.manifest.schema.columns or []
    assert [(c.type_name, c.type_text) for c in columns] == [
        (ColumnInfoTypeName.DECIMAL, "DECIMAL(38,18)"),
        (ColumnInfoTypeName.DATE, "DATE"),
        (ColumnInfoTypeName.MAP, "MAP<STRING, STRING>"),
    ]
    assert (columns[0].type_precision, columns[0].type_scale) == (38, 18)
    assert response.manifest.total_row_count == 5
