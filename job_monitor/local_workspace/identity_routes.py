"""Host metadata, OIDC client credentials for the app's service principal, and SCIM Me."""

import base64
import binascii
import hashlib
import hmac
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from job_monitor.local_workspace.auth import CurrentPrincipal, TokenIssuer, get_token_issuer
from job_monitor.local_workspace.principals import (
    APP_SP,
    SP_CLIENT_ID,
    SP_CLIENT_SECRET,
    WORKSPACE_ID,
    Principal,
)

router = APIRouter()

_USER_SCHEMAS = [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:workspace:2.0:User",
]
# SCIM always returns these, whatever `attributes` asks for.
_ALWAYS_RETURNED = frozenset({"id", "schemas"})


def _host(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/.well-known/databricks-config")
async def host_metadata(request: Request) -> dict[str, str]:
    # The SDK derives its OIDC discovery URL from `oidc_endpoint`; oauth-m2m cannot start without.
    return {"oidc_endpoint": f"{_host(request)}/oidc", "workspace_id": WORKSPACE_ID, "cloud": "AWS"}


@router.get("/oidc/.well-known/oauth-authorization-server")
async def oidc_discovery(request: Request) -> dict[str, Any]:
    oidc = f"{_host(request)}/oidc"
    return {
        "issuer": oidc,
        "authorization_endpoint": f"{oidc}/v1/authorize",
        "token_endpoint": f"{oidc}/v1/token",
        "jwks_uri": f"{oidc}/v1/keys",
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["all-apis", "sql", "offline_access"],
    }


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """Client id and secret from HTTP Basic (what the SDK sends) or from the form body."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def _same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


@router.post("/oidc/v1/token", response_model=None)
async def oidc_token(
    request: Request, issuer: Annotated[TokenIssuer, Depends(get_token_issuer)]
) -> JSONResponse | dict[str, Any]:
    form = {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    client_id, secret = _client_credentials(request, form)
    if client_id != SP_CLIENT_ID or not _same_secret(secret, SP_CLIENT_SECRET):
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    scope = form.get("scope", "all-apis")
    token = issuer.issue(APP_SP, issuer=f"{_host(request)}/oidc", scope=scope)
    return {
        "access_token": token.access_token,
        "token_type": "Bearer",
        "expires_in": token.expires_in,
        "scope": scope,
    }


def _group_id(name: str) -> str:
    # Stable numeric ids, like the long integers Databricks gives groups.
    return str(int.from_bytes(hashlib.sha256(name.encode()).digest()[:6], "big"))


def _scim_user(principal: Principal) -> dict[str, Any]:
    given, _, family = principal.display_name.partition(" ")
    user: dict[str, Any] = {
        "schemas": _USER_SCHEMAS,
        "id": principal.id,
        "userName": principal.user_name,
        "displayName": principal.display_name,
        "active": True,
        "groups": [
            {
                "display": g,
                "value": _group_id(g),
                "$ref": f"Groups/{_group_id(g)}",
                "type": "direct",
            }
            for g in principal.groups
        ],
        "entitlements": [{"value": "workspace-access"}, {"value": "databricks-sql-access"}],
    }
    if principal.kind == "user":
        user["name"] = {"givenName": given, "familyName": family}
        user["emails"] = [{"value": principal.user_name, "type": "work", "primary": True}]
    return user


def _select_attributes(
    user: dict[str, Any], attributes: str | None, excluded: str | None
) -> dict[str, Any]:
    if attributes:
        wanted = {a.strip() for a in attributes.split(",")} | _ALWAYS_RETURNED
        user = {k: v for k, v in user.items() if k in wanted}
    if excluded:
        unwanted = {a.strip() for a in excluded.split(",")} - _ALWAYS_RETURNED
        user = {k: v for k, v in user.items() if k not in unwanted}
    return user


@router.get("/api/2.0/preview/scim/v2/Me")
async def scim_me(
    principal: CurrentPrincipal,
    attributes: Annotated[str | None, Query()] = None,
    excluded_attributes: Annotated[str | None, Query(alias="excludedAttributes")] = None,
) -> JSONResponse:
    body = _select_attributes(_scim_user(principal), attributes, excluded_attributes)
    # The SDK's get_workspace_id() reads the workspace id from this header.
    return JSONResponse(body, headers={"X-Databricks-Org-Id": WORKSPACE_ID})
