"""A client's mistake is a typed answer naming the argument, never a masked internal error, and it
is logged without a traceback (issue 9, finding 3)."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import pytest

from job_monitor.backend.app import RunningService

GRAPHQL = "/api/graphql"
RUNS = """query Runs($filter: JobRunFilter, $first: Int, $after: String) {
  jobRuns(filter: $filter, first: $first, after: $after) {
    __typename ... on Error { code message } ... on InvalidFilter { field }
    ... on JobRunConnection { pageInfo { endCursor } } } }"""
RUN = "query Run($id: ID!) { jobRun(runId: $id) { __typename ... on Error { code message } } }"
JOB = "query Job($id: ID!) { job(jobId: $id) { __typename ... on Error { code message } } }"
JOBS = """query Jobs($after: String, $first: Int) { jobs(after: $after, first: $first) {
  __typename ... on Error { code } ... on InvalidFilter { field } } }"""


def ask(http: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    response = http.post(
        GRAPHQL,
        json={"query": query, "variables": variables},
        headers={"X-Forwarded-Access-Token": "local-alice"},
    )
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    body: dict[str, Any] = response.json()
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
    assert "INTERNAL_SERVER_ERROR" not in codes, body
    return body


@pytest.fixture
def http(hostile_service: RunningService) -> Any:
    with httpx.Client(base_url=hostile_service.url, timeout=60) as client:
        yield client


def edited(cursor: str) -> str:
    text = base64.urlsafe_b64decode(cursor).decode()
    return base64.urlsafe_b64encode(text.replace("1", "2", 1).encode()).decode()


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"filter": {"startedAfter": "0001-01-01T00:00:00Z"}}, "startedAfter"),
        ({"filter": {"startedBefore": "9999-12-31T23:59:59+00:00"}}, "startedBefore"),
        ({"filter": {"jobIds": ["²"]}}, "jobIds"),
        ({"filter": {"jobIds": ["9" * 40]}}, "jobIds"),
        ({"filter": {"minDurationSeconds": -1}}, "minDurationSeconds"),
        ({"first": 0}, "first"),
        ({"first": 1_000_000}, "first"),
        ({"after": "not-a-cursor"}, "after"),
    ],
    ids=[
        "year-1",
        "year-9999",
        "unicode-digit-id",
        "forty-digit-id",
        "negative-duration",
        "first-0",
        "first-huge",
        "garbage-cursor",
    ],
)
def test_a_bad_argument_is_an_invalid_filter_naming_it(
    http: httpx.Client, variables: dict[str, Any], field: str
) -> None:
    answer = ask(http, RUNS, **variables)["data"]["jobRuns"]
    assert answer == {**answer, "__typename": "InvalidFilter", "code": "INVALID_FILTER"}
    assert answer["field"] == field
    assert field in answer["message"]


def test_an_edited_cursor_is_an_invalid_filter(http: httpx.Client) -> None:
    cursor = ask(http, RUNS, first=2)["data"]["jobRuns"]["pageInfo"]["endCursor"]
    answer = ask(http, RUNS, first=2, after=edited(cursor))["data"]["jobRuns"]
    assert answer["__typename"] == "InvalidFilter"
    assert answer["field"] == "after"
    jobs = ask(http, JOBS, after=edited(cursor))["data"]["jobs"]
    assert jobs["__typename"] == "InvalidFilter"


@pytest.mark.parametrize("run_id", ["²", "-1", "0", "1e5", " ", "9" * 40])
def test_an_id_that_is_no_databricks_id_is_not_found(http: httpx.Client, run_id: str) -> None:
    assert ask(http, RUN, id=run_id)["data"]["jobRun"]["code"] == "NOT_FOUND"
    assert ask(http, JOB, id=run_id)["data"]["job"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "variables",
    [{"first": "ten"}, {"filter": {"states": ["NOT_A_STATE"]}}, {"filter": "jobs"}],
    ids=["string-for-int", "unknown-enum", "string-for-input"],
)
def test_a_variable_of_the_wrong_type_is_the_graphql_validation_error(
    http: httpx.Client, variables: dict[str, Any]
) -> None:
    body = ask(http, RUNS, **variables)
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["message"].startswith("Variable '$")


def test_client_mistakes_are_logged_without_a_traceback(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        ask(http, RUNS, filter={"startedAfter": "0001-01-01T00:00:00Z"})
        ask(http, RUNS, first="ten")
        ask(http, RUN, id="²")
    assert not [record for record in caplog.records if record.exc_info]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
