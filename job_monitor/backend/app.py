"""`create_app(settings)`: the FastAPI application.

Routes, by priority: `GET /api/health` (liveness, no upstream call), GraphQL at `/api/graphql`, a
JSON 404 for every other `/api/*` path, then the built SPA from `static/` with deep-link fallback
to `index.html` (absent before a UI build: the API works without it).
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import uvicorn
from cross_web import HTTPException as GraphQLHTTPException
from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.parse_content_type import parse_content_type
from strawberry.http.types import HTTPMethod
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from job_monitor import __version__
from job_monitor.backend.config import Settings
from job_monitor.backend.core import WorkspaceClients, request_id_var
from job_monitor.backend.data.offload import set_sdk_concurrency
from job_monitor.backend.domain.identity import Mode
from job_monitor.backend.graphql.context import Context, get_context
from job_monitor.backend.graphql.extensions import INTERNAL_ERROR_MESSAGE, GraphQLLimits
from job_monitor.backend.graphql.schema import get_schema
from job_monitor.backend.services.session import JobServices

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
GRAPHQL_PATH = "/api/graphql"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
REQUEST_ID_HEADER = "x-request-id"
# A caller's request id is echoed and sent on to Databricks: accept only a plain, short token.
_REQUEST_ID_SHAPE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Honours `X-Request-Id` (the Apps proxy sets one) or makes one; echoes it on every response,
    a failure's included.

    Pure ASGI, so the ContextVar it sets is visible to everything downstream in the same task. It is
    the outermost layer that knows the id, so an exception nothing else handled is answered here:
    a 500 with the id in its header and body, never a traceback.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _REQUEST_ID_SHAPE.match(incoming) else str(uuid.uuid4())
        token = request_id_var.set(request_id)

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            logger.error("unhandled error on %s", scope.get("path"), exc_info=exc)
            if started or scope["type"] != "http":
                raise
            body = graphql_error_body(INTERNAL_ERROR_MESSAGE, "INTERNAL_SERVER_ERROR")
            response = Response(body, status_code=500, media_type=JSON)
            await response(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Refuses a request body over `max_bytes` with a GraphQL-shaped 413 before anything parses it.

    Bodies are small here (GraphQL documents), so a body without `Content-Length` is read up to the
    limit and replayed to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        response = Response(
            graphql_error_body(
                f"The request body exceeds {self.max_bytes} bytes.", "REQUEST_TOO_LARGE"
            ),
            status_code=413,
            media_type=JSON,
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def negotiate(accept: str) -> str | None:
    """GraphQL over HTTP: `application/graphql-response+json` when the client accepts it (and it
    ranks at least as high as `application/json`), `application/json` for legacy clients and no
    `Accept` at all; None when the client accepts neither (406)."""
    if not accept.strip():
        return JSON
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranks[media.strip().lower()] = max(quality, ranks.get(media.strip().lower(), 0.0))
    wildcard = max(ranks.get("*/*", 0.0), ranks.get("application/*", 0.0))
    graphql = ranks.get(GRAPHQL_RESPONSE_JSON, 0.0)
    plain = max(ranks.get(JSON, 0.0), wildcard)
    if graphql > 0 and graphql >= plain:
        return GRAPHQL_RESPONSE_JSON
    if plain > 0:
        return JSON
    return None


def same_origin(request: Request) -> bool:
    """Whether the request carries no `Origin` or the app's own (its host and port, as the client
    addressed the app; behind the Apps proxy also `X-Forwarded-Host`). A cross-site page can post
    a form, never a JSON body without a CORS preflight this app never grants; this refuses its
    requests outright, so no cross-site page can change a job."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    netloc = urlsplit(origin).netloc.lower() if "://" in origin else ""
    if not netloc:
        return False  # `Origin: null` (a sandboxed frame, a file) or a malformed value
    hosts = {request.headers.get("host", "").lower()}
    settings = getattr(request.app.state, "settings", None)
    if isinstance(settings, Settings) and settings.mode is Mode.APPS:
        hosts.add(request.headers.get("x-forwarded-host", "").lower())
    return netloc in hosts - {""}


def graphql_error_body(message: str, code: str) -> bytes:
    """A GraphQL-over-HTTP error body; it carries the request id, to match a report to the log."""
    extensions = {"code": code, "requestId": request_id_var.get()}
    return orjson.dumps({"errors": [{"message": message, "extensions": extensions}]})


