"""Expected failures are typed answers: bad filters, unknown ids, an unknown user, a stopped
warehouse and upstream 429/500/timeouts — each its own union member, never a masked error.

Fault tests start a fresh service (empty caches, short SDK timeouts) and put the stand-in's faults
back afterwards.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.graphql.conftest import GraphQL, StandIn

JOBS = """
query Jobs($filter: JobFilter, $first: Int, $after: String) {
  jobs(filter: $filter, first: $first, after: $after) {
    __typename
    ... on Error { message code }
    ... on InvalidFilter { field }
    ... on WarehouseUnavailable { state }
    ... on UpstreamUnavailable { service problem }
    ... on JobConnection { totalCount }
  }
}
"""

RUNS = """
query Runs($filter: JobRunFilter, $first: Int, $after: String) {
  jobRuns(filter: $filter, first: $first, after: $after) {
    __typename
    ... on Error { message code }
    ... on InvalidFilter { field }
    ... on JobRunConnection { nodes { runId } }
  }
}
"""

ACTIVE = """
{ activeRuns {
    __typename
    ... on Error { message code }
    ... on UpstreamUnavailable { service problem }
    ... on ActiveRuns { runs { runId } }
} }
"""

JOB = """
query Job($id: ID!) { job(jobId: $id) { __typename ... on Error { message code } } }
"""
RUN = """
query Run($id: ID!) { jobRun(runId: $id) { __typename ... on Error { message code } } }
"""
NODE = "query Node($id: ID!) { node(id: $id) { __typename id } }"
OVERVIEW = "{ overview { __typename ... on Error { code } } }"
JOBS_AND_OVERVIEW = """
{
  jobs { __typename ... on WarehouseUnavailable { state } }
  overview { __typename ... on Error { code } }
}
"""
TOP_FAILING = "{ overview { ... on Overview { topFailingJobs(limit: 51) { failed } } } }"

FAST_FAILING = {"http_timeout_seconds": 1, "retry_timeout_seconds": 2}


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (JOBS, {"filter": {"namePattern": ""}}, "namePattern"),
        (JOBS, {"filter": {"namePattern": "a*b*c*d*e*f*g*h*i*j*k*l"}}, "namePattern"),
        (JOBS, {"first": 0}, "first"),
        (JOBS, {"first": 101}, "first"),
        (JOBS, {"after": "not-a-cursor"}, "after"),
        (JOBS, {"filter": {"tags": [{"key": "k"}] * 21}}, "tags"),
        (RUNS, {"filter": {"jobIds": ["twelve"]}}, "jobIds"),
        (RUNS, {"filter": {"jobIds": [str(i) for i in range(1, 102)]}}, "jobIds"),
        (RUNS, {"filter": {"terminationCodes": ["DROP TABLE"]}}, "terminationCodes"),
        (
            RUNS,
            {"filter": {"startedAfter": "2026-02-01T00:00:00Z", "startedBefore": "2026-01-01"}},
            "startedAfter",
        ),
        (
            RUNS,
            {"filter": {"minDurationSeconds": 10, "maxDurationSeconds": 5}},
            "minDurationSeconds",
        ),
        (RUNS, {"after": base64.urlsafe_b64encode(b"run1:1:2:0000").decode()}, "after"),
        (RUNS, {"first": 1000}, "first"),
    ],
)
def test_bad_filters_are_invalid_filter(
    gql: GraphQL, query: str, variables: dict[str, Any], field: str
) -> None:
    # when a list is asked for with a filter, page size or cursor it cannot accept
    answer = next(iter(gql.data(query, **variables).values()))

    # then the answer is InvalidFilter naming the input
    assert answer["__typename"] == "InvalidFilter"
    assert answer["code"] == "INVALID_FILTER"
    assert answer["field"] == field
    assert answer["message"].startswith(field)


def test_a_cursor_of_another_order_is_invalid(gql: GraphQL) -> None:
    # given a cursor of the job list in name order
    page = gql.data("{ jobs(first: 1) { ... on JobConnection { pageInfo { endCursor } } } }")
    cursor = page["jobs"]["pageInfo"]["endCursor"]

    # when it is used with another order
    answer = gql.data(
        "query($after: String) { jobs(after: $after, orderBy: {field: FAILURES}) "
        "{ __typename ... on InvalidFilter { field } } }",
        after=cursor,
    )["jobs"]

    # then it is refused rather than paging from somewhere else
    assert answer == {"__typename": "InvalidFilter", "field": "after"}


def test_limits_beyond_the_ceiling_are_errors_with_a_code(gql: GraphQL) -> None:
    # when the overview is asked for more top failing jobs than it answers
    body = gql.raw(TOP_FAILING)

    # then the field fails with a code, unmasked
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


@pytest.mark.parametrize(
    ("query", "object_id"),
    [(JOB, "1"), (JOB, "abc"), (JOB, "99999999999999999999999"), (RUN, "1"), (RUN, "-5")],
)
def test_unknown_ids_are_not_found(gql: GraphQL, query: str, object_id: str) -> None:
    # when a job or run that does not exist is asked for
    answer = next(iter(gql.data(query, id=object_id).values()))

    # then the answer is NotFound
    assert answer["__typename"] == "NotFound"
    assert answer["code"] == "NOT_FOUND"


@pytest.mark.parametrize("global_id", ["garbage", base64.b64encode(b"Job:1").decode()])
def test_unknown_nodes_are_null(gql: GraphQL, global_id: str) -> None:
    assert gql.data(NODE, id=global_id) == {"node": None}


def test_nodes_round_trip_their_global_ids(gql: GraphQL) -> None:
    # given a job's global id
    first = gql.data("{ jobs(first: 1) { ... on JobConnection { nodes { id name } } } }")
    job = first["jobs"]["nodes"][0]

    # when it is looked up through node
    node = gql.data("query($id: ID!) { node(id: $id) { id ... on Job { name } } }", id=job["id"])

    # then the same job comes back
    assert node["node"] == job


@pytest.mark.parametrize("query", [JOBS, RUNS, ACTIVE, OVERVIEW, JOB])
def test_unknown_user_is_unauthenticated(gql: GraphQL, query: str) -> None:
    # when someone with a token the workspace rejects asks
    answer = next(iter(gql.data(query, user="local-mallory", id="1").values()))

    # then the answer is Unauthenticated, never data
    assert answer["__typename"] == "Unauthenticated"


@pytest.fixture
def faults(stand_in: StandIn) -> Iterator[Callable[[dict[str, Any]], None]]:
    yield stand_in.set_faults
    stand_in.clear_faults()


def test_stopped_warehouse_is_warehouse_unavailable(
    fresh_gql: Callable[..., GraphQL], faults: Callable[[dict[str, Any]], None]
) -> None:
    # given a stopped SQL warehouse with a long cold start, and a service with nothing cached
    # (the statement API holds a statement for its server-side wait before answering PENDING,
    # hence the longer HTTP timeout)
    gql = fresh_gql(http_timeout_seconds=15, retry_timeout_seconds=15)
    faults({"warehouse_state": "STOPPED", "cold_start_seconds": 300})

    # when jobs and the overview are asked for, in one request
    answer = gql.data(JOBS_AND_OVERVIEW)
    jobs, overview = answer["jobs"], answer["overview"]

    # then both say the warehouse is unavailable, with its state (the first statement woke it)
    assert jobs["__typename"] == "WarehouseUnavailable"
    assert jobs["state"] in ("STOPPED", "STARTING")
    assert overview == {"__typename": "WarehouseUnavailable", "code": "WAREHOUSE_UNAVAILABLE"}


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"rate_429": 1.0, "retry_after_seconds": 1}, "THROTTLED"),
        ({"status_500": 1.0}, "FAILING"),
        ({"timeout": True, "hold_seconds": 5}, "TIMEOUT"),
    ],
    ids=["429", "500", "timeout"],
)
@pytest.mark.parametrize(
    ("route", "query", "service"),
    [
        ("GET /api/2.2/jobs/runs/list", ACTIVE, "Jobs API"),
        ("POST /api/2.0/sql/statements", JOBS, "SQL warehouse"),
    ],
    ids=["jobs-api", "sql"],
)
def test_upstream_failures_are_upstream_unavailable(
    fresh_gql: Callable[..., GraphQL],
    faults: Callable[[dict[str, Any]], None],
    rule: dict[str, Any],
    problem: str,
    route: str,
    query: str,
    service: str,
) -> None:
    # given Databricks answering this route with 429s, 500s or not at all
    gql = fresh_gql(**FAST_FAILING)
    faults({"routes": {route: rule}})

    # when the API needs that route
    answer = next(iter(gql.data(query).values()))

    # then the answer says which service failed and how
    assert answer["__typename"] == "UpstreamUnavailable"
    assert answer["service"] == service
    assert answer["problem"] == problem
    assert answer["code"] == f"UPSTREAM_{problem}"


LATER_PAGES_OF_RUNS = """
query($after: String!) { jobs(first: 6) { ... on JobConnection { nodes {
    runs(first: 2, after: $after) {
      __typename ... on LimitExceeded { field } ... on JobRunConnection { nodes { jobId } }
    }
} } } }
"""
A_CURSOR = "{ jobRuns(first: 1) { ... on JobRunConnection { pageInfo { endCursor } } } }"


def test_later_pages_of_nested_run_lists_are_capped(gql: GraphQL) -> None:
    # given a cursor (any run's: later pages of each job's runs)
    after = gql.data(A_CURSOR)["jobRuns"]["pageInfo"]["endCursor"]

    # when later pages of the runs of six jobs are asked for in one request
    nodes = gql.data(LATER_PAGES_OF_RUNS, after=after)["jobs"]["nodes"]

    # then five get their runs and the sixth a LimitExceeded pointing at jobRuns
    kinds = [node["runs"]["__typename"] for node in nodes]
    assert kinds == ["JobRunConnection"] * 5 + ["LimitExceeded"]
    assert nodes[5]["runs"]["field"] == "runs"
