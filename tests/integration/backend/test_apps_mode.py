"""`apps` mode end to end: the environment exactly as Databricks Apps sets it, at the stand-in.

The service principal authenticates with OAuth client credentials (OIDC) against the stand-in; the
user acts through the token the proxy forwards.
"""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from job_monitor.backend.config import Settings
from job_monitor.backend.domain.identity import Mode
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService
from tests.integration.backend.http import TOKEN_HEADER, data_of, post_graphql

VIEWER_AND_HEALTH = """
query Dashboard {
  viewer { __typename ... on Viewer { userName authMode } }
  health { status mode checks { name status code latencyMs message } }
}
"""
OIDC_TOKEN = "POST /oidc/v1/token"


def test_apps_mode_end_to_end_with_the_app_environment(
    local_workspace: LocalWorkspace,
    start_service: StartService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the variables Databricks Apps sets (and nothing else)
    monkeypatch.setenv("DATABRICKS_APP_NAME", "job-monitor")
    monkeypatch.setenv("DATABRICKS_HOST", local_workspace.host)
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", SP_CLIENT_ID)
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", SP_CLIENT_SECRET)
    monkeypatch.setenv("DATABRICKS_WORKSPACE_ID", "1234567890123456")
    monkeypatch.setenv("DATABRICKS_APP_PORT", "8000")
    monkeypatch.setenv("JOB_MONITOR_WAREHOUSE_ID", "local")
    settings = Settings()
    assert settings.mode is Mode.APPS
    assert settings.port == 8000
    by_route = local_workspace.state.stats.snapshot()["requests"]["by_route"]
    tokens_before = by_route.get(OIDC_TOKEN, 0)
    service = start_service(settings)
    # when the proxy forwards bob's token
    with httpx.Client(base_url=service.url, timeout=30) as http:
        data = data_of(post_graphql(http, VIEWER_AND_HEALTH, headers={TOKEN_HEADER: "local-bob"}))
    # then bob is the viewer, and the SP (OIDC client credentials) checked both dependencies
    assert data["viewer"] == {
        "__typename": "Viewer",
        "userName": "bob@example.com",
        "authMode": "DATABRICKS_APP",
    }
    assert data["health"]["mode"] == "apps"
    assert data["health"]["status"] == "OK", data["health"]
    assert [c["name"] for c in data["health"]["checks"]] == ["workspace", "warehouse", "jobs"]
    assert {c["code"] for c in data["health"]["checks"]} == {"OK"}
    tokens_after = local_workspace.state.stats.snapshot()["requests"]["by_route"][OIDC_TOKEN]
    assert tokens_after > tokens_before


def test_apps_mode_with_a_wrong_sp_secret_reports_the_workspace_down(
    local_workspace: LocalWorkspace, start_service: StartService
) -> None:
    # given an app whose service principal secret is wrong
    settings = Settings(
        host=local_workspace.host,
        app_name="job-monitor",
        client_id=SP_CLIENT_ID,
        client_secret=SecretStr("not-the-secret"),
        client_retry_seconds=0,
    )
    service = start_service(settings)
    # when
    with httpx.Client(base_url=service.url, timeout=30) as http:
        data = data_of(post_graphql(http, VIEWER_AND_HEALTH, headers={TOKEN_HEADER: "local-bob"}))
    # then the user still gets their identity, and health says why the SP cannot work
    assert data["viewer"]["userName"] == "bob@example.com"
    assert data["health"]["status"] == "DOWN"
    workspace = data["health"]["checks"][0]
    assert workspace["status"] == "DOWN"
    assert workspace["code"] == "AUTH_FAILED"
    assert "client id and secret" in workspace["message"]
    assert "not-the-secret" not in workspace["message"]
