"""A workspace that is down or slow: start-up completes, `health` answers within its timeout,
`GET /api/health` stays fast."""

from __future__ import annotations

import time
from typing import Any

import httpx

from job_monitor.backend.config import Settings
from job_monitor.backend.domain.identity import Mode
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings, state_prepared, unused_port
from tests.integration.backend.http import data_of, post_graphql

HEALTH = "query Health { health { status checks { name status code latencyMs message } } }"
VIEWER = "query Viewer { viewer { __typename ... on UpstreamUnavailable { code service } } }"
HEALTH_TIMEOUT = 1.0
# Bounds for the slow cases: generous for a loaded CI machine, far below the SDK's defaults (300 s).
STARTUP_BUDGET = 3.0
ANSWER_BUDGET = HEALTH_TIMEOUT + 1.5

FAST_FAILING: dict[str, Any] = {
    "health_timeout_seconds": HEALTH_TIMEOUT,
    "identity_timeout_seconds": HEALTH_TIMEOUT,
    "http_timeout_seconds": 1,
    "retry_timeout_seconds": 2,
    "health_cache_seconds": 0,
    "client_retry_seconds": 0,
}


def by_name(health: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in health["checks"]}


def timed_health(url: str) -> tuple[float, dict[str, Any]]:
    with httpx.Client(base_url=url, timeout=30) as http:
        started = time.perf_counter()
        data = data_of(post_graphql(http, HEALTH))
        return time.perf_counter() - started, data["health"]


def wait_until_ok(url: str) -> None:
    """Given-step: the service's clients are built and the SP has its token (slow on a busy CI)."""
    deadline = time.monotonic() + 20
    while timed_health(url)[1]["status"] != "OK":
        assert time.monotonic() < deadline, "the service never became healthy"


def liveness_seconds(url: str) -> float:
    started = time.perf_counter()
    response = httpx.get(f"{url}/api/health", timeout=5)
    assert response.status_code == 200
    return time.perf_counter() - started


def test_unreachable_workspace_start_up_completes_and_health_is_down(
    start_service: StartService,
) -> None:
    # given a workspace host nothing listens on
    settings = Settings(host=f"http://127.0.0.1:{unused_port()}", mode=Mode.LOCAL, **FAST_FAILING)
    # when the service starts
    started = time.perf_counter()
    service = start_service(settings)
    # then start-up does not wait for the workspace
    assert time.perf_counter() - started < STARTUP_BUDGET
    assert liveness_seconds(service.url) < 0.5
    took, health = timed_health(service.url)
    assert took < ANSWER_BUDGET
    assert health["status"] == "DOWN"
    # and, with no workspace to confirm a viewer, the overall status is all it says
    assert health["checks"] == []


def test_unreachable_workspace_viewer_is_a_clear_error_not_a_500(
    start_service: StartService,
) -> None:
    # given
    settings = Settings(host=f"http://127.0.0.1:{unused_port()}", mode=Mode.LOCAL, **FAST_FAILING)
    service = start_service(settings)
    # when
    with httpx.Client(base_url=service.url, timeout=30) as http:
        started = time.perf_counter()
        response = post_graphql(http, VIEWER)
        took = time.perf_counter() - started
    # then
    assert took < ANSWER_BUDGET
    assert response.status_code == 200
    viewer = response.json()["data"]["viewer"]
    assert viewer["__typename"] == "UpstreamUnavailable"
    assert viewer["code"] in {"UPSTREAM_FAILING", "UPSTREAM_TIMEOUT"}
    assert viewer["service"] == "workspace"
    assert "Traceback" not in response.text


def test_held_metadata_request_does_not_hold_start_up(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a workspace that holds every request without answering
    faults({"timeout": True, "hold_seconds": 10})
    # when the service starts (its clients' first request is the held metadata probe)
    started = time.perf_counter()
    service = start_service(local_settings(local_workspace, **FAST_FAILING))
    # then
    assert time.perf_counter() - started < STARTUP_BUDGET
    assert liveness_seconds(service.url) < 0.5
    took, health = timed_health(service.url)
    assert took < ANSWER_BUDGET
    assert health["status"] == "DOWN"


def test_slow_warehouse_check_makes_health_degraded_within_the_timeout(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a service whose clients are ready, then a warehouse API slower than the timeout
    service = start_service(local_settings(local_workspace, **FAST_FAILING))
    wait_until_ok(service.url)
    faults({"routes": {"/api/2.0/sql/warehouses/*": {"latency_ms": 3000}}})
    # when
    took, health = timed_health(service.url)
    # then
    assert took < ANSWER_BUDGET
    assert health["status"] == "DEGRADED"
    checks = by_name(health)
    assert checks["workspace"]["status"] == "OK"
    assert checks["warehouse"]["status"] == "DOWN"
    assert checks["warehouse"]["code"] == "TIMEOUT"
    assert "no answer within" in checks["warehouse"]["message"]
    assert liveness_seconds(service.url) < 0.5


def test_slow_but_answering_workspace_is_degraded(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given answers slower than the "slow" threshold but well within the timeout
    settings = {**FAST_FAILING, "health_timeout_seconds": 10, "health_slow_ms": 100}
    service = start_service(local_settings(local_workspace, **settings))
    wait_until_ok(service.url)
    faults({"routes": {"/api/2.0/preview/scim/v2/Me": {"latency_ms": 300}}})
    # when
    _, health = timed_health(service.url)
    # then
    assert health["status"] == "DEGRADED"
    workspace = by_name(health)["workspace"]
    assert workspace["status"] == "DEGRADED"
    assert workspace["code"] == "SLOW"
    assert workspace["message"].startswith("Slow")


def test_stopped_warehouse_is_degraded(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a stopped warehouse
    settings = {**FAST_FAILING, "health_timeout_seconds": 10}
    # (once the start-up migration's statements are over: one submitted after the stop would start
    # the warehouse again)
    service = state_prepared(start_service(local_settings(local_workspace, **settings)))
    wait_until_ok(service.url)
    faults({"warehouse_state": "STOPPED"})
    # when
    _, health = timed_health(service.url)
    # then
    assert health["status"] == "DEGRADED"
    warehouse = by_name(health)["warehouse"]
    assert warehouse["code"] == "STOPPED"
    assert warehouse["message"] == "The SQL warehouse local is stopped; the next query starts it."
