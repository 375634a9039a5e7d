"""What each job writes: `system.access.table_lineage`, `DESCRIBE HISTORY` and
`information_schema.columns` of the tables jobs read and write, through the real databricks-sdk.

Checked on the shared demo workspace (seed 7, 300 jobs, 90 days). The planted tables are found by
their pinned job's index (synth/tables.py), which every seed has; what to expect is worked out with
independent SQL on the stand-in's own tables and views.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import (
    ColumnInfoTypeName,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
)

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import WAREHOUSE_ID
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.tables import (
    ADDED_COLUMN,
    ADDED_COLUMN_AGE,
    DROP_JOB,
    DROP_WRITES,
    DROPPED_COLUMN,
    EMPTY_RUN_AGE,
    EMPTY_RUN_JOB,
    HISTORY_COLUMNS,
    HISTORY_DAYS,
    RETYPED_COLUMN,
    SCHEMA_CHANGE_AGE,
    SCHEMA_DRIFT_JOB,
)
from tests.integration.local_workspace.conftest import service_principal_client, user_client

HISTORY_TYPES = [
    ColumnInfoTypeName.LONG,
    ColumnInfoTypeName.TIMESTAMP,
    ColumnInfoTypeName.STRING,
    ColumnInfoTypeName.STRING,
    ColumnInfoTypeName.STRING,
    ColumnInfoTypeName.MAP,
    ColumnInfoTypeName.STRUCT,
    ColumnInfoTypeName.STRUCT,
    ColumnInfoTypeName.STRING,
    ColumnInfoTypeName.LONG,
    ColumnInfoTypeName.STRING,
    ColumnInfoTypeName.BOOLEAN,
    ColumnInfoTypeName.MAP,
    ColumnInfoTypeName.STRING,
    ColumnInfoTypeName.STRING,
]
JOB_TYPE = (
    "STRUCT<jobId: STRING, jobName: STRING, jobRunId: STRING, runId: STRING, jobOwnerId: STRING, "
    "triggerType: STRING>"
)
SCHEMA_CHANGES = {"ADD COLUMNS", "CHANGE COLUMN", "DROP COLUMNS", "REPLACE COLUMNS",
                  "RENAME COLUMN", "UPDATE SCHEMA"}  # fmt: skip
# Rows a version wrote, by operation (MERGE: inserted + updated + deleted, not numOutputRows).
ROWS_WRITTEN = """
CASE WHEN operation = 'MERGE' THEN CAST(operationMetrics['numTargetRowsInserted'] AS BIGINT)
    + CAST(operationMetrics['numTargetRowsUpdated'] AS BIGINT)
    + CAST(operationMetrics['numTargetRowsDeleted'] AS BIGINT)
  WHEN operation = 'DELETE' THEN CAST(operationMetrics['numDeletedRows'] AS BIGINT)
  ELSE CAST(operationMetrics['numOutputRows'] AS BIGINT) END
