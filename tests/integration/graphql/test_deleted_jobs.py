"""Deleted jobs follow one rule everywhere: every list, count and aggregate covers the viewer's jobs
that exist now, and deleted jobs (with their runs) only when asked for with `includeDeleted` — so
the overview's totals are always the sum over the viewer's `jobs` list.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.integration.graphql.conftest import GraphQL, Truth, same_minute, window_start

WINDOW = "LAST_30_DAYS"
WINDOW_DAYS = 30

JOBS_WITH_HEALTH = """
query Jobs($after: String, $window: Window!, $includeDeleted: Boolean!) {
  jobs(first: 100, after: $after, window: $window, filter: {includeDeleted: $includeDeleted}) {
    __typename
    ... on JobConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        jobId deleted deletedAt
        health(window: $window) { runs succeeded failed failureStreak }
      }
    }
  }
}
"""

OVERVIEW = """
query Overview($window: Window!, $includeDeleted: Boolean!) {
  overview(window: $window, includeDeleted: $includeDeleted) {
    __typename
    ... on Overview {
      window includeDeleted runs succeeded failed jobsInFailingStreak
      daily { runs succeeded failed }
      failuresByTerminationCode { failed }
      topFailingJobs(limit: 50) { job { jobId } failed }
    }
  }
}
"""

RUNS_OF = """
query RunsOf($ids: [ID!], $after: DateTime, $includeDeleted: Boolean!) {
  jobRuns(
    first: 100, filter: {jobIds: $ids, startedAfter: $after, includeDeleted: $includeDeleted}
  ) {
    __typename
    ... on JobRunConnection { pageInfo { hasNextPage } nodes { runId job { jobId deleted } } }
  }
}
"""

JOB = """
query Job($id: ID!, $includeDeleted: Boolean!) {
  job(jobId: $id, includeDeleted: $includeDeleted) {
    __typename
    ... on Error { message code }
    ... on Job { jobId name deleted deletedAt runs(first: 100) { ... on JobRunConnection {
      pageInfo { hasNextPage } nodes { runId } } } }
  }
}
"""


def jobs_with_health(gql: GraphQL, user: str, include_deleted: bool) -> list[dict[str, Any]]:
    """Every job of the viewer's list, page by page, with its health over the window."""
    jobs: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql.data(
            JOBS_WITH_HEALTH, user, after=after, window=WINDOW, includeDeleted=include_deleted
        )["jobs"]
        jobs.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(jobs)
            return jobs
        after = page["pageInfo"]["endCursor"]


def overview(gql: GraphQL, user: str, include_deleted: bool) -> dict[str, Any]:
    answer: dict[str, Any] = gql.data(
        OVERVIEW, user, window=WINDOW, includeDeleted=include_deleted
    )["overview"]
    assert answer["__typename"] == "Overview"
    assert (answer["window"], answer["includeDeleted"]) == (WINDOW, include_deleted)
    return answer


def deleted_jobs_with_runs(truth: Truth) -> dict[int, tuple[int, int]]:
    """Deleted jobs with finished runs in the window, with how many and how many failed, from our
    own SQL."""
    deleted = set(truth.deleted_jobs())
    counts: dict[int, tuple[int, int]] = {}
    for run in truth.finished_runs(window_start(WINDOW_DAYS), deleted):
        if run.finished:
            runs, failed = counts.get(run.job_id, (0, 0))
            counts[run.job_id] = (runs + 1, failed + run.failed)
    assert counts, "the demo data needs a deleted job with finished runs in the last 30 days"
    return counts


@pytest.mark.parametrize("include_deleted", [False, True], ids=["existing", "with-deleted"])
@pytest.mark.parametrize("user", ["alice", "bob", "carol"])
def test_overview_totals_equal_the_sum_over_the_viewers_jobs(
    gql: GraphQL, user: str, include_deleted: bool
) -> None:
    def check() -> None:
        # given every job the viewer's list holds, with its health over the window
        jobs = jobs_with_health(gql, user, include_deleted)
        healths = [job["health"] for job in jobs]

        # when the same viewer asks for the overview of that window
        answer = overview(gql, user, include_deleted)

        # then every total is the sum over those jobs, and so are the series and the breakdown
        runs, failed = sum(h["runs"] for h in healths), sum(h["failed"] for h in healths)
        assert (answer["runs"], answer["failed"]) == (runs, failed)
        assert answer["succeeded"] == sum(h["succeeded"] for h in healths)
        assert answer["jobsInFailingStreak"] == sum(1 for h in healths if h["failureStreak"] >= 2)
        assert sum(day["runs"] for day in answer["daily"]) == runs
        assert sum(day["failed"] for day in answer["daily"]) == failed
        assert sum(day["succeeded"] for day in answer["daily"]) == answer["succeeded"]
        assert sum(code["failed"] for code in answer["failuresByTerminationCode"]) == failed
        failing = {job["jobId"]: job["health"]["failed"] for job in jobs if job["health"]["failed"]}
        top = {entry["job"]["jobId"]: entry["failed"] for entry in answer["topFailingJobs"]}
        assert top.items() <= failing.items()
        assert len(top) == min(len(failing), 50)
        if user == "carol":
            assert (jobs, runs) == ([], 0)
        else:
            assert runs > 0

    same_minute(check)


