"""Each GraphQL request issues a bounded number of SQL statements whatever its page size or nesting,
read from the stand-in's own statement counters; a warm repeat issues none.
"""

from __future__ import annotations

from collections.abc import Callable

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
