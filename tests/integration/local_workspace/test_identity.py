"""SCIM Me and tokens through the real databricks-sdk, with PAT semantics (the user client)."""

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import Unauthenticated

from job_monitor.local_workspace.principals import WORKSPACE_ID
from job_monitor.local_workspace.server import LocalWorkspace
from tests.integration.local_workspace.conftest import user_client

SCIM_ME = "/api/2.0/preview/scim/v2/Me"


@pytest.mark.parametrize(
    ("token", "user_name", "groups"),
    [
        ("local-alice", "alice@example.com", {"admins", "users"}),
        ("local-bob", "bob@example.com", {"data-eng", "users"}),
        ("local-carol", "carol@example.com", {"users"}),
    ],
)
def test_scim_me_names_the_token_owner_with_groups(
    small_workspace: LocalWorkspace, token: str, user_name: str, groups: set[str]
) -> None:
    # given a PAT-style client for a local user
    client = user_client(small_workspace, token)

    # when
    me = client.current_user.me()

    # then
    assert me.user_name == user_name
    assert me.emails is not None
    assert me.emails[0].value == user_name
    assert {g.display for g in me.groups or []} == groups


def test_workspace_id_comes_from_the_scim_me_header(alice: WorkspaceClient) -> None:
    # given / when: the SDK reads X-Databricks-Org-Id from SCIM Me
    workspace_id = alice.get_workspace_id()

    # then
    assert workspace_id == int(WORKSPACE_ID)


def test_scim_me_honours_attributes(alice: WorkspaceClient) -> None:
    # when
    me = alice.current_user.me(attributes="userName")

    # then: only what was asked for, plus what SCIM always returns
    assert me.user_name == "alice@example.com"
    assert not me.groups
    assert me.display_name is None
    assert me.id


def test_unknown_token_is_unauthenticated(small_workspace: LocalWorkspace) -> None:
    # given a token the workspace never issued
    client = user_client(small_workspace, "local-mallory")

    # when / then
    with pytest.raises(Unauthenticated) as raised:
        client.current_user.me()
    assert "Invalid access token" in str(raised.value)
    assert "local-mallory" not in str(raised.value)


def test_missing_token_is_unauthenticated_in_databricks_error_json(http: httpx.Client) -> None:
    # when
    response = http.get(SCIM_ME)

    # then
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"


def test_unknown_route_answers_databricks_error_json(http: httpx.Client) -> None:
    # when
    response = http.get("/api/2.0/no-such-api", headers={"Authorization": "Bearer local-alice"})

    # then
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