def test_a_deleted_jobs_runs_count_only_when_deleted_jobs_are_asked_for(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given the deleted jobs that ran in the window, from our own SQL
        deleted = deleted_jobs_with_runs(truth)

        # when alice, an admin, asks for the overview and her jobs, without and with deleted jobs
        existing, everything = overview(gql, "alice", False), overview(gql, "alice", True)
        listed = {int(job["jobId"]): job for job in jobs_with_health(gql, "alice", False)}
        with_deleted = {int(job["jobId"]): job for job in jobs_with_health(gql, "alice", True)}

        # then by default neither the list nor a total holds a deleted job or its runs
        assert not set(deleted) & set(listed)
        assert not any(job["deleted"] for job in listed.values())
        # and asked for, the jobs deleted within the year kept are listed too, marked, and their
        # runs counted
        added = set(with_deleted) - set(listed)
        recently = {
            job_id
            for job_id, (_, deleted_at) in truth.deleted_jobs().items()
            if deleted_at >= window_start(364)
        }
        assert set(deleted) | recently <= added <= set(truth.deleted_jobs())
        assert all(with_deleted[job_id]["deleted"] for job_id in added)
        assert all(with_deleted[job_id]["deletedAt"] for job_id in added)
        for job_id, (runs, failed) in deleted.items():
            health = with_deleted[job_id]["health"]
            assert (health["runs"], health["failed"]) == (runs, failed)
        assert everything["runs"] - existing["runs"] == sum(runs for runs, _ in deleted.values())
        assert everything["failed"] - existing["failed"] == sum(f for _, f in deleted.values())

    same_minute(check)


def test_runs_of_a_deleted_job_are_listed_only_when_asked_for(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given a deleted job's runs in the window, from our own SQL
        job_id = next(iter(deleted_jobs_with_runs(truth)))
        since = window_start(WINDOW_DAYS)
        expected = {run.run_id for run in truth.finished_runs(since, {job_id})}

        # when alice lists its runs without and with deleted jobs
        variables = {"ids": [str(job_id)], "after": since.isoformat()}
        hidden = gql.data(RUNS_OF, "alice", includeDeleted=False, **variables)["jobRuns"]
        shown = gql.data(RUNS_OF, "alice", includeDeleted=True, **variables)["jobRuns"]

        # then by default there are none, and asked for, there are all, with their deleted job
        assert hidden["nodes"] == []
        assert {int(run["runId"]) for run in shown["nodes"]} == expected
        assert {(run["job"]["jobId"], run["job"]["deleted"]) for run in shown["nodes"]} == {
            (str(job_id), True)
        }

    same_minute(check)


def test_a_deleted_job_is_not_found_unless_asked_for(gql: GraphQL, truth: Truth) -> None:
    # given a deleted job (with runs in the window), its last name and deletion time
    job_id = next(iter(deleted_jobs_with_runs(truth)))
    name, deleted_at = truth.deleted_jobs()[job_id]
    missing = 987654321012345

    # when alice asks for it by id, without and with deleted jobs, and for an id no job has
    hidden = gql.data(JOB, "alice", id=str(job_id), includeDeleted=False)["job"]
    absent = gql.data(JOB, "alice", id=str(missing), includeDeleted=False)["job"]
    shown = gql.data(JOB, "alice", id=str(job_id), includeDeleted=True)["job"]

    # then by default it answers NotFound as a job that never existed does
    assert hidden["__typename"] == absent["__typename"] == "NotFound"
    assert hidden["message"].replace(str(job_id), "<id>") == absent["message"].replace(
        str(missing), "<id>"
    )
    # and asked for, it is the job as last defined, marked deleted, with its runs
    assert shown["__typename"] == "Job"
    assert (shown["jobId"], shown["name"], shown["deleted"]) == (str(job_id), name, True)
    # Timestamps arrive from the warehouse in milliseconds.
    assert abs(datetime.fromisoformat(shown["deletedAt"]) - deleted_at) < timedelta(milliseconds=1)
    runs = {int(run["runId"]) for run in shown["runs"]["nodes"]}
    assert runs == {run.run_id for run in truth.finished_runs(window_start(365), {job_id})}


@pytest.mark.parametrize("user", ["bob", "carol"])
def test_viewers_who_see_jobs_by_their_permissions_get_no_deleted_jobs(
    gql: GraphQL, user: str
) -> None:
    def check() -> None:
        # when a viewer without admin rights asks for jobs and the overview with deleted jobs
        listed = jobs_with_health(gql, user, False)
        with_deleted = jobs_with_health(gql, user, True)
        existing, everything = overview(gql, user, False), overview(gql, user, True)

        # then they get exactly what they get without: a deleted job's permissions are gone
        assert with_deleted == listed
        assert not any(job["deleted"] for job in with_deleted)
        assert (everything["runs"], everything["failed"], everything["daily"]) == (
            existing["runs"],
            existing["failed"],
            existing["daily"],
        )

    same_minute(check)
