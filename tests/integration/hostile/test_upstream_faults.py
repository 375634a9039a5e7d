"""Upstream faults are named, and fast (issue 9, finding 4)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings, state_prepared
from tests.integration.graphql.conftest import GraphQL

JOBS = """
{ jobs(first: 5) { __typename
  ... on Error { code message }
  ... on WarehouseUnavailable { state } } }
"""
OVERVIEW = """
{ overview(window: LAST_30_DAYS) { __typename ... on WarehouseUnavailable { state } } }
"""
# The service's statement wait: a stopped warehouse is answered before it would end. The issue's
# 2 s target is a speed figure, measured by benchmarks/job_health.py, not asserted under load.
STATEMENT_WAIT_SECONDS = 5.0


def service_gql(
    local_workspace: LocalWorkspace, start_service: StartService, **overrides: Any
) -> GraphQL:
    # Once its start-up migration is over: the faults below are meant for the requests alone.
    service = state_prepared(start_service(local_settings(local_workspace, **overrides)))
    return GraphQL(httpx.Client(base_url=service.url, timeout=60))


@pytest.mark.parametrize(
    ("seen", "asked", "field"),
    [
        # the health check reads the state; the page's statements read it afresh
        ("{ health { status } }", JOBS, "jobs"),
        # the page's statements have just read it (RUNNING, kept for seconds): the stopped
        # warehouse holds the next submits, and the state is read again while it does
        (JOBS, OVERVIEW, "overview"),
    ],
    ids=["seen-by-health", "seen-by-statements"],
)
def test_a_stopped_warehouse_is_warehouse_unavailable_before_any_statement_wait(
    local_workspace: LocalWorkspace,
    start_service: StartService,
    faults: Any,
    seen: str,
    asked: str,
    field: str,
) -> None:
    # given a service whose warehouse was seen running, then stopped (a 30 s cold start)
    gql = service_gql(local_workspace, start_service)
    gql.data(seen)
    faults({"warehouse_state": "STOPPED", "cold_start_seconds": 30})
    # when a page needs SQL it has not run yet
    started = time.perf_counter()
    answer = gql.data(asked)[field]
    took = time.perf_counter() - started
    # then it says the warehouse is warming up without waiting for a statement, let alone the start
    assert answer["__typename"] == "WarehouseUnavailable", answer
    assert answer["state"] in {"STOPPED", "STARTING"}
    assert took < STATEMENT_WAIT_SECONDS, took


def test_a_wrong_warehouse_id_is_warehouse_unavailable_not_found(
    local_workspace: LocalWorkspace, start_service: StartService
) -> None:
    gql = service_gql(local_workspace, start_service, warehouse_id="no-such-warehouse")
    jobs = gql.data(JOBS)["jobs"]
    assert jobs["__typename"] == "WarehouseUnavailable", jobs
    assert jobs["state"] == "NOT_FOUND"
    assert jobs["code"] == "WAREHOUSE_UNAVAILABLE"
    assert "does not exist" in jobs["message"]


@pytest.mark.parametrize(
    ("field", "statement"),
    [("outputs", "system.access.table_lineage"), ("utilization", "system.compute.node_timeline")],
)
def test_a_failed_statement_behind_one_field_nulls_that_field_not_the_page(
    local_workspace: LocalWorkspace,
    start_service: StartService,
    faults: Any,
    field: str,
    statement: str,
) -> None:
    # given a service with nothing cached, and the warehouse failing the statement behind `field`
    gql = service_gql(local_workspace, start_service)
    faults({"statements": [{"pattern": re.escape(statement), "error": "FAILED_AFTER_WRITE"}]})
    # when a page of jobs asks for it
    nodes_asked = f"nodes {{ jobId name {field} {{ __typename }} }}"
    body = gql.raw(f"{{ jobs(first: 5) {{ ... on JobConnection {{ {nodes_asked} }} }} }}")
    # then the jobs are there, each with only that field null and a typed error at its path
    nodes = body["data"]["jobs"]["nodes"]
    assert len(nodes) == 5, body
    assert all(node["name"] for node in nodes)
    assert all(node[field] is None for node in nodes)
    paths = {tuple(error["path"]) for error in body["errors"]}
    assert paths == {("jobs", "nodes", index, field) for index in range(5)}
    assert {error["extensions"]["code"] for error in body["errors"]} == {"WAREHOUSE_QUERY_FAILED"}
    assert all("SELECT" not in error["message"] for error in body["errors"])
