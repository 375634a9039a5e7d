"""Each GraphQL request issues a bounded number of SQL statements whatever its page size or nesting,
read from the stand-in's own statement counters; a warm repeat issues none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.graphql.conftest import GraphQL, StandIn, same_minute

OVERVIEW = """
{ overview(window: LAST_30_DAYS) {
    ... on Overview { runs daily { date runs } failuresByTerminationCode { failed }
                      topFailingJobs(limit: 10) { job { name health { failed } } } } } }
"""
JOBS = """
query($first: Int!) { jobs(first: $first, orderBy: {field: FAILURES, direction: DESC}) {
  ... on JobConnection { nodes {
    name
    health { failed priority lastRun { state durationSeconds } }
    monthly: health(window: LAST_30_DAYS) { successRate }
  } } } }
"""
RUNS = """
query($first: Int!) { jobRuns(first: $first) {
  ... on JobRunConnection { nodes {
    state job { name health { successRate } } tasks { taskKey state dependsOn }
  } } } }
"""
JOBS_WITH_LATEST_RUNS = """
query($first: Int!) { jobs(first: $first) {
  ... on JobConnection { nodes {
    name
    runs(first: 3) {
      __typename
      ... on JobRunConnection {
        pageInfo { hasNextPage } nodes { state job { name } tasks { taskKey state } }
      }
    }
  } } } }
"""
ACTIVE = """
{ activeRuns { ... on ActiveRuns { runs { state elapsedSeconds expectedSeconds job { name } } } } }
"""
# The most any of these needs: the overview's catalog (2), health roll-ups for its window and for
# the nested `health` default window (2), daily series (1) and failures by code (1).
BOUND = 6


def statements_per_operation(gql: GraphQL, stand_in: StandIn, first: int) -> list[int]:
    counts = []
    for query in (OVERVIEW, JOBS, RUNS, ACTIVE):
        before = stand_in.statements()
        gql.data(query, first=first)
        counts.append(stand_in.statements() - before)
    return counts


def test_statements_per_request_are_bounded_whatever_the_page_size(
    gql: GraphQL, fresh_gql: Callable[..., GraphQL], stand_in: StandIn
) -> None:
    # given a stand-in that has answered these queries before (a cold DuckDB can be slow enough
    # for a client to time out and resubmit)
    statements_per_operation(gql, stand_in, 100)

    def check() -> None:
        # given two services with nothing cached
        small, large = fresh_gql(), fresh_gql()

        # when one answers pages of 5 and the other pages of 100, cold, then again warm
        with_five = statements_per_operation(small, stand_in, 5)
        with_hundred = statements_per_operation(large, stand_in, 100)
        warm = statements_per_operation(large, stand_in, 100)

        # then both issue the same few statements per request, and none when warm
        assert with_five == with_hundred, (with_five, with_hundred)
        assert all(0 < count <= BOUND for count in with_hundred[:3]), with_hundred
        assert max(with_hundred) <= BOUND
        assert warm == [0, 0, 0, 0]

    # Windows end on the minute: a minute turning mid-way makes new statements, so check again.
    same_minute(check)


def statements_for(gql: GraphQL, stand_in: StandIn, query: str, **variables: Any) -> int:
    before = stand_in.statements()
    gql.data(query, **variables)
    return stand_in.statements() - before


def test_jobs_with_their_latest_runs_issue_the_same_statements_for_5_and_50_jobs(
    gql: GraphQL, fresh_gql: Callable[..., GraphQL], stand_in: StandIn
) -> None:
    # given a stand-in that has answered this query before
    gql.data(JOBS_WITH_LATEST_RUNS, first=50)

    def check() -> None:
        # given two services with nothing cached
        small, large = fresh_gql(), fresh_gql()

        # when one lists 5 jobs with their latest runs and the other 50, cold, then again warm
        with_five = statements_for(small, stand_in, JOBS_WITH_LATEST_RUNS, first=5)
        with_fifty = statements_for(large, stand_in, JOBS_WITH_LATEST_RUNS, first=50)
        warm = statements_for(large, stand_in, JOBS_WITH_LATEST_RUNS, first=50)

        # then both issue the same few statements (catalog, the runs of every job at once, their
        # tasks), and none when warm
        assert with_five == with_fifty, (with_five, with_fifty)
        assert 0 < with_fifty <= BOUND
        assert warm == 0

    same_minute(check)

    # and every one of the 50 jobs gets its runs: the first pages are not capped
    nodes = gql.data(JOBS_WITH_LATEST_RUNS, first=50)["jobs"]["nodes"]
    assert len(nodes) == 50
    assert {node["runs"]["__typename"] for node in nodes} == {"JobRunConnection"}
