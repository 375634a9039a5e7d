"""Every FastAPI dependency of the app, as `Annotated` aliases, in one place.

They read what the lifespan put on `app.state`; `HTTPConnection`, not `Request`, so they would also
serve WebSockets. `async def` though they only read: FastAPI runs sync dependencies in a thread,
and the request's ContextVars must be set in the request's own task.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from job_monitor.backend.auth import token_from_headers
from job_monitor.backend.config import Settings
from job_monitor.backend.core import request_id_var, user_token_var
from job_monitor.backend.services.session import JobServices, Session


async def get_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


async def get_job_services(conn: HTTPConnection) -> JobServices:
    services: JobServices = conn.app.state.job_services
    return services


SettingsDep = Annotated[Settings, Depends(get_settings)]
JobServicesDep = Annotated[JobServices, Depends(get_job_services)]


async def open_session(
    conn: HTTPConnection, settings: SettingsDep, services: JobServicesDep
) -> Session:
    """The request's session, acting with the user token this request carries."""
    token = token_from_headers(settings, conn.headers)
    # Set in the request's task, so every SDK call of this request (through `call_sdk`, which
    # copies ContextVars) acts as this user on the shared user client.
    user_token_var.set(token)
    return services.session(token, request_id_var.get() or "")


SessionDep = Annotated[Session, Depends(open_session)]
