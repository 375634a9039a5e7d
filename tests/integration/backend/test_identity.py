"""Who is calling: the token decides, confirmed with SCIM Me; headers never are identity."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings
from tests.integration.backend.http import TOKEN_HEADER, data_of, post_graphql

VIEWER = """
query Viewer {
  viewer {
    __typename
    ... on Viewer { userName email displayName groups isAdmin authMode }
    ... on Unauthenticated { message code }
  }
}
"""

SCIM_ME = "GET /api/2.0/preview/scim/v2/Me"
# Looks like a Databricks PAT; the workspace has never issued it.
UNKNOWN_TOKEN = "dapi0123456789abcdef0123456789abcdef-3"


@pytest.fixture(scope="module")
def apps_service(local_workspace: LocalWorkspace, start_service: StartService) -> RunningService:
    """The service as a Databricks App: the proxy's headers are trusted, the SP uses OIDC."""
    settings = local_settings(
        local_workspace,
        mode="apps",
        app_name="job-monitor",
        client_id=SP_CLIENT_ID,
        client_secret=SP_CLIENT_SECRET,
    )
    return start_service(settings)


@pytest.fixture
def apps_client(apps_service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=apps_service.url, timeout=30) as http:
        yield http


def scim_me_calls(workspace: LocalWorkspace) -> int:
    by_route: dict[str, int] = workspace.state.stats.snapshot()["requests"]["by_route"]
    return by_route.get(SCIM_ME, 0)


def test_token_wins_over_forged_forwarded_email(apps_client: httpx.Client) -> None:
    # given bob's token, and headers claiming to be alice
    forged = {
        TOKEN_HEADER: "local-bob",
        "X-Forwarded-Email": "alice@example.com",
        "X-Forwarded-User": "1001@1234567890123456",
        "X-Forwarded-Preferred-Username": "alice@example.com",
    }
    # when
    viewer = data_of(post_graphql(apps_client, VIEWER, headers=forged))["viewer"]
    # then the workspace's answer for the token decides
    assert viewer["__typename"] == "Viewer"
    assert viewer["userName"] == "bob@example.com"
    assert viewer["email"] == "bob@example.com"
    assert viewer["isAdmin"] is False
    assert viewer["authMode"] == "DATABRICKS_APP"


def test_missing_token_in_apps_mode_is_unauthenticated(apps_client: httpx.Client) -> None:
    # given no token, only identity headers
    headers = {"X-Forwarded-Email": "alice@example.com", "X-Forwarded-User": "alice"}
    # when
    viewer = data_of(post_graphql(apps_client, VIEWER, headers=headers))["viewer"]
    # then nobody, and never the service principal
    assert viewer == {
        "__typename": "Unauthenticated",
        "message": viewer["message"],
        "code": "UNAUTHENTICATED",
    }


def test_unknown_token_is_unauthenticated_without_token_text(
    apps_client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    # given a token the workspace does not know, with every log line captured
    caplog.set_level(logging.DEBUG)
    # when
    response = post_graphql(apps_client, VIEWER, headers={TOKEN_HEADER: UNKNOWN_TOKEN})
    # then
    viewer = data_of(response)["viewer"]
    assert viewer["__typename"] == "Unauthenticated"
    assert viewer["code"] == "UNAUTHENTICATED"
    assert UNKNOWN_TOKEN not in response.text
    assert UNKNOWN_TOKEN not in "".join(response.headers.values())
    assert "token rejected by the workspace" in caplog.text  # the service did log the event
    assert UNKNOWN_TOKEN not in caplog.text


def test_forwarded_headers_are_ignored_in_local_mode(client: httpx.Client) -> None:
    # given identity headers but no token, in local mode
    headers = {"X-Forwarded-Email": "bob@example.com", "X-Forwarded-User": "bob"}
    # when
    viewer = data_of(post_graphql(client, VIEWER, headers=headers))["viewer"]
    # then the local default user
    assert viewer["userName"] == "alice@example.com"
    assert viewer["authMode"] == "LOCAL"


def test_local_mode_acts_as_the_user_whose_token_the_workspace_accepts(
    client: httpx.Client,
) -> None:
    # when carol's token is forwarded
    viewer = data_of(post_graphql(client, VIEWER, headers={TOKEN_HEADER: "local-carol"}))["viewer"]
    # then
    assert viewer["userName"] == "carol@example.com"
    assert viewer["displayName"] == "Carol Viewer"
    assert viewer["groups"] == ["users"]
    assert viewer["isAdmin"] is False


def test_local_mode_with_a_token_the_workspace_rejects_is_unauthenticated(
    client: httpx.Client,
) -> None:
    # when a token is forwarded that the workspace does not accept
    viewer = data_of(post_graphql(client, VIEWER, headers={TOKEN_HEADER: UNKNOWN_TOKEN}))["viewer"]
    # then no fall-back to the default user
    assert viewer["__typename"] == "Unauthenticated"


def test_admins_group_makes_the_viewer_an_admin(client: httpx.Client) -> None:
    # when alice (group admins) asks
    viewer = data_of(post_graphql(client, VIEWER, headers={TOKEN_HEADER: "local-alice"}))["viewer"]
    # then
    assert viewer["isAdmin"] is True
    assert "admins" in viewer["groups"]


def test_identity_is_cached_briefly_per_token(
    local_workspace: LocalWorkspace, start_service: StartService
) -> None:
    # given a fresh service (empty identity cache)
    service = start_service(local_settings(local_workspace))
    with httpx.Client(base_url=service.url, timeout=30) as http:
        data_of(post_graphql(http, VIEWER, headers={TOKEN_HEADER: "local-bob"}))
        before = scim_me_calls(local_workspace)
        # when bob asks twice more and carol once
        for token in ("local-bob", "local-bob", "local-carol"):
            data_of(post_graphql(http, VIEWER, headers={TOKEN_HEADER: token}))
    # then only carol's first request reached SCIM Me
    assert scim_me_calls(local_workspace) - before == 1
