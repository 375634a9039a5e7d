"""Pagination exhaustiveness: walking every page of `jobs` (in every order) and of `jobRuns` returns
each item exactly once, and nothing is missing compared with our own SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.integration.graphql.conftest import GraphQL, Truth, same_minute, window_start

JOBS_PAGE = """
query Jobs($first: Int!, $after: String, $order: JobOrder, $filter: JobFilter) {
  jobs(first: $first, after: $after, orderBy: $order, filter: $filter) {
    __typename
    ... on JobConnection {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { jobId name } }
    }
  }
}
"""

RUNS_PAGE = """
query Runs($first: Int!, $after: String, $filter: JobRunFilter) {
  jobRuns(first: $first, after: $after, filter: $filter) {
    __typename
    ... on JobRunConnection {
      pageInfo { hasNextPage endCursor }
      nodes { runId startTime state isActive }
    }
  }
}
"""

ORDERS = [
    {"field": field, "direction": direction}
    for field in ("NAME", "LAST_RUN", "SUCCESS_RATE", "FAILURES", "DURATION_REGRESSION")
    for direction in ("ASC", "DESC")
]


def position(run: dict[str, Any]) -> tuple[datetime, int]:
    return datetime.fromisoformat(run["startTime"]), int(run["runId"])


def walk(gql: GraphQL, query: str, field: str, **variables: Any) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    after: str | None = None
    for _ in range(1000):
        answer = gql.data(query, after=after, **variables)[field]
        assert answer["__typename"].endswith("Connection"), answer
        pages.append(answer.get("edges") or answer.get("nodes") or [])
        if not answer["pageInfo"]["hasNextPage"]:
            return pages
        after = answer["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: f"{o['field']}-{o['direction']}")
def test_jobs_pagination_is_exhaustive(gql: GraphQL, truth: Truth, order: dict[str, str]) -> None:
    # when alice walks every page of 37 jobs in this order
    pages = walk(gql, JOBS_PAGE, "jobs", first=37, order=order)

    # then each job comes exactly once and none is missing
    ids = [int(edge["node"]["jobId"]) for page in pages for edge in page]
    assert len(ids) == len(set(ids))
    assert set(ids) == truth.job_ids()
    assert all(len(page) == 37 for page in pages[:-1])


def test_jobs_in_name_order_are_sorted_by_name(gql: GraphQL) -> None:
    # when alice walks the jobs by name, descending
    pages = walk(gql, JOBS_PAGE, "jobs", first=50, order={"field": "NAME", "direction": "DESC"})

    # then names come in descending order, case-insensitively
    names = [edge["node"]["name"].lower() for page in pages for edge in page]
    assert names == sorted(names, reverse=True)


def test_job_name_pattern_filters_and_counts(gql: GraphQL, truth: Truth) -> None:
    # given the jobs whose name matches prod-*-daily, from our own SQL
    rows = truth.rows(
        "SELECT CAST(job_id AS BIGINT), name FROM (SELECT job_id, name, delete_time, row_number() "
        "OVER (PARTITION BY job_id ORDER BY change_time DESC) AS n FROM lakeflow.jobs) "
        "WHERE n = 1 AND delete_time IS NULL AND lower(name) LIKE 'prod-%-daily'"
    )
    assert rows

    # when alice filters on the pattern, upper-cased
    pages = walk(gql, JOBS_PAGE, "jobs", first=100, filter={"namePattern": "PROD-*-DAILY"})
    first_page = gql.data(JOBS_PAGE, first=1, filter={"namePattern": "PROD-*-DAILY"})["jobs"]

    # then exactly those jobs come back, and totalCount counts them all
    assert {int(edge["node"]["jobId"]) for page in pages for edge in page} == {r[0] for r in rows}
    assert first_page["totalCount"] == len(rows)


def test_job_runs_pagination_is_exhaustive(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given every run started in the last three days of the jobs that exist, from our own SQL
        since = window_start(3)
        expected = {run.run_id for run in truth.finished_runs(since, truth.job_ids())}

        # when alice walks every page of 100 runs started since then
        pages = walk(
            gql, RUNS_PAGE, "jobRuns", first=100, filter={"startedAfter": since.isoformat()}
        )

        # then each run comes exactly once, newest first, and none of the history is missing
        runs = [run for page in pages for run in page]
        ids = [int(run["runId"]) for run in runs]
        assert len(ids) == len(set(ids))
        assert expected <= set(ids)
        # Runs the Jobs API alone knows (queued now) are the only additions.
        assert all(run["isActive"] for run in runs if int(run["runId"]) not in expected)
        keys = [position(run) for run in runs]
        assert keys == sorted(keys, reverse=True)

    same_minute(check)


def test_run_cursors_are_stable_while_pages_are_read(gql: GraphQL) -> None:
    # given the first page of runs and its end cursor
    first = gql.data(RUNS_PAGE, first=10)["jobRuns"]
    cursor = first["pageInfo"]["endCursor"]
    last_seen = first["nodes"][-1]

    # when the next page is read twice
    again = [gql.data(RUNS_PAGE, first=10, after=cursor)["jobRuns"]["nodes"] for _ in range(2)]

    # then both start strictly after the cursor's run, with the same runs
    assert again[0] == again[1]
    assert all(position(run) < position(last_seen) for run in again[0])


def test_job_filters_match_independent_sql(gql: GraphQL, truth: Truth) -> None:
    # given data-eng's production jobs, from our own SQL over the latest job rows
    rows = truth.rows(
        "SELECT CAST(job_id AS BIGINT) FROM (SELECT job_id, tags, delete_time, row_number() "
        "OVER (PARTITION BY job_id ORDER BY change_time DESC) AS n FROM lakeflow.jobs) "
        "WHERE n = 1 AND delete_time IS NULL AND tags['team'] = 'data-eng' AND tags['env'] = 'prod'"
    )
    assert rows

    # when alice filters on the team and a tag (in another case)
    job_filter = {"team": "Data-Eng", "tags": [{"key": "ENV", "value": "Prod"}]}
    pages = walk(gql, JOBS_PAGE, "jobs", first=100, filter=job_filter)

    # then exactly those jobs come back
    assert {int(edge["node"]["jobId"]) for page in pages for edge in page} == {r[0] for r in rows}
