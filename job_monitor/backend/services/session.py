"""`JobServices` (one per process) and `Session` (one per GraphQL request).

`JobServices` owns what is shared: the warehouse result cache (SP-scoped raw results; visibility is
applied per viewer in memory, so the cache never mixes viewers), the Jobs API client, the cached
active runs, the job ACL index, the viewer's identity resolver and the health monitor. The lifespan
builds it and closes it. The history repository inside it is built on first use, because the
service principal's client may not be ready at start-up (a down workspace must not stop the
service).

`Session` is the only door from the GraphQL layer to all of it: it fixes "now" for the whole
request (every window of one answer ends at the same instant), confirms the viewer once, resolves
the viewer's visible jobs once, and cuts every answer to them.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Hashable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TypeVar

from databricks.sdk import WorkspaceClient

from job_monitor.backend.auth import IdentityResolver, token_digest
from job_monitor.backend.config import Settings
from job_monitor.backend.core import WorkspaceClients
from job_monitor.backend.data.budget import RequestBudget, budget, spend_jobs_api_call
from job_monitor.backend.data.cache import SingleFlight, TtlCache
from job_monitor.backend.data.history import History, JobScope
from job_monitor.backend.data.jobs_api import JobsApi
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.state import StateStore, quoted_schema
from job_monitor.backend.data.visibility import (
    IndexState,
    JobAclIndex,
    VisibleJobs,
    active_runs_for,
)
from job_monitor.backend.data.warehouse import Warehouse
from job_monitor.backend.data.workspace_checks import HealthMonitor
from job_monitor.backend.domain.cursors import CursorSigner
from job_monitor.backend.domain.errors import (
    JobMonitorError,
    NotFoundError,
    UnauthenticatedError,
    UpstreamUnavailableError,
)
from job_monitor.backend.domain.identity import Identity
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.runs import RunRecord
from job_monitor.backend.domain.service_health import HealthReport, RecentOutcomes
from job_monitor.backend.services.answers import AnswerCache
from job_monitor.backend.services.jobs import JobRankings
from job_monitor.backend.services.written_targets import WrittenTargets

T = TypeVar("T")
logger = logging.getLogger(__name__)

HISTORY_CACHE_SECONDS = 60.0
"""Warehouse results are reused this long; windows end on the minute (`history.as_of`), so a minute
is the natural freshness of history anyway."""
HISTORY_STALE_SECONDS = 2 * HISTORY_CACHE_SECONDS
"""An older result is still answered at once while its refresh runs behind it (the next minute's
window included): only a cache colder than this makes a user wait."""
HISTORY_CACHE_ENTRIES = 2048
ACTIVE_RUNS_FRESH_SECONDS = 5.0
"""Active runs from the Jobs API are reused this long as they are: paging `runs/list` at 10,000
jobs costs many calls, and "running now" five seconds old is still now."""
ACTIVE_RUNS_USABLE_SECONDS = 30.0
"""Older than fresh but younger than this, they are still answered while a refresh runs behind (a
request never waits for the paging); older, a request waits for the refresh."""
_ACTIVE_RUNS = "active_runs"
ALERT_LIST_SECONDS = 5.0
"""Every alert over a set of jobs is computed at most this often (per replica): at 10,000 jobs a
list takes a few hundred milliseconds to work out, and runs going now move by the second anyway.
This replica's acknowledgements and budget changes clear it at once."""


