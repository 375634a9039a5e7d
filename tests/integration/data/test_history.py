"""The history repository against the demo workspace, checked against an independent computation.

The service runs its queries through the real SDK and the stand-in's Statement Execution API. The
expected values come from hand-written DuckDB SQL run directly on the stand-in's database file
(read-only): a different way of collapsing slices (the final result row by window function),
percentiles by rank on sorted lists, streaks by list position — never the service's queries or code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest
from databricks.sdk import WorkspaceClient

from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.history import History, JobScope, as_of
from job_monitor.backend.data.warehouse import Warehouse
from job_monitor.backend.domain.cursors import RunCursor
from job_monitor.backend.domain.filters import RunFilter
from job_monitor.backend.domain.runs import RunRecord, RunState, Trigger
from job_monitor.backend.domain.windows import Window
from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import WAREHOUSE_ID, WORKSPACE_ID
from job_monitor.local_workspace.server import LocalWorkspace

# Raw result states per outcome class, written out here rather than taken from the domain.
SUCCESS = ("SUCCEEDED",)
FAILURE = ("FAILED", "TIMED_OUT", "ERROR")
CANCELED = ("CANCELLED",)
NOT_RUN = ("SKIPPED", "BLOCKED")

# One row per job run: the final result slice picked by window function, start and end from all
# slices, duration as reported on the final slice or summed over the slices.
ORACLE_RUNS = """
WITH slices AS (
  SELECT * FROM lakeflow.job_run_timeline WHERE workspace_id = $workspace_id
),
final_result AS (
  SELECT run_id, result_state, termination_code, run_duration_seconds
  FROM slices
  WHERE result_state IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY period_end_time DESC) = 1
),
per_run AS (
  SELECT job_id, run_id, CAST(run_id AS BIGINT) AS run_number,
    min(period_start_time) AS start_time, max(period_end_time) AS last_end,
    sum(epoch_ms(period_end_time) - epoch_ms(period_start_time)) / 1000.0 AS sliced_seconds,
    count(result_state) AS results,
    arg_max(trigger_type, period_end_time) AS trigger_type
  FROM slices
  GROUP BY job_id, run_id
)
SELECT p.job_id, p.run_id, p.run_number, p.start_time, p.results, p.trigger_type,
  f.result_state, f.termination_code,
  CASE WHEN f.result_state IS NOT NULL THEN p.last_end END AS end_time,
  CASE WHEN f.result_state IS NOT NULL
    THEN coalesce(f.run_duration_seconds, p.sliced_seconds) END AS duration
