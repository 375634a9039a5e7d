"""The service principal's sign-in failing is a typed answer with its status (issue 9, finding 4).

A wrong secret, or the workspace's token endpoint failing, used to surface as a masked internal
error. Now every page that needs the service principal answers `UpstreamUnavailable` naming the
workspace and the HTTP status the token endpoint answered, and `health` says in words which check
fails and why.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.principals import SP_CLIENT_ID
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings
from tests.integration.graphql.conftest import GraphQL

JOBS = """
{ jobs(first: 5) { __typename
  ... on Error { code message }
  ... on UpstreamUnavailable { service problem upstreamStatus } } }
"""
ACTIVE_RUNS = """
{ activeRuns { __typename
  ... on Error { code message }
  ... on UpstreamUnavailable { service problem upstreamStatus } } }
"""
HEALTH = "{ health { status checks { name status code latencyMs message } } }"
TOKEN_ENDPOINT = "POST /oidc/v1/token"
# Fail fast: these tests are about what is answered, not about the SDK's retries.
FAST: dict[str, Any] = {
    "health_cache_seconds": 0,
    "client_retry_seconds": 0,
    "retry_timeout_seconds": 2,
}


def gql_of(service: RunningService) -> GraphQL:
    return GraphQL(httpx.Client(base_url=service.url, timeout=60))


@pytest.fixture(scope="module")
def wrong_secret(local_workspace: LocalWorkspace, start_service: StartService) -> GraphQL:
    """A service whose service principal secret the workspace refuses."""
    settings = local_settings(
        local_workspace, client_id=SP_CLIENT_ID, client_secret=SecretStr("wrong"), **FAST
    )
    return gql_of(start_service(settings))


def by_name(health: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in health["checks"]}


def test_a_wrong_service_principal_secret_is_upstream_unavailable_with_its_status(
    wrong_secret: GraphQL,
) -> None:
    # when pages that need the service principal (SQL and the Jobs API) are asked for
    for document, field in ((JOBS, "jobs"), (ACTIVE_RUNS, "activeRuns")):
        body = wrong_secret.raw(document)
        # then each is the workspace being unavailable, with the status it answered: no 500
        assert "errors" not in body, body
        answer = body["data"][field]
        assert answer["__typename"] == "UpstreamUnavailable", answer
        assert answer["service"] == "workspace"
        assert answer["upstreamStatus"] == 401
        assert answer["code"] == "UPSTREAM_FAILING"
        assert "INTERNAL_SERVER_ERROR" not in str(body)
        assert "invalid_client" not in str(body)


def test_a_wrong_service_principal_secret_is_named_by_health(wrong_secret: GraphQL) -> None:
    # when a viewer asks for health
    health = wrong_secret.data(HEALTH)["health"]
    # then the workspace is down, and the check says why in the service's words
    assert health["status"] == "DOWN"
    workspace = by_name(health)["workspace"]
    assert workspace["status"] == "DOWN"
    assert workspace["code"] == "AUTH_FAILED"
    assert workspace["message"] == (
        "The workspace refused the app's service principal (HTTP 401): check its client id "
        "and secret."
    )
    # and the warehouse, which the service principal cannot reach either, says the same
    assert by_name(health)["warehouse"]["code"] == "AUTH_FAILED"
    assert "Client authentication failed" not in str(health)


def test_a_failing_token_endpoint_is_upstream_unavailable_with_its_status(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a workspace whose OAuth token endpoint fails, and a service with no token yet
    faults({"routes": {TOKEN_ENDPOINT: {"status_500": 1.0}}})
    gql = gql_of(start_service(local_settings(local_workspace, **FAST)))
    # when a page needs the service principal
    body = gql.raw(JOBS)
    # then it is the workspace failing, with the status the token endpoint answered
    assert "errors" not in body, body
    jobs = body["data"]["jobs"]
    assert jobs["__typename"] == "UpstreamUnavailable", jobs
    assert jobs["service"] == "workspace"
    assert (jobs["problem"], jobs["upstreamStatus"]) == ("FAILING", 500)
    # and health says the service principal cannot sign in, without the endpoint's text
    health = gql.data(HEALTH)["health"]
    assert health["status"] == "DOWN"
    workspace = by_name(health)["workspace"]
    assert workspace["code"] == "FAILING"
    assert "token endpoint is failing (HTTP 500)" in workspace["message"]
    assert "injected fault" not in str(health)


def test_a_service_principal_signed_in_again_once_the_token_endpoint_recovers(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a service whose first token call failed
    faults({"routes": {TOKEN_ENDPOINT: {"status_500": 1.0}}})
    gql = gql_of(start_service(local_settings(local_workspace, **FAST)))
    assert gql.data(JOBS)["jobs"]["__typename"] == "UpstreamUnavailable"
    # when the token endpoint recovers
    faults({"warehouse_state": "RUNNING"})
    # then the next page is answered (the failed token is not remembered)
    assert gql.data(JOBS)["jobs"]["__typename"] == "JobConnection"
