"""Who is calling: the token is the authority, confirmed with SCIM Me; headers are never identity.

Token source per mode:
- `apps`: `X-Forwarded-Access-Token` only (set by the Databricks Apps proxy); missing -> nobody.
- `local`: `X-Forwarded-Access-Token` when present (tests, the UI's user chooser), else the local
  default user's token. There is no proxy locally, so no other forwarded header means anything.

A confirmed identity is cached briefly under the SHA-256 digest of the token (never the token), and
never past the token's own `exp` when it is a JWT. The JWT is decoded without verifying its
signature and only `exp` is read: trusting any identity claim in it would make SCIM Me pointless.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict

import anyio
import jwt
from databricks.sdk.errors import PermissionDenied, Unauthenticated
from databricks.sdk.service.iam import User
from starlette.datastructures import Headers

from job_monitor.backend.config import Settings
from job_monitor.backend.core import WorkspaceClients, user_token_var
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.reads import record_read
from job_monitor.backend.data.sdk_errors import describe_failure
from job_monitor.backend.domain.errors import Upstream, UpstreamProblem, UpstreamUnavailableError
from job_monitor.backend.domain.identity import Identity, Mode

logger = logging.getLogger(__name__)

TOKEN_HEADER = "x-forwarded-access-token"  # noqa: S105 (a header name, not a secret)


def token_from_headers(settings: Settings, headers: Headers) -> str | None:
    """The user token this request acts with, or None (then the viewer is `Unauthenticated`)."""
    forwarded = headers.get(TOKEN_HEADER, "").strip()
    if settings.mode is Mode.APPS:
        return forwarded or None
    return forwarded or settings.local_user_token.get_secret_value()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_expiry(token: str) -> float | None:
    """Unix time of the token's `exp` when it is a JWT; None for opaque tokens (PATs, `local-*`)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


def identity_from_scim(me: User, mode: Mode) -> Identity:
    emails = [e.value for e in me.emails or [] if e.value]
    primary = next((e.value for e in me.emails or [] if e.primary and e.value), None)
    user_name = me.user_name or ""
    email = primary or (emails[0] if emails else None) or (user_name if "@" in user_name else None)
    return Identity(
        user_name=user_name,
        email=email,
        display_name=me.display_name,
        groups=tuple(g.display for g in me.groups or [] if g.display),
        mode=mode,
    )


class IdentityResolver:
    """SCIM Me per token digest, with a short, bounded, expiry-aware cache."""

    def __init__(self, settings: Settings, clients: WorkspaceClients) -> None:
        self._settings = settings
        self._clients = clients
        self._cache: OrderedDict[str, tuple[Identity, float]] = OrderedDict()

    async def resolve(self, token: str) -> Identity | None:
        """The identity behind `token`, or None when the workspace does not accept it.

        The shared user client reads the token from `user_token_var`; it is set here for the call
        (the GraphQL context also sets it for the whole request).
        """
        key = token_digest(token)
        now = time.time()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            entry = cached
            record_read(lambda: self._cache.get(key) is entry and entry[1] > time.time())
            return entry[0]

        deadline = self._settings.identity_timeout_seconds
        acting_as = user_token_var.set(token)
        try:
            with anyio.fail_after(deadline):
                user_ws = await self._clients.user.get()
                me = await call_sdk(user_ws.current_user.me)
        except (Unauthenticated, PermissionDenied) as exc:
            # The SDK's message carries no token; its class is all the log needs.
            logger.info("token rejected by the workspace (%s)", type(exc).__name__)
            return None
        except TimeoutError as exc:
            raise UpstreamUnavailableError(
                Upstream.WORKSPACE, UpstreamProblem.TIMEOUT, describe_failure(exc)
            ) from exc
        except OSError as exc:  # DatabricksError is an IOError
            raise UpstreamUnavailableError(
                Upstream.WORKSPACE, UpstreamProblem.FAILING, describe_failure(exc)
            ) from exc
        finally:
            user_token_var.reset(acting_as)
        identity = identity_from_scim(me, self._settings.mode)
        self._remember(key, identity, token, now)
        return identity

    def _remember(self, key: str, identity: Identity, token: str, now: float) -> None:
        expires = now + self._settings.identity_cache_seconds
        exp = token_expiry(token)
        if exp is not None:
            expires = min(expires, exp)
        if expires <= now:
            return
        self._cache[key] = (identity, expires)
        self._cache.move_to_end(key)
        while len(self._cache) > self._settings.identity_cache_size:
            self._cache.popitem(last=False)
