"""Secrets API 2.0, in memory: the scopes the scheduled jobs read their delivery settings from.

Workspace admins (alice) manage scopes and secrets; reading a value needs READ on the scope, which
the app's service principal and admins hold (as a deployment grants it). Values are kept as bytes
and answered base64-encoded, as Databricks does; `secrets/list` never answers values.
"""

import base64
import binascii
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from job_monitor.local_workspace.auth import CurrentPrincipal, DatabricksHTTPError
from job_monitor.local_workspace.principals import APP_SP, Principal, is_admin

router = APIRouter()


class SecretStore:
    def __init__(self) -> None:
        self._scopes: dict[str, dict[str, tuple[bytes, int]]] = {}
        self._lock = threading.Lock()

    def create_scope(self, scope: str) -> None:
        with self._lock:
            if scope in self._scopes:
                raise DatabricksHTTPError(
                    400, "RESOURCE_ALREADY_EXISTS", f"Scope {scope} already exists!"
                )
            self._scopes[scope] = {}

    def put(self, scope: str, key: str, value: bytes) -> None:
        with self._lock:
            self._scope(scope)[key] = (value, int(time.time() * 1000))

    def keys(self, scope: str) -> list[tuple[str, int]]:
        with self._lock:
            return [(key, at) for key, (_, at) in sorted(self._scope(scope).items())]

    def get(self, scope: str, key: str) -> bytes:
        with self._lock:
            found = self._scope(scope).get(key)
        if found is None:
            raise DatabricksHTTPError(
                404, "RESOURCE_DOES_NOT_EXIST", f"Failed to get secret {key} for scope {scope}."
            )
        return found[0]

    def _scope(self, scope: str) -> dict[str, tuple[bytes, int]]:
        if scope not in self._scopes:
            raise DatabricksHTTPError(
                404, "RESOURCE_DOES_NOT_EXIST", f"Scope {scope} does not exist!"
            )
        return self._scopes[scope]


def get_secrets(request: Request) -> SecretStore:
    store: SecretStore = request.app.state.secrets
    return store


Secrets = Annotated[SecretStore, Depends(get_secrets)]


def _require(principal: Principal, allowed: bool, action: str, scope: str) -> None:
    if not allowed:
        raise DatabricksHTTPError(
            403,
            "PERMISSION_DENIED",
            f"User {principal.user_name} does not have {action} permission on scope {scope}",
        )


class CreateScope(BaseModel):
    model_config = ConfigDict(extra="ignore")
    scope: str


class PutSecret(BaseModel):
    model_config = ConfigDict(extra="ignore")
    scope: str
    key: str
    string_value: str | None = None
    bytes_value: str | None = None


@router.post("/api/2.0/secrets/scopes/create")
async def create_scope(
    body: CreateScope, principal: CurrentPrincipal, store: Secrets
) -> dict[str, str]:
    _require(principal, is_admin(principal), "MANAGE", body.scope)
    store.create_scope(body.scope)
    return {}


@router.post("/api/2.0/secrets/put")
async def put_secret(
    body: PutSecret, principal: CurrentPrincipal, store: Secrets
) -> dict[str, str]:
    _require(principal, is_admin(principal), "WRITE", body.scope)
    if (body.string_value is None) == (body.bytes_value is None):
        raise DatabricksHTTPError(
            400, "INVALID_PARAMETER_VALUE", "Exactly one of string_value or bytes_value is needed"
        )
    if body.string_value is not None:
        value = body.string_value.encode()
    else:
        try:
            value = base64.b64decode(body.bytes_value or "", validate=True)
        except binascii.Error as error:
            raise DatabricksHTTPError(
                400, "INVALID_PARAMETER_VALUE", "bytes_value is not base64"
            ) from error
    store.put(body.scope, body.key, value)
    return {}


def _may_read(principal: Principal) -> bool:
    return principal == APP_SP or is_admin(principal)


@router.get("/api/2.0/secrets/list")
async def list_secrets(
    scope: Annotated[str, Query()], principal: CurrentPrincipal, store: Secrets
) -> dict[str, list[dict[str, object]]]:
    _require(principal, _may_read(principal), "READ", scope)
    return {
        "secrets": [{"key": key, "last_updated_timestamp": at} for key, at in store.keys(scope)]
    }


@router.get("/api/2.0/secrets/get")
async def get_secret(
    scope: Annotated[str, Query()],
    key: Annotated[str, Query()],
    principal: CurrentPrincipal,
    store: Secrets,
) -> dict[str, str]:
    _require(principal, _may_read(principal), "READ", scope)
    return {"key": key, "value": base64.b64encode(store.get(scope, key)).decode()}
