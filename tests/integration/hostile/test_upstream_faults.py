"""Upstream faults are named, and fast (issue 9, finding 4)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings, state_prepared
from tests.integration.graphql.conftest import GraphQL

JOBS = """
{ jobs(first: 5) { __typename
  ... on Error { code message }
  ... on WarehouseUnavailable { state } } }
"""
# A stopped warehouse must be answered well inside this, whatever the statement wait is.
WAREHOUSE_ANSWER_SECONDS = 2.0


def service_gql(
    local_workspace: LocalWorkspace, start_service: StartService, **overrides: Any
) -> GraphQL:
    # Once its start-up migration is over: the faults below are meant for the requests alone.
    service = state_prepared(start_service(local_settings(local_workspace, **overrides)))
    return GraphQL(httpx.Client(base_url=service.url, timeout=60))


def test_a_stopped_warehouse_is_warehouse_unavailable_within_two_seconds(
    local_workspace: LocalWorkspace, start_service: StartService, faults: Any
) -> None:
    # given a service whose warehouse was seen running, then stopped (a 30 s cold start)
    gql = service_gql(local_workspace, start_service)
    gql.data("{ health { status } }")
    faults({"warehouse_state": "STOPPED", "cold_start_seconds": 30})
    # when a page needs SQL
    started = time.perf_counter()
    jobs = gql.data(JOBS)["jobs"]
    took = time.perf_counter() - started
    # then it says the warehouse is warming up, at once
    assert jobs["__typename"] == "WarehouseUnavailable", jobs
    assert jobs["state"] in {"STOPPED", "STARTING"}
    assert took < WAREHOUSE_ANSWER_SECONDS


def test_a_wrong_warehouse_id_is_warehouse_unavailable_not_found(
    local_workspace: LocalWorkspace, start_service: StartService
) -> None:
    gql = service_gql(local_workspace, start_service, warehouse_id="no-such-warehouse")
    jobs = gql.data(JOBS)["jobs"]
    assert jobs["__typename"] == "WarehouseUnavailable", jobs
    assert jobs["state"] == "NOT_FOUND"
    assert jobs["code"] == "WAREHOUSE_UNAVAILABLE"
    assert "does not exist" in jobs["message"]
