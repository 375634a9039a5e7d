"""The local Databricks workspace: a FastAPI app on 127.0.0.1 the real databricks-sdk talks to."""

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from job_monitor.local_workspace import (
    faults,
    identity_routes,
    jobs_api,
    secrets,
    statements,
    stats,
    warehouses,
)
from job_monitor.local_workspace.auth import DatabricksHTTPError, TokenIssuer, databricks_error
from job_monitor.local_workspace.catalog import WritableCatalog
from job_monitor.local_workspace.created_jobs import CreatedJobs
from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.faults import (
    Faults,
    FaultSettings,
    apply_faults,
    apply_warehouse_settings,
)
from job_monitor.local_workspace.statements import SqlDatabase, StatementService
from job_monitor.local_workspace.stats import Stats, StatsMiddleware
from job_monitor.local_workspace.warehouses import Warehouse

_STARTUP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class LocalWorkspaceOptions:
    seed: int = 7
    jobs: int = 300
    days: int = 90
    data_dir: Path = Path(".local-workspace")
    # The writable catalog `main`; None: `data_dir / "state"`. One stand-in process at a time.
    state_dir: Path | None = None
    port: int = 0
    cold_start_seconds: float = 5.0
    warehouse_state: Literal["RUNNING", "STOPPED"] = "RUNNING"
    faults: FaultSettings = field(default_factory=FaultSettings)
    token_lifetime_seconds: int = 3600
    # Big enough that dashboard results fit one chunk, small enough that exports really span chunks.
    result_chunk_bytes: int = 1 << 20
    statement_workers: int = 4


class WorkspaceState:
    """Everything behind the routes: database, warehouse, faults, counters, tokens, statements."""

    def __init__(self, options: LocalWorkspaceOptions) -> None:
        self.options = options
        self.tokens = TokenIssuer(options.token_lifetime_seconds)
        self._database: SqlDatabase | None = None
        self._database_error: BaseException | None = None
        self._database_ready = threading.Event()
        self.warehouse = Warehouse(
            options.warehouse_state, options.cold_start_seconds, self._database_ready
        )
        self.faults = Faults(options.faults)
        apply_warehouse_settings(options.faults, self.warehouse)
        self.stats = Stats()
        self.secrets = secrets.SecretStore()
        state_dir = options.state_dir or options.data_dir / "state"
        self.catalog = WritableCatalog(state_dir)
        self.created_jobs = CreatedJobs(state_dir)
        self.statements = StatementService(
            lambda: self.database,
            self.warehouse,
            self.stats,
            catalog=self.catalog,
            faults=self.faults,
            created_jobs=self.created_jobs,
            chunk_bytes=options.result_chunk_bytes,
            workers=options.statement_workers,
        )

    def load_database(self, source: Callable[[], SqlDatabase]) -> None:
        """Builds or opens the database; routes that need it wait until this finishes."""
        try:
            self._database = source()
        except BaseException as error:
            self._database_error = error
            raise
        finally:
            self._database_ready.set()

    def close_database(self) -> None:
        if self._database is not None:
            self.catalog.detach(self._database.cursor())
            self._database.close()
            self._database = None
        # Only now may another stand-in open the state directory.
        self.catalog.release()

    def database_if_built(self) -> SqlDatabase | None:
        """The database, or None while it is still being built: never waits."""
        return self.database if self._database_ready.is_set() else None

    @property
    def database(self) -> SqlDatabase:
        # Opening is quick, but a first build takes seconds: identity routes answer meanwhile.
        if not self._database_ready.wait(timeout=600):
            raise TimeoutError("the local workspace database is still being built")
        if self._database is None:
            message = "the local workspace database failed to build or was closed"
            raise RuntimeError(message) from self._database_error
        return self._database


def _error_code_for(status: int) -> str:
    return {
        400: "INVALID_PARAMETER_VALUE",
        404: "ENDPOINT_NOT_FOUND",
        405: "BAD_REQUEST",
    }.get(status, "INTERNAL_ERROR")


def create_local_workspace_app(state: WorkspaceState) -> FastAPI:
    app = FastAPI(
        title="Local Databricks workspace",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(apply_faults)],
    )
    app.state.workspace = state
    app.state.token_issuer = state.tokens
    app.state.warehouse = state.warehouse
    app.state.faults = state.faults
    app.state.stats = state.stats
    app.state.statements = state.statements
    app.state.secrets = state.secrets
    app.state.created_jobs = state.created_jobs

    @app.exception_handler(DatabricksHTTPError)
    async def databricks_http_error(_request: Request, error: DatabricksHTTPError) -> JSONResponse:
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return databricks_error(400, "INVALID_PARAMETER_VALUE", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = (
            f"No API found for '{request.method} {request.url.path}'"
            if error.status_code == 404
            else str(error.detail)
        )
        return databricks_error(error.status_code, _error_code_for(error.status_code), message)

    app.include_router(identity_routes.router)
    app.include_router(warehouses.router)
    app.include_router(statements.router)
    app.include_router(faults.router)
    app.include_router(stats.router)
    app.include_router(jobs_api.router)
    app.include_router(secrets.router)

    app.add_middleware(StatsMiddleware, stats=state.stats)
    return app


def _default_database(options: LocalWorkspaceOptions) -> Callable[[], SqlDatabase]:
    def build_or_open() -> SqlDatabase:
        return WorkspaceDatabase.build_or_open(
            options.data_dir, seed=options.seed, jobs=options.jobs, days=options.days
        )

    return build_or_open


class LocalWorkspace:
    """Runs the workspace in a daemon thread; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        options: LocalWorkspaceOptions | None = None,
        *,
        database: Callable[[], SqlDatabase] | None = None,
    ) -> None:
        self.options = options or LocalWorkspaceOptions()
        self.state = WorkspaceState(self.options)
        self._database_source = database or _default_database(self.options)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loader: threading.Thread | None = None
        self._port = 0

    @property
    def host(self) -> str:
        if not self._port:
            raise RuntimeError("the local workspace is not started")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> Self:
        """Returns once the server listens; the database is built or opened in the background."""
        self._loader = threading.Thread(
            target=self.state.load_database,
            args=(self._database_source,),
            name="local-workspace-database",
            daemon=True,
        )
        self._loader.start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.options.port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_local_workspace_app(self.state),
            log_level="warning",
            access_log=False,
            lifespan="off",
            # Held (timeout-faulted) requests must not delay stop().
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"local-workspace-{self._port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local workspace did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self.state.statements.shutdown()
            self._thread.join(timeout=5)
        if self._loader is not None:
            # DuckDB aborts the whole process if the interpreter exits while a build is running.
            self._loader.join()
            self.state.close_database()
        self._server = None
        self._thread = None
        self._loader = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
