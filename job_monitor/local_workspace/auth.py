"""Who is calling: the local users' bearer tokens and the service principal's OAuth access tokens.

Errors use Databricks' JSON shape (`error_code`, `message`) so the SDK raises the same exception
classes it raises against a real workspace.
"""

import secrets
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from job_monitor.local_workspace.principals import APP_SP, USER_TOKENS, Principal

MISSING_CREDENTIAL_MESSAGE = "Credential was not sent or was of an unsupported type for this API."
INVALID_TOKEN_MESSAGE = "Invalid access token."  # noqa: S105 (a message, not a secret)

_JWT_ALGORITHM = "HS256"
_KEY_ID = "local-workspace-1"


def databricks_error(status: int, error_code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": error_code, "message": message}, status_code=status)


class DatabricksHTTPError(Exception):
    """Raised by dependencies and routes; the app's handler turns it into Databricks' error JSON."""

    def __init__(
        self, status: int, error_code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers

    def response(self) -> JSONResponse:
        response = databricks_error(self.status, self.error_code, self.message)
        response.headers.update(self.headers or {})
        return response


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


class TokenIssuer:
    """Signs the service principal's OAuth access tokens, as Databricks' OIDC server does.

    The key is random per process: tokens do not outlive the stand-in that issued them.
    """

    def __init__(self, lifetime_seconds: int) -> None:
        self._key = secrets.token_bytes(32)
        self.lifetime_seconds = lifetime_seconds

    def issue(
        self, principal: Principal, *, issuer: str, scope: str, lifetime_seconds: int | None = None
    ) -> IssuedToken:
        lifetime = self.lifetime_seconds if lifetime_seconds is None else lifetime_seconds
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": principal.user_name,
            "client_id": principal.user_name,
            "scope": scope,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(claims, self._key, algorithm=_JWT_ALGORITHM, headers={"kid": _KEY_ID})
        return IssuedToken(access_token=token, expires_in=lifetime)

    def principal_for(self, token: str) -> Principal | None:
        """The principal a signed, unexpired token was issued to; None for anything else."""
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[_JWT_ALGORITHM], options={"require": ["exp", "sub"]}
            )
        except jwt.PyJWTError:
            return None
        return APP_SP if claims["sub"] == APP_SP.user_name else None


def get_token_issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


async def authenticate(
    request: Request, issuer: Annotated[TokenIssuer, Depends(get_token_issuer)]
) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise DatabricksHTTPError(401, "UNAUTHENTICATED", MISSING_CREDENTIAL_MESSAGE)
    principal = USER_TOKENS.get(token) or issuer.principal_for(token)
    if principal is None:
        raise DatabricksHTTPError(401, "UNAUTHENTICATED", INVALID_TOKEN_MESSAGE)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


async def require_loopback(request: Request) -> None:
    """The admin surface changes faults and reads counters: only this machine may use it."""
    if request.client is None or request.client.host not in _LOOPBACK_HOSTS:
        raise DatabricksHTTPError(
            403, "PERMISSION_DENIED", "The admin surface answers on loopback only."
        )


LoopbackOnly = Depends(require_loopback)
