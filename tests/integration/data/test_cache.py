"""The cache in front of the warehouse, counted by the stand-in's statement counters."""

from __future__ import annotations

import asyncio

from databricks.sdk import WorkspaceClient

from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.history import History
from job_monitor.backend.data.warehouse import Warehouse
from job_monitor.local_workspace.principals import WAREHOUSE_ID, WORKSPACE_ID
from tests.integration.data.conftest import TYPED_JOB_ID, StandIn

CONCURRENT_CALLERS = 20


async def test_concurrent_identical_queries_issue_one_statement(
    typed_client: WorkspaceClient, typed_stand_in: StandIn
) -> None:
    # given a repository with an empty cache
    history = History(Warehouse(typed_client, WAREHOUSE_ID), WORKSPACE_ID, TtlCache(60))
    before = typed_stand_in.statements()
    # when twenty requests ask for the job catalog at the same time
    catalogs = await asyncio.gather(*(history.job_catalog() for _ in range(CONCURRENT_CALLERS)))
    # then the warehouse saw one statement per query of the catalog (jobs, tasks), not forty
    assert typed_stand_in.statements() - before == 2
    assert all(catalog is catalogs[0] for catalog in catalogs)
    assert list(catalogs[0]) == [int(TYPED_JOB_ID)]


async def test_cached_answers_expire_after_the_ttl(
    typed_client: WorkspaceClient, typed_stand_in: StandIn
) -> None:
    history = History(Warehouse(typed_client, WAREHOUSE_ID), WORKSPACE_ID, TtlCache(0.3))
    before = typed_stand_in.statements()
    await history.job_catalog()
    await history.job_catalog()
    assert typed_stand_in.statements() - before == 2
    await asyncio.sleep(0.35)
    await history.job_catalog()
    assert typed_stand_in.statements() - before == 4


async def test_principals_never_share_cached_answers(
    typed_client: WorkspaceClient, typed_stand_in: StandIn
) -> None:
    # given one cache and two warehouses that run SQL as different principals
    cache = TtlCache(60)
    as_app = History(Warehouse(typed_client, WAREHOUSE_ID), WORKSPACE_ID, cache)
    as_user = History(
        Warehouse(typed_client, WAREHOUSE_ID, scope="bob@example.com"), WORKSPACE_ID, cache
    )
    before = typed_stand_in.statements()
    # when both ask the same question, then each ran its own statements
    await as_app.job_catalog()
    await as_user.job_catalog()
    assert typed_stand_in.statements() - before == 4
