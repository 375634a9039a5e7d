"""Fixtures of the job-health API tests: GraphQL over HTTP as a given user, the stand-in's admin
surface, and an independent read-only view of the stand-in's data.

Expected numbers come from `Truth`: our own SQL on the stand-in's DuckDB file, opened read-only
with `duckdb` — never from the service's queries or code — so a wrong query or rule in the service
shows up as a difference.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import httpx
import pytest

from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings, state_prepared

GRAPHQL = "/api/graphql"
STALE_REFRESH_SECONDS = 3.0
STALE_REFRESHES = 3
TOKENS = {"alice": "local-alice", "bob": "local-bob", "carol": "local-carol"}
BOB_PRINCIPALS = (("user", "bob@example.com"), ("group", "data-eng"), ("group", "users"))
# Runs the system tables hold that count as successes and failures (system vocabulary).
SUCCESS_STATES = ("SUCCEEDED",)
FAILURE_STATES = ("FAILED", "TIMED_OUT", "ERROR")


@dataclass
class GraphQL:
    """Posts operations to one running service as a given local user."""

    http: httpx.Client

    def raw(self, query: str, user: str = "alice", **variables: Any) -> dict[str, Any]:
        response = self.http.post(
            GRAPHQL,
            json={"query": query, "variables": variables},
            headers={"X-Forwarded-Access-Token": TOKENS.get(user, user)},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, user: str = "alice", **variables: Any) -> dict[str, Any]:
        body = self.raw(query, user, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@dataclass
class StandIn:
    """The stand-in's loopback admin surface: faults and statement counters."""

    http: httpx.Client

    def set_faults(self, faults: dict[str, Any]) -> None:
        self.http.post("/_local/faults", json=faults).raise_for_status()

    def clear_faults(self) -> None:
        self.set_faults({"warehouse_state": "RUNNING"})

    def statements(self) -> int:
        return int(self.http.get("/_local/stats").raise_for_status().json()["statements"]["total"])


def window_start(days: float, now: datetime | None = None) -> datetime:
    """The start of a window as the API defines it: "now" floored to the minute, minus the days."""
    moment = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    return moment - timedelta(days=days)


