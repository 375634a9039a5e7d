"""A statement the warehouse rejects is a typed answer, not a masked internal error.

The stand-in runs the service's SQL on a database whose job catalog cannot be read (as when the
app's principal lacks SELECT on `system.lakeflow.jobs`): the warehouse answers the statement FAILED
with its error code, and the API says so as `WarehouseQueryFailed`.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from tests.conftest import StartService, local_settings, private_state
from tests.integration.data.conftest import FixtureDatabase, typed_database
from tests.integration.graphql.conftest import GraphQL

JOBS = """
{ jobs(first: 5) { __typename
  ... on Error { message code }
  ... on WarehouseQueryFailed { errorCode } } }
"""
JOB = '{ job(jobId: "42") { __typename ... on WarehouseQueryFailed { code errorCode } } }'


def unreadable_catalog() -> FixtureDatabase:
    database = typed_database()
    run = database.connection.execute
    run("ALTER TABLE lakeflow.jobs RENAME TO jobs_readable")
    # Fails while running, as a statement on a table the principal may not read does.
    run(
        "CREATE VIEW lakeflow.jobs AS SELECT * REPLACE "
        "(CAST(error('SELECT is not granted on system.lakeflow.jobs') AS VARCHAR) AS name) "
        "FROM lakeflow.jobs_readable"
    )
    return database


@pytest.fixture(scope="module")
def broken_catalog() -> Iterator[LocalWorkspace]:
    database = unreadable_catalog()
    workspace = LocalWorkspace(
        LocalWorkspaceOptions(state_dir=private_state()), database=lambda: database
    ).start()
    yield workspace
    workspace.stop()


@pytest.fixture(scope="module")
def gql_on_broken_catalog(
    broken_catalog: LocalWorkspace, start_service: StartService
) -> Iterator[GraphQL]:
    service = start_service(local_settings(broken_catalog))
    with httpx.Client(base_url=service.url, timeout=60) as http:
        yield GraphQL(http)


def test_a_statement_the_warehouse_fails_is_warehouse_query_failed(
    gql_on_broken_catalog: GraphQL,
) -> None:
    # when the job list needs the catalog the warehouse cannot read
    body = gql_on_broken_catalog.raw(JOBS)
    # then the answer is typed, with the warehouse's error code and none of its text
    assert "errors" not in body, body
    jobs = body["data"]["jobs"]
    assert jobs["__typename"] == "WarehouseQueryFailed"
    assert jobs["code"] == "WAREHOUSE_QUERY_FAILED"
    assert jobs["errorCode"]
    assert "jobs_catalog" in jobs["message"]
    assert "SELECT is not granted" not in jobs["message"]
    assert "lakeflow" not in jobs["message"]


def test_a_single_job_answers_a_failed_statement_as_data(
    gql_on_broken_catalog: GraphQL,
) -> None:
    body = gql_on_broken_catalog.raw(JOB)
    assert "errors" not in body, body
    assert body["data"]["job"]["__typename"] == "WarehouseQueryFailed"