class JobServices:
    """The process-wide pieces behind the API, built and closed by the lifespan."""

    def __init__(self, settings: Settings, clients: WorkspaceClients) -> None:
        self.settings = settings
        self._clients = clients
        self.identities = IdentityResolver(settings, clients)
        # What the real statements and Jobs API calls did lately: `health` reports it.
        self.warehouse_outcomes = RecentOutcomes()
        self.jobs_api_outcomes = RecentOutcomes()
        self.health_monitor = HealthMonitor(
            settings,
            clients,
            warehouse_outcomes=self.warehouse_outcomes,
            jobs_api_outcomes=self.jobs_api_outcomes,
        )
        self.cache = TtlCache(
            HISTORY_CACHE_SECONDS,
            max_entries=HISTORY_CACHE_ENTRIES,
            stale_seconds=HISTORY_STALE_SECONDS,
        )
        self.jobs_api = JobsApi(clients.sp.get, outcomes=self.jobs_api_outcomes)
        self.live_runs = TtlCache(
            ACTIVE_RUNS_FRESH_SECONDS, max_entries=1, stale_seconds=ACTIVE_RUNS_USABLE_SECONDS
        )
        self.job_rankings = JobRankings()
        # Every alert over a set of jobs, by that set (services/alerts.py).
        self.alert_lists = TtlCache(ALERT_LIST_SECONDS, max_entries=64)
        self.answers = AnswerCache()
        self.written_targets = WrittenTargets()
        self.acl_index = JobAclIndex(self.jobs_api, policy=settings.visibility)
        secret = settings.cursor_secret
        self.cursor_signer = CursorSigner(
            secret.get_secret_value().encode() if secret is not None else secrets.token_bytes(32)
        )
        self._history: History | None = None
        self._history_build = SingleFlight[str, History]("history repository")
        self._state: StateStore | None = None
        self._state_build = SingleFlight[str, StateStore]("state store")
        self.state_prepared = False
        """True once the start-up's migration of the state tables has finished (or failed)."""

    async def aclose(self) -> None:
        await self.acl_index.aclose()

    async def history(self) -> History:
        """The system-table repository, built once the service principal's client exists."""
        if self._history is None:
            self._history = await self._history_build.run("history", self._build_history)
        return self._history

    async def _build_history(self) -> History:
        sp = await self._clients.sp.get()
        workspace_id = self.settings.workspace_id or await _workspace_id(sp)
        warehouse = Warehouse(sp, self.settings.warehouse_id, outcomes=self.warehouse_outcomes)
        return History(warehouse, workspace_id, self.cache)

    async def state(self) -> StateStore:
        """The app's own state tables (budgets, acknowledgements, deliveries), written by the
        service principal; created or migrated on first use."""
        if self._state is None:
            self._state = await self._state_build.run("state", self._build_state)
        return self._state

    def forget_state_reads(self) -> None:
        """Empties the state's read caches (a benchmark's cold request reads the state again)."""
        if self._state is not None:
            self._state.forget_reads()

    async def prepare_state(self) -> None:
        """Creates or migrates the state tables at start-up; a failure only means: on first use."""
        try:
            await (await self.state()).migrate()
        except JobMonitorError as error:
            logger.warning("the state schema is not ready yet: %s", error.message)
        finally:
            self.state_prepared = True

    async def _build_state(self) -> StateStore:
        sp = await self._clients.sp.get()
        workspace_id = self.settings.workspace_id or await _workspace_id(sp)
        schema = self.settings.state_schema
        # Its own outcomes: `health` judges the warehouse by the system-table queries people wait
        # on, not by a start-up migration's DDL.
        warehouse = Warehouse(
            sp,
            self.settings.warehouse_id,
            identifiers={"state_schema": quoted_schema(schema)},
        )
        return StateStore(warehouse, workspace_id, schema)

    async def active_runs(self) -> tuple[RunRecord, ...]:
        """Every active run the service principal sees (cut per viewer by the session)."""
        return await self.live_runs.get_or_load(
            _ACTIVE_RUNS, self.jobs_api.active_runs, charge=spend_jobs_api_call
        )

    def session(self, user_token: str | None, request_id: str) -> Session:
        return Session(self, user_token, request_id, datetime.now(UTC))

    def workspace_session(self, request_id: str) -> Session:
        """A session over every job, as the service principal: for the scheduled reports and alert
        delivery, which run as the app's own job for the admins (never for a GraphQL request)."""
        return WorkspaceSession(self, None, request_id, datetime.now(UTC))

    @property
    def workspace_url(self) -> str:
        host = (self.settings.host or "").rstrip("/")
        # Databricks Apps may set DATABRICKS_HOST without its scheme.
        return host if "://" in host else f"https://{host}"

    def job_url(self, job_id: int) -> str:
        """The job's page in the Databricks UI."""
        return f"{self.workspace_url}/jobs/{job_id}"

    def run_url(self, job_id: int | None, run_id: int) -> str:
        """The run's page in the Databricks UI."""
        if job_id is None:
            return f"{self.workspace_url}/jobs/runs/{run_id}"
        return f"{self.workspace_url}/jobs/{job_id}/runs/{run_id}"


async def _workspace_id(sp: WorkspaceClient) -> str:
    """The workspace id the SDK learnt from the host's metadata, else from SCIM Me's header."""
    known = sp.config.workspace_id
    if known:
        return str(known)
    return str(await call_sdk(sp.get_workspace_id))


