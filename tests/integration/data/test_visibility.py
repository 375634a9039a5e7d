"""The job ACL index over real HTTP: the service principal's SDK client against the local workspace.

The expected answers are computed independently, from the stand-in's own ACL rows (`local.acl`) read
straight from its DuckDB database — never from the index's code.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from job_monitor.backend.config import Visibility
from job_monitor.backend.core import build_sp_client
from job_monitor.backend.data.jobs_api import JobsApi
from job_monitor.backend.data.visibility import (
    IndexState,
    JobAclIndex,
    VisibleJobs,
    run_detail_for,
)
from job_monitor.backend.domain.errors import NotFoundError, UpstreamUnavailableError
from job_monitor.backend.domain.identity import Identity, Mode
from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import (
    ALICE,
    BOB,
    CAROL,
    USER_TOKENS,
    Principal,
)
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import local_settings
from tests.integration.data.conftest import Admin

PERMISSIONS_ROUTE = "GET /api/2.0/permissions/jobs/{job_id}"
PERMISSIONS_PATH = "/api/2.0/permissions/jobs/*"
JOBS_LIST_PATH = "/api/2.2/jobs/list"
JOBS_UPDATE_PATH = "/api/2.2/jobs/update"
ALICE_TOKEN = next(token for token, who in USER_TOKENS.items() if who == ALICE)

# Every job that exists (not deleted), and the jobs a principal may view: the stand-in's own rows.
ALL_JOBS_SQL = "SELECT job_id FROM local.jobs WHERE NOT deleted"
JOBS_OF_SQL = """
SELECT DISTINCT a.job_id FROM local.acl a JOIN local.jobs j USING (job_id)
WHERE NOT j.deleted AND (
  (a.principal_type = 'user' AND a.principal = ?)
  OR (a.principal_type = 'group' AND list_contains(?, a.principal))
)
"""
RUN_OF_HIDDEN_JOB_SQL = """
SELECT min(r.run_id) FROM local.runs r JOIN local.jobs j USING (job_id)
WHERE NOT j.deleted AND r.job_id NOT IN (
    SELECT job_id FROM local.acl
    WHERE (principal_type = 'user' AND principal = ?)
      OR (principal_type = 'group' AND list_contains(?, principal)))
  AND r.start_time > (SELECT anchor FROM local.meta) - INTERVAL 30 DAY
