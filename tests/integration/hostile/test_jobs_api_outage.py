"""A Jobs API outage fails only the live fields (issue 9, finding 4).

History (the system tables) and live state (the Jobs API) are separate sources: while the Jobs API
throttles, fails or hangs, every figure that comes from history alone is answered, and only the
live fields are null with a typed error at their path — a GraphQL partial result, over HTTP 200.
`activeRuns`, which is live data only, answers `UpstreamUnavailable`.

Each test starts a service of its own (nothing cached, short SDK timeouts: the live runs are cached
for 30 s) and puts the stand-in's faults back afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings
from tests.integration.graphql.conftest import GraphQL, Truth, same_minute

RUNS_LIST = "GET /api/2.2/jobs/runs/list"
JOBS_API_DOWN: list[dict[str, Any]] = [
    {"status_503": 1.0},
    {"status_500": 1.0},
    {"rate_429": 1.0, "retry_after_seconds": 1},
    {"timeout": True, "hold_seconds": 10},
]
OUTAGE_IDS = ["503", "500", "429", "timeout"]
# Short enough that a Jobs API outage is answered in seconds, long enough that the warehouse's
# statements (same SDK client) never hit it under the load of parallel tests.
FAST_FAILING = {"http_timeout_seconds": 3, "retry_timeout_seconds": 5}
INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR"

OVERVIEW = """
{ overview(window: LAST_7_DAYS) {
    __typename
    ... on Error { code }
    ... on Overview {
      runs succeeded failed successRate jobsInFailingStreak permissionsComplete
      daily { date runs succeeded failed }
      failuresByTerminationCode { terminationCode failed jobs }
      topFailingJobs(limit: 10) { failed runs failureStreak job { jobId name } }
      activeNow queuedNow
    }
} }
"""
HISTORY_FIGURES = (
    "runs",
    "succeeded",
    "failed",
    "successRate",
    "jobsInFailingStreak",
    "daily",
    "failuresByTerminationCode",
    "topFailingJobs",
)

# The jobs page as the SPA asks for it (health and last run), with each job's newest runs.
JOBS_PAGE = """
{ jobs(first: 50) {
    __typename
    ... on Error { code }
    ... on JobConnection {
      totalCount
      nodes {
        jobId name
        health { runs successRate failureStreak priority lastRun { runId state startTime } }
        runs(first: 3) {
          __typename
          ... on JobRunConnection {
            liveStateAvailable
            nodes { runId state endTime isActive liveStateAvailable }
          }
        }
      }
    }
} }
"""
RUNS_OF_JOBS = """
query($jobIds: [ID!]) {
  jobRuns(first: 100, filter: {jobIds: $jobIds}) {
    __typename
    ... on Error { code }
    ... on JobRunConnection {
      liveStateAvailable
      nodes { runId state endTime isActive liveStateAvailable }
    }
  }
}
"""
RUN = """
query($id: ID!) {
  jobRun(runId: $id) {
    __typename
    ... on Error { code }
    ... on JobRun { runId state endTime isActive liveStateAvailable }
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

# Each job's newest runs as the system tables alone hold them (start: the earliest slice), whether
# each has a result yet; and the runs the stand-in has going now that the system tables hold.
NEWEST_RUNS_IN_HISTORY = """
WITH runs AS (
  SELECT CAST(job_id AS BIGINT) AS job_id, CAST(run_id AS BIGINT) AS run_id,
         min(period_start_time) AS started, bool_or(result_state IS NOT NULL) AS ended
  FROM lakeflow.job_run_timeline
  GROUP BY 1, 2
)
SELECT job_id, run_id, ended FROM (
  SELECT *, row_number() OVER (PARTITION BY job_id ORDER BY started DESC, run_id DESC) AS newest
  FROM runs
) WHERE newest <= ?
ORDER BY job_id, newest
"""
GOING_IN_HISTORY = """
SELECT CAST(r.job_id AS BIGINT), CAST(r.run_id AS BIGINT)
FROM local.runs r
WHERE r.is_active AND r.job_id IS NOT NULL
  AND r.run_id IN (SELECT CAST(run_id AS BIGINT) FROM lakeflow.job_run_timeline)
  AND r.run_id NOT IN (
    SELECT CAST(run_id AS BIGINT) FROM lakeflow.job_run_timeline WHERE result_state IS NOT NULL
  )
ORDER BY r.run_id
"""


@pytest.fixture
def jobs_api(local_workspace: LocalWorkspace) -> Iterator[Callable[[dict[str, Any] | None], None]]:
    """Takes the Jobs API's `runs/list` down with a fault rule (None: back up); up afterwards."""
    with httpx.Client(base_url=local_workspace.host, timeout=30) as http:

        def set_down(rule: dict[str, Any] | None) -> None:
            faults: dict[str, Any] = {"warehouse_state": "RUNNING"}
            if rule is not None:
                faults["routes"] = {RUNS_LIST: rule}
            http.post("/_local/faults", json=faults).raise_for_status()

        yield set_down
        set_down(None)


@pytest.fixture
def fresh_service(
    local_workspace: LocalWorkspace, start_service: StartService
) -> Iterator[Callable[[], GraphQL]]:
    """A new service (nothing cached) that gives up on Databricks quickly."""
    clients: list[httpx.Client] = []

    def start() -> GraphQL:
        service = start_service(local_settings(local_workspace, **FAST_FAILING))
        http = httpx.Client(base_url=service.url, timeout=60)
        clients.append(http)
        return GraphQL(http)

    yield start
    for http in clients:
        http.close()


def errors_by_path(body: dict[str, Any]) -> dict[tuple[str | int, ...], dict[str, Any]]:
    """The response's errors by path; each must be a typed upstream error, never a masked one."""
    found: dict[tuple[str | int, ...], dict[str, Any]] = {}
    for error in body.get("errors", []):
        code = error.get("extensions", {}).get("code")
        assert code != INTERNAL_ERROR_CODE, error
        assert code in {"UPSTREAM_THROTTLED", "UPSTREAM_FAILING", "UPSTREAM_TIMEOUT"}, error
        assert "Jobs API" in error["message"], error
        found[tuple(error["path"])] = error
    return found


@pytest.mark.parametrize("outage", JOBS_API_DOWN, ids=OUTAGE_IDS)
def test_overview_answers_its_history_figures_while_the_jobs_api_is_down(
    fresh_service: Callable[[], GraphQL],
    jobs_api: Callable[[dict[str, Any] | None], None],
    outage: dict[str, Any],
) -> None:
    def check() -> None:
        # given a service with nothing cached, and the Jobs API down
        gql = fresh_service()
        jobs_api(outage)

        # when the overview is asked for (HTTP 200: `raw` checks it)
        down = gql.raw(OVERVIEW)

        # then it is an overview, with only its live counts null, each with a typed error at its
        # path
        overview = down["data"]["overview"]
        assert overview["__typename"] == "Overview", down
        assert overview["activeNow"] is None
        assert overview["queuedNow"] is None
        errors = errors_by_path(down)
        assert set(errors) == {("overview", "activeNow"), ("overview", "queuedNow")}

        # and its history figures are those answered once the Jobs API is back
        jobs_api(None)
        up = gql.data(OVERVIEW)["overview"]
        assert {key: overview[key] for key in HISTORY_FIGURES} == {
            key: up[key] for key in HISTORY_FIGURES
        }
        assert up["runs"] > 0
        assert isinstance(up["activeNow"], int)
        assert isinstance(up["queuedNow"], int)

    same_minute(check)


def test_jobs_page_and_run_lists_answer_from_history_while_the_jobs_api_is_down(
    fresh_service: Callable[[], GraphQL],
    jobs_api: Callable[[dict[str, Any] | None], None],
    local_workspace: LocalWorkspace,
) -> None:
    truth = Truth(local_workspace)

    def check() -> None:
        # given each job's newest runs in history, the runs going now that history holds, a
        # service with nothing cached, and the Jobs API down
        newest: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        for job_id, run_id, ended in truth.rows(NEWEST_RUNS_IN_HISTORY, [30]):
            newest[str(job_id)].append((str(run_id), ended))
        going = truth.rows(GOING_IN_HISTORY)
        assert going, "the stand-in has runs going now that the system tables hold"
        gql = fresh_service()
        jobs_api({"status_503": 1.0})

        # when the jobs page is asked for, with each job's newest runs
        body = gql.raw(JOBS_PAGE)

        # then every job is listed with its health and last run (a finished run needs no live
        # state), and each job's runs are its newest in history, with no live state: runs going
        # show RUNNING and say their live state is missing, as does each list, at its path
        jobs = body["data"]["jobs"]
        assert jobs["__typename"] == "JobConnection", body
        assert len(jobs["nodes"]) == min(50, jobs["totalCount"]) > 0
        expected_errors: set[tuple[str | int, ...]] = set()
        for index, node in enumerate(jobs["nodes"]):
            health = node["health"]
            assert health is not None, node
            if health["runs"]:
                assert health["lastRun"] is not None, node
            runs = node["runs"]
            assert runs["__typename"] == "JobRunConnection", node
            assert runs["liveStateAvailable"] is None
            path: tuple[str | int, ...] = ("jobs", "nodes", index, "runs")
            expected_errors.add((*path, "liveStateAvailable"))
            in_history = newest[node["jobId"]][:3]
            assert [run["runId"] for run in runs["nodes"]] == [run for run, _ in in_history]
            for position, (run, (_, ended)) in enumerate(
                zip(runs["nodes"], in_history, strict=True)
            ):
                assert run["isActive"] is False
                if ended:
                    assert run["liveStateAvailable"] is True
                else:
                    assert run["state"] == "RUNNING"
                    assert run["endTime"] is None
                    assert run["liveStateAvailable"] is None
                    expected_errors.add((*path, "nodes", position, "liveStateAvailable"))
        assert set(errors_by_path(body)) == expected_errors

        # when a list of runs of the jobs with runs going is asked for
        job_ids = sorted({str(job_id) for job_id, _ in going})
        body = gql.raw(RUNS_OF_JOBS, jobIds=job_ids)

        # then it answers from history, its runs going RUNNING, with one error for the list
        listed = body["data"]["jobRuns"]
        assert listed["__typename"] == "JobRunConnection", body
        assert listed["liveStateAvailable"] is None
        by_id = {run["runId"]: run for run in listed["nodes"]}
        assert len(by_id) == len(listed["nodes"]) > 0
        expected_errors = {("jobRuns", "liveStateAvailable")}
        for position, run in enumerate(listed["nodes"]):
            assert run["isActive"] is False
            if run["endTime"] is None:
                assert run["state"] == "RUNNING"
                expected_errors.add(("jobRuns", "nodes", position, "liveStateAvailable"))
        going_listed = [str(run_id) for _, run_id in going if str(run_id) in by_id]
        assert going_listed, (going, list(by_id))
        assert all(by_id[run_id]["endTime"] is None for run_id in going_listed)
        assert set(errors_by_path(body)) == expected_errors

        # when one of those runs is looked up
        run_id = going_listed[0]
        body = gql.raw(RUN, id=run_id)

        # then it is answered from history too, saying its live state is missing
        run = body["data"]["jobRun"]
        assert run["__typename"] == "JobRun", body
        assert (run["runId"], run["state"], run["isActive"]) == (run_id, "RUNNING", False)
        assert run["liveStateAvailable"] is None
        assert set(errors_by_path(body)) == {("jobRun", "liveStateAvailable")}

        # and once the Jobs API is back, the same run has its live state, without errors
        jobs_api(None)
        run = gql.data(RUN, id=run_id)["jobRun"]
        assert run["isActive"] is True
        assert run["liveStateAvailable"] is True

    same_minute(check)


def test_active_runs_is_upstream_unavailable_while_the_jobs_api_is_down(
    fresh_service: Callable[[], GraphQL], jobs_api: Callable[[dict[str, Any] | None], None]
) -> None:
    # given a service with nothing cached, and the Jobs API down (each way it goes down is
    # answered alike: tests/integration/graphql/test_typed_errors.py)
    gql = fresh_service()
    jobs_api({"status_503": 1.0})

    # when the runs going now are asked for
    body = gql.raw(ACTIVE)

    # then the answer is UpstreamUnavailable naming the Jobs API (live data only: nothing to
    # answer from history), as data, without a top-level error
    answer = body["data"]["activeRuns"]
    assert "errors" not in body, body
    assert answer["__typename"] == "UpstreamUnavailable"
    assert answer["service"] == "Jobs API"
    assert answer["code"] == f"UPSTREAM_{answer['problem']}"


def test_no_answer_is_a_masked_internal_error_while_the_jobs_api_is_down(
    fresh_service: Callable[[], GraphQL],
    jobs_api: Callable[[dict[str, Any] | None], None],
) -> None:
    # given a service with nothing cached, and the Jobs API failing
    gql = fresh_service()
    jobs_api({"status_500": 1.0})

    # when the overview, the jobs page, run lists, a run and the active runs are asked for in one
    # request
    body = gql.raw(
        """
        { overview { __typename ... on Overview { runs activeNow queuedNow } }
          jobs(first: 10) { ... on JobConnection { nodes { health { lastRun { state } } } } }
          jobRuns(first: 10) { ... on JobRunConnection { liveStateAvailable nodes { state } } }
          activeRuns { __typename } }
        """
    )

    # then every error is a typed upstream error at a live field, never a masked one
    errors = errors_by_path(body)
    assert set(errors) == {
        ("overview", "activeNow"),
        ("overview", "queuedNow"),
        ("jobRuns", "liveStateAvailable"),
    }
    data = body["data"]
    assert data["overview"]["__typename"] == "Overview"
    assert data["activeRuns"] == {"__typename": "UpstreamUnavailable"}


IS_ACTIVE = """
query($id: ID!) { jobRun(runId: $id) { __typename ... on JobRun { state isActive } } }
"""


def test_an_answer_without_live_state_is_not_reused_once_the_jobs_api_is_back(
    fresh_service: Callable[[], GraphQL],
    jobs_api: Callable[[dict[str, Any] | None], None],
    local_workspace: LocalWorkspace,
) -> None:
    # given a run going now that history holds, a service with nothing cached, the Jobs API
    # down, and a question about the run that selects no live-state field (so it has no errors)
    _, run_id = Truth(local_workspace).rows(GOING_IN_HISTORY)[0]
    gql = fresh_service()
    gql.data("{ jobs(first: 1) { __typename } }")  # the viewer and their jobs, known and cached
    jobs_api({"status_503": 1.0})
    down = gql.data(IS_ACTIVE, id=str(run_id))["jobRun"]
    assert down == {"__typename": "JobRun", "state": "RUNNING", "isActive": False}

    # when the Jobs API is back and the same question is asked again (history unchanged)
    jobs_api(None)
    up = gql.data(IS_ACTIVE, id=str(run_id))["jobRun"]

    # then it is answered afresh, with the run's live state
    assert up["isActive"] is True
