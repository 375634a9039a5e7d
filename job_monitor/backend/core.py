"""The two workspace clients and the request-scoped values they read; nothing else builds clients.

- The service principal's client (`sp`) is built once per process: in local mode and in apps mode
  alike it authenticates with OAuth client credentials (`oauth-m2m`) from `Settings`.
- The on-behalf-of-user client (`user`) is ONE shared client whose credentials strategy reads the
  calling user's token from a ContextVar, so users share one connection pool and no client is built
  per request (building one costs a metadata round trip, reference 6.4).

Both send the request's `X-Request-Id` on every call, read per call from a ContextVar
(`custom_headers` would be fixed per client).

A workspace that is down or slow when the service starts must not stop it: clients are built lazily
off the event loop, a failed build is remembered and retried at most every `client_retry_seconds`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from databricks.sdk import WorkspaceClient, oauth, useragent
from databricks.sdk.core import Config
from databricks.sdk.credentials_provider import (
    CredentialsProvider,
    CredentialsStrategy,
    DefaultCredentials,
    OAuthCredentialsProvider,
)

from job_monitor import __version__
from job_monitor.backend.config import Settings
from job_monitor.backend.data.cache import SingleFlight
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.sdk_errors import TokenRequestError, unavailable
from job_monitor.backend.domain.errors import (
    MissingUserTokenError,
    Upstream,
    UpstreamUnavailableError,
)

logger = logging.getLogger(__name__)

PRODUCT = "job-monitor"

# Set by the request middleware and the GraphQL context for the duration of one request; `call_sdk`
# copies them into the worker thread that runs the SDK call.
request_id_var: ContextVar[str | None] = ContextVar("job_monitor_request_id", default=None)
user_token_var: ContextVar[str | None] = ContextVar("job_monitor_user_token", default=None)


def _with_request_id(headers: dict[str, str]) -> dict[str, str]:
    request_id = request_id_var.get()
    if request_id:
        headers["X-Request-Id"] = request_id
    return headers


class ForwardRequestId(CredentialsStrategy):
    """Wraps another strategy; the SDK copies every header the factory returns onto each request."""

    def __init__(self, inner: CredentialsStrategy | DefaultCredentials) -> None:
        self._inner = inner

    def auth_type(self) -> str:
        return self._inner.auth_type()

    def __call__(self, cfg: Config) -> CredentialsProvider:
        provider = self._inner(cfg)

        def headers() -> dict[str, str]:
            return _with_request_id(dict(provider()))

        return headers


@dataclass
class _ClientCredentials(oauth.ClientCredentials):
    """The SDK's client-credentials token source, with the token call bounded by a timeout and a
    refusal raised as `TokenRequestError` carrying the endpoint's status (the SDK raises a
    ValueError of the endpoint's text, which the service could only show as an internal error)."""

    timeout_seconds: float = 60.0

    def refresh(self) -> oauth.Token:
        params = {"grant_type": "client_credentials"}
        if self.scopes:
            params["scope"] = self.scopes
        if self.authorization_details:
            params["authorization_details"] = self.authorization_details
        response = requests.post(
            self.token_url,
            params,
            auth=requests.auth.HTTPBasicAuth(self.client_id, self.client_secret),
            timeout=self.timeout_seconds,
        )
        if not response.ok:
            # The endpoint's text stays out of the error: it is not ours to pass on.
            raise TokenRequestError(
                f"the OAuth token endpoint answered HTTP {response.status_code}", response=response
            )
        try:
            body = response.json()
            return oauth.Token(
                access_token=body["access_token"],
                token_type=body["token_type"],
                expiry=datetime.now() + timedelta(seconds=int(body["expires_in"])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise requests.exceptions.InvalidJSONError(
                "the OAuth token endpoint answered no token"
            ) from exc


class ServicePrincipalOAuth(CredentialsStrategy):
    """OAuth client credentials (`oauth-m2m`) of the app's service principal, as the SDK's own
    strategy does them, through `_ClientCredentials`."""

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout_seconds = timeout_seconds

    def auth_type(self) -> str:
        return "oauth-m2m"

    def __call__(self, cfg: Config) -> CredentialsProvider:
        oidc = cfg.databricks_oidc_endpoints
        if oidc is None or not cfg.client_id or not cfg.client_secret:
            raise ValueError("needs the workspace's OIDC endpoints, a client id and a secret")
        source = _ClientCredentials(
            client_id=cfg.client_id,
            client_secret=cfg.client_secret,
            token_url=oidc.token_endpoint,
            scopes=cfg.get_scopes_as_string(),
            use_header=True,
            disable_async=cfg.disable_async_token_refresh,
            authorization_details=cfg.authorization_details,
            timeout_seconds=self._timeout_seconds,
        )

        def headers() -> dict[str, str]:
            token = source.token()
            return {"Authorization": f"{token.token_type} {token.access_token}"}

        return OAuthCredentialsProvider(headers, source.token)


class UserTokenCredentials(CredentialsStrategy):
    """Bearer token of the current request's user, read from `user_token_var` on every call."""

    def auth_type(self) -> str:
        return "pat"

    def __call__(self, cfg: Config) -> CredentialsProvider:
        def headers() -> dict[str, str]:
            token = user_token_var.get()
            if not token:
                raise MissingUserTokenError("no user token in this request")
            return _with_request_id({"Authorization": f"Bearer {token}"})

        return headers


def _config(settings: Settings, credentials: CredentialsStrategy, **auth: Any) -> Config:
    """Blocking: the SDK fetches the host's metadata (bounded by our timeouts) while building."""
    # Process-wide, so the SDK's own discovery requests (made before `product` applies) name the
    # app too: this process is Job Monitor.
    useragent.with_product(PRODUCT, __version__)
    return Config(
        host=settings.host,
        workspace_id=settings.workspace_id,
        product=PRODUCT,
        product_version=__version__,
        http_timeout_seconds=settings.http_timeout_seconds,
        retry_timeout_seconds=settings.retry_timeout_seconds,
        credentials_strategy=credentials,
        **auth,
    )


def build_sp_client(settings: Settings) -> WorkspaceClient:
    """Blocking: host metadata, OIDC discovery. Call through `call_sdk`."""
    if settings.job_identity:
        # A scheduled job runs as the app's service principal; the runtime authenticates it.
        return WorkspaceClient(config=_config(settings, ForwardRequestId(DefaultCredentials())))
    secret = settings.client_secret.get_secret_value() if settings.client_secret else None
    config = _config(
        settings,
        ForwardRequestId(ServicePrincipalOAuth(settings.http_timeout_seconds)),
        client_id=settings.client_id,
        client_secret=secret,
        # Explicit, so a stray DATABRICKS_TOKEN in the environment cannot make it ambiguous.
        auth_type="oauth-m2m",
    )
    return WorkspaceClient(config=config)


def build_user_client(settings: Settings) -> WorkspaceClient:
    """Blocking: host metadata. `auth_type="pat"` keeps the App's SP client id/secret (also in the
    environment, and loaded into every Config) from making the SDK refuse two auth methods."""
    config = _config(settings, UserTokenCredentials(), auth_type="pat")
    return WorkspaceClient(config=config)


class LazyClient:
    """A client built on first use, off the event loop, single-flight, with a remembered failure.

    The build runs as its own task: a caller that gives up (a health deadline) stops waiting, but
    the build still completes and is kept, instead of being started again by the next caller.
    """

    def __init__(
        self, name: str, build: Callable[[], WorkspaceClient], retry_seconds: float
    ) -> None:
        self._name = name
        self._build = build
        self._retry_seconds = retry_seconds
        self._client: WorkspaceClient | None = None
        self._building = SingleFlight[str, WorkspaceClient](f"{name} client")
        self._failed_at: float | None = None
        self._failure: UpstreamUnavailableError | None = None

    @property
    def ready(self) -> bool:
        return self._client is not None

    async def get(self) -> WorkspaceClient:
        if self._client is not None:
            return self._client
        if (
            not self._building.running(self._name)
            and self._failed_at is not None
            and time.monotonic() - self._failed_at < self._retry_seconds
        ):
            raise self._unavailable()
        return await self._building.run(self._name, self._build_once)

    def _unavailable(self) -> UpstreamUnavailableError:
        failure = self._failure
        assert failure is not None
        # A new error each time: one instance raised again and again would grow its traceback.
        return UpstreamUnavailableError(
            failure.service,
            failure.problem,
            failure.detail,
            upstream_status=failure.upstream_status,
        )

    async def _build_once(self) -> WorkspaceClient:
        try:
            client = await call_sdk(self._build)
        except Exception as exc:
            # Whatever stops the build (no metadata, no OIDC endpoints, a refused token) is the
            # workspace failing; the mapper says how, and with which status.
            self._failed_at = time.monotonic()
            self._failure = unavailable(
                Upstream.WORKSPACE, exc, f"cannot build the {self._name} client"
            )
            logger.warning("%s", self._failure.detail)
            raise self._unavailable() from exc
        logger.info("%s client ready", self._name)
        self._client = client
        return client


class WorkspaceClients:
    """The service principal client and the shared on-behalf-of-user client of one app."""

    def __init__(self, settings: Settings) -> None:
        self.sp = LazyClient(
            "service principal",
            lambda: build_sp_client(settings),
            settings.client_retry_seconds,
        )
        self.user = LazyClient(
            "on-behalf-of-user",
            lambda: build_user_client(settings),
            settings.client_retry_seconds,
        )

    async def warm_up(self) -> None:
        """Build both clients now if the workspace answers; a failure only means: later."""
        for client in (self.sp, self.user):
            with contextlib.suppress(UpstreamUnavailableError):
                await client.get()
