"""Fixtures of the data-layer tests: service-principal clients, the stand-in's admin surface and
two purpose-built local workspaces for the warehouse's edge cases.

The demo workspace (`local_workspace` from tests/conftest.py) carries the synthetic history the
repository tests check numbers against. The two workspaces here serve hand-made DuckDB databases
through the same stand-in, so that decoding, chunking, slow and failing statements and faults are
tested over real HTTP with the real SDK without disturbing the shared workspace:

* `typed_workspace`: a few rows with known values of every column type, 5,000 runs, small chunks;
* `troubled_workspace`: a slow task-run table (for polling and deadlines) and a list-price table
  that fails at run time (FAILED statements); fault tests run against it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import httpx
import pytest
from databricks.sdk import WorkspaceClient

from job_monitor.backend.core import build_sp_client
from job_monitor.local_workspace.principals import WORKSPACE_ID
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type
from tests.conftest import local_settings, private_state

TYPED_JOB_ID = "42"
TYPED_CHANGE_TIME = "2026-01-02 03:04:05.678+00"
LARGE_RUN_COUNT = 5_000
# Rows the slow table makes DuckDB hash, one by one, before answering: about a second on one thread.
SLOW_ROWS = 6_000_000


def sp_client_for(workspace: LocalWorkspace, **overrides: Any) -> WorkspaceClient:
    """The app's service-principal client, built as the service builds it, against `workspace`."""
    return build_sp_client(local_settings(workspace, **overrides))


@dataclass
class StandIn:
    """The stand-in's loopback admin surface: faults and counters."""

    http: httpx.Client

    def set_faults(self, faults: dict[str, Any]) -> None:
        self.http.post("/_local/faults", json=faults).raise_for_status()

    def clear_faults(self) -> None:
        self.set_faults({"warehouse_state": "RUNNING"})

    def stats(self) -> dict[str, Any]:
        body: dict[str, Any] = self.http.get("/_local/stats").raise_for_status().json()
        return body

    def statements(self) -> int:
        return int(self.stats()["statements"]["total"])

    def requests(self, route: str) -> int:
        return int(self.stats()["requests"]["by_route"].get(route, 0))


class FixtureDatabase:
    """An in-memory DuckDB with the system tables' schemas, served by a `LocalWorkspace`."""

    def __init__(self) -> None:
        self.connection = duckdb.connect()
        # One thread: the slow table's cost stays predictable on a busy 2-core machine.
        self.connection.execute("SET threads = 1")
        self.connection.execute("SET TimeZone = 'UTC'")
        for table, columns in TABLE_SCHEMAS.items():
            schema = table.split(".")[0]
            self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            body = ", ".join(f"{name} {duckdb_type(kind)}" for name, kind in columns)
            self.connection.execute(f"CREATE TABLE {table} ({body})")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.connection.cursor()

    def close(self) -> None:
        self.connection.close()


