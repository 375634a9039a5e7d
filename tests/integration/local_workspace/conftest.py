"""Fixtures for the local workspace's own contract tests.

`small_workspace` serves a small private DuckDB with the real system-table schemas and rows these
tests control, so results can be checked exactly; small result chunks make multi-chunk results
cheap.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from job_monitor.local_workspace.statements import SqlDatabase
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type
from tests.conftest import private_state

JOB_COUNT = 3
RUN_COUNT = 2500
CHUNK_BYTES = 4096
COLD_START_SECONDS = 0.5


class SmallDatabase:
    """Every system table, empty except for jobs and run timeline rows with known values."""

    def __init__(self) -> None:
        self._connection = duckdb.connect()
        self._connection.execute("SET TimeZone = 'UTC'")
        for table, columns in TABLE_SCHEMAS.items():
            schema = table.split(".")[0]
            self._connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            ddl = ", ".join(f'"{name}" {duckdb_type(kind)}' for name, kind in columns)
            self._connection.execute(f"CREATE TABLE {table} ({ddl})")
        self._connection.execute(
            """
            INSERT INTO lakeflow.jobs (workspace_id, job_id, name, tags, change_time)
            SELECT '1234567890123456', CAST(i AS VARCHAR), 'job ' || i, MAP {'team': 'team-' || i},
                   TIMESTAMPTZ '2026-01-01 00:00:00+00'
            FROM range(1, $jobs + 1) AS t(i)
            """,
            {"jobs": JOB_COUNT},
        )
        self._connection.execute(
            """
            INSERT INTO lakeflow.job_run_timeline
                (workspace_id, job_id, run_id, period_start_time, period_end_time, result_state,
                 compute_ids)
            SELECT '1234567890123456', CAST(i % $jobs + 1 AS VARCHAR), CAST(i AS VARCHAR),
                   TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 MINUTE,
                   TIMESTAMPTZ '2026-01-01 00:00:30.250+00' + i * INTERVAL 1 MINUTE,
                   CASE WHEN i % 10 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END,
                   ['cluster-' || (i % 2)]
            FROM range($runs) AS t(i)
            """,
            {"jobs": JOB_COUNT, "runs": RUN_COUNT},
        )

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._connection.cursor()

    def close(self) -> None:
        self._connection.close()


@pytest.fixture(scope="session")
def small_workspace() -> Iterator[LocalWorkspace]:
    options = LocalWorkspaceOptions(
        result_chunk_bytes=CHUNK_BYTES,
        cold_start_seconds=COLD_START_SECONDS,
        statement_workers=2,
        state_dir=private_state(),
    )
    with LocalWorkspace(options, database=SmallDatabase) as workspace:
        # Its warehouse is STARTING until the database is built: the tests begin once it runs.
        _ = workspace.state.database
        yield workspace


@contextmanager
def building_workspace(
    database: Callable[[], SqlDatabase] = SmallDatabase,
) -> Iterator[tuple[LocalWorkspace, threading.Event]]:
    """A workspace whose database build goes on until the event is set (at the latest on exit)."""
    built = threading.Event()

    def build() -> SqlDatabase:
        built.wait(timeout=60)
        return database()

    with LocalWorkspace(
        LocalWorkspaceOptions(statement_workers=1, state_dir=private_state()), database=build
    ) as workspace:
        try:
            yield workspace, built
        finally:
            built.set()


def user_client(
    workspace: LocalWorkspace,
    token: str,
    *,
    http_timeout_seconds: float = 60,
    retry_timeout_seconds: int = 300,
) -> WorkspaceClient:
    """A client as the app's on-behalf-of-user client is built: PAT semantics for a user token."""
    return WorkspaceClient(
        config=Config(
            host=workspace.host,
            token=token,
            auth_type="pat",
            http_timeout_seconds=http_timeout_seconds,
            retry_timeout_seconds=retry_timeout_seconds,
        )
    )


def service_principal_client(workspace: LocalWorkspace) -> WorkspaceClient:
    return WorkspaceClient(
        config=Config(
            host=workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret=SP_CLIENT_SECRET,
            auth_type="oauth-m2m",
        )
    )


@pytest.fixture(scope="session")
def alice(small_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(small_workspace, "local-alice")


@pytest.fixture(scope="session")
def bob(small_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(small_workspace, "local-bob")


@pytest.fixture(scope="session")
def carol(small_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(small_workspace, "local-carol")


@pytest.fixture(scope="session")
def app_service_principal(small_workspace: LocalWorkspace) -> WorkspaceClient:
    return service_principal_client(small_workspace)


@pytest.fixture(scope="session")
def http(small_workspace: LocalWorkspace) -> Iterator[httpx.Client]:
    """Plain HTTP to the workspace, one connection pool for the session."""
    with httpx.Client(base_url=small_workspace.host, timeout=10) as client:
        yield client


@pytest.fixture
def admin(http: httpx.Client) -> Iterator[httpx.Client]:
    """The admin surface; faults set through it are cleared after each test."""
    yield http
    http.post("/_local/faults", json={}).raise_for_status()


@pytest.fixture(scope="session")
def database(local_workspace: LocalWorkspace) -> WorkspaceDatabase:
    """The demo workspace's database, for the tests' independent SQL."""
    database = local_workspace.state.database
    assert isinstance(database, WorkspaceDatabase)
    return database
