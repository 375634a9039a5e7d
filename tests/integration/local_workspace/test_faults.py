"""Faults on demand, seen through the real databricks-sdk: retries, errors, bounded waits."""

import time

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InternalError

from job_monitor.local_workspace.faults import FaultRule, FaultSettings
from job_monitor.local_workspace.server import (
    LocalWorkspace,
    LocalWorkspaceOptions,
    WorkspaceState,
    create_local_workspace_app,
)
from tests.conftest import private_state
from tests.integration.local_workspace.conftest import SmallDatabase, user_client

SCIM_ME = "/api/2.0/preview/scim/v2/Me"
SCIM_ME_ROUTE = f"GET {SCIM_ME}"
ALICE = {"Authorization": "Bearer local-alice"}


def set_faults(admin: httpx.Client, faults: dict[str, object]) -> None:
    admin.post("/_local/faults", json=faults).raise_for_status()


def scim_me_requests(admin: httpx.Client) -> int:
    counts: dict[str, int] = admin.get("/_local/stats").json()["requests"]["by_route"]
    return counts.get(SCIM_ME_ROUTE, 0)


def test_429_is_retried_and_succeeds(alice: WorkspaceClient, admin: httpx.Client) -> None:
    # given two 429 answers with Retry-After, then normal service
    set_faults(
        admin, {"routes": {SCIM_ME: {"rate_429": 1.0, "times": 2, "retry_after_seconds": 0}}}
    )
    before = scim_me_requests(admin)

    # when
    me = alice.current_user.me()

    # then the SDK retried until it got through
    assert me.user_name == "alice@example.com"
    assert scim_me_requests(admin) - before == 3


def test_429_carries_retry_after(admin: httpx.Client) -> None:
    # given
    set_faults(admin, {"rate_429": 1.0, "retry_after_seconds": 7})

    # when
    response = admin.get(SCIM_ME, headers=ALICE)

    # then
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"


def test_500_is_surfaced_as_internal_error(alice: WorkspaceClient, admin: httpx.Client) -> None:
    # given
    set_faults(admin, {"routes": {SCIM_ME: {"status_500": 1.0}}})
    before = scim_me_requests(admin)

    # when / then: a plain 500 is not retried
    with pytest.raises(InternalError):
        alice.current_user.me()
    assert scim_me_requests(admin) - before == 1


def test_timeout_is_bounded_by_the_clients_http_timeout(
    small_workspace: LocalWorkspace, admin: httpx.Client
) -> None:
    # given a route that never answers, and a client with bounded timeouts
    client = user_client(
        small_workspace, "local-alice", http_timeout_seconds=0.5, retry_timeout_seconds=1
    )
    set_faults(admin, {"routes": {SCIM_ME: {"timeout": True}}})

    # when
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.current_user.me()

    # then the client gave up after its retry budget, not after the server's hold
    assert time.monotonic() - started < 5


def test_latency_is_added(alice: WorkspaceClient, admin: httpx.Client) -> None:
    # given
    set_faults(admin, {"routes": {SCIM_ME: {"latency_ms": 300}}})

    # when
    started = time.monotonic()
    alice.current_user.me()

    # then
    assert time.monotonic() - started >= 0.3


def test_a_share_faults_that_share_of_requests_exactly(admin: httpx.Client) -> None:
    # given half of the SCIM requests fail
    set_faults(admin, {"routes": {f"GET {SCIM_ME}": {"status_503": 0.5}}})

    # when
    statuses = [admin.get(SCIM_ME, headers=ALICE).status_code for _ in range(6)]

    # then
    assert statuses == [200, 503] * 3


def test_route_rules_leave_other_routes_alone(alice: WorkspaceClient, admin: httpx.Client) -> None:
    # given
    set_faults(admin, {"routes": {"/api/2.2/jobs/*": {"status_500": 1.0}}})

    # when / then
    assert alice.current_user.me().user_name == "alice@example.com"


def test_faults_can_be_read_back_and_cleared(admin: httpx.Client) -> None:
    # given
    set_faults(admin, {"latency_ms": 5})

    # when
    set_faults(admin, {})

    # then
    assert admin.get("/_local/faults").json()["latency_ms"] == 0


def test_invalid_faults_are_rejected(admin: httpx.Client) -> None:
    # when
    response = admin.post("/_local/faults", json={"rate_429": 2})

    # then
    assert response.status_code == 400


def test_faults_set_at_start_apply_from_the_first_request() -> None:
    # given
    options = LocalWorkspaceOptions(
        faults=FaultSettings(routes={SCIM_ME: FaultRule(status_500=1.0)}),
        state_dir=private_state(),
    )

    # when
    with LocalWorkspace(options, database=SmallDatabase) as workspace:
        response = httpx.get(workspace.host + SCIM_ME, headers=ALICE)

    # then
    assert response.status_code == 500


async def test_admin_surface_answers_only_on_loopback() -> None:
    # given a request that reaches the app from another machine
    app = create_local_workspace_app(WorkspaceState(LocalWorkspaceOptions()))
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 50000))

    # when
    async with httpx.AsyncClient(transport=transport, base_url="http://workspace") as remote:
        faults = await remote.post("/_local/faults", json={"status_500": 1.0})
        stats = await remote.get("/_local/stats")

    # then
    assert faults.status_code == 403
    assert stats.status_code == 403
