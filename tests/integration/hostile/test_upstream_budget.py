"""One request cannot make hundreds of Jobs API calls: past its budget it is a typed
`LimitExceeded` (issue 9, finding 1: 30 aliases of `jobRuns` made 183 Jobs API calls)."""

from __future__ import annotations

from typing import Any

import httpx

from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.server import LocalWorkspace

GRAPHQL = "/api/graphql"
BUDGET = 100  # Settings.max_jobs_api_calls
STATEMENTS = 30  # Settings.max_statements
# A run list that matches nothing scans three spans (three statements) before it says so.
LISTS = " ".join(
    f"l{i}: jobRuns(first: 5, filter: {{minDurationSeconds: {10**9 + i}}}) {{ ...Answer }}"
    for i in range(25)
)
ANSWER = "fragment Answer on JobRunsResult { __typename ... on LimitExceeded { field } }"
MANY_LISTS = f"{{ {LISTS} }} {ANSWER}"
FAILED_RUNS_WITH_ERRORS = """
{ jobRuns(first: 100, filter: {states: [FAILED]}) { ... on JobRunConnection {
    nodes { runId message tasks { taskKey errorMessage } } } } }
"""
JOBS_API_ROUTES = ("GET /api/2.2/jobs/runs/get", "GET /api/2.2/jobs/runs/get-output")


def aliased_run_lists(count: int) -> str:
    # Each alias a different page, so that no run is shared between them.
    lists = "\n".join(
        f"r{i}: jobRuns(first: 20, filter: {{minDurationSeconds: {i}}}) {{ "
        "... on JobRunConnection { nodes { runId message attempt tasks { errorMessage } } } }"
        for i in range(count)
    )
    return f"{{ {lists} }}"


def jobs_api_calls(stats: dict[str, Any]) -> int:
    by_route: dict[str, int] = stats["requests"]["by_route"]
    return sum(by_route.get(route, 0) for route in JOBS_API_ROUTES)


def spent(
    service: RunningService, workspace: LocalWorkspace, query: str
) -> tuple[httpx.Response, int, int]:
    """The answer to `query`, and the Jobs API calls and statements the stand-in saw for it."""
    with (
        httpx.Client(base_url=service.url, timeout=120) as http,
        httpx.Client(base_url=workspace.host, timeout=30) as stand_in,
    ):
        before = stand_in.get("/_local/stats").json()
        response = http.post(
            GRAPHQL, json={"query": query}, headers={"X-Forwarded-Access-Token": "local-alice"}
        )
        after = stand_in.get("/_local/stats").json()
    calls = jobs_api_calls(after) - jobs_api_calls(before)
    statements = after["statements"]["total"] - before["statements"]["total"]
    return response, calls, statements


def test_thirty_aliased_run_lists_are_refused_before_they_run(
    hostile_service: RunningService, local_workspace: LocalWorkspace
) -> None:
    # when one document asks for the message, attempt and task errors of 30 pages of runs
    response, calls, statements = spent(hostile_service, local_workspace, aliased_run_lists(30))
    # then it is refused before it runs: 600 runs' details are known to pass the budget
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": BUDGET, "measured": 600}
    assert "data" not in response.json()
    assert calls == 0
    assert statements == 0


def test_error_text_of_many_failed_runs_stops_at_the_jobs_api_budget(
    hostile_service: RunningService, local_workspace: LocalWorkspace
) -> None:
    # when one page asks for the message and task errors of 100 failed runs (two calls each)
    response, calls, _ = spent(hostile_service, local_workspace, FAILED_RUNS_WITH_ERRORS)
    # then the Jobs API budget says so, typed, and the calls stop there
    assert response.status_code == 200, response.text
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages
    assert all(message.startswith("jobsApiCalls:") for message in messages), messages
    assert calls <= BUDGET + 16


def test_many_run_lists_stop_at_the_statement_budget(
    hostile_service: RunningService, local_workspace: LocalWorkspace
) -> None:
    # when one document asks for 25 different run lists (three statements each)
    response, _, statements = spent(hostile_service, local_workspace, MANY_LISTS)
    # then the statements stop at the budget, and the lists past it say so, typed
    assert response.status_code == 200, response.text
    answers = response.json()["data"].values()
    refused = [answer for answer in answers if answer["__typename"] == "LimitExceeded"]
    assert refused
    assert {answer["field"] for answer in refused} == {"statements"}
    assert statements <= STATEMENTS
