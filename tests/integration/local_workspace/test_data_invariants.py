"""Invariants of the synthetic workspace: system tables like Databricks', agreeing with the Jobs
API.

Checked on the shared demo workspace (seed 7, 300 jobs, 90 days) with SQL on the system-table
views, which read exactly what the SQL warehouse serves, and through the real databricks-sdk for
the Jobs API side.
"""

from datetime import timedelta
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.service.jobs import BaseRun, RunLifeCycleState

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import (
    ACCOUNT_ID,
    PROVISIONING_WORKSPACE_ID,
    WORKSPACE_ID,
    WORKSPACE_NAME,
)
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.generate import OTHER_WORKSPACE_ID, OTHER_WORKSPACE_NAME
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type

# Jobs API result states → system-table result states (each side in its own vocabulary).
API_TO_SYSTEM_RESULT = {
    "SUCCESS": "SUCCEEDED",
    "SUCCESS_WITH_FAILURES": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMEDOUT": "TIMED_OUT",
    "CANCELED": "CANCELLED",
}
TERMINATION_CODES_THAT_MATTER = {
    "SUCCESS", "RUN_EXECUTION_ERROR", "DRIVER_ERROR", "CLUSTER_ERROR", "LIBRARY_INSTALLATION_ERROR",
    "STORAGE_ACCESS_ERROR", "UNAUTHORIZED_ERROR", "RESOURCE_NOT_FOUND", "INVALID_CLUSTER_REQUEST",
    "CLOUD_FAILURE", "REPOSITORY_CHECKOUT_FAILED", "INVALID_RUN_CONFIGURATION",
    "CLUSTER_REQUEST_LIMIT_EXCEEDED", "WORKSPACE_RUN_LIMIT_EXCEEDED",
    "MAX_CONCURRENT_RUNS_EXCEEDED", "MAX_JOB_QUEUE_SIZE_EXCEEDED", "FEATURE_DISABLED",
    "MAX_SPARK_CONTEXTS_EXCEEDED", "CANCELLED",
    "USER_CANCELED", "INTERNAL_ERROR", "SUCCESS_WITH_FAILURES",
}  # fmt: skip
SAMPLE_JOBS = 12

# One row per run, collapsed from hourly slices the way the reference (section 2.3) does it.
COLLAPSED_RUNS = """
SELECT job_id, run_id, min(period_start_time) AS start_time, max(period_end_time) AS last_slice_end,
  max_by(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state,
  max_by(termination_code, period_end_time) FILTER (WHERE termination_code IS NOT NULL) AS
    termination_code,
  count(*) FILTER (WHERE result_state IS NOT NULL) AS results
FROM lakeflow.job_run_timeline
WHERE workspace_id = ?
GROUP BY job_id, run_id
"""


@pytest.fixture(scope="module")
def database(local_workspace: LocalWorkspace) -> WorkspaceDatabase:
    database = local_workspace.state.database
    assert isinstance(database, WorkspaceDatabase)
    return database


