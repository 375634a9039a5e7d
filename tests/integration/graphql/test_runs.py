"""Runs: active runs merged with history (each run once, in one state), their elapsed and expected
durations, and a failed run's tasks with the error text the Jobs API keeps.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest

from tests.integration.graphql.conftest import (
    GraphQL,
    Truth,
    percentile_approx,
    same_minute,
    window_start,
)

ACTIVE = """
{ activeRuns { __typename ... on ActiveRuns {
    totalCount
    runs { runId jobId state isActive startTime elapsedSeconds expectedSeconds endTime }
} } }
"""

RUNS_OF_JOBS = """
query Runs($jobIds: [ID!], $after: String) {
  jobRuns(first: 100, after: $after, filter: {jobIds: $jobIds}) {
    ... on JobRunConnection {
      pageInfo { hasNextPage endCursor }
      nodes { runId state isActive startTime }
    }
  }
}
"""

RUN = """
query Run($id: ID!) {
  jobRun(runId: $id) {
    __typename
    ... on JobRun {
      runId state terminationCode durationSeconds url
      job { jobId }
      tasks { taskKey taskRunId state dependsOn errorMessage }
    }
  }
}
"""

# A failed task run that is its task's latest in the job run: a repair may have re-run it since (the
# run then shows the repair's outcome), and which is newest depends on the hour the data was built.
FAILED_TASK_RUNS = """
SELECT CAST(t.job_run_id AS BIGINT), CAST(t.job_id AS BIGINT)
FROM lakeflow.job_task_run_timeline t
JOIN local.task_outputs o ON o.task_run_id = CAST(t.run_id AS BIGINT)
WHERE t.result_state = 'FAILED' AND t.period_start_time > ?
  AND NOT EXISTS (
    SELECT 1 FROM lakeflow.job_task_run_timeline later
    WHERE later.job_run_id = t.job_run_id AND later.task_key = t.task_key
      AND later.run_id <> t.run_id AND later.period_start_time > t.period_start_time
  )
