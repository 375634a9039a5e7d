"""What each job writes, over HTTP: the tables from the lineage, each write's rows from the Delta
history against the median of the job's previous writes, agreeing with our own SQL over the
stand-in's history (window functions, not the service's code); the planted row-count drop, empty
run and schema drift are found; nothing about a table reaches a viewer through a job they may not
see; and a page of jobs costs a bounded number of statements.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from job_monitor.local_workspace.principals import WORKSPACE_ID
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.tables import (
    ADDED_COLUMN,
    DROP_JOB,
    DROP_WRITES,
    DROPPED_COLUMN,
    EMPTY_RUN_JOB,
    RETYPED_COLUMN,
    SCHEMA_DRIFT_JOB,
)
from tests.integration.graphql.conftest import (
    BOB_PRINCIPALS,
    GraphQL,
    StandIn,
    Truth,
    same_minute,
    window_start,
)
from tests.integration.graphql.test_app_state import STATE, rows, sp_client

WRITE = """
version committedAt runId operation rows rowsInserted rowsUpdated rowsDeleted
baselineRows deltaPercent anomaly emptyRun
"""
CHANGE = "table version changedAt kind column newName dataType previousType previousSnapshotAt"
OUTPUTS = f"""
window anomalyPercent
tables {{
  name historyRead anomalousWrites emptyRuns
  writes {{ {WRITE} }} latestWrite {{ version }} schemaChanges {{ {CHANGE} }}
}}
sources {{ name historyRead schemaChanges {{ {CHANGE} }} }}
schemaChanges {{ {CHANGE} }}
"""
JOB = f"""
query($id: ID!, $window: Window!) {{ job(jobId: $id) {{
  __typename
  ... on Job {{ jobId outputs(window: $window) {{ {OUTPUTS} }} }}
  ... on NotFound {{ message }}
}} }}
"""
PAGE = """
query($first: Int!) { jobs(first: $first) { ... on JobConnection { nodes {
  jobId outputs { tables { name historyRead latestWrite { rows anomaly } } sources { name } }
} } } }
"""
MAX_TABLES = 20
BOUND = 2 + 1 + MAX_TABLES + 5
"""The catalog (2), the lineage of the page's jobs, at most one history per table read, and the
columns against their snapshots: compared (1), the changes and the new snapshot written (2) and the
compared again (1) and the changes read back (1)."""

# Per write of a job to a table it wrote in the window: its rows (as the issue defines them) and
# the median and count of the job's previous up-to-20 writes there, by window function.
EXPECTED_WRITES = """
WITH mine AS (
  SELECT table_full_name AS name, version, "timestamp" AS committed, operation,
    CAST("job"."jobRunId" AS BIGINT) AS run_id,
    CASE
      WHEN operation = 'MERGE' THEN
        CAST("operationMetrics"['numTargetRowsInserted'] AS BIGINT)
        + CAST("operationMetrics"['numTargetRowsUpdated'] AS BIGINT)
        + CAST("operationMetrics"['numTargetRowsDeleted'] AS BIGINT)
      WHEN operation = 'DELETE' THEN CAST("operationMetrics"['numDeletedRows'] AS BIGINT)
      ELSE CAST("operationMetrics"['numOutputRows'] AS BIGINT)
    END AS rows
  FROM local.describe_history
  WHERE "job"."jobId" = CAST($job AS VARCHAR)
), judged AS (
  SELECT *,
    median(rows) OVER previous AS baseline,
    count(rows) OVER previous AS earlier
  FROM mine
  WINDOW previous AS (PARTITION BY name ORDER BY version ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING)
)
SELECT name, version, run_id, operation, rows, CASE WHEN earlier >= 3 THEN baseline END
FROM judged WHERE committed >= $since
ORDER BY name, version DESC
"""


def job_index_ids(truth: Truth) -> dict[int, int]:
    rows = truth.rows("SELECT job_index, job_id FROM local.jobs WHERE job_index < 14")
    return dict(rows)


def outputs_of(gql: GraphQL, job_id: int, window: str = "LAST_7_DAYS", user: str = "alice") -> Any:
    answer = gql.data(JOB, user, id=str(job_id), window=window)["job"]
    assert answer["__typename"] == "Job", answer
    return answer["outputs"]


def expected_writes(truth: Truth, job_id: int, since: datetime) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    for name, *write in truth.rows(EXPECTED_WRITES, {"job": job_id, "since": since}):
        found.setdefault(name, []).append(tuple(write))
    return found


def as_rows(tables: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table["name"]: [
            (
                write["version"],
                int(write["runId"]),
                write["operation"],
                int(write["rows"]),
                write["baselineRows"],
            )
            for write in table["writes"]
        ]
        for table in tables
    }


# --- the figures agree with the Delta history ----------------------------------------------------


def test_each_write_and_its_baseline_agree_with_our_sql_over_the_delta_history(
    gql: GraphQL, truth: Truth
) -> None:
    ids = job_index_ids(truth)
    sample = [ids[DROP_JOB], ids[EMPTY_RUN_JOB], ids[SCHEMA_DRIFT_JOB]]

    def check() -> None:
        for job_id in sample:
            # given the job's tables and writes (alice sees every job)
            outputs = outputs_of(gql, job_id)
            assert outputs["tables"], job_id
            assert all(table["historyRead"] for table in outputs["tables"])
            # then each table's writes in the window are the job's versions, with the rows and
            # the median of the previous writes that our SQL finds
            expected = expected_writes(truth, job_id, window_start(7))
            answered = as_rows(outputs["tables"])
            assert answered.keys() == expected.keys(), job_id
            for name, writes in answered.items():
                assert [w[:4] for w in writes] == [w[:4] for w in expected[name]], name
                for (*_, baseline), (*_, wanted) in zip(writes, expected[name], strict=True):
                    assert baseline == pytest.approx(wanted), name

    same_minute(check)


def test_a_write_far_from_the_baseline_is_an_anomaly_and_the_planted_drop_is_one(
    gql: GraphQL, truth: Truth
) -> None:
    # given the job whose first table's last writes are at 30 % of its usual rows
    outputs = outputs_of(gql, job_index_ids(truth)[DROP_JOB])
    threshold = outputs["anomalyPercent"]
    assert threshold == 20.0
    for table in outputs["tables"]:
        # then every write is an anomaly exactly when it is more than 20 % off its baseline
        for write in table["writes"]:
            delta = write["deltaPercent"]
            off = delta is not None and abs(delta) > threshold
            assert write["anomaly"] == (off or write["rows"] == 0), write
            if delta is not None:
                wanted = (write["rows"] - write["baselineRows"]) / write["baselineRows"] * 100
                assert delta == pytest.approx(wanted)
    dropped = [table for table in outputs["tables"] if table["anomalousWrites"]]
    # and the dropped table's last writes are those anomalies, about 70 % down
    assert len(dropped) == 1
    latest = dropped[0]["writes"][:DROP_WRITES]
    assert all(write["anomaly"] and not write["emptyRun"] for write in latest)
    assert all(-80 < write["deltaPercent"] < -60 for write in latest)
    assert dropped[0]["anomalousWrites"] == DROP_WRITES


def test_a_run_that_wrote_no_rows_is_called_out_as_an_empty_run(gql: GraphQL, truth: Truth) -> None:
    # given the job one of whose runs wrote nothing
    outputs = outputs_of(gql, job_index_ids(truth)[EMPTY_RUN_JOB])
    empty = [
        (table["name"], write)
        for table in outputs["tables"]
        for write in table["writes"]
        if write["emptyRun"]
    ]
    # then exactly that write is an empty run, an anomaly of -100 %, and its table counts it
    assert len(empty) == 1
    name, write = empty[0]
    assert (write["rows"], write["anomaly"], write["deltaPercent"]) == (0, True, -100)
    assert next(t for t in outputs["tables"] if t["name"] == name)["emptyRuns"] == 1
    # and no other job's sampled writes are empty
    other = outputs_of(gql, job_index_ids(truth)[DROP_JOB])
    assert all(table["emptyRuns"] == 0 for table in other["tables"])


def test_a_dropped_a_retyped_and_an_added_column_show_as_schema_changes(
    gql: GraphQL, truth: Truth
) -> None:
    # given the job whose table gained a column 12 days ago and lost and retyped two 10 days ago
    job_id = job_index_ids(truth)[SCHEMA_DRIFT_JOB]
    outputs = outputs_of(gql, job_id, "LAST_30_DAYS")
    changes = outputs["schemaChanges"]
    # then the three changes show, newest first, with the version and time of each
    assert [(c["kind"], c["column"], c["dataType"]) for c in changes] == [
        ("RETYPED", RETYPED_COLUMN, "long"),
        ("DROPPED", DROPPED_COLUMN, None),
        ("ADDED", ADDED_COLUMN, "string"),
    ]
    history = truth.rows(
        'SELECT version, "timestamp", operation FROM local.describe_history '
        "WHERE table_full_name = $table AND operation IN ('ADD COLUMNS', 'DROP COLUMNS', "
        "'CHANGE COLUMN') ORDER BY version DESC",
        {"table": changes[0]["table"]},
    )
    assert [(c["version"], datetime.fromisoformat(c["changedAt"])) for c in changes] == [
        (version, at) for version, at, _ in history
    ]
    # and they belong to the table it writes, and not to a 7-day window that ends after them
    (table,) = [t for t in outputs["tables"] if t["schemaChanges"]]
    assert table["schemaChanges"] == changes
    assert outputs_of(gql, job_id, "LAST_7_DAYS")["schemaChanges"] == []


# --- visibility ----------------------------------------------------------------------------------


def test_tables_and_rows_reach_a_viewer_only_through_jobs_they_may_see(
    gql: GraphQL, truth: Truth
) -> None:
    ids = job_index_ids(truth)
    bobs = truth.job_ids_of(BOB_PRINCIPALS)
    drift_job = ids[SCHEMA_DRIFT_JOB]
    hidden = next(ids[index] for index in (DROP_JOB, EMPTY_RUN_JOB) if ids[index] not in bobs)
    # given a job bob may see (data-eng's) and one he may not
    assert drift_job in bobs

    def check() -> None:
        # then he is shown the same outputs as alice for his job
        assert outputs_of(gql, drift_job, user="bob") == outputs_of(gql, drift_job)
        # and of the other job nothing: not found, without a table's name
        for user in ("bob", "carol"):
            answer = gql.data(JOB, user, id=str(hidden), window="LAST_7_DAYS")["job"]
            assert answer["__typename"] == "NotFound"
            tables = {t["name"] for t in outputs_of(gql, hidden)["tables"]}
            assert not any(name in str(answer) for name in tables)

    same_minute(check)


def test_a_page_of_jobs_lists_only_each_jobs_own_tables(gql: GraphQL) -> None:
    # given bob's page of jobs with their outputs
    page = gql.data(PAGE, "bob", first=100)["jobs"]["nodes"]
    # then each job's tables are its own (alice's answer for that job)
    for node in page[:10]:
        mine = outputs_of(gql, int(node["jobId"]), user="bob")
        assert {t["name"] for t in node["outputs"]["tables"]} == {t["name"] for t in mine["tables"]}


# --- statements ----------------------------------------------------------------------------------


def statements_for(gql: GraphQL, stand_in: StandIn, query: str, **variables: Any) -> int:
    before = stand_in.statements()
    gql.data(query, **variables)
    return stand_in.statements() - before


def test_a_page_of_jobs_with_outputs_reads_a_bounded_number_of_histories(
    fresh_gql: Callable[..., GraphQL], stand_in: StandIn
) -> None:
    def check() -> None:
        # given a service with nothing cached
        service = fresh_gql()
        # when it reads 100 jobs' outputs, cold and then warm
        cold = statements_for(service, stand_in, PAGE, first=100)
        warm = statements_for(service, stand_in, PAGE, first=100)
        page = service.data(PAGE, first=100)["jobs"]["nodes"]
        # then it reads at most the lineage and 20 tables' histories, and nothing more when warm
        assert 0 < cold <= BOUND, cold
        assert warm == 0
        tables = [table for node in page for table in node["outputs"]["tables"]]
        read = {table["name"] for table in tables if table["historyRead"]}
        unread = [table for table in tables if not table["historyRead"]]
        assert 0 < len(read) <= MAX_TABLES
        assert unread, "100 jobs write more than 20 tables: some histories are left unread"
        assert all(table["latestWrite"] is None for table in unread)

    same_minute(check)


# --- schema drift between snapshots ---------------------------------------------------------------


def test_a_column_change_no_delta_operation_names_is_found_against_the_last_snapshot_once(
    gql: GraphQL,
    fresh_gql: Callable[..., GraphQL],
    local_workspace: LocalWorkspace,
    truth: Truth,
) -> None:
    sp = sp_client(local_workspace)
    job_id = job_index_ids(truth)[DROP_JOB]
    # given a job's tables whose columns the app has seen (a snapshot is taken on first sight)
    table = outputs_of(fresh_gql(), job_id)["tables"][0]["name"]
    snapshot = rows(
        sp,
        f"SELECT column_name, data_type FROM {STATE}.table_columns "
        f"WHERE table_name = '{table}' ORDER BY column_name",
    )
    assert snapshot, "the first read took a snapshot of the table's columns"
    column, data_type = snapshot[0]
    # and a snapshot from three days ago that knew that column as another type and one more
    # column, gone since, without any Delta operation saying so
    before = datetime.now(UTC) - timedelta(days=3)
    rows(
        sp,
        f"UPDATE {STATE}.table_columns SET data_type = 'int', "
        f"observed_at = TIMESTAMP '{before.isoformat()}' "
        f"WHERE table_name = '{table}' AND column_name = '{column}'",
    )
    rows(
        sp,
        f"INSERT INTO {STATE}.table_columns VALUES ('{WORKSPACE_ID}', '{table}', 'old_flag', "
        f"'boolean', TIMESTAMP '{before.isoformat()}')",
    )

    # when two replicas read the job's outputs at once
    replicas = [fresh_gql(), fresh_gql()]
    answers: list[Any] = [None, None]

    def read(index: int) -> None:
        answers[index] = outputs_of(replicas[index], job_id)

    threads = [threading.Thread(target=read, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then each shows the retyped and the dropped column, without a version, since the snapshot
    found = {
        (change["kind"], change["column"], change["previousType"], change["dataType"])
        for change in answers[0]["tables"][0]["schemaChanges"]
        if change["version"] is None
    }
    assert found == {
        ("RETYPED", column, "int", data_type),
        ("DROPPED", "old_flag", "boolean", None),
    }
    assert answers[1]["tables"][0]["schemaChanges"] == answers[0]["tables"][0]["schemaChanges"]
    # and the changes are recorded once, and the snapshot is the table's columns again
    recorded = rows(
        sp, f"SELECT change, column_name FROM {STATE}.column_changes WHERE table_name = '{table}'"
    )
    assert sorted(map(tuple, recorded)) == [("DROPPED", "old_flag"), ("RETYPED", column)]
    assert (
        rows(
            sp,
            f"SELECT column_name, data_type FROM {STATE}.table_columns "
            f"WHERE table_name = '{table}' ORDER BY column_name",
        )
        == snapshot
    )
    # and a service started later shows them too, from the state
    later = outputs_of(fresh_gql(), job_id)["tables"][0]["schemaChanges"]
    assert later == answers[0]["tables"][0]["schemaChanges"]