def typed_database() -> FixtureDatabase:
    database = FixtureDatabase()
    run = database.connection.execute
    run(
        f"""
        INSERT INTO lakeflow.jobs (workspace_id, job_id, name, creator_user_name,
          run_as_user_name, tags, change_time, trigger_type, trigger, paused, timeout_seconds,
          health_rules)
        VALUES ('{WORKSPACE_ID}', '{TYPED_JOB_ID}', 'typed job', 'bob@example.com',
          'bob@example.com', MAP {{'team': 'data-eng', 'env': 'prod'}},
          TIMESTAMPTZ '{TYPED_CHANGE_TIME}', 'CRON',
          {{'schedule': {{'quartz_cron_expression': '0 0 5 * * ?', 'timezone_id': 'UTC'}}}},
          true, 3600,
          [{{'metric': 'RUN_DURATION_SECONDS', 'operator': 'GREATER_THAN', 'value': 1800}}]),
        -- Another workspace of the same region: never part of an answer.
        ('9999', '43', 'other workspace', NULL, NULL, NULL, TIMESTAMPTZ '{TYPED_CHANGE_TIME}',
          NULL, NULL, NULL, NULL, NULL)
        """
    )
    run(
        f"""
        INSERT INTO lakeflow.job_tasks (workspace_id, job_id, task_key, depends_on_keys,
          change_time)
        VALUES ('{WORKSPACE_ID}', '{TYPED_JOB_ID}', 'ingest', [],
           TIMESTAMPTZ '{TYPED_CHANGE_TIME}'),
          ('{WORKSPACE_ID}', '{TYPED_JOB_ID}', 'publish', ['ingest', 'check'],
           TIMESTAMPTZ '{TYPED_CHANGE_TIME}')
        """
    )
    # Runs one minute apart, ending now; every 7th failed.
    run(
        f"""
        INSERT INTO lakeflow.job_run_timeline (workspace_id, job_id, run_id, period_start_time,
          period_end_time, trigger_type, run_type, run_name, result_state, termination_code)
        SELECT '{WORKSPACE_ID}', '{TYPED_JOB_ID}', CAST(1000000 + i AS VARCHAR),
          date_trunc('second', now()) - to_minutes(i + 1),
          date_trunc('second', now()) - to_minutes(i + 1) + INTERVAL 30 SECOND,
          'CRON', 'JOB_RUN', 'typed job run with a name long enough to fill chunks quickly',
          CASE WHEN i % 7 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END,
          CASE WHEN i % 7 = 0 THEN 'RUN_EXECUTION_ERROR' ELSE 'SUCCESS' END
        FROM range({LARGE_RUN_COUNT}) t(i)
        """
    )
    run(
        """
        INSERT INTO billing.list_prices (account_id, price_start_time, price_end_time, sku_name,
          cloud, currency_code, usage_unit, pricing)
        VALUES ('a', TIMESTAMPTZ '2020-01-01 00:00:00+00', NULL, 'JOBS', 'AWS', 'USD', 'DBU',
          {'default': 0.15, 'promotional': {'default': 0.15},
            'effective_list': {'default': 0.15}})
        """
    )
    run(
        f"""
        INSERT INTO billing.usage (record_id, workspace_id, sku_name, cloud, usage_start_time,
          usage_end_time, usage_date, usage_unit, usage_quantity, usage_metadata, record_type)
        VALUES ('r1', '{WORKSPACE_ID}', 'JOBS', 'AWS', now() - INTERVAL 1 HOUR, now(),
          CAST(now() AS DATE), 'DBU', 12.5, {{'job_id': '{TYPED_JOB_ID}',
          'job_run_id': '1000000'}}, 'ORIGINAL')
        """
    )
    return database


def troubled_database() -> FixtureDatabase:
    database = FixtureDatabase()
    run = database.connection.execute
    # Every row's job_run_id is an MD5, so `job_run_id IN (...)` hashes all of them first.
    run("DROP TABLE lakeflow.job_task_run_timeline")
    run(
        f"""
        CREATE VIEW lakeflow.job_task_run_timeline AS
        SELECT '{WORKSPACE_ID}' AS workspace_id, 'j' AS job_id, 'r' AS run_id,
          md5(CAST(i AS VARCHAR)) AS job_run_id, TIMESTAMPTZ '2030-01-01 00:00:00+00'
          AS period_start_time, TIMESTAMPTZ '2030-01-01 00:00:01+00' AS period_end_time,
          't' AS task_key, 'SUCCEEDED' AS result_state, 'SUCCESS' AS termination_code,
          'SUCCESS' AS termination_type
        FROM range({SLOW_ROWS}) t(i)
        """
    )
    # Fails while running, as a statement on a broken table does.
    run("DROP TABLE billing.list_prices")
    run(
        """
        CREATE VIEW billing.list_prices AS
        SELECT 'JOBS' AS sku_name, 'AWS' AS cloud, 'USD' AS currency_code, 'DBU' AS usage_unit,
          TIMESTAMPTZ '2020-01-01 00:00:00+00' AS price_start_time,
          CAST(error('the list price table is broken') AS TIMESTAMPTZ) AS price_end_time,
          {'default': 1.0, 'effective_list': {'default': 1.0}} AS pricing
        FROM range(3) t(i)
        """
    )
    run(
        f"""
        INSERT INTO billing.usage (record_id, workspace_id, sku_name, cloud, usage_start_time,
          usage_end_time, usage_date, usage_unit, usage_quantity, usage_metadata, record_type)
        VALUES ('r1', '{WORKSPACE_ID}', 'JOBS', 'AWS', now() - INTERVAL 1 HOUR, now(),
          CAST(now() AS DATE), 'DBU', 1, {{'job_id': '1', 'job_run_id': '2'}}, 'ORIGINAL')
        """
    )
    return database


