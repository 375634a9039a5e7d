"""The per-request GraphQL context: the only door from resolvers to dependencies."""

from __future__ import annotations

from typing import Annotated

from databricks.sdk import WorkspaceClient
from fastapi import Depends
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from job_monitor.backend.auth import Identity, IdentityResolver, token_from_headers
from job_monitor.backend.config import Settings
from job_monitor.backend.core import (
    ClientsDep,
    SettingsDep,
    WorkspaceClients,
    WorkspaceUnavailableError,
    request_id_var,
    user_token_var,
)
from job_monitor.backend.data.workspace_checks import HealthMonitor, HealthReport
from job_monitor.backend.graphql.errors import WorkspaceUnavailableError as WorkspaceDown
from job_monitor.backend.graphql.loaders import Loaders
from job_monitor.backend.services.session import JobServices, get_job_services


class Context(BaseContext):
    """Settings, the request id, both workspace clients and the viewer, for one request.

    `sp_ws()` and `user_ws()` are async because a client is built on first use (the workspace may
    have been down at start-up). The user client is shared, but acts as this request's user: the
    token sits in a ContextVar that every SDK call of this request carries.
    """

    def __init__(
        self,
        settings: Settings,
        request_id: str,
        clients: WorkspaceClients,
        identities: IdentityResolver,
        health_monitor: HealthMonitor,
        user_token: str | None,
        job_services: JobServices,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.request_id = request_id
        self._clients = clients
        self._identities = identities
        self._health_monitor = health_monitor
        self._user_token = user_token
        self._viewer: Identity | None = None
        self._viewer_resolved = False
        # Issue 4: the request's job-health session (its viewer, its "now") and its DataLoaders.
        self.job_session = job_services.session(self.viewer)
        self.loaders = Loaders(self.job_session)

    async def sp_ws(self) -> WorkspaceClient:
        try:
            return await self._clients.sp.get()
        except WorkspaceUnavailableError as exc:
            raise WorkspaceDown() from exc

    async def user_ws(self) -> WorkspaceClient:
        try:
            return await self._clients.user.get()
        except WorkspaceUnavailableError as exc:
            raise WorkspaceDown() from exc

    async def viewer(self) -> Identity | None:
        """The calling person confirmed by the workspace, or None: no token, or not accepted."""
        if not self._viewer_resolved:
            if self._user_token is not None:
                try:
                    self._viewer = await self._identities.resolve(self._user_token)
                except WorkspaceUnavailableError as exc:
                    raise WorkspaceDown() from exc
            self._viewer_resolved = True
        return self._viewer

    async def health(self) -> HealthReport:
        return await self._health_monitor.report()


async def get_identities(conn: HTTPConnection) -> IdentityResolver:
    identities: IdentityResolver = conn.app.state.identities
    return identities


async def get_health_monitor(conn: HTTPConnection) -> HealthMonitor:
    monitor: HealthMonitor = conn.app.state.health_monitor
    return monitor


async def get_context(
    conn: HTTPConnection,
    settings: SettingsDep,
    clients: ClientsDep,
    identities: Annotated[IdentityResolver, Depends(get_identities)],
    health_monitor: Annotated[HealthMonitor, Depends(get_health_monitor)],
    job_services: Annotated[JobServices, Depends(get_job_services)],
) -> Context:
    token = token_from_headers(settings, conn.headers)
    # Async dependency: it runs in the request's task, so the value stays visible to the
    # resolvers and, through `call_sdk`, to the shared user client.
    user_token_var.set(token)
    return Context(
        settings=settings,
        request_id=request_id_var.get() or "",
        clients=clients,
        identities=identities,
        health_monitor=health_monitor,
        user_token=token,
        job_services=job_services,
    )


JMInfo = Info[Context, None]
