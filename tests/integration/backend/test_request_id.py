"""`X-Request-Id` reaches Databricks on both clients.

A recording forwarder sits between the service and the local workspace: the real SDK talks HTTP to
it, it notes the headers and passes the request on unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from job_monitor import __version__
from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings
from tests.integration.backend.http import TOKEN_HEADER, data_of, post_graphql

DASHBOARD = "query Dashboard { viewer { __typename } health { status } }"
HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


class Recorder:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: list[tuple[str, str | None, str | None]] = []
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()

    async def forward(self, request: Request) -> Response:
        with self._lock:
            self.seen.append(
                (
                    request.url.path,
                    request.headers.get("x-request-id"),
                    request.headers.get("authorization"),
                )
            )
            self.user_agents.add(request.headers.get("user-agent", ""))
        async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as upstream:
            answer = await upstream.request(
                request.method,
                request.url.path,
                params=request.query_params,
                content=await request.body(),
                headers={k: v for k, v in request.headers.items() if k != "host"},
            )
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        return Response(answer.content, status_code=answer.status_code, headers=headers)


@pytest.fixture(scope="module")
def recorder(local_workspace: LocalWorkspace) -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder(local_workspace.host)
    app = Starlette(routes=[Route("/{path:path}", recorder.forward, methods=["GET", "POST"])])
    server = uvicorn.Server(uvicorn.Config(app, port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield recorder, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def recorded_service(
    recorder: tuple[Recorder, str], local_workspace: LocalWorkspace, start_service: StartService
) -> RunningService:
    settings = local_settings(local_workspace, health_cache_seconds=0)
    return start_service(settings.model_copy(update={"host": recorder[1]}))


def test_request_id_is_sent_on_by_both_clients(
    recorder: tuple[Recorder, str], recorded_service: RunningService
) -> None:
    # when a request with an id asks for the viewer (user client) and health (SP client)
    with httpx.Client(base_url=recorded_service.url, timeout=30) as http:
        data_of(
            post_graphql(
                http,
                DASHBOARD,
                headers={"X-Request-Id": "trace-77", TOKEN_HEADER: "local-bob"},
            )
        )
    # then every workspace API call made for it carried the id
    calls = [(path, rid, auth) for path, rid, auth in recorder[0].seen if rid == "trace-77"]
    users = {auth for path, _, auth in calls if path.endswith("/scim/v2/Me")}
    assert "Bearer local-bob" in users  # the user's own SCIM Me
    assert any(auth and auth != "Bearer local-bob" for auth in users)  # the SP's health check
    assert any(path.startswith("/api/2.0/sql/warehouses/") for path, _, _ in calls)


def test_workspace_calls_name_the_product(
    recorder: tuple[Recorder, str], recorded_service: RunningService
) -> None:
    # when the service calls the workspace
    with httpx.Client(base_url=recorded_service.url, timeout=30) as http:
        data_of(post_graphql(http, DASHBOARD))
    # then audit logs can tell its traffic apart (product and version in the User-Agent)
    api_agents = {ua for ua in recorder[0].user_agents if "databricks-sdk-py" in ua}
    assert api_agents
    assert all(ua.startswith(f"job-monitor/{__version__} ") for ua in api_agents), api_agents