ORDER BY t.period_start_time DESC
LIMIT 1
"""

TASKS_OF_RUN = """
WITH task_runs AS (
  SELECT CAST(run_id AS BIGINT) AS task_run_id, task_key, min(period_start_time) AS started,
         max_by(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result
  FROM lakeflow.job_task_run_timeline
  WHERE CAST(job_run_id AS BIGINT) = ?
  GROUP BY run_id, task_key
)
SELECT task_key, task_run_id, result, o.error
FROM (
  SELECT *, row_number() OVER (PARTITION BY task_key ORDER BY started DESC, task_run_id DESC) AS n
  FROM task_runs
) latest
LEFT JOIN local.task_outputs o USING (task_run_id)
WHERE n = 1
"""

DAG = """
SELECT task_key, depends_on_keys FROM (
  SELECT task_key, depends_on_keys, delete_time,
         row_number() OVER (PARTITION BY task_key ORDER BY change_time DESC) AS n
  FROM lakeflow.job_tasks WHERE CAST(job_id AS BIGINT) = ?
) WHERE n = 1 AND delete_time IS NULL
"""


def active_runs(gql: GraphQL) -> list[dict[str, Any]]:
    answer = gql.data(ACTIVE)["activeRuns"]
    assert answer["__typename"] == "ActiveRuns"
    runs: list[dict[str, Any]] = answer["runs"]
    return runs


def test_active_runs_have_elapsed_and_expected_seconds(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given the runs the stand-in has going now, and each job's successful runs of 30 days
        expected_count = truth.rows("SELECT count(*) FROM local.runs WHERE is_active")[0][0]
        durations: dict[int, list[float]] = defaultdict(list)
        for fact in truth.finished_runs(window_start(30)):
            if fact.succeeded:
                durations[fact.job_id].append(float(fact.duration_seconds or 0))

        # when alice asks for the active runs
        answer = gql.data(ACTIVE)["activeRuns"]
        runs = answer["runs"]

        # then each is active, newest first, with its elapsed time and its job's usual duration
        assert len(runs) == answer["totalCount"] == expected_count > 0
        for run in runs:
            assert run["isActive"] is True
            assert run["endTime"] is None
            assert run["elapsedSeconds"] >= 0
            job_durations = durations[int(run["jobId"])]
            assert run["expectedSeconds"] == percentile_approx(job_durations, 0.5)
        starts = [datetime.fromisoformat(run["startTime"]) for run in runs]
        assert starts == sorted(starts, reverse=True)

    same_minute(check)


def test_active_runs_are_merged_with_history(gql: GraphQL) -> None:
    # given the runs active now
    active = {run["runId"]: run for run in active_runs(gql)}
    oldest = min(datetime.fromisoformat(run["startTime"]) for run in active.values())
    job_ids = sorted({run["jobId"] for run in active.values()})

    # when alice lists the runs of their jobs back to the oldest of them
    listed: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql.data(RUNS_OF_JOBS, jobIds=job_ids, after=after)["jobRuns"]
        listed.extend(page["nodes"])
        older = datetime.fromisoformat(page["nodes"][-1]["startTime"]) < oldest
        if older or not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then each active run is listed once, in the state activeRuns gives it, and no other run
    # of the list claims to be active
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in listed:
        by_id[run["runId"]].append(run)
    for run_id, run in active.items():
        assert len(by_id[run_id]) == 1, run_id
        assert by_id[run_id][0]["state"] == run["state"]
        assert by_id[run_id][0]["isActive"] is True
    assert {run["runId"] for run in listed if run["isActive"]} == set(active)


def test_failed_run_has_its_tasks_and_error_text(gql: GraphQL, truth: Truth) -> None:
    # given a recent job run with a failed task, its tasks and error text, from our own SQL
    job_run_id, job_id = truth.rows(FAILED_TASK_RUNS, [window_start(7)])[0]
    tasks = {row[0]: row for row in truth.rows(TASKS_OF_RUN, [job_run_id])}
    dag = {key: list(depends) for key, depends in truth.rows(DAG, [job_id])}

    # when alice opens the run
    run = gql.data(RUN, id=str(job_run_id))["jobRun"]

    # then it has each task's latest run, the DAG and the failed tasks' error text
    assert run["__typename"] == "JobRun"
    assert run["job"]["jobId"] == str(job_id)
    assert run["url"].endswith(f"/jobs/{job_id}/runs/{job_run_id}")
    assert {task["taskKey"] for task in run["tasks"]} == set(tasks)
    failed = 0
    for task in run["tasks"]:
        _, task_run_id, result, error = tasks[task["taskKey"]]
        assert task["taskRunId"] == str(task_run_id)
        assert task["dependsOn"] == dag.get(task["taskKey"], [])
        if result == "FAILED":
            failed += 1
            assert task["state"] == "FAILED"
            assert task["errorMessage"] == error[:4000]
        else:
            assert task["errorMessage"] is None
    assert failed >= 1


FILTERED_RUNS = """
query Runs($filter: JobRunFilter!, $after: String) {
  jobRuns(first: 100, after: $after, filter: $filter) {
    ... on JobRunConnection {
      pageInfo { hasNextPage endCursor }
      nodes { runId state terminationCode }
    }
  }
}
"""


def test_run_filters_match_independent_sql(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given the failed and timed-out runs of the last 30 days of the flakiest jobs, from our
        # own SQL
        since = window_start(30)
        runs = truth.finished_runs(since, truth.job_ids())
        failures: dict[int, int] = defaultdict(int)
        for fact in runs:
            failures[fact.job_id] += fact.result_state in ("FAILED", "TIMED_OUT")
        jobs = sorted(failures, key=lambda job_id: (-failures[job_id], job_id))[:3]
        expected = {
            fact.run_id
            for fact in runs
            if fact.job_id in jobs and fact.result_state in ("FAILED", "TIMED_OUT")
        }
        assert expected

        # when alice lists those jobs' failed and timed-out runs since then
        job_filter = {
            "jobIds": [str(job_id) for job_id in jobs],
            "states": ["FAILED", "TIMED_OUT"],
            "startedAfter": since.isoformat(),
        }
        listed: list[dict[str, Any]] = []
        after = None
        while True:
            page = gql.data(FILTERED_RUNS, filter=job_filter, after=after)["jobRuns"]
            listed.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

        # then exactly those runs come back, in those states
        assert {int(run["runId"]) for run in listed} == expected
        assert {run["state"] for run in listed} <= {"FAILED", "TIMED_OUT"}

    same_minute(check)


JOBS_WITH_LATEST_RUNS = """
query($first: Int!) { jobs(first: $first) {
  ... on JobConnection { nodes {
    jobId
    runs(first: 3) {
      __typename
      ... on JobRunConnection { pageInfo { hasNextPage } nodes { runId jobId } }
    }
  } } } }
"""

# Each job's four newest runs: those the system tables hold (started at their earliest slice) and
# those the Jobs API lists as active that the system tables do not hold yet.
LATEST_RUNS_PER_JOB = """
WITH history AS (
  SELECT CAST(job_id AS BIGINT) AS job_id, CAST(run_id AS BIGINT) AS run_id,
         epoch_ms(min(period_start_time)) AS started
  FROM lakeflow.job_run_timeline
  GROUP BY 1, 2
),
live AS (
  SELECT job_id, run_id, epoch_ms(start_time + getvariable('local_shift')) AS started
  FROM local.runs
  WHERE is_active AND job_id IS NOT NULL AND run_id NOT IN (SELECT run_id FROM history)
),
every_run AS (SELECT * FROM history UNION ALL SELECT * FROM live)
SELECT job_id, run_id FROM (
  SELECT job_id, run_id, started,
         row_number() OVER (PARTITION BY job_id ORDER BY started DESC, run_id DESC) AS newest
  FROM every_run
) WHERE newest <= 4
ORDER BY job_id, newest
"""


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_jobs_with_their_latest_runs_match_independent_sql(
    gql: GraphQL, truth: Truth, user: str
) -> None:
    def check() -> None:
        # given each job's newest runs, from our own SQL
        newest: dict[str, list[str]] = defaultdict(list)
        for job_id, run_id in truth.rows(LATEST_RUNS_PER_JOB):
            newest[str(job_id)].append(str(run_id))

        # when the user lists 50 of their jobs with their three latest runs each
        nodes = gql.data(JOBS_WITH_LATEST_RUNS, user, first=50)["jobs"]["nodes"]

        # then every job has exactly its own three newest runs, and knows whether more follow
        assert len(nodes) == 50
        for node in nodes:
            runs = node["runs"]
            assert runs["__typename"] == "JobRunConnection", node
            expected = newest[node["jobId"]]
            assert [run["runId"] for run in runs["nodes"]] == expected[:3], node["jobId"]
            assert {run["jobId"] for run in runs["nodes"]} <= {node["jobId"]}
            assert runs["pageInfo"]["hasNextPage"] == (len(expected) > 3)

    same_minute(check)