class JobMonitorGraphQLRouter(GraphQLRouter[Context, None]):
    """Strawberry's router, completed to the GraphQL-over-HTTP specification.

    Strawberry 0.341 always answers `application/json`, answers transport errors as plain text,
    400 for a mutation over GET, and fails with a 500 on a JSON body that is not an object. Here:
    a POST from another origin is a 403 (`same_origin`); the media type is negotiated; with
    `application/graphql-response+json` a request error (a document that does not parse or
    validate: no `data`) is a 400; transport errors are GraphQL JSON; 405 for a mutation over GET,
    406 for an unacceptable `Accept`, 415 for a body that is not JSON.
    """

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        if isinstance(request, WebSocket):
            return await super().run(request, context=context, root_value=root_value)
        wants_ide = (
            request.method == "GET"
            and "query" not in request.query_params
            and any(h in request.headers.get("accept", "") for h in ("text/html", "*/*"))
        )
        media_type = JSON if wants_ide else negotiate(request.headers.get("accept", ""))
        if request.method == "POST" and not same_origin(request):
            return Response(
                graphql_error_body(
                    "Cross-origin requests are refused: the API answers POSTs from the app's own "
                    "pages and from clients that send no Origin.",
                    "FORBIDDEN_ORIGIN",
                ),
                status_code=403,
                media_type=media_type or JSON,
            )
        if media_type is None:
            return Response(
                graphql_error_body(f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}.", "NOT_ACCEPTABLE"),
                status_code=406,
                media_type=JSON,
            )
        try:
            response = await super().run(request, context=context, root_value=root_value)
        except GraphQLHTTPException as exc:
            headers = {"Allow": "POST"} if exc.status_code == 405 else None
            return Response(
                graphql_error_body(exc.reason, "BAD_REQUEST"),
                status_code=exc.status_code,
                media_type=media_type,
                headers=headers,
            )
        if response.media_type == JSON:
            response.headers["content-type"] = media_type
            if media_type == GRAPHQL_RESPONSE_JSON and getattr(
                request.state, "graphql_request_error", False
            ):
                response.status_code = 400
        return response

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses invalid UTF-8 and nesting deeper than 1,024 levels without recursing.
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            parsed = self.decode_json(data)
        except (ValueError, RecursionError):  # orjson.JSONDecodeError is a ValueError
            raise GraphQLHTTPException(
                400, "The request body is not valid JSON in UTF-8 (at most 1,024 levels deep)."
            ) from None
        if not isinstance(parsed, dict | list):
            raise GraphQLHTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def parse_http_body(self, request: Any) -> Any:
        if request.method == "POST":
            content_type, params = parse_content_type(request.content_type or "")
            # Media types and charset names are case-insensitive (RFC 9110).
            if content_type.lower() != JSON:
                raise GraphQLHTTPException(415, f"Send the request as {JSON}.")
            charset = params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise GraphQLHTTPException(400, f"Send the body as UTF-8, not {charset[:40]}.")
            request = _LowerCaseContentType(request)
        return await super().parse_http_body(request)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        try:
            return await super().execute_single(*args, **kwargs)
        except GraphQLHTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise GraphQLHTTPException(405, exc.reason) from exc
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # No data and only errors without a path: the document never executed (it did not
        # parse, validate or pass a limit). The spec says such a response has no `data` entry.
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            response.pop("data", None)
            request.state.graphql_request_error = True
        return response


def create_app(settings: Settings) -> FastAPI:
    if not settings.host:
        raise ValueError("Settings.host is required: the workspace URL (or the local stand-in's)")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None]:
        set_sdk_concurrency(settings.sdk_concurrency)
        clients = WorkspaceClients(settings)
        services = JobServices(settings, clients)
        app.state.settings = settings
        app.state.job_services = services

        async def warm_up_then_migrate() -> None:
            await clients.warm_up()
            await services.prepare_state()

        # Not awaited: start-up completes even when the workspace is down or slow.
        warm_up = asyncio.create_task(warm_up_then_migrate())
        try:
            yield
        finally:
            warm_up.cancel()
            await services.aclose()

    app = FastAPI(
        title="Job Monitor",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    # Added last = outermost: the request id is set before anything else runs, even for a 413.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path == GRAPHQL_PATH:
            return Response(
                graphql_error_body(str(exc.detail), "BAD_REQUEST"),
                status_code=exc.status_code,
                media_type=JSON,
            )
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.get("/api/health", tags=["health"])
    async def liveness() -> dict[str, str]:
        """Liveness: answers from memory, never calls the workspace."""
        return {"status": "ok", "version": __version__}

    limits = GraphQLLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_fields=settings.max_fields,
        max_jobs_api_calls=settings.max_jobs_api_calls,
        max_page_size=settings.max_page_size,
    )
    graphql = JobMonitorGraphQLRouter(
        get_schema(limits),
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphiql else None,
        # No subscriptions in the schema, so no WebSocket protocol; multipart uploads stay off
        # (a CSRF vector).
        subscription_protocols=(),
    )
    app.include_router(graphql, prefix=GRAPHQL_PATH)

    api_methods: list[HTTPMethod] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    @app.api_route("/api/{rest:path}", methods=list(api_methods), include_in_schema=False)
    async def api_not_found(rest: str) -> Response:
        # Without this, the SPA fallback would answer a browser's unknown /api path with HTML.
        if f"/api/{rest}" == GRAPHQL_PATH:  # another method on the GraphQL endpoint
            return Response(
                graphql_error_body("GraphQL takes GET and POST.", "METHOD_NOT_ALLOWED"),
                status_code=405,
                media_type=JSON,
                headers={"Allow": "GET, POST"},
            )
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    static_dir = settings.static_dir or STATIC_DIR
    if (static_dir / "index.html").is_file():
        app.frontend("/", directory=static_dir, fallback="index.html")
    else:
        logger.info("no built UI in %s: serving the API only", static_dir)
    return app


class _LowerCaseContentType:
    """The request as Strawberry reads it, with its media type in lower case (Strawberry compares
    it case-sensitively)."""

    def __init__(self, request: Any) -> None:
        self._request = request

    @property
    def content_type(self) -> str:
        return JSON

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


@dataclass
class RunningService:
    """A service running in a background thread (tests, the benchmark)."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def run_in_thread(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> RunningService:
    """Serve `app` with uvicorn in a daemon thread; port 0 picks a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    # Start-up never waits for the workspace, so a few seconds is plenty even on a busy machine.
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.01)
    bound_port = sock.getsockname()[1]
    return RunningService(server=server, thread=thread, url=f"http://{host}:{bound_port}")
