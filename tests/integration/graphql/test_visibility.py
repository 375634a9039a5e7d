"""Who sees what: alice (admin) sees every job, bob data-eng's and his own, carol none — in lists,
counts, aggregates, runs and single lookups; a hidden job answers exactly as a missing one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.integration.graphql.conftest import (
    BOB_PRINCIPALS,
    GraphQL,
    Truth,
    same_minute,
    window_start,
)

JOB_IDS = """
query JobIds($after: String) {
  jobs(first: 100, after: $after) {
    __typename
    ... on JobConnection { totalCount pageInfo { hasNextPage endCursor } nodes { jobId } }
  }
}
"""

OVERVIEW = """
query Overview {
  overview(window: LAST_30_DAYS) {
    __typename
    ... on Overview {
      runs failed succeeded jobsInFailingStreak
      daily { date runs failed }
      failuresByTerminationCode { terminationCode failed }
      topFailingJobs(limit: 50) { job { jobId } }
    }
  }
}
"""

RUNS = """
query Runs($after: String) {
  jobRuns(first: 100, after: $after) {
    __typename
    ... on JobRunConnection {
      pageInfo { hasNextPage endCursor }
      nodes { runId jobId job { jobId } }
    }
  }
}
"""

JOB = """
query Job($id: ID!) {
  job(jobId: $id) { __typename ... on Error { message code } ... on Job { name } }
}
"""

RUN = """
query Run($id: ID!) {
  jobRun(runId: $id) { __typename ... on Error { message code } ... on JobRun { state } }
}
"""

ACTIVE = "{ activeRuns { __typename ... on ActiveRuns { runs { jobId } } } }"


def visible_job_ids(gql: GraphQL, user: str) -> tuple[int, set[int]]:
    total, ids, after = -1, set[int](), None
    while True:
        page = gql.data(JOB_IDS, user, after=after)["jobs"]
        total = page["totalCount"]
        ids.update(int(node["jobId"]) for node in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return total, ids
        after = page["pageInfo"]["endCursor"]


def test_alice_sees_every_job(gql: GraphQL, truth: Truth) -> None:
    # when alice, a workspace admin, lists jobs
    total, ids = visible_job_ids(gql, "alice")

    # then she sees every job that exists
    assert ids == truth.job_ids()
    assert total == len(ids)


def test_bob_sees_his_and_his_groups_jobs_only(gql: GraphQL, truth: Truth) -> None:
    # given the jobs whose ACL names bob or one of his groups
    expected = truth.job_ids_of(BOB_PRINCIPALS)
    assert 0 < len(expected) < len(truth.job_ids())

    # when bob lists jobs
    total, ids = visible_job_ids(gql, "bob")

    # then he sees exactly those, and the count says so
    assert ids == expected
    assert total == len(expected)


def test_carol_sees_nothing_anywhere(gql: GraphQL) -> None:
    # when carol, with no job permissions, asks for jobs, runs, active runs and the overview
    total, ids = visible_job_ids(gql, "carol")
    runs = gql.data(RUNS, "carol")["jobRuns"]
    active = gql.data(ACTIVE, "carol")["activeRuns"]
    overview = gql.data(OVERVIEW, "carol")["overview"]

    # then every list is empty and every aggregate zero
    assert (total, ids) == (0, set())
    assert runs["nodes"] == []
    assert active["runs"] == []
    assert (overview["runs"], overview["failed"], overview["jobsInFailingStreak"]) == (0, 0, 0)
    assert all(day["runs"] == 0 for day in overview["daily"])
    assert overview["failuresByTerminationCode"] == []
    assert overview["topFailingJobs"] == []


def test_overview_totals_for_bob_equal_the_totals_over_his_jobs(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given bob's jobs and their runs of the last 30 days, from our own SQL
        mine = truth.job_ids_of(BOB_PRINCIPALS)
        runs = [r for r in truth.finished_runs(window_start(30), mine) if r.finished]
        failed = [r for r in runs if r.failed]

        # when bob asks for the overview
        overview = gql.data(OVERVIEW, "bob")["overview"]

        # then every total and series is over his jobs alone
        assert overview["runs"] == len(runs)
        assert overview["failed"] == len(failed)
        assert overview["succeeded"] == sum(r.succeeded for r in runs)
        assert sum(day["runs"] for day in overview["daily"]) == len(runs)
        assert sum(day["failed"] for day in overview["daily"]) == len(failed)
        by_code = {c["terminationCode"]: c["failed"] for c in overview["failuresByTerminationCode"]}
        assert by_code == dict(Counter(r.termination_code for r in failed))
        assert {int(e["job"]["jobId"]) for e in overview["topFailingJobs"]} <= mine

    same_minute(check)


def test_bob_sees_only_runs_of_his_jobs(gql: GraphQL, truth: Truth) -> None:
    # given bob's jobs
    mine = truth.job_ids_of(BOB_PRINCIPALS)

    # when bob lists runs and active runs
    runs = gql.data(RUNS, "bob")["jobRuns"]["nodes"]
    active = gql.data(ACTIVE, "bob")["activeRuns"]["runs"]

    # then each belongs to one of his jobs
    assert runs
    assert {int(run["jobId"]) for run in runs} <= mine
    assert all(run["job"]["jobId"] == run["jobId"] for run in runs)
    assert {int(run["jobId"]) for run in active} <= mine


def hidden_job_and_run(truth: Truth) -> tuple[int, int]:
    hidden = sorted(truth.job_ids() - truth.job_ids_of(BOB_PRINCIPALS))[0]
    rows = truth.rows(
        "SELECT max(CAST(run_id AS BIGINT)) FROM lakeflow.job_run_timeline "
        "WHERE CAST(job_id AS BIGINT) = ?",
        [hidden],
    )
    return hidden, rows[0][0]


def normalised(answer: dict[str, Any], object_id: int) -> dict[str, Any]:
    return {key: str(value).replace(str(object_id), "<id>") for key, value in answer.items()}


@pytest.mark.parametrize(("query", "field"), [(JOB, "job"), (RUN, "jobRun")])
def test_hidden_job_answers_as_missing(gql: GraphQL, truth: Truth, query: str, field: str) -> None:
    # given a job (and its run) that bob may not see, and ids that do not exist
    hidden_job, hidden_run = hidden_job_and_run(truth)
    hidden = hidden_job if field == "job" else hidden_run
    missing = 987654321012345

    # when bob asks for the hidden one and for the missing one
    hidden_answer = gql.data(query, "bob", id=str(hidden))[field]
    missing_answer = gql.data(query, "bob", id=str(missing))[field]

    # then both answer the same NotFound, and alice does see the hidden one
    assert hidden_answer["__typename"] == "NotFound"
    assert normalised(hidden_answer, hidden) == normalised(missing_answer, missing)
    assert gql.data(query, "alice", id=str(hidden))[field]["__typename"] in ("Job", "JobRun")


RUNS_OF = """
query RunsOf($ids: [ID!]) {
  jobRuns(filter: {jobIds: $ids}) { __typename ... on JobRunConnection { nodes { runId } } }
}
"""


def test_runs_of_a_hidden_job_answer_as_runs_of_a_missing_one(gql: GraphQL, truth: Truth) -> None:
    # given a job bob may not see, and an id no job has
    hidden, _ = hidden_job_and_run(truth)

    # when bob lists the runs of each
    of_hidden = gql.data(RUNS_OF, "bob", ids=[str(hidden)])
    of_missing = gql.data(RUNS_OF, "bob", ids=["987654321012345"])

    # then both are the same empty page, while alice gets the hidden job's runs
    assert of_hidden == of_missing == {"jobRuns": {"__typename": "JobRunConnection", "nodes": []}}
    assert gql.data(RUNS_OF, "alice", ids=[str(hidden)])["jobRuns"]["nodes"]


def test_shared_caches_never_mix_viewers(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given bob's jobs and their finished runs of the last 30 days, from our own SQL
        mine = truth.job_ids_of(BOB_PRINCIPALS)
        bobs_runs = [r for r in truth.finished_runs(window_start(30), mine) if r.finished]

        # when alice, bob, carol and alice again ask for the same overview, one after the other
        answers = [gql.data(OVERVIEW, user)["overview"]["runs"] for user in ("alice", "bob")]
        answers += [gql.data(OVERVIEW, user)["overview"]["runs"] for user in ("carol", "alice")]

        # then each gets the figures of their own jobs, whoever asked before
        assert answers[1] == len(bobs_runs)
        assert answers[2] == 0
        assert answers[0] == answers[3] > answers[1]

    same_minute(check)