def _start(database: FixtureDatabase, **options: Any) -> LocalWorkspace:
    workspace = LocalWorkspace(
        LocalWorkspaceOptions(**{"state_dir": private_state(), **options}),
        database=lambda: database,
    )
    return workspace.start()


@pytest.fixture(scope="session")
def typed_workspace() -> Iterator[LocalWorkspace]:
    # Small chunks, so that the 5,000-run page spans many of them.
    workspace = _start(typed_database(), result_chunk_bytes=16_384)
    yield workspace
    workspace.stop()


@pytest.fixture(scope="session")
def troubled_workspace() -> Iterator[LocalWorkspace]:
    workspace = _start(troubled_database(), cold_start_seconds=30.0)
    yield workspace
    workspace.stop()


@pytest.fixture(scope="session")
def typed_client(typed_workspace: LocalWorkspace) -> WorkspaceClient:
    return sp_client_for(typed_workspace)


@pytest.fixture(scope="session")
def troubled_client(troubled_workspace: LocalWorkspace) -> WorkspaceClient:
    # Short SDK retries, so that endless 429s give up within the test's patience.
    return sp_client_for(troubled_workspace, retry_timeout_seconds=2, http_timeout_seconds=2)


@pytest.fixture
def typed_stand_in(typed_workspace: LocalWorkspace) -> Iterator[StandIn]:
    with httpx.Client(base_url=typed_workspace.host, timeout=10) as http:
        yield StandIn(http)


@pytest.fixture
def troubled_stand_in(troubled_workspace: LocalWorkspace) -> Iterator[StandIn]:
    with httpx.Client(base_url=troubled_workspace.host, timeout=10) as http:
        stand_in = StandIn(http)
        stand_in.clear_faults()
        yield stand_in
        stand_in.clear_faults()


@pytest.fixture(scope="session")
def demo_client(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return sp_client_for(local_workspace)


@pytest.fixture
def demo_stand_in(local_workspace: LocalWorkspace) -> Iterator[StandIn]:
    with httpx.Client(base_url=local_workspace.host, timeout=10) as http:
        yield StandIn(http)


class Admin:
    """The stand-in's loopback admin surface for async tests: faults and request counters."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def faults(self, settings: dict[str, Any]) -> None:
        (await self._http.post("/_local/faults", json=settings)).raise_for_status()

    async def reset_stats(self) -> None:
        (await self._http.post("/_local/stats/reset")).raise_for_status()

    async def requests(self, route: str) -> int:
        stats = (await self._http.get("/_local/stats")).json()
        count: int = stats["requests"]["by_route"].get(route, 0)
        return count


@pytest.fixture
async def admin(local_workspace: LocalWorkspace) -> AsyncIterator[Admin]:
    """Faults set by a test are cleared after it."""
    async with httpx.AsyncClient(base_url=local_workspace.host) as http:
        yield Admin(http)
        await Admin(http).faults({})