"""
# The lineage rows, those tied to a successful run of their job in the run timeline, and those
# whose columns disagree with each other.
LINEAGE_AGAINST_RUNS = """
WITH runs AS (
  SELECT job_id, run_id,
    max_by(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state
  FROM system.lakeflow.job_run_timeline GROUP BY ALL
)
SELECT count(*) AS lineage_rows, count(DISTINCT l.entity_run_id) AS runs,
  count(*) FILTER (WHERE l.entity_type <> 'JOB'
    OR l.entity_metadata.job_info.job_id <> l.entity_id
    OR l.entity_metadata.job_info.job_run_id <> l.entity_run_id
    OR l.event_date <> CAST(l.event_time AS DATE)
    OR l.target_table_full_name <> concat_ws('.', l.target_table_catalog, l.target_table_schema,
      l.target_table_name)
    OR l.source_table_full_name <> concat_ws('.', l.source_table_catalog, l.source_table_schema,
      l.source_table_name)) AS malformed,
  count(*) FILTER (WHERE r.run_id IS NOT NULL) AS tied
FROM system.access.table_lineage l
LEFT JOIN runs r ON r.job_id = l.entity_id AND r.run_id = l.entity_run_id
  AND r.result_state = 'SUCCEEDED'
"""


@dataclass(frozen=True)
class Answer:
    names: list[str]
    types: list[ColumnInfoTypeName | None]
    type_texts: list[str]
    rows: list[list[str | None]]

    def records(self) -> list[dict[str, str | None]]:
        return [dict(zip(self.names, row, strict=True)) for row in self.rows]


@pytest.fixture(scope="module")
def alice(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(local_workspace, "local-alice")


@pytest.fixture(scope="module")
def bob(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(local_workspace, "local-bob")


@pytest.fixture(scope="module")
def carol(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(local_workspace, "local-carol")


def _execute(client: WorkspaceClient, sql: str, **parameters: str) -> StatementResponse:
    return client.statement_execution.execute_statement(
        statement=sql,
        warehouse_id=WAREHOUSE_ID,
        wait_timeout="30s",
        parameters=[StatementParameterListItem(name=k, value=v) for k, v in parameters.items()],
    )


def _query(client: WorkspaceClient, sql: str, **parameters: str) -> Answer:
    response = _execute(client, sql, **parameters)
    assert response.status is not None
    error = response.status.error.message if response.status.error else None
    assert response.status.state == StatementState.SUCCEEDED, error
    assert response.manifest is not None
    assert response.manifest.schema is not None
    columns = response.manifest.schema.columns or []
    data = (response.result.data_array if response.result else None) or []
    rows: list[list[str | None]] = [[*row] for row in data]
    assert response.manifest.total_chunk_count == 1
    return Answer(
        [c.name or "" for c in columns],
        [c.type_name for c in columns],
        [c.type_text or "" for c in columns],
        rows,
    )


def _failure(client: WorkspaceClient, sql: str) -> tuple[str, str | None]:
    response = _execute(client, sql)
    assert response.status is not None
    assert response.status.state == StatementState.FAILED
    assert response.status.error is not None
    return response.status.error.message or "", response.status.sql_state


def _all(database: WorkspaceDatabase, sql: str, params: list[object] | None = None) -> list[Any]:
    return database.cursor().execute(sql, params or []).fetchall()


def _table_of(database: WorkspaceDatabase, job_index: int) -> str:
    """The first table the pinned job writes."""
    rows = _all(
        database,
        "SELECT t.full_name FROM local.uc_tables t JOIN local.jobs j ON j.job_id = t.writer_job_id "
        "WHERE j.job_index = ? ORDER BY t.full_name",
        [job_index],
    )
    assert rows
    return str(rows[0][0])


def _job_id(database: WorkspaceDatabase, job_index: int) -> str:
    rows = _all(database, "SELECT job_id FROM local.jobs WHERE job_index = ?", [job_index])
    return str(rows[0][0])


def _timestamp(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_lineage_rows_are_successful_runs_of_their_job(alice: WorkspaceClient) -> None:
    # when every lineage row is matched to the run timeline
    answer = _query(alice, LINEAGE_AGAINST_RUNS).records()[0]

    # then each one is a successful run of the job it names, well formed
    assert int(answer["lineage_rows"] or 0) > 1000
    assert answer["tied"] == answer["lineage_rows"]
    assert answer["malformed"] == "0"
    assert int(answer["runs"] or 0) > 500


def test_most_batch_jobs_write_one_to_three_tables_and_read_one_to_four(
    alice: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the classic and serverless batch jobs that ran successfully in the history window
    batch = {
        str(job_id)
        for (job_id,) in _all(
            database,
            "SELECT DISTINCT r.job_id FROM local.runs r JOIN local.jobs j USING (job_id) "
            "WHERE j.compute_kind IN ('classic', 'serverless') AND j.cadence <> 'continuous' "
            "AND r.outcome IN ('success', 'success_with_failures') "
            "AND r.end_time >= ? - to_days(?)",
            [database.anchor, HISTORY_DAYS],
        )
    }

    # when the lineage is read per job
    per_job = _query(
        alice,
        "SELECT entity_id, count(DISTINCT target_table_full_name) AS targets, "
        "count(DISTINCT source_table_full_name) AS sources FROM system.access.table_lineage "
        "GROUP BY entity_id",
    ).records()

    # then most of them write and read, within the bounds
    writers = {row["entity_id"] for row in per_job}
    assert writers <= batch
    assert len(writers) > 0.7 * len(batch)
    assert {int(row["targets"] or 0) for row in per_job} == {1, 2, 3}
    assert {int(row["sources"] or 0) for row in per_job} <= {1, 2, 3, 4}


def test_lineage_has_the_documented_columns_and_types(alice: WorkspaceClient) -> None:
    # when
    answer = _query(alice, "SELECT * FROM system.access.table_lineage LIMIT 1")

    # then
    types = dict(zip(answer.names, answer.type_texts, strict=True))
    assert answer.names[:6] == [
        "account_id", "metastore_id", "workspace_id", "entity_type", "entity_id", "entity_run_id",
    ]  # fmt: skip
    assert types["event_time"] == "TIMESTAMP"
    assert types["event_date"] == "DATE"
    assert types["entity_metadata"].startswith(
        "STRUCT<job_info: STRUCT<job_id: STRING, job_run_id: STRING>"
    )
    record = answer.records()[0]
    assert record["entity_type"] == "JOB"
    assert record["source_type"] == record["target_type"] == "TABLE"
    assert json.loads(record["entity_metadata"] or "{}")["job_info"] == {
        "job_id": record["entity_id"],
        "job_run_id": record["entity_run_id"],
    }


def test_describe_history_answers_the_documented_columns_newest_first(
    alice: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a table a pinned job writes every day
    table = _table_of(database, DROP_JOB)

    # when
    answer = _query(alice, f"DESCRIBE HISTORY {table}")

    # then
    assert answer.names == list(HISTORY_COLUMNS)
    assert answer.types == HISTORY_TYPES
    assert dict(zip(answer.names, answer.type_texts, strict=True))["job"] == JOB_TYPE
    versions = [int(row[0] or "") for row in answer.rows]
    assert len(versions) >= 20
    assert versions == list(range(versions[0], versions[0] - len(versions), -1))
    times = [_timestamp(row[1]) for row in answer.rows]
    assert times == sorted(times, reverse=True)
    latest = answer.records()[0]
    assert latest["operation"] == "WRITE"
    assert latest["isBlindAppend"] == "true"
    assert latest["readVersion"] == str(versions[0] - 1)
    assert json.loads(latest["job"] or "{}")["jobId"] == _job_id(database, DROP_JOB)
    assert set(json.loads(latest["operationMetrics"] or "{}")) == {
        "numFiles", "numOutputRows", "numOutputBytes",
    }  # fmt: skip


def test_describe_history_respects_limit(
    alice: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given
    table = _table_of(database, DROP_JOB)
    everything = _query(alice, f"DESCRIBE HISTORY {table}")

    # when
    limited = _query(alice, f"describe history {table} limit 3")

    # then
    assert limited.rows == everything.rows[:3]


def test_history_versions_are_the_lineage_runs_of_the_writing_job(
    alice: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given a table written by MERGE and the lineage rows that target it
    table = _table_of(database, SCHEMA_DRIFT_JOB)
    job_id = _job_id(database, SCHEMA_DRIFT_JOB)
    lineage = _query(
        alice,
        "SELECT DISTINCT entity_id, entity_run_id FROM system.access.table_lineage "
        "WHERE target_table_full_name = :t",
        t=table,
    )

    # when its history is read as a subquery, with the task runs of the job
    history = _query(
        alice,
        "SELECT job.jobId, job.jobRunId, job.runId, operation FROM (DESCRIBE HISTORY "
        f"{table}) WHERE job IS NOT NULL",
    )
    tasks = _query(
        alice,
        "SELECT DISTINCT job_run_id, run_id FROM system.lakeflow.job_task_run_timeline "
        "WHERE job_id = :j AND result_state = 'SUCCEEDED'",
        j=job_id,
    )

    # then one version per run, of the same job and runs, committed by a successful task run
    assert {tuple(row) for row in lineage.rows} == {(job_id, row[1]) for row in history.rows}
    assert len({row[1] for row in history.rows}) == len(history.rows)
    assert {row[0] for row in history.rows} == {job_id}
    assert {(row[1], row[2]) for row in history.rows} <= {tuple(row) for row in tasks.rows}
    assert {row[3] for row in history.rows} == {"MERGE"}


def test_merge_metrics_add_up_as_delta_counts_them(
    alice: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # when
    metrics = _query(
        alice,
        "SELECT operationMetrics FROM (DESCRIBE HISTORY "
        f"{_table_of(database, SCHEMA_DRIFT_JOB)}) WHERE operation = 'MERGE'",
    )

    # then numOutputRows counts the copied rows, not the deleted ones
    for (text,) in metrics.rows:
        m = {key: int(value) for key, value in json.loads(text or "{}").items()}
        assert m["numOutputRows"] == (
            m["numTargetRowsInserted"] + m["numTargetRowsUpdated"] + m["numTargetRowsCopied"]
        )
        assert m["numSourceRows"] == (
            m["numTargetRowsInserted"] + m["numTargetRowsUpdated"] + m["numTargetRowsDeleted"]
        )


def test_history_is_for_the_tables_a_principal_may_read(
    local_workspace: LocalWorkspace,
    database: WorkspaceDatabase,
    bob: WorkspaceClient,
    carol: WorkspaceClient,
) -> None:
    # given data-eng's table (bob's team) and a table no job bob may view reads or writes
    ours = _table_of(database, SCHEMA_DRIFT_JOB)
    others = _all(
        database,
        "SELECT full_name FROM local.uc_tables WHERE table_id NOT IN ("
        "  SELECT table_id FROM local.uc_table_jobs WHERE job_id IN ("
        "    SELECT job_id FROM local.acl WHERE principal IN ('bob@example.com', 'data-eng', "
        "    'users'))) ORDER BY full_name LIMIT 1",
    )[0][0]
    service_principal = service_principal_client(local_workspace)

    # when / then
    assert _query(bob, f"DESCRIBE HISTORY {ours} LIMIT 1").rows
    assert _query(service_principal, f"DESCRIBE HISTORY {others} LIMIT 1").rows
    for client, table in ((carol, ours), (bob, others)):
        message, sql_state = _failure(client, f"DESCRIBE HISTORY {table}")
        assert message.startswith("[INSUFFICIENT_PERMISSIONS]")
        assert f"SELECT on Table '{table}'" in message
        assert sql_state == "42501"


@pytest.mark.parametrize(
    "table", ["prod.data_eng.no_such_table", "nowhere.data_eng.orders", "`prod`.raw.nothing"]
)
def test_history_of_a_missing_table_is_not_found(alice: WorkspaceClient, table: str) -> None:
    # when
    message, sql_state = _failure(alice, f"DESCRIBE HISTORY {table}")

    # then
    assert message.startswith("[TABLE_OR_VIEW_NOT_FOUND]")
    assert sql_state == "42P01"


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM local.describe_history",
        "SELECT * FROM local.table_history",
        "SELECT * FROM information_schema.columns",
    ],
)
def test_the_stand_ins_own_tables_cannot_be_named(alice: WorkspaceClient, statement: str) -> None:
    # when
    message, _ = _failure(alice, statement)

    # then
    assert message.startswith("[TABLE_OR_VIEW_NOT_FOUND]")


def test_information_schema_shows_the_current_schema_after_the_last_change(
    bob: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the table whose columns were added, dropped and retyped
    catalog, schema, name = _table_of(database, SCHEMA_DRIFT_JOB).split(".")

    # when
    answer = _query(
        bob,
        f"SELECT column_name, ordinal_position, data_type, full_data_type, is_nullable "
        f"FROM {catalog}.information_schema.columns "
        "WHERE table_schema = :s AND table_name = :n ORDER BY ordinal_position",
        s=schema,
        n=name,
    )

    # then
    columns = {row[0]: row for row in answer.rows}
    assert DROPPED_COLUMN not in columns
    assert columns[RETYPED_COLUMN][2:4] == ["BIGINT", "bigint"]
    assert answer.rows[-1][0] == ADDED_COLUMN
    assert [row[1] for row in answer.rows] == [str(i) for i in range(1, len(answer.rows) + 1)]
    assert answer.types[1] == ColumnInfoTypeName.INT


def test_information_schema_lists_only_readable_tables(
    alice: WorkspaceClient,
    bob: WorkspaceClient,
    carol: WorkspaceClient,
    database: WorkspaceDatabase,
) -> None:
    # given the tables bob may read: those the jobs he may view read or write
    bobs = {
        name
        for (name,) in _all(
            database,
            "SELECT t.full_name FROM local.uc_tables t JOIN local.uc_table_jobs USING (table_id) "
            "WHERE job_id IN (SELECT job_id FROM local.acl WHERE principal IN "
            "('bob@example.com', 'data-eng'))",
        )
    }
    every = {name for (name,) in _all(database, "SELECT full_name FROM local.uc_tables")}
    tables = (
        "SELECT DISTINCT concat_ws('.', table_catalog, table_schema, table_name) "
        "FROM system.information_schema.columns"
    )

    # when / then
    assert {row[0] for row in _query(alice, tables).rows} == every
    assert {row[0] for row in _query(bob, tables).rows} == bobs
    assert _query(carol, tables).rows == []
    prod = _query(bob, "SELECT DISTINCT table_catalog FROM prod.information_schema.columns")
    assert prod.rows == [["prod"]]


def test_a_row_count_drop_is_planted_and_nothing_else_drops(
    alice: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given every job write of every table, as DESCRIBE HISTORY shows them
    rows = _all(
        database,
        f"SELECT table_full_name, {ROWS_WRITTEN} FROM local.describe_history "
        "WHERE job IS NOT NULL ORDER BY table_full_name, version",
    )
    writes: dict[str, list[int]] = {}
    for table, written in rows:
        writes.setdefault(table, []).append(int(written))

    # when each write is compared with the median of the table's earlier writes
    dropped = {
        table
        for table, counts in writes.items()
        if len(counts) > DROP_WRITES
        and all(c < 0.5 * median(counts[:-DROP_WRITES]) for c in counts[-DROP_WRITES:])
    }
    off = {
        table
        for table, counts in writes.items()
        if table != _table_of(database, DROP_JOB)
        and any(c != 0 and abs(c / median(counts) - 1) > 0.2 for c in counts)
    }

    # then the planted job's table dropped, and it shows through DESCRIBE HISTORY as well
    table = _table_of(database, DROP_JOB)
    assert dropped == {table}
    assert off == set()
    latest = _query(alice, f"SELECT {ROWS_WRITTEN} FROM (DESCRIBE HISTORY {table} LIMIT 1)")
    assert int(latest.rows[0][0] or "") == writes[table][-1]


def test_an_empty_run_is_planted(alice: WorkspaceClient, database: WorkspaceDatabase) -> None:
    # given
    table = _table_of(database, EMPTY_RUN_JOB)

    # when
    empty = _query(
        alice,
        "SELECT version, timestamp, job.jobRunId FROM (DESCRIBE HISTORY "
        f"{table}) WHERE operationMetrics['numOutputRows'] = '0'",
    )
    everywhere = _all(
        database,
        "SELECT count(*) FROM local.describe_history WHERE operation = 'WRITE' "
        "AND operationMetrics['numOutputRows'] = '0'",
    )[0][0]

    # then exactly one write was empty: the job's latest older than a day, of a successful run
    assert len(empty.rows) == 1
    assert everywhere == 1
    when = _timestamp(empty.rows[0][1])
    assert when < database.now() - EMPTY_RUN_AGE
    later = _query(
        alice,
        f"SELECT count(*) FROM (DESCRIBE HISTORY {table}) WHERE timestamp > :t "
        "AND timestamp < :limit",
        t=empty.rows[0][1] or "",
        limit=(database.now() - EMPTY_RUN_AGE).isoformat(),
    )
    assert later.rows == [["0"]]


def test_a_column_is_added_dropped_and_retyped_at_known_times(
    alice: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the drifted table and every table's schema-changing versions
    table = _table_of(database, SCHEMA_DRIFT_JOB)
    changed = {
        name
        for (name,) in _all(
            database,
            "SELECT DISTINCT table_full_name FROM local.describe_history "
            f"WHERE operation IN ({', '.join(repr(op) for op in sorted(SCHEMA_CHANGES))})",
        )
    }

    # when
    answer = _query(
        alice,
        "SELECT version, timestamp, operation, operationParameters, job FROM (DESCRIBE HISTORY "
        f"{table}) WHERE operation NOT IN ('MERGE') ORDER BY version",
    )

    # then
    assert changed == {table}
    changes = {row[2]: row for row in answer.rows}
    assert set(changes) == {"ADD COLUMNS", "SET TBLPROPERTIES", "DROP COLUMNS", "CHANGE COLUMN"}
    now = database.now()
    assert _timestamp(changes["ADD COLUMNS"][1]) == now - ADDED_COLUMN_AGE
    assert _timestamp(changes["SET TBLPROPERTIES"][1]) == now - SCHEMA_CHANGE_AGE
    parameters = {op: json.loads(row[3] or "{}") for op, row in changes.items()}
    assert json.loads(parameters["DROP COLUMNS"]["columns"]) == [DROPPED_COLUMN]
    assert json.loads(parameters["CHANGE COLUMN"]["column"])["name"] == RETYPED_COLUMN
    assert json.loads(parameters["CHANGE COLUMN"]["column"])["type"] == "long"
    assert json.loads(parameters["ADD COLUMNS"]["columns"])[0]["column"]["name"] == ADDED_COLUMN
    assert all(row[4] is None for row in answer.rows)
    versions = [int(row[0] or "") for row in answer.rows]
    assert [changes[op][0] for op in ("SET TBLPROPERTIES", "DROP COLUMNS", "CHANGE COLUMN")] == [
        str(v) for v in range(versions[1], versions[1] + 3)
    ]


def test_describe_history_of_the_system_catalog_is_not_supported(alice: WorkspaceClient) -> None:
    # when
    message, _ = _failure(alice, "DESCRIBE HISTORY system.lakeflow.jobs")

    # then
    assert message.startswith("[UNSUPPORTED_FEATURE]")
