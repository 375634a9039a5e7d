"""The shared clients' credentials strategies read the request's values per call."""

from __future__ import annotations

import contextvars

import pytest
from databricks.sdk.core import Config
from databricks.sdk.credentials_provider import CredentialsProvider, CredentialsStrategy

from job_monitor.backend.core import (
    ForwardRequestId,
    UserTokenCredentials,
    request_id_var,
    user_token_var,
)
from job_monitor.backend.domain.errors import MissingUserTokenError


class StaticToken(CredentialsStrategy):
    """Stands in for the SP's OAuth strategy: only the wrapping is under test here."""

    def auth_type(self) -> str:
        return "static"

    def __call__(self, cfg: Config) -> CredentialsProvider:
        return lambda: {"Authorization": "Bearer sp-token"}


def in_request(request_id: str | None, token: str | None, fn: object) -> object:
    def run() -> object:
        request_id_var.set(request_id)
        user_token_var.set(token)
        return fn()  # type: ignore[operator]

    return contextvars.copy_context().run(run)


def test_user_credentials_follow_the_current_request() -> None:
    # given one strategy, i.e. one shared client
    headers = UserTokenCredentials()(Config.__new__(Config))
    # when two requests use it in turn
    first = in_request("req-1", "token-a", headers)
    second = in_request("req-2", "token-b", headers)
    # then each carries its own user and request id
    assert first == {"Authorization": "Bearer token-a", "X-Request-Id": "req-1"}
    assert second == {"Authorization": "Bearer token-b", "X-Request-Id": "req-2"}


def test_user_credentials_refuse_to_act_without_a_user() -> None:
    headers = UserTokenCredentials()(Config.__new__(Config))
    with pytest.raises(MissingUserTokenError):
        in_request("req-1", None, headers)


def test_service_principal_credentials_get_the_request_id() -> None:
    headers = ForwardRequestId(StaticToken())(Config.__new__(Config))
    assert in_request("req-9", None, headers) == {
        "Authorization": "Bearer sp-token",
        "X-Request-Id": "req-9",
    }
    assert in_request(None, None, headers) == {"Authorization": "Bearer sp-token"}
