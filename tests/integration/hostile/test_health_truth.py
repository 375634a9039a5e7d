"""`health` tells the truth and nothing more (issue 9, finding 5).

Without a confirmed viewer it says the overall status alone; with one, each check with a code and
words of the service's own (never an upstream message); and it is DEGRADED while the service's
real statements or Jobs API calls fail, not only when a ping does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from job_monitor.backend.app import RunningService
from job_monitor.backend.config import Settings
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from tests.conftest import StartService, local_settings, private_state
from tests.integration.backend.http import TOKEN_HEADER, data_of, post_graphql
from tests.integration.graphql.conftest import GraphQL
from tests.integration.graphql.test_warehouse_query_failed import unreadable_catalog

HEALTH = "{ health { status version mode checks { name status code latencyMs message } } }"
JOBS = "query Jobs($first: Int) { jobs(first: $first) { __typename } }"
ACTIVE_RUNS = "query ActiveRuns($first: Int) { activeRuns(first: $first) { __typename } }"
# Texts the stand-in answers with (Databricks' words, not ours): none may reach a caller.
UPSTREAM_TEXTS = (
    "injected fault",
    "Internal server error",
    "INTERNAL_ERROR",
    "invalid_client",
    "Client authentication failed",
    "SELECT is not granted",
    "Error:",
)
FRESH: dict[str, Any] = {"health_cache_seconds": 0}
# More than the fewest outcomes that count (3): each of these calls fails. Each asks a page of
# another size, as different pages and people do: no answer is reused for another.
FAILING_CALLS = 6


def apps_settings(workspace: LocalWorkspace, secret: str = SP_CLIENT_SECRET) -> Settings:
    """A Databricks App's settings at the stand-in: only the proxy's token makes a viewer."""
    return Settings(
        host=workspace.host,
        app_name="job-monitor",
        client_id=SP_CLIENT_ID,
        client_secret=SecretStr(secret),
        client_retry_seconds=0,
        **FRESH,
    )


def health_as(service: RunningService, token: str | None) -> dict[str, Any]:
    headers = {TOKEN_HEADER: token} if token is not None else None
    with httpx.Client(base_url=service.url, timeout=30) as http:
        health: dict[str, Any] = data_of(post_graphql(http, HEALTH, headers=headers))["health"]
        return health


def by_name(health: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in health["checks"]}


def assert_no_upstream_text(health: dict[str, Any]) -> None:
    text = str(health)
    for upstream in UPSTREAM_TEXTS:
        assert upstream not in text, (upstream, health)


def test_health_without_a_viewer_says_only_the_overall_status(
    local_workspace: LocalWorkspace, start_service: StartService
) -> None:
    # given the service as a Databricks App
    service = start_service(apps_settings(local_workspace))
    # when health is asked with no token, and with a token the workspace refuses
    anonymous = health_as(service, None)
    refused = health_as(service, "not-a-token")
    # then each learns the overall status (and the version and mode), not the checks
    for health in (anonymous, refused):
        assert health["status"] == "OK", health
        assert health["mode"] == "apps"
        assert health["version"]
        assert health["checks"] == []
    # and a viewer the workspace confirms gets every check, each with a code and words
    viewed = health_as(service, "local-bob")
    assert [c["name"] for c in viewed["checks"]] == ["workspace", "warehouse", "jobs"]
    assert all(c["code"] == "OK" and c["message"] for c in viewed["checks"]), viewed


def test_health_in_local_mode_with_a_refused_token_says_only_the_overall_status(
    service: RunningService,
) -> None:
    # when a token the local workspace does not know is sent
    health = health_as(service, "local-nobody")
    # then the caller is nobody: the overall status alone
    assert health["status"] in {"OK", "DEGRADED", "DOWN"}
    assert health["checks"] == []


def test_health_never_passes_upstream_text_through(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a service whose warehouse API answers 500 with its own error text
    service = start_service(local_settings(local_workspace, **FRESH))
    assert health_as(service, "local-alice")["status"] == "OK"
    faults({"routes": {"/api/2.0/sql/warehouses/*": {"status_500": 1.0}}})
    # when a viewer asks for health
    health = health_as(service, "local-alice")
    # then the warehouse check says what happened in the service's words, with the status
    warehouse = by_name(health)["warehouse"]
    assert (warehouse["status"], warehouse["code"]) == ("DOWN", "FAILING")
    assert warehouse["message"] == "The SQL warehouse local is failing (HTTP 500)."
    assert_no_upstream_text(health)


def test_health_never_passes_the_service_principal_sign_in_text_through(
    local_workspace: LocalWorkspace, start_service: StartService
) -> None:
    # given an app whose service principal secret is wrong
    service = start_service(apps_settings(local_workspace, secret="not-the-secret"))
    # when bob (confirmed with his own token) asks for health
    health = health_as(service, "local-bob")
    # then both pinged checks name the refusal, and nothing of the workspace's text or the secret
    checks = by_name(health)
    assert health["status"] == "DOWN"
    assert checks["workspace"]["code"] == checks["warehouse"]["code"] == "AUTH_FAILED"
    assert "(HTTP 401)" in checks["workspace"]["message"]
    assert_no_upstream_text(health)
    assert "not-the-secret" not in str(health)


def test_health_names_a_wrong_warehouse_id_in_words(
    local_workspace: LocalWorkspace, start_service: StartService
) -> None:
    # given a service configured with a warehouse that does not exist
    settings = local_settings(local_workspace, warehouse_id="no-such-warehouse", **FRESH)
    service = start_service(settings)
    # when a viewer asks for health
    health = health_as(service, "local-alice")
    # then the warehouse check says NOT_FOUND, and what to check
    warehouse = by_name(health)["warehouse"]
    assert health["status"] == "DEGRADED"
    assert (warehouse["status"], warehouse["code"]) == ("DOWN", "NOT_FOUND")
    assert warehouse["message"].startswith("The SQL warehouse no-such-warehouse does not exist")
    assert "sql-warehouse resource" in warehouse["message"]
    assert_no_upstream_text(health)


@pytest.fixture(scope="module")
def broken_catalog() -> Iterator[LocalWorkspace]:
    """A workspace whose warehouse answers every job-catalog statement FAILED."""
    database = unreadable_catalog()
    workspace = LocalWorkspace(
        LocalWorkspaceOptions(state_dir=private_state()), database=lambda: database
    ).start()
    yield workspace
    workspace.stop()


def test_health_is_degraded_while_real_statements_fail(
    broken_catalog: LocalWorkspace, start_service: StartService
) -> None:
    # given a service whose warehouse is running and answers its ping
    service = start_service(local_settings(broken_catalog, **FRESH))
    gql = GraphQL(httpx.Client(base_url=service.url, timeout=60))
    assert by_name(gql.data(HEALTH)["health"])["warehouse"]["code"] == "OK"
    # when a few pages need statements that the warehouse fails
    for first in range(1, FAILING_CALLS + 1):
        assert gql.data(JOBS, first=first)["jobs"]["__typename"] == "WarehouseQueryFailed"
    # then health is DEGRADED: the warehouse's recent statements fail, though its ping succeeds
    health = gql.data(HEALTH)["health"]
    warehouse = by_name(health)["warehouse"]
    assert health["status"] == "DEGRADED"
    assert (warehouse["status"], warehouse["code"]) == ("DEGRADED", "RECENT_FAILURES")
    assert warehouse["latencyMs"] is not None
    assert "statements in the last 5 minutes failed" in warehouse["message"]
    assert by_name(health)["workspace"]["code"] == "OK"
    assert_no_upstream_text(health)


def test_health_is_degraded_while_jobs_api_calls_fail(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a service that has read its jobs (every app user sees every job: no ACL calls)
    service = start_service(local_settings(local_workspace, visibility="all", **FRESH))
    gql = GraphQL(httpx.Client(base_url=service.url, timeout=60))
    assert gql.data(JOBS)["jobs"]["__typename"] == "JobConnection"
    assert by_name(gql.data(HEALTH)["health"])["jobs"]["code"] == "OK"
    # when the Jobs API fails every listing of active runs, and a few pages ask for them
    faults({"routes": {"GET /api/2.2/jobs/runs/list": {"status_500": 1.0}}})
    for first in range(1, FAILING_CALLS + 1):
        answer = gql.data(ACTIVE_RUNS, first=first)["activeRuns"]
        assert answer["__typename"] == "UpstreamUnavailable"
    # then the jobs check (judged by those calls alone) is DEGRADED, and so is the service
    health = gql.data(HEALTH)["health"]
    jobs = by_name(health)["jobs"]
    assert health["status"] == "DEGRADED"
    assert (jobs["status"], jobs["code"]) == ("DEGRADED", "RECENT_FAILURES")
    assert jobs["latencyMs"] is None
    assert "Jobs API calls in the last 5 minutes failed" in jobs["message"]
    assert_no_upstream_text(health)