class Session:
    """One request's view of Job Monitor, cut to what its viewer may see."""

    def __init__(
        self, services: JobServices, user_token: str | None, request_id: str, now: datetime
    ) -> None:
        self.services = services
        self.request_id = request_id
        self.now = now
        # Held for this request only: the token is never cached across requests or logged.
        self._user_token = user_token
        self._identity: asyncio.Future[Identity | None] | None = None
        self._visible: asyncio.Future[VisibleJobs] | None = None
        self._active_runs: asyncio.Future[tuple[RunRecord, ...]] | None = None
        # Later pages of `Job.runs` answered so far in this request (each costs statements).
        self.nested_run_lists = 0

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def cursor_signer(self) -> CursorSigner:
        return self.services.cursor_signer

    def spending(self) -> AbstractContextManager[RequestBudget]:
        """This request's budget of upstream work, current inside the block."""
        settings = self.settings
        return budget(settings.max_jobs_api_calls, settings.max_statements)

    async def reused_or_computed(
        self, question: Hashable, compute: Callable[[], Awaitable[T]], keep: Callable[[T], bool]
    ) -> T:
        """The answer to `question` (a document with its variables) as this viewer last got it,
        while nothing it was computed from has changed; else `compute()`."""
        viewer = token_digest(self._user_token) if self._user_token is not None else None
        return await self.services.answers.get_or_compute((viewer, question), compute, keep)

    async def viewer(self) -> Identity | None:
        """The calling person confirmed by the workspace (SCIM Me), once per request; None: no
        token, or the workspace did not accept it."""
        if self._identity is None:
            self._identity = asyncio.ensure_future(self._confirm_viewer())
        return await asyncio.shield(self._identity)

    async def _confirm_viewer(self) -> Identity | None:
        if self._user_token is None:
            return None
        return await self.services.identities.resolve(self._user_token)

    async def health(self) -> HealthReport:
        """The service's health; its checks only for a confirmed viewer (anyone else learns the
        overall status alone, not which dependency fails or why)."""
        report, viewer = await asyncio.gather(
            self.services.health_monitor.report(), self._viewer_or_none()
        )
        return report if viewer is not None else report.overall_only()

    async def _viewer_or_none(self) -> Identity | None:
        try:
            return await self.viewer()
        except UpstreamUnavailableError:
            # The workspace cannot confirm anyone now: no viewer.
            return None

    async def history(self) -> History:
        return await self.services.history()

    async def state(self) -> StateStore:
        return await self.services.state()

    async def visible(self) -> VisibleJobs:
        """The viewer's jobs, computed once per request; `UnauthenticatedError` without a viewer."""
        if self._visible is None:
            self._visible = asyncio.ensure_future(self._resolve_visible())
        return await asyncio.shield(self._visible)

    async def _resolve_visible(self) -> VisibleJobs:
        identity = await self.viewer()
        if identity is None:
            raise UnauthenticatedError()
        return await self.services.acl_index.visible_job_ids(identity)

    async def permissions_complete(self) -> bool:
        """False while the job permissions are still being read after a start: answers then cover
        only the jobs whose permissions are known (never a job the viewer may not see)."""
        return (await self.visible()).index_state is IndexState.COMPLETE

    async def scope(self) -> JobScope:
        """The viewer's jobs as a query scope: None (every job) when nothing needs filtering."""
        visible = await self.visible()
        return sorted(visible.job_ids) if visible.restricted else None

    async def catalog(self, *, include_deleted: bool = False) -> Mapping[int, JobDefinition]:
        """The job catalog cut to the viewer's jobs: those that exist, and with `include_deleted`
        those deleted too (only an unrestricted viewer has any: permissions go with the job)."""
        visible = await self.visible()
        history = await self.history()
        catalog = self.services.written_targets.over(
            await history.job_catalog(include_deleted=include_deleted, now=self.now)
        )
        if not visible.restricted:
            return catalog
        return {job_id: job for job_id, job in catalog.items() if visible.contains(job_id)}

    async def job(self, job_id: int, *, include_deleted: bool = False) -> JobDefinition:
        """One job of the viewer's, or `NotFoundError` (also for a job they may not see, and for a
        deleted one unless `include_deleted`)."""
        job = (await self.catalog(include_deleted=include_deleted)).get(job_id)
        if job is None:
            raise NotFoundError("job", job_id)
        return job

    async def active_runs(self) -> tuple[RunRecord, ...]:
        """The runs queued or running now that the viewer may see, newest first: read once per
        request, so every part of an answer sees the same runs (and a Jobs API outage costs one
        wait, not one per field that merges live state)."""
        if self._active_runs is None:
            self._active_runs = asyncio.ensure_future(self._resolve_active_runs())
        return await asyncio.shield(self._active_runs)

    async def _resolve_active_runs(self) -> tuple[RunRecord, ...]:
        visible = await self.visible()
        return active_runs_for(visible, await self.services.active_runs())

    def job_url(self, job_id: int) -> str:
        return self.services.job_url(job_id)

    def run_url(self, run: RunRecord) -> str:
        """The run's page in the Databricks UI (the Jobs API's `run_page_url` when known)."""
        return run.url or self.services.run_url(run.job_id, run.run_id)


class WorkspaceSession(Session):
    """Every job, no viewer token: the admins' scope of reports and alert delivery."""

    async def viewer(self) -> Identity | None:
        return None

    async def _resolve_visible(self) -> VisibleJobs:
        catalog = await (await self.history()).job_catalog(include_deleted=False, now=self.now)
        return VisibleJobs(
            restricted=False,
            job_ids=frozenset(catalog),
            index_state=IndexState.COMPLETE,
            indexed_share=1.0,
        )