"""
HEALTH_RULE_SQL = """
SELECT job_id, health_duration_seconds FROM local.jobs
WHERE NOT deleted AND health_duration_seconds IS NOT NULL ORDER BY job_id DESC LIMIT 1
"""
NO_SUCH_RUN = 1


def viewer(principal: Principal) -> Identity:
    """The viewer as the service knows them from SCIM Me."""
    return Identity(
        user_name=principal.user_name,
        email=principal.user_name,
        display_name=principal.display_name,
        groups=principal.groups,
        mode=Mode.LOCAL,
    )


@pytest.fixture(scope="module")
def database(local_workspace: LocalWorkspace) -> WorkspaceDatabase:
    db = local_workspace.state.database
    assert isinstance(db, WorkspaceDatabase)
    return db


def job_ids(database: WorkspaceDatabase, sql: str, *params: object) -> frozenset[int]:
    return frozenset(int(row[0]) for row in database.cursor().execute(sql, list(params)).fetchall())


def jobs_of(database: WorkspaceDatabase, principal: Principal) -> frozenset[int]:
    return job_ids(database, JOBS_OF_SQL, principal.user_name, list(principal.groups))


@pytest.fixture(scope="module")
def jobs_api(local_workspace: LocalWorkspace) -> JobsApi:
    # The service's default SDK timeouts: a busy CI machine must not fail a build.
    return JobsApi(build_sp_client(local_settings(local_workspace)))


@pytest.fixture(scope="module")
async def index(jobs_api: JobsApi) -> AsyncIterator[JobAclIndex]:
    """An index whose first build has finished, shared by the tests that only read it."""
    acl_index = JobAclIndex(jobs_api)
    await acl_index.refresh()
    yield acl_index
    await acl_index.aclose()


async def test_alice_a_workspace_admin_sees_every_job(
    index: JobAclIndex, database: WorkspaceDatabase
) -> None:
    # when alice asks
    visible = await index.visible_job_ids(viewer(ALICE))
    # then every job is visible, and iterating lists every job that exists
    assert not visible.restricted
    assert visible.index_state is IndexState.COMPLETE
    assert frozenset(visible) == job_ids(database, ALL_JOBS_SQL)
    assert visible.contains(next(iter(visible)))


async def test_bob_sees_exactly_data_eng_jobs_and_his_own(
    index: JobAclIndex, database: WorkspaceDatabase
) -> None:
    # given the stand-in's ACL rows: data-eng's group grants and bob's own jobs
    expected = jobs_of(database, BOB)
    data_eng = job_ids(database, JOBS_OF_SQL, "", ["data-eng"])
    owned = job_ids(database, JOBS_OF_SQL, BOB.user_name, [])
    assert data_eng
    assert owned - data_eng, "the demo data gives bob jobs outside his team"
    # when bob asks
    visible = await index.visible_job_ids(viewer(BOB))
    # then he sees exactly those, no more
    assert visible.restricted
    assert visible.index_state is IndexState.COMPLETE
    assert frozenset(visible) == expected == data_eng | owned
    hidden = next(iter(job_ids(database, ALL_JOBS_SQL) - expected))
    assert not visible.contains(hidden)
    assert not visible.contains(None)


async def test_carol_sees_no_job(index: JobAclIndex) -> None:
    # when carol, who holds no job permission, asks
    visible = await index.visible_job_ids(viewer(CAROL))
    # then she sees nothing
    assert visible.restricted
    assert visible.index_state is IndexState.COMPLETE
    assert len(visible) == 0


async def test_policy_all_shows_every_job_to_every_viewer(
    jobs_api: JobsApi, database: WorkspaceDatabase, admin: Admin
) -> None:
    # given the deployment chose visibility `all`
    acl_index = JobAclIndex(jobs_api, policy=Visibility.ALL)
    await admin.reset_stats()
    try:
        # when carol asks
        visible = await acl_index.visible_job_ids(viewer(CAROL))
    finally:
        await acl_index.aclose()
    # then she sees every job, and no ACL was read to tell her so
    assert not visible.restricted
    assert frozenset(visible) == job_ids(database, ALL_JOBS_SQL)
    assert await admin.requests(PERMISSIONS_ROUTE) == 0


async def test_a_hidden_run_answers_exactly_like_a_run_that_does_not_exist(
    index: JobAclIndex, jobs_api: JobsApi, database: WorkspaceDatabase
) -> None:
    # given a recent run of a job bob may not see
    row = database.cursor().execute(RUN_OF_HIDDEN_JOB_SQL, [BOB.user_name, list(BOB.groups)])
    hidden_run = int(row.fetchone()[0])  # type: ignore[index]
    visible = await index.visible_job_ids(viewer(BOB))
    # when bob asks for it, and for a run that does not exist
    with pytest.raises(NotFoundError) as hidden:
        await run_detail_for(visible, jobs_api, hidden_run)
    with pytest.raises(NotFoundError) as missing:
        await run_detail_for(visible, jobs_api, NO_SUCH_RUN)
    # then both answers have the same shape and wording, the id aside
    assert str(hidden.value).replace(str(hidden_run), "ID") == str(missing.value).replace(
        str(NO_SUCH_RUN), "ID"
    )
    # while alice, an admin, gets the run
    everything = await index.visible_job_ids(viewer(ALICE))
    assert (await run_detail_for(everything, jobs_api, hidden_run)).run_id == hidden_run


async def test_a_refresh_reads_no_acl_when_nothing_changed(
    index: JobAclIndex, admin: Admin
) -> None:
    # given a complete index whose ACLs are young
    await admin.reset_stats()
    # when it refreshes and nothing changed
    report = await index.refresh()
    # then it lists the jobs again but reads no ACL
    assert (report.fetched, report.removed) == (0, 0)
    assert report.listed > 0
    assert await admin.requests(PERMISSIONS_ROUTE) == 0


async def test_a_refresh_reads_the_acl_of_a_job_whose_settings_changed(
    index: JobAclIndex, admin: Admin, database: WorkspaceDatabase, local_workspace: LocalWorkspace
) -> None:
    # given a complete index, and alice changes one job's health rule (a settings change)
    job_id, seconds = database.cursor().execute(HEALTH_RULE_SQL).fetchone()  # type: ignore[misc]
    await index.refresh()
    await admin.reset_stats()
    async with httpx.AsyncClient(
        base_url=local_workspace.host, headers={"Authorization": f"Bearer {ALICE_TOKEN}"}
    ) as alice:

        async def set_health(value: int) -> None:
            rule = {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": value}
            body = {"job_id": job_id, "new_settings": {"health": {"rules": [rule]}}}
            (await alice.post(JOBS_UPDATE_PATH, json=body)).raise_for_status()

        await set_health(int(seconds) + 60)
        try:
            # when the index refreshes
            report = await index.refresh()
        finally:
            await set_health(int(seconds))
    # then it read that job's ACL again, and only that one
    assert report.fetched == 1
    assert await admin.requests(PERMISSIONS_ROUTE) == 1
    # (and, with the rule restored, the next refresh reads it once more)
    assert (await index.refresh()).fetched == 1


async def test_acls_are_re_read_a_slice_per_refresh_and_all_past_their_max_age(
    jobs_api: JobsApi, admin: Admin
) -> None:
    # given a complete index on a clock the test moves: refreshes 300 s apart, ACLs live 3,600 s
    now = [0.0]
    acl_index = JobAclIndex(
        jobs_api, refresh_seconds=300, acl_max_age_seconds=3600, clock=lambda: now[0]
    )
    try:
        built = await acl_index.refresh()
        # when the next refresh comes 301 s later
        now[0] += 301
        await admin.reset_stats()
        rolling = await acl_index.refresh()
        # then it re-reads the oldest twelfth of the ACLs (300 s of 3,600 s), no more
        assert rolling.fetched == math.ceil(built.listed / 12)
        assert await admin.requests(PERMISSIONS_ROUTE) == rolling.fetched
        # and a refresh past the max age re-reads every ACL not read since
        now[0] += 3600
        aged = await acl_index.refresh()
        assert aged.fetched == built.listed
    finally:
        await acl_index.aclose()


async def test_a_cold_build_answers_within_its_wait_with_what_is_indexed(
    jobs_api: JobsApi,
    database: WorkspaceDatabase,
    admin: Admin,
) -> None:
    # given ACL reads slowed to 50 ms each: 300 jobs / 8 in flight ≈ 1.9 s of build
    await admin.faults({"routes": {PERMISSIONS_PATH: {"latency_ms": 50}}})
    acl_index = JobAclIndex(jobs_api, wait_seconds=0.3)
    try:
        # when bob asks at once
        started = time.perf_counter()
        early = await acl_index.visible_job_ids(viewer(BOB))
        waited = time.perf_counter() - started
        # then he is answered within the wait, with a subset of his jobs and the state saying so
        assert waited < 0.3 + 0.4
        assert early.index_state is IndexState.BUILDING
        assert 0.0 <= early.indexed_share < 1.0
        assert frozenset(early) <= jobs_of(database, BOB)
        # and once the build has a pace that ends far beyond the wait, requests do not wait at all
        while (await acl_index.visible_job_ids(viewer(BOB))).indexed_share == 0.0:
            pass
        started = time.perf_counter()
        meanwhile = await acl_index.visible_job_ids(viewer(BOB))
        assert time.perf_counter() - started < 0.15
        assert meanwhile.index_state is IndexState.BUILDING
        # and once the build is done he sees all of them
        await acl_index.refresh()
        late = await acl_index.visible_job_ids(viewer(BOB))
        assert late.index_state is IndexState.COMPLETE
        assert late.indexed_share == 1.0
        assert frozenset(late) == jobs_of(database, BOB)
    finally:
        await acl_index.aclose()


async def test_a_failed_first_build_is_a_typed_upstream_answer(
    jobs_api: JobsApi, admin: Admin
) -> None:
    # given the Jobs API fails every listing
    await admin.faults({"routes": {JOBS_LIST_PATH: {"status_500": 1.0}}})
    # (a generous wait: this test is about the retry, not about waiting)
    acl_index = JobAclIndex(jobs_api, retry_seconds=0, wait_seconds=30)
    try:
        # when bob asks
        with pytest.raises(UpstreamUnavailableError):
            await acl_index.visible_job_ids(viewer(BOB))
        # then alice, an admin, is still answered: she needs no ACL
        assert not (await acl_index.visible_job_ids(viewer(ALICE))).restricted
        # (let the build her request may have started fail too, so none is in flight below)
        with contextlib.suppress(UpstreamUnavailableError):
            await acl_index.refresh()
        # and, once the API recovers, the next request builds the index
        await admin.faults({})
        visible: VisibleJobs = await acl_index.visible_job_ids(viewer(BOB))
        assert visible.index_state is IndexState.COMPLETE
        assert len(visible) > 0
    finally:
        await acl_index.aclose()


async def test_a_failed_refresh_serves_the_last_known_acls(
    jobs_api: JobsApi, database: WorkspaceDatabase, admin: Admin
) -> None:
    # given a complete index, then a Jobs API that fails every listing
    acl_index = JobAclIndex(jobs_api, retry_seconds=0)
    try:
        await acl_index.refresh()
        await admin.faults({"routes": {JOBS_LIST_PATH: {"status_500": 1.0}}})
        # when a refresh fails
        with pytest.raises(UpstreamUnavailableError):
            await acl_index.refresh()
        # then bob is answered from the last-known ACLs, and told so
        visible = await acl_index.visible_job_ids(viewer(BOB))
        assert visible.index_state is IndexState.STALE
        assert frozenset(visible) == jobs_of(database, BOB)
        # and alice, an admin, is answered too
        assert not (await acl_index.visible_job_ids(viewer(ALICE))).restricted
    finally:
        await acl_index.aclose()
