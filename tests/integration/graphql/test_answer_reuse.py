"""A warm answer is reused while its data is unchanged, for its own viewer only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from job_monitor.backend.app import RunningService
from job_monitor.backend.services.session import JobServices
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings
from tests.integration.graphql.conftest import GraphQL, Truth, wait_for_permissions

JOBS = (
    "{ jobs(first: 100) { ... on JobConnection { totalCount nodes { jobId health { runs } } } } }"
)
ACTIVE = "{ activeRuns { ... on ActiveRuns { totalCount runs { runId message } } } }"
HEALTH = "{ health { status } }"


@pytest.fixture(scope="module")
def own_service(local_workspace: LocalWorkspace, start_service: StartService) -> RunningService:
    return start_service(local_settings(local_workspace))


@pytest.fixture(scope="module")
def own_gql(own_service: RunningService) -> Iterator[GraphQL]:
    with httpx.Client(base_url=own_service.url, timeout=60) as http:
        client = GraphQL(http)
        wait_for_permissions(client)
        yield client


def services_of(service: RunningService) -> JobServices:
    app = service.server.config.app
    assert isinstance(app, FastAPI)
    services: JobServices = app.state.job_services
    return services


def test_a_warm_answer_is_reused_while_its_data_is_unchanged(
    own_gql: GraphQL, own_service: RunningService
) -> None:
    services = services_of(own_service)
    # given a page computed once the viewer is known (confirming who they are is a live call)
    own_gql.data(JOBS)
    first = own_gql.data(JOBS)
    reused = services.answers.reused
    # when it is asked again, then the same answer comes without executing again
    assert own_gql.data(JOBS) == first
    assert services.answers.reused == reused + 1
    # when the data behind it is replaced, then it is computed again
    services.cache.clear()
    own_gql.data(JOBS)
    assert services.answers.reused == reused + 1


def test_answers_are_never_reused_across_viewers(own_gql: GraphQL, truth: Truth) -> None:
    # given alice's answer (an admin: every job)
    alice = own_gql.data(JOBS, "alice")["jobs"]["totalCount"]
    # when bob and carol ask the same question
    bob = own_gql.data(JOBS, "bob")["jobs"]["totalCount"]
    carol = own_gql.data(JOBS, "carol")["jobs"]["totalCount"]
    # then each gets an answer for their own jobs
    assert alice == len(truth.job_ids())
    assert bob < alice
    assert carol == 0


def test_answers_that_read_live_state_or_health_are_not_kept(
    own_gql: GraphQL, own_service: RunningService
) -> None:
    services = services_of(own_service)
    kept = len(services.answers)
    own_gql.data(HEALTH)
    own_gql.data(HEALTH)
    assert len(services.answers) == kept