FROM per_run p LEFT JOIN final_result f USING (run_id)
"""


def in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


ORACLE_HEALTH = f"""
WITH runs AS ({ORACLE_RUNS}),
classified AS (
  SELECT *,
    CASE
      WHEN result_state IN {in_list(SUCCESS)} THEN 'S'
      WHEN result_state IN {in_list(FAILURE)} THEN 'F'
      WHEN result_state IN {in_list(CANCELED)} THEN 'C'
      WHEN result_state IN {in_list(NOT_RUN)} THEN 'N'
      ELSE 'U'
    END AS class
  FROM runs
  WHERE start_time >= $window_start AND result_state IS NOT NULL
),
ranked AS (
  SELECT *,
    CASE WHEN class IN ('S', 'F') THEN row_number() OVER (
      PARTITION BY job_id, class IN ('S', 'F') ORDER BY start_time DESC, run_number DESC)
    END AS outcome_rank
  FROM classified
),
lists AS (
  SELECT job_id,
    count(*) AS runs,
    count_if(class = 'S') AS succeeded,
    count_if(class = 'F') AS failed,
    count_if(class = 'C') AS canceled,
    count_if(class = 'N') AS not_run,
    list(class ORDER BY outcome_rank) FILTER (WHERE outcome_rank IS NOT NULL) AS outcomes,
    list(duration ORDER BY outcome_rank) FILTER (WHERE outcome_rank IS NOT NULL)
      AS outcome_durations,
    list(duration ORDER BY duration) FILTER (WHERE class = 'S') AS ok_sorted,
    list(duration ORDER BY duration) FILTER (WHERE class = 'S' AND outcome_rank > 1)
      AS baseline_sorted,
    list(run_id ORDER BY start_time DESC, run_number DESC)[1] AS last_run_id,
    sum(results - 1) AS repairs,
    count_if(trigger_type = 'ONETIME_RETRY') AS retries
  FROM ranked
  GROUP BY job_id
)
SELECT job_id, runs, succeeded, failed, canceled, not_run,
  coalesce(list_position(outcomes, 'S') - 1, len(outcomes)) AS failure_streak,
  ok_sorted[greatest(1, (len(ok_sorted) + 1) // 2)] AS p50,
  ok_sorted[greatest(1, (9 * len(ok_sorted) + 9) // 10)] AS p90,
  outcome_durations[1] AS latest_duration,
  CASE WHEN len(baseline_sorted) >= 5
    THEN baseline_sorted[greatest(1, (len(baseline_sorted) + 1) // 2)] END AS baseline,
  last_run_id, repairs, retries
FROM lists
"""


@pytest.fixture(scope="module")
def oracle(local_workspace: LocalWorkspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """The stand-in's database file, opened read-only, its views at the stand-in's clock."""
    database = local_workspace.state.database
    assert isinstance(database, WorkspaceDatabase)
    connection = duckdb.connect(str(database.path), read_only=True)
    connection.execute("SET TimeZone = 'UTC'")
    hours = int(database.shift() / timedelta(hours=1))
    connection.execute("SET VARIABLE local_shift = to_hours(?::BIGINT)", [hours])
    yield connection
    connection.close()


def query(oracle: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[dict[str, Any]]:
    cursor = oracle.execute(sql, {"workspace_id": WORKSPACE_ID, **params})
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def history(demo_client: WorkspaceClient) -> History:
    return History(Warehouse(demo_client, WAREHOUSE_ID), WORKSPACE_ID, TtlCache(60))


@pytest.fixture(scope="module")
def team_jobs(oracle: duckdb.DuckDBPyConnection) -> list[int]:
    """The data-eng team's current jobs (a viewer's visible set, as the ACL index would give)."""
    rows = query(
        oracle,
        """
        SELECT job_id FROM (
          SELECT job_id, arg_max(tags, change_time) AS tags,
            arg_max(delete_time, change_time) AS delete_time
          FROM lakeflow.jobs WHERE workspace_id = $workspace_id GROUP BY job_id)
        WHERE delete_time IS NULL AND tags['team'] = 'data-eng'
        """,
    )
    return sorted(int(row["job_id"]) for row in rows)


def approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-6)


# --- the job catalog ----------------------------------------------------------------------------


async def test_job_catalog_is_the_latest_row_of_every_job_not_deleted(
    history: History, oracle: duckdb.DuckDBPyConnection
) -> None:
    # given the SCD history of jobs and tasks
    expected_jobs = {
        int(row["job_id"]): row
        for row in query(
            oracle,
            """
            SELECT job_id, arg_max(name, change_time) AS name,
              arg_max(creator_user_name, change_time) AS owner,
              arg_max(run_as_user_name, change_time) AS run_as,
              arg_max(tags, change_time) AS tags,
              arg_max(trigger_type, change_time) AS trigger_type,
              arg_max(trigger, change_time).schedule.quartz_cron_expression AS cron,
              arg_max(paused, change_time) AS paused,
              arg_max(health_rules, change_time) AS health_rules,
              arg_max(delete_time, change_time) AS delete_time
            FROM lakeflow.jobs WHERE workspace_id = $workspace_id GROUP BY job_id
            """,
        )
    }
    expected_tasks: dict[int, dict[str, list[str]]] = {}
    for row in query(
        oracle,
        """
        SELECT job_id, task_key, arg_max(depends_on_keys, change_time) AS depends_on,
          arg_max(delete_time, change_time) AS delete_time
        FROM lakeflow.job_tasks WHERE workspace_id = $workspace_id GROUP BY job_id, task_key
        """,
    ):
        if row["delete_time"] is None:
            expected_tasks.setdefault(int(row["job_id"]), {})[row["task_key"]] = row["depends_on"]
    deleted = {job_id for job_id, row in expected_jobs.items() if row["delete_time"] is not None}
    assert deleted, "the demo data has deleted jobs"
    # when the catalog is read
    catalog = await history.job_catalog()
    # then it holds exactly the jobs not deleted, with their current settings and DAG
    assert set(catalog) == set(expected_jobs) - deleted
    for job_id, job in catalog.items():
        row = expected_jobs[job_id]
        assert (job.name, job.owner, job.run_as) == (row["name"], row["owner"], row["run_as"])
        assert dict(job.tags) == (row["tags"] or {})
        assert job.team == (row["tags"] or {}).get("team")
        if row["trigger_type"] is None:
            assert job.trigger is None or job.trigger.kind is Trigger.UNKNOWN
        else:
            assert job.trigger is not None
            assert job.trigger.kind is Trigger.parse(row["trigger_type"])
            assert job.trigger.quartz_cron_expression == row["cron"]
        assert job.paused == row["paused"]
        rules = {rule["metric"]: rule["value"] for rule in row["health_rules"] or []}
        assert job.duration_target_seconds == rules.get("RUN_DURATION_SECONDS")
        assert {task.task_key: list(task.depends_on) for task in job.tasks} == expected_tasks.get(
            job_id, {}
        )


# --- health -------------------------------------------------------------------------------------


@pytest.mark.parametrize("window", [Window.LAST_7_DAYS, Window.LAST_30_DAYS])
async def test_job_health_matches_an_independent_computation(
    history: History, oracle: duckdb.DuckDBPyConnection, window: Window
) -> None:
    # given the runs of every job, and a window ending now
    now = datetime.now(UTC)
    expected = {
        int(row["job_id"]): row
        for row in query(oracle, ORACLE_HEALTH, window_start=window.start(as_of(now)))
    }
    # when the repository computes health for every job
    health = await history.job_health(window, now)
    # then every number agrees, job by job
    assert set(health) == set(expected)
    assert any(h.failure_streak >= 2 for h in health.values()), "the demo has failing streaks"
    assert any(h.repairs for h in health.values()), "the demo has repaired runs"
    for job_id, job in health.items():
        row = expected[job_id]
        assert (job.runs, job.succeeded, job.failed, job.canceled, job.not_run) == (
            row["runs"],
            row["succeeded"],
            row["failed"],
            row["canceled"],
            row["not_run"],
        ), job_id
        assert job.failure_streak == row["failure_streak"], job_id
        assert job.duration_p50_seconds == approx(row["p50"]), job_id
        assert job.duration_p90_seconds == approx(row["p90"]), job_id
        assert job.latest_duration_seconds == approx(row["latest_duration"]), job_id
        assert job.duration_baseline_seconds == approx(row["baseline"]), job_id
        assert (job.repairs, job.retries) == (row["repairs"], row["retries"]), job_id
        assert job.last_run is not None
        assert str(job.last_run.run_id) == row["last_run_id"], job_id


# --- runs ---------------------------------------------------------------------------------------


async def all_pages(
    history: History, run_filter: RunFilter, visible: JobScope, first: int
) -> list[RunRecord]:
    runs: list[RunRecord] = []
    after: RunCursor | None = None
    now = datetime.now(UTC)
    while True:
        page = await history.runs_page(
            run_filter, visible_job_ids=visible, first=first, after=after, now=now
        )
        assert len(page.runs) <= first
        runs.extend(page.runs)
        if not page.has_next_page:
            return runs
        after = page.end_cursor


async def test_paging_through_a_teams_runs_returns_each_run_once_newest_first(
    history: History, oracle: duckdb.DuckDBPyConnection, team_jobs: list[int]
) -> None:
    # given the runs of one team's jobs
    expected = query(
        oracle,
        f"""
        WITH runs AS ({ORACLE_RUNS})
        SELECT run_id FROM runs WHERE CAST(job_id AS BIGINT) IN {tuple(team_jobs)}
        ORDER BY start_time DESC, run_number DESC
        """,
    )
    # when they are read page by page
    runs = await all_pages(history, RunFilter(), visible=team_jobs, first=1000)
    # then every run comes exactly once, in order, and only runs of those jobs
    assert [str(run.run_id) for run in runs] == [row["run_id"] for row in expected]
    assert {run.job_id for run in runs} <= set(team_jobs)


async def test_filtered_small_pages_match_the_independent_list(
    history: History, oracle: duckdb.DuckDBPyConnection, team_jobs: list[int]
) -> None:
    # given a team's failed or timed-out scheduled runs of at least a minute
    run_filter = RunFilter(
        states=(RunState.FAILED, RunState.TIMED_OUT),
        triggers=(Trigger.PERIODIC,),
        min_duration_seconds=60.0,
    )
    expected = query(
        oracle,
        f"""
        WITH runs AS ({ORACLE_RUNS})
        SELECT run_id FROM runs
        WHERE result_state IN ('FAILED', 'TIMED_OUT') AND trigger_type = 'CRON'
          AND duration >= 60 AND CAST(job_id AS BIGINT) IN {tuple(team_jobs)}
        ORDER BY start_time DESC, run_number DESC
        """,
    )
    # when they are read in small pages (about a dozen of them)
    first = max(3, len(expected) // 12)
    runs = await all_pages(history, run_filter, visible=team_jobs, first=first)
    # then page boundaries neither skip nor repeat a run
    assert [str(run.run_id) for run in runs] == [row["run_id"] for row in expected]
    assert len(expected) > first * 3


async def test_running_runs_are_found_by_the_running_state(
    history: History, oracle: duckdb.DuckDBPyConnection
) -> None:
    expected = query(
        oracle,
        f"WITH runs AS ({ORACLE_RUNS}) SELECT run_id FROM runs WHERE result_state IS NULL",
    )
    runs = await all_pages(history, RunFilter(states=(RunState.RUNNING,)), None, first=100)
    assert sorted(str(run.run_id) for run in runs) == sorted(row["run_id"] for row in expected)
    assert all(run.state is RunState.RUNNING and run.end_time is None for run in runs)


async def test_no_visible_jobs_means_no_runs_and_no_statement(history: History) -> None:
    page = await history.runs_page(
        RunFilter(), visible_job_ids=[], first=10, after=None, now=datetime.now(UTC)
    )
    assert page.runs == ()
    assert not page.has_next_page


async def test_runs_and_task_runs_by_id_match_the_independent_computation(
    history: History, oracle: duckdb.DuckDBPyConnection
) -> None:
    # given a batch of runs: repaired ones, running ones and plain ones
    sample = query(
        oracle,
        f"""
        WITH runs AS ({ORACLE_RUNS})
        (SELECT * FROM runs WHERE results = 2 ORDER BY run_number LIMIT 20)
        UNION ALL (SELECT * FROM runs WHERE results = 0 ORDER BY run_number LIMIT 5)
        UNION ALL (SELECT * FROM runs WHERE results = 1 ORDER BY run_number DESC LIMIT 25)
        """,
    )
    run_ids = [int(row["run_id"]) for row in sample]
    tasks = query(
        oracle,
        f"""
        WITH task_runs AS (
          SELECT job_run_id, run_id, task_key, min(period_start_time) AS start_time,
            arg_max(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL)
              AS result_state,
            arg_max(termination_code, period_end_time) FILTER (WHERE result_state IS NOT NULL)
              AS termination_code
          FROM lakeflow.job_task_run_timeline
          WHERE workspace_id = $workspace_id AND job_run_id IN {in_list([str(i) for i in run_ids])}
          GROUP BY job_run_id, run_id, task_key
        )
        SELECT job_run_id, task_key, result_state, termination_code FROM task_runs
        QUALIFY row_number() OVER (PARTITION BY job_run_id, task_key
                                   ORDER BY start_time DESC, CAST(run_id AS BIGINT) DESC) = 1
        """,
    )
    now = datetime.now(UTC)
    # when the data loaders' batch queries run
    runs = await history.runs_by_id(run_ids, now)
    task_runs = await history.task_runs(run_ids, now)
    # then each run has its latest result, repair count and duration
    assert set(runs) == set(run_ids)
    for row in sample:
        run = runs[int(row["run_id"])]
        assert run.repair_count == max(0, row["results"] - 1)
        assert run.state.value == expected_state(row["result_state"], row["termination_code"])
        assert run.duration_seconds == approx(row["duration"])
        assert run.end_time == row["end_time"]
    # and the narrower scan from the runs' earliest start finds the same task runs
    earliest = min(row["start_time"] for row in sample)
    assert await history.task_runs(run_ids, now, earliest_start=earliest) == task_runs
    # and each task its latest attempt
    got = {
        (str(task.job_run_id), task.task_key): task.state
        for tasks_of_run in task_runs.values()
        for task in tasks_of_run
    }
    assert got.keys() == {(row["job_run_id"], row["task_key"]) for row in tasks}
    for row in tasks:
        state = got[(row["job_run_id"], row["task_key"])]
        assert state.value == expected_state(row["result_state"], row["termination_code"])


def expected_state(result_state: str | None, termination_code: str | None) -> str:
    if result_state == "SUCCEEDED" and termination_code == "SUCCESS_WITH_FAILURES":
        return "SUCCEEDED_WITH_FAILURES"
    return SYSTEM_STATES.get(result_state or "", "RUNNING")


SYSTEM_STATES = {
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "TIMED_OUT",
    "ERROR": "INTERNAL_ERROR",
    "CANCELLED": "CANCELED",
    "SKIPPED": "SKIPPED",
    "BLOCKED": "SKIPPED",
}


# --- overview -----------------------------------------------------------------------------------


async def test_daily_series_and_failure_codes_cover_exactly_the_given_jobs(
    history: History, oracle: duckdb.DuckDBPyConnection, team_jobs: list[int]
) -> None:
    # given one team's jobs and the last 30 days
    now = datetime.now(UTC)
    window = Window.LAST_30_DAYS
    start = window.start(as_of(now))
    jobs_sql = tuple(str(job_id) for job_id in team_jobs)
    expected_days = {
        row["day"]: row
        for row in query(
            oracle,
            f"""
            WITH runs AS ({ORACLE_RUNS})
            SELECT CAST(start_time AS DATE) AS day, count(result_state) AS runs,
              count_if(result_state IN {in_list(SUCCESS)}) AS succeeded,
              count_if(result_state IN {in_list(FAILURE)}) AS failed
            FROM runs WHERE start_time >= $start AND job_id IN {jobs_sql}
            GROUP BY ALL
            """,
            start=start,
        )
    }
    expected_codes = {
        row["code"]: row["failed"]
        for row in query(
            oracle,
            f"""
            WITH runs AS ({ORACLE_RUNS})
            SELECT termination_code AS code, count(*) AS failed FROM runs
            WHERE start_time >= $start AND job_id IN {jobs_sql}
              AND result_state IN {in_list(FAILURE)}
            GROUP BY ALL
            """,
            start=start,
        )
    }
    # when the overview's series and breakdown are read for those jobs
    days = await history.daily_runs(window, now, team_jobs)
    codes = await history.failures_by_termination_code(window, now, team_jobs)
    health = await history.job_health(window, now)
    # then each day and each code counts only those jobs' runs
    assert len(days) in (30, 31)
    for day in days:
        row = expected_days.get(day.day, {"runs": 0, "succeeded": 0, "failed": 0})
        assert (day.runs, day.succeeded, day.failed) == (
            row["runs"],
            row["succeeded"],
            row["failed"],
        ), day.day
    assert {code.termination_code: code.failed for code in codes} == expected_codes
    # and the viewer's totals are the sums of their jobs' health
    team_health = [health[job_id] for job_id in team_jobs if job_id in health]
    assert sum(day.runs for day in days) == sum(h.runs for h in team_health)
    assert sum(day.failed for day in days) == sum(h.failed for h in team_health)


# --- cost ---------------------------------------------------------------------------------------


async def test_job_costs_net_retractions_at_list_price(
    history: History, oracle: duckdb.DuckDBPyConnection
) -> None:
    now = datetime.now(UTC)
    window = Window.LAST_30_DAYS
    expected = {
        int(row["job_id"]): row
        for row in query(
            oracle,
            """
            SELECT u.usage_metadata.job_id AS job_id, sum(u.usage_quantity) AS dbus,
              sum(u.usage_quantity * p.pricing.effective_list."default") AS cost
            FROM billing.usage u
            LEFT JOIN billing.list_prices p
              ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.usage_unit = u.usage_unit
              AND p.currency_code = 'USD' AND p.price_start_time <= u.usage_start_time
              AND coalesce(p.price_end_time, TIMESTAMPTZ '9999-01-01') > u.usage_start_time
            WHERE u.workspace_id = $workspace_id AND u.usage_start_time >= $start
              AND u.usage_metadata.job_id IS NOT NULL
            GROUP BY ALL
            """,
            start=window.start(as_of(now)),
        )
    }
    # Jobs billed only in the window before are there too, with nothing in this one.
    costs = {
        job_id: cost for job_id, cost in (await history.job_costs(window, now)).items() if cost.runs
    }
    assert set(costs) == set(expected)
    for job_id, cost in costs.items():
        assert cost.dbus == pytest.approx(float(expected[job_id]["dbus"]), rel=1e-9)
        assert cost.list_cost_usd == pytest.approx(float(expected[job_id]["cost"]), rel=1e-9)