@pytest.fixture(scope="module")
def alice_ws(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return WorkspaceClient(
        config=Config(host=local_workspace.host, token="local-alice", auth_type="pat")
    )


def _all(database: WorkspaceDatabase, sql: str, params: list[object] | None = None) -> list[Any]:
    return database.cursor().execute(sql, params or []).fetchall()


def _one(database: WorkspaceDatabase, sql: str, params: list[object] | None = None) -> Any:
    rows = _all(database, sql, params)
    assert len(rows) == 1
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def test_system_tables_have_the_databricks_columns_in_order(database: WorkspaceDatabase) -> None:
    for table, columns in TABLE_SCHEMAS.items():
        schema, name = table.split(".")
        described = _all(
            database,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, name],
        )
        expected = [(column, duckdb_type(kind).replace('"', "")) for column, kind in columns]
        assert [
            (c, t.replace('"', "").replace("DECIMAL(38,10)", "DECIMAL(38, 10)"))
            for c, t in described
        ] == [(c, t.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")) for c, t in expected]


def test_the_account_lists_this_workspace_another_running_and_one_provisioning(
    database: WorkspaceDatabase,
) -> None:
    # when
    workspaces = _all(
        database,
        "SELECT account_id, workspace_id, workspace_name, workspace_url, status, "
        "create_time <= now() FROM access.workspaces_latest ORDER BY workspace_id",
    )

    # then the account's usage belongs to the running ones
    assert workspaces == [
        (
            ACCOUNT_ID,
            WORKSPACE_ID,
            WORKSPACE_NAME,
            f"https://{WORKSPACE_NAME}.cloud.databricks.com/",
            "RUNNING",
            True,
        ),
        (
            ACCOUNT_ID,
            PROVISIONING_WORKSPACE_ID,
            "ml-sandbox",
            "https://ml-sandbox.cloud.databricks.com/",
            "PROVISIONING",
            True,
        ),
        (
            ACCOUNT_ID,
            OTHER_WORKSPACE_ID,
            OTHER_WORKSPACE_NAME,
            f"https://{OTHER_WORKSPACE_NAME}.cloud.databricks.com/",
            "RUNNING",
            True,
        ),
    ]
    assert _all(
        database, "SELECT DISTINCT workspace_id FROM billing.usage ORDER BY workspace_id"
    ) == [(WORKSPACE_ID,), (OTHER_WORKSPACE_ID,)]


def test_slices_stay_inside_one_clock_hour_and_tile_each_run(database: WorkspaceDatabase) -> None:
    # every slice lies within one hour [h, h + 1h) and never runs backwards
    crossing = _one(
        database,
        "SELECT count(*) FROM lakeflow.job_run_timeline WHERE period_end_time < period_start_time "
        "OR period_end_time > date_trunc('hour', period_start_time) + INTERVAL 1 HOUR",
    )
    # consecutive slices of a run meet exactly, except across the gap before a repair
    gaps = _one(
        database,
        """
        SELECT count(*) FROM (
          SELECT run_id, period_start_time,
            lag(period_end_time) OVER (PARTITION BY run_id ORDER BY period_start_time) AS
              previous_end,
            lag(result_state) OVER (PARTITION BY run_id ORDER BY period_start_time) AS
              previous_result
          FROM lakeflow.job_run_timeline)
        WHERE previous_end IS NOT NULL AND previous_result IS NULL AND previous_end <>
          period_start_time
        """,
    )
    long_runs = _one(
        database,
        "SELECT count(*) FROM (SELECT run_id FROM lakeflow.job_run_timeline GROUP BY run_id "
        "HAVING count(*) > 3)",
    )
    assert crossing == 0
    assert gaps == 0
    assert long_runs > 100


def test_result_only_on_the_last_slice_one_per_run_and_one_per_repair(
    database: WorkspaceDatabase,
) -> None:
    # a non-final slice never carries a result, so each attempt has exactly one result row
    misplaced = _one(
        database,
        """
        SELECT count(*) FROM (
          SELECT result_state, lead(period_start_time) OVER (PARTITION BY run_id ORDER BY
            period_start_time) AS next_start,
            period_end_time
          FROM lakeflow.job_run_timeline)
        WHERE result_state IS NULL AND next_start IS NULL AND period_end_time < (SELECT
          max(period_end_time) - INTERVAL 1 DAY FROM lakeflow.job_run_timeline)
        """,
    )
    results = dict(
        _all(
            database,
            f"SELECT results, count(*) FROM ({COLLAPSED_RUNS}) GROUP BY results",
            [WORKSPACE_ID],
        )
    )
    repaired = _one(database, "SELECT count(*) FROM local.runs WHERE repaired")
    # repaired runs have two result rows and the latest is the run's outcome
    latest_wrong = _one(
        database,
        f"""
        SELECT count(*) FROM ({COLLAPSED_RUNS}) c JOIN local.runs r ON r.run_id = c.run_id::BIGINT
        WHERE r.repaired AND c.result_state <> CASE r.repair_outcome WHEN 'success' THEN
          'SUCCEEDED' ELSE 'FAILED' END
        """,
        [WORKSPACE_ID],
    )
    assert misplaced == 0
    assert results[2] == repaired > 0
    assert set(results) <= {0, 1, 2}
    assert latest_wrong == 0


def test_task_slices_belong_to_their_job_run(database: WorkspaceDatabase) -> None:
    orphans = _one(
        database,
        """
        SELECT count(*) FROM lakeflow.job_task_run_timeline t
        LEFT JOIN (SELECT run_id, job_id, min(period_start_time) AS s, max(period_end_time) AS e
                   FROM lakeflow.job_run_timeline GROUP BY ALL) r
          ON r.run_id = t.job_run_id AND r.job_id = t.job_id
        WHERE r.run_id IS NULL OR t.period_start_time < r.s OR t.period_end_time > r.e
        """,
    )
    tasks_per_run = _one(
        database,
        "SELECT max(n) FROM (SELECT count(DISTINCT task_key) n FROM "
        "lakeflow.job_task_run_timeline GROUP BY job_run_id)",
    )
    assert orphans == 0
    assert tasks_per_run == 130


def test_usage_rows_point_at_real_runs_of_the_same_job(database: WorkspaceDatabase) -> None:
    dangling = _one(
        database,
        """
        SELECT count(*) FROM billing.usage u
        LEFT JOIN (SELECT DISTINCT workspace_id, job_id, run_id FROM lakeflow.job_run_timeline) r
          ON r.workspace_id = u.workspace_id AND r.run_id = u.usage_metadata.job_run_id
          AND r.job_id = u.usage_metadata.job_id
        WHERE u.workspace_id = ? AND u.usage_metadata.job_run_id IS NOT NULL AND r.run_id IS NULL
        """,
        [WORKSPACE_ID],
    )
    by_product = dict(
        _all(
            database,
            "SELECT billing_origin_product, count(*) FILTER (WHERE usage_metadata.job_id IS NOT "
            "NULL) "
            "FROM billing.usage GROUP BY ALL",
        )
    )
    dates_off = _one(
        database,
        "SELECT count(*) FROM billing.usage WHERE usage_date <> CAST(usage_start_time AS DATE)",
    )
    assert dangling == 0
    assert by_product["JOBS"] > 0
    # spend not attributable to any job: all-purpose clusters, warehouses, pipelines, serving, apps
    assert (
        by_product["ALL_PURPOSE"]
        == by_product["SQL"]
        == by_product["DLT"]
        == by_product["APPS"]
        == 0
    )
    assert dates_off == 0


def test_retractions_net_out_to_the_restatement(database: WorkspaceDatabase) -> None:
    corrections = _all(
        database,
        """
        SELECT workspace_id, usage_metadata.job_run_id, usage_start_time,
          sum(usage_quantity) FILTER (WHERE record_type = 'ORIGINAL') AS original,
          sum(usage_quantity) FILTER (WHERE record_type = 'RETRACTION') AS retraction,
          sum(usage_quantity) FILTER (WHERE record_type = 'RESTATEMENT') AS restatement,
          sum(usage_quantity) AS net
        FROM billing.usage
        WHERE (workspace_id, usage_metadata.job_run_id, usage_start_time) IN (
          SELECT (workspace_id, usage_metadata.job_run_id, usage_start_time) FROM billing.usage
          WHERE record_type = 'RETRACTION' AND usage_metadata.job_run_id IS NOT NULL)
        GROUP BY ALL
        """,
    )
    assert len(corrections) > 10
    for _workspace, _run, _hour, original, retraction, restatement, net in corrections:
        assert retraction == -original
        assert net == restatement


def test_a_list_price_changes_inside_the_window(database: WorkspaceDatabase) -> None:
    window_start = database.now() - timedelta(days=90)
    changed = _all(
        database,
        "SELECT sku_name, count(*), max(price_start_time) > ?::TIMESTAMPTZ FROM "
        "billing.list_prices GROUP BY ALL "
        "HAVING count(*) > 1",
        [window_start.isoformat()],
    )
    open_ended = _one(
        database, "SELECT count(*) FROM billing.list_prices WHERE price_end_time IS NULL"
    )
    assert changed
    assert all(inside for _sku, _n, inside in changed)
    assert open_ended == _one(database, "SELECT count(DISTINCT sku_name) FROM billing.list_prices")


def test_scd_history_has_renames_tag_changes_and_deletions(database: WorkspaceDatabase) -> None:
    renamed = _one(
        database,
        "SELECT count(*) FROM (SELECT job_id FROM lakeflow.jobs GROUP BY job_id HAVING "
        "count(DISTINCT name) > 1)",
    )
    retagged = _one(
        database,
        "SELECT count(*) FROM (SELECT job_id FROM lakeflow.jobs GROUP BY job_id "
        "HAVING count(DISTINCT tags['team']) > 1 OR count(DISTINCT cardinality(tags)) > 1)",
    )
    deleted = _all(
        database,
        "SELECT job_id FROM lakeflow.jobs QUALIFY row_number() OVER (PARTITION BY workspace_id, "
        "job_id "
        "ORDER BY change_time DESC) = 1 AND delete_time IS NOT NULL",
    )
    teams = {t for (t,) in _all(database, "SELECT DISTINCT tags['team'] FROM lakeflow.jobs")}
    triggers = {t for (t,) in _all(database, "SELECT DISTINCT trigger_type FROM lakeflow.jobs")}
    assert renamed >= 1
    assert retagged >= 1
    assert deleted
    assert "data-eng" in teams
    assert {"CRON", "FILE_ARRIVAL", "CONTINUOUS"} <= triggers


def test_the_stories_a_monitor_must_show_are_there(database: WorkspaceDatabase) -> None:
    runs = f"SELECT * FROM ({COLLAPSED_RUNS}) WHERE result_state IS NOT NULL"
    # a job whose latest runs are a failing streak
    streak = _one(
        database,
        f"""
        SELECT max(streak) FROM (
          SELECT job_id, count(*) FILTER (WHERE result_state = 'FAILED' AND NOT seen_success) AS
            streak FROM (
            SELECT job_id, result_state, bool_or(result_state = 'SUCCEEDED') OVER (
              PARTITION BY job_id ORDER BY start_time DESC ROWS UNBOUNDED PRECEDING) AS seen_success
            FROM ({runs}))
          GROUP BY job_id)
        """,
        [WORKSPACE_ID],
    )
    codes = {
        c
        for (c,) in _all(
            database, "SELECT DISTINCT termination_code FROM lakeflow.job_run_timeline"
        )
    }
    # a job whose duration regressed: the last week's median is over twice the month before
    regressed = _one(
        database,
        f"""
        SELECT count(*) FROM (
          SELECT job_id,
            median(epoch(last_slice_end - start_time)) FILTER (WHERE start_time >= ?::TIMESTAMPTZ
              - INTERVAL 4 DAY) AS recent,
            median(epoch(last_slice_end - start_time)) FILTER (WHERE start_time < ?::TIMESTAMPTZ -
              INTERVAL 20 DAY) AS before
          FROM ({runs}) WHERE result_state = 'SUCCEEDED' GROUP BY job_id)
        WHERE recent > 2 * before
        """,
        [database.now().isoformat(), database.now().isoformat(), WORKSPACE_ID],
    )
    streaming = _one(
        database,
        f"SELECT count(*) FROM ({runs}) WHERE last_slice_end - start_time > INTERVAL 24 HOUR",
        [WORKSPACE_ID],
    )
    all_purpose = _one(
        database,
        "SELECT count(*) FROM billing.usage WHERE sku_name = 'PREMIUM_ALL_PURPOSE_COMPUTE' AND "
        "usage_metadata.cluster_id LIKE '0412-%'",
    )
    assert streak >= 2
    assert codes >= TERMINATION_CODES_THAT_MATTER
    assert regressed >= 1
    assert streaming > 10
    assert all_purpose > 0


def _api_runs(alice_ws: WorkspaceClient, database: WorkspaceDatabase) -> list[BaseRun]:
    job_ids = [
        row[0]
        for row in _all(
            database,
            "SELECT job_id FROM local.jobs WHERE NOT deleted ORDER BY hash(job_id) LIMIT ?",
            [SAMPLE_JOBS],
        )
    ]
    runs: list[BaseRun] = []
    for job_id in job_ids:
        runs.extend(alice_ws.jobs.list_runs(job_id=job_id, completed_only=True, limit=25))
    return runs


def test_jobs_api_and_system_tables_tell_the_same_story(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given finished runs of a sample of jobs, from the Jobs API
    runs = _api_runs(alice_ws, database)
    # when the same runs are read from the system tables
    collapsed = {
        row[1]: row
        for row in _all(
            database,
            f"SELECT job_id, run_id, epoch_ms(start_time), epoch_ms(last_slice_end), "
            "result_state, termination_code "
            f"FROM ({COLLAPSED_RUNS}) WHERE job_id IN (SELECT unnest(?))",
            [WORKSPACE_ID, sorted({str(r.job_id) for r in runs})],
        )
    }
    # then each has the same id (integer there, string here), timing and outcome
    assert len(runs) > 500
    for run in runs:
        job_id, _run_id, start_ms, end_ms, result, code = collapsed[str(run.run_id)]
        assert job_id == str(run.job_id)
        assert start_ms == run.start_time
        assert end_ms == run.end_time
        assert run.state is not None
        assert run.status is not None
        details = run.status.termination_details
        assert details is not None
        assert details.code is not None
        if run.state.life_cycle_state == RunLifeCycleState.SKIPPED:
            assert result == "SKIPPED"
        elif (
            run.state.life_cycle_state == RunLifeCycleState.INTERNAL_ERROR
            and details.code.value == "INTERNAL_ERROR"
        ):
            assert result == "ERROR"
        else:
            assert run.state.result_state is not None
            assert result == API_TO_SYSTEM_RESULT[run.state.result_state.value]
        assert code == ("CANCELLED" if details.code.value == "CANCELED" else details.code.value)


def test_active_runs_are_running_now_and_absent_from_finished_history(
    alice_ws: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # given the runs the Jobs API reports as active
    active = list(alice_ws.jobs.list_runs(active_only=True, limit=25))
    states = {run.state.life_cycle_state for run in active if run.state}
    now_ms = database.now().timestamp() * 1000
    # when their rows are looked up in the run timeline
    rows = dict(
        _all(
            database,
            "SELECT run_id, count(*) FILTER (WHERE result_state IS NOT NULL) FROM "
            "lakeflow.job_run_timeline "
            "WHERE run_id IN (SELECT unnest(?)) GROUP BY run_id",
            [[str(run.run_id) for run in active]],
        )
    )
    # then they started before now, have no result yet, and queued ones have no slices at all
    assert {RunLifeCycleState.RUNNING, RunLifeCycleState.QUEUED} <= states
    assert all((run.start_time or 0) <= now_ms for run in active)
    assert all(rows.get(str(run.run_id), 0) == 0 for run in active)
    queued = [
        run
        for run in active
        if run.state and run.state.life_cycle_state == RunLifeCycleState.QUEUED
    ]
    assert all(str(run.run_id) not in rows for run in queued)
    assert any(rows.get(str(run.run_id)) == 0 for run in active)


def test_the_workspace_clock_follows_the_wall_clock(database: WorkspaceDatabase) -> None:
    latest = _one(database, "SELECT epoch_ms(max(period_end_time)) FROM lakeflow.job_run_timeline")
    assert latest == database.now().timestamp() * 1000
    assert database.now() <= database.anchor + database.shift() + timedelta(seconds=1)


def test_acls_follow_the_team_tag_and_ownership(database: WorkspaceDatabase) -> None:
    # bob's group data-eng holds a grant on exactly the jobs whose latest team tag is data-eng (or
    # was moved)
    data_eng_by_tag = {
        j
        for (j,) in _all(
            database,
            "SELECT job_id FROM lakeflow.jobs QUALIFY row_number() OVER (PARTITION BY "
            "workspace_id, job_id "
            "ORDER BY change_time DESC) = 1 AND tags['team'] = 'data-eng'",
        )
    }
    granted = {
        str(j)
        for (j,) in _all(database, "SELECT job_id FROM local.acl WHERE principal = 'data-eng'")
    }
    carol = _one(
        database, "SELECT count(*) FROM local.acl WHERE principal IN ('carol@example.com', 'users')"
    )
    assert data_eng_by_tag <= granted
    assert carol == 0