def percentile_approx(values: list[float], percentage: float) -> float | None:
    """Databricks' definition, written out again here: the smallest value with at least
    `percentage` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(round(percentage * len(ordered), 9)))
    return ordered[rank - 1]


class Truth:
    """Independent answers from the stand-in's own data, read with our own SQL."""

    def __init__(self, workspace: LocalWorkspace) -> None:
        database = workspace.state.database
        assert isinstance(database, WorkspaceDatabase)
        self._path = str(database.path)
        self._database = database

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(self._path, read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        hours = int(self._database.shift() / timedelta(hours=1))
        # The stand-in's views move the anchored data forward by whole hours to meet the clock.
        con.execute("SET VARIABLE local_shift = to_hours(?::BIGINT)", [hours])
        return con

    def rows(
        self, sql: str, params: list[Any] | dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        con = self._connect()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def finished_runs(self, since: datetime, job_ids: set[int] | None = None) -> list[RunFact]:
        """Every run started at or after `since` with its latest result (repairs: the last result
        slice), from the hourly slices of job_run_timeline."""
        rows = self.rows(
            """
            WITH slices AS (
              SELECT CAST(job_id AS BIGINT) AS job_id, CAST(run_id AS BIGINT) AS run_id,
                     period_start_time, period_end_time, result_state, termination_code,
                     run_duration_seconds
              FROM lakeflow.job_run_timeline
            ),
            starts AS (
              SELECT job_id, run_id, min(period_start_time) AS start_time,
                     sum(epoch_ms(period_end_time) - epoch_ms(period_start_time)) / 1000.0 AS sliced
              FROM slices GROUP BY job_id, run_id
            ),
            results AS (
              SELECT job_id, run_id, result_state, termination_code, run_duration_seconds,
                     period_end_time AS end_time,
                     row_number() OVER (PARTITION BY run_id ORDER BY period_end_time DESC) AS newest
              FROM slices WHERE result_state IS NOT NULL
            )
            SELECT s.job_id, s.run_id, s.start_time, r.end_time, r.result_state,
                   r.termination_code, coalesce(r.run_duration_seconds, s.sliced)
            FROM starts s LEFT JOIN results r ON r.run_id = s.run_id AND r.newest = 1
            WHERE s.start_time >= ?
            """,
            [since],
        )
        facts = [RunFact(*row) for row in rows]
        return [fact for fact in facts if job_ids is None or fact.job_id in job_ids]

    def job_ids(self) -> set[int]:
        """Jobs that exist now: the latest SCD row of each job, not deleted."""
        rows = self.rows(
            """
            SELECT CAST(job_id AS BIGINT) FROM (
              SELECT job_id, delete_time,
                     row_number() OVER (PARTITION BY job_id ORDER BY change_time DESC) AS newest
              FROM lakeflow.jobs
            ) WHERE newest = 1 AND delete_time IS NULL
            """
        )
        return {row[0] for row in rows}

    def deleted_jobs(self) -> dict[int, tuple[str, datetime]]:
        """Deleted jobs, each with the name and deletion time of its latest SCD row."""
        rows = self.rows(
            """
            SELECT CAST(job_id AS BIGINT), name, delete_time FROM (
              SELECT job_id, name, delete_time,
                     row_number() OVER (PARTITION BY job_id ORDER BY change_time DESC) AS newest
              FROM lakeflow.jobs
            ) WHERE newest = 1 AND delete_time IS NOT NULL
            """
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def job_ids_of(self, principals: tuple[tuple[str, str], ...]) -> set[int]:
        """Existing jobs whose ACL grants something to one of these principals."""
        grants = " OR ".join("(principal_type = ? AND principal = ?)" for _ in principals)
        params = [value for pair in principals for value in pair]
        rows = self.rows(f"SELECT DISTINCT job_id FROM local.acl WHERE {grants}", params)
        return {row[0] for row in rows} & self.job_ids()


@dataclass(frozen=True)
class RunFact:
    job_id: int
    run_id: int
    start_time: datetime
    end_time: datetime | None
    result_state: str | None
    termination_code: str | None
    duration_seconds: float | None

    @property
    def finished(self) -> bool:
        return self.result_state is not None

    @property
    def succeeded(self) -> bool:
        return self.result_state in SUCCESS_STATES

    @property
    def failed(self) -> bool:
        return self.result_state in FAILURE_STATES


def same_minute(check: Callable[[], None]) -> None:
    """Runs `check` again when the minute turned while it ran: windows end on the minute, so the
    service and the expected values must have seen the same one. An answer may also come from the
    previous minute's results while their refresh runs behind (the caches serve stale-while-
    revalidate), so a failure is retried after that refresh has had time to land: a few times,
    since a refresh of every job's figures can take seconds on a loaded machine."""
    refreshes = 0
    for _ in range(8):
        started = datetime.now(UTC).replace(second=0, microsecond=0)
        try:
            check()
            return
        except AssertionError:
            if datetime.now(UTC).replace(second=0, microsecond=0) == started:
                if refreshes == STALE_REFRESHES:
                    raise
                refreshes += 1
                time.sleep(STALE_REFRESH_SECONDS)
    check()


@pytest.fixture(scope="session")
def truth(local_workspace: LocalWorkspace) -> Truth:
    return Truth(local_workspace)


PERMISSIONS_COMPLETE = "{ jobs(first: 1) { ... on JobConnection { permissionsComplete } } }"


def wait_for_permissions(gql: GraphQL) -> None:
    """Until the service has read every job's permissions (a restricted viewer sees a subset
    before that, by design)."""
    for _ in range(300):
        if gql.data(PERMISSIONS_COMPLETE, "bob")["jobs"]["permissionsComplete"]:
            return
        time.sleep(0.2)
    raise AssertionError("the job permissions were not read within a minute")


@pytest.fixture(scope="session")
def gql(service: RunningService) -> Iterator[GraphQL]:
    with httpx.Client(base_url=service.url, timeout=60) as http:
        client = GraphQL(http)
        wait_for_permissions(client)
        yield client


@pytest.fixture(scope="session")
def stand_in(local_workspace: LocalWorkspace) -> Iterator[StandIn]:
    with httpx.Client(base_url=local_workspace.host, timeout=30) as http:
        yield StandIn(http)


@pytest.fixture
def fresh_gql(
    local_workspace: LocalWorkspace, start_service: StartService
) -> Iterator[Callable[..., GraphQL]]:
    """A new service (empty caches) with the given settings overrides, for fault tests."""
    clients: list[httpx.Client] = []

    def start(**overrides: Any) -> GraphQL:
        service = state_prepared(start_service(local_settings(local_workspace, **overrides)))
        http = httpx.Client(base_url=service.url, timeout=60)
        clients.append(http)
        return GraphQL(http)

    yield start
    for http in clients:
        http.close()
