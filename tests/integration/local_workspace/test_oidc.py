"""OAuth machine-to-machine for the app's service principal, as in a deployed Databricks App."""

import time

import httpx
import jwt
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.errors import Unauthenticated

from job_monitor.local_workspace.principals import APP_SP, SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from tests.integration.local_workspace.conftest import user_client

TOKEN_PATH = "/oidc/v1/token"


def test_service_principal_client_authenticates_with_client_credentials(
    app_service_principal: WorkspaceClient,
) -> None:
    # when
    me = app_service_principal.current_user.me()

    # then
    assert app_service_principal.config.auth_type == "oauth-m2m"
    assert me.user_name == SP_CLIENT_ID


def test_host_metadata_points_the_sdk_at_the_oidc_endpoints(
    small_workspace: LocalWorkspace,
) -> None:
    # when
    config = Config(
        host=small_workspace.host,
        client_id=SP_CLIENT_ID,
        client_secret=SP_CLIENT_SECRET,
        auth_type="oauth-m2m",
    )

    # then
    assert config.discovery_url == (
        f"{small_workspace.host}/oidc/.well-known/oauth-authorization-server"
    )
    assert config.workspace_id == "1234567890123456"


def test_access_token_is_a_signed_jwt_with_an_expiry(
    small_workspace: LocalWorkspace, http: httpx.Client
) -> None:
    # when: client credentials in the form body instead of HTTP Basic
    response = http.post(
        TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "scope": "all-apis",
            "client_id": SP_CLIENT_ID,
            "client_secret": SP_CLIENT_SECRET,
        },
    )

    # then
    assert response.status_code == 200
    body = response.json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(body["access_token"])["kid"]
    assert claims["sub"] == SP_CLIENT_ID
    assert claims["client_id"] == SP_CLIENT_ID
    assert claims["scope"] == "all-apis"
    assert claims["iss"] == f"{small_workspace.host}/oidc"
    assert claims["exp"] > time.time() + body["expires_in"] - 60
    assert body["token_type"] == "Bearer"


def test_wrong_client_secret_is_an_oauth_invalid_client_error(
    small_workspace: LocalWorkspace,
) -> None:
    # given
    client = WorkspaceClient(
        config=Config(
            host=small_workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret="not-the-secret",
            auth_type="oauth-m2m",
        )
    )

    # when / then: the SDK's token source reports the OAuth error code and description
    with pytest.raises(ValueError, match="invalid_client"):
        client.current_user.me()


def test_unsupported_grant_type_is_rejected(http: httpx.Client) -> None:
    # when
    response = http.post(
        TOKEN_PATH,
        data={"grant_type": "password"},
        auth=(SP_CLIENT_ID, SP_CLIENT_SECRET),
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_expired_service_principal_token_is_unauthenticated(
    small_workspace: LocalWorkspace,
) -> None:
    # given a token signed by the workspace that expired a minute ago
    issued = small_workspace.state.tokens.issue(
        APP_SP, issuer=f"{small_workspace.host}/oidc", scope="all-apis", lifetime_seconds=-60
    )

    # when / then
    with pytest.raises(Unauthenticated):
        user_client(small_workspace, issued.access_token).current_user.me()


def test_token_signed_by_someone_else_is_unauthenticated(small_workspace: LocalWorkspace) -> None:
    # given a well-formed JWT for the service principal, signed with another key
    forged = jwt.encode(
        {"sub": SP_CLIENT_ID, "exp": int(time.time()) + 600}, b"x" * 32, algorithm="HS256"
    )

    # when / then
    with pytest.raises(Unauthenticated):
        user_client(small_workspace, forged).current_user.me()
