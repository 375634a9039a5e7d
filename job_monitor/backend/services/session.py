"""`JobServices` (one per process) and `Session` (one per GraphQL request).

`JobServices` owns what is shared: the warehouse result cache (SP-scoped raw results; visibility is
applied per viewer in memory, so the cache never mixes viewers), the Jobs API client and the job ACL
index. It is built lazily on the first request, because the service principal's client may not be
ready at start-up (a down workspace must not stop the service).

`Session` fixes "now" for the whole request (every window of one answer ends at the same instant),
resolves the viewer's visible jobs once, and is the only way services reach data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from databricks.sdk import WorkspaceClient
from starlette.requests import HTTPConnection

from job_monitor.backend.auth import Identity
from job_monitor.backend.config import Settings
from job_monitor.backend.core import WorkspaceClients
from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.history import History, JobDefinition, JobScope
from job_monitor.backend.data.jobs_api import JobsApi, LiveRun
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.visibility import JobAclIndex, VisibleJobs, active_runs_for
from job_monitor.backend.data.warehouse import Warehouse
from job_monitor.backend.services.jobs import JobRankings

HISTORY_CACHE_SECONDS = 60.0
"""Warehouse results are reused this long; windows end on the minute (`history.as_of`), so a minute
is the natural freshness of history anyway."""
HISTORY_CACHE_ENTRIES = 2048
ACTIVE_RUNS_FRESH_SECONDS = 5.0
"""Active runs from the Jobs API are reused this long as they are: paging `runs/list` at 10,000
jobs costs many calls, and "running now" five seconds old is still now."""
ACTIVE_RUNS_USABLE_SECONDS = 30.0
"""Older than fresh but younger than this, they are still answered while a refresh runs behind (a
request never waits for the paging); older, a request waits for the refresh."""

log = logging.getLogger(__name__)


class Unauthenticated(Exception):  # noqa: N818 - named as the GraphQL result it becomes
    """No viewer: no token reached the service, or the workspace did not accept it."""


class NotFound(Exception):  # noqa: N818 - named as the GraphQL result it becomes
    """No such job or run — or one the viewer may not see: both read exactly the same."""

    def __init__(self, kind: str, object_id: int | str) -> None:
        super().__init__(f"No {kind} with id {object_id}.")
        self.message = f"No {kind} with id {object_id}."
        self.kind = kind


class LimitExceeded(Exception):  # noqa: N818 - named as the GraphQL result it becomes
    """A request asks for more than the service answers at once (page sizes, nested lists)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.message = f"{field}: {problem}"
        super().__init__(self.message)


class ActiveRunsFeed:
    """The service principal's active runs (every viewer's, cut per viewer by the caller), kept
    fresh with stale-while-revalidate and a single refresh at a time."""

    def __init__(self, jobs_api: JobsApi) -> None:
        self._jobs_api = jobs_api
        self._runs: tuple[LiveRun, ...] | None = None
        self._fetched_at = 0.0
        self._refresh: asyncio.Task[tuple[LiveRun, ...]] | None = None

    def clear(self) -> None:
        """Forget the runs (the benchmark's cold requests)."""
        self._runs = None

    async def get(self) -> tuple[LiveRun, ...]:
        age = time.monotonic() - self._fetched_at
        if self._runs is not None and age < ACTIVE_RUNS_FRESH_SECONDS:
            return self._runs
        task = self._refresh
        if task is None or task.done():
            task = self._refresh = asyncio.create_task(self._load())
            task.add_done_callback(_log_failure)
        if self._runs is not None and age < ACTIVE_RUNS_USABLE_SECONDS:
            return self._runs
        return await asyncio.shield(task)

    async def _load(self) -> tuple[LiveRun, ...]:
        runs = await self._jobs_api.active_runs()
        self._runs, self._fetched_at = runs, time.monotonic()
        return runs


def _log_failure(task: asyncio.Task[tuple[LiveRun, ...]]) -> None:
    # A refresh behind a stale answer has no waiter: its failure is logged here, and the next
    # request after ACTIVE_RUNS_USABLE_SECONDS waits for (and sees) the next attempt's outcome.
    if not task.cancelled() and (error := task.exception()) is not None:
        log.warning("active runs refresh failed: %s", type(error).__name__)


class JobServices:
    """The process-wide pieces behind the job-health API."""

    def __init__(self, settings: Settings, clients: WorkspaceClients) -> None:
        self.settings = settings
        self._clients = clients
        self.cache = TtlCache(HISTORY_CACHE_SECONDS, max_entries=HISTORY_CACHE_ENTRIES)
        self.jobs_api = JobsApi(clients.sp.get)
        self.active_runs = ActiveRunsFeed(self.jobs_api)
        self.job_rankings = JobRankings()
        self.acl_index = JobAclIndex(self.jobs_api, policy=settings.visibility)
        self._history: History | None = None
        self._history_lock = asyncio.Lock()

    def start(self) -> None:
        """Start reading job permissions now (the lifespan may call it; else the first request
        does), so the first restricted viewer finds the ACL index built or nearly."""
        self.acl_index.start()

    async def aclose(self) -> None:
        await self.acl_index.aclose()

    async def history(self) -> History:
        """The system-table repository, built once the service principal's client exists."""
        if self._history is None:
            async with self._history_lock:
                if self._history is None:
                    sp = await self._clients.sp.get()
                    workspace_id = self.settings.workspace_id or await _workspace_id(sp)
                    warehouse = Warehouse(sp, self.settings.warehouse_id)
                    self._history = History(warehouse, workspace_id, self.cache)
        return self._history

    def session(self, viewer: Callable[[], Awaitable[Identity | None]]) -> Session:
        return Session(self, viewer, datetime.now(UTC))

    @property
    def workspace_url(self) -> str:
        host = (self.settings.host or "").rstrip("/")
        # Databricks Apps may set DATABRICKS_HOST without its scheme.
        return host if "://" in host else f"https://{host}"

    def job_url(self, job_id: int) -> str:
        """The job's page in the Databricks UI."""
        return f"{self.workspace_url}/jobs/{job_id}"

    def run_url(self, job_id: int | None, run_id: int) -> str:
        """The run's page in the Databricks UI (the Jobs API's `run_page_url` when known)."""
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
    """One request's view of the job-health data, cut to what its viewer may see."""

    def __init__(
        self,
        services: JobServices,
        viewer: Callable[[], Awaitable[Identity | None]],
        now: datetime,
    ) -> None:
        self.services = services
        self.now = now
        self._viewer = viewer
        self._visible: asyncio.Future[VisibleJobs] | None = None
        # Later pages of `Job.runs` answered so far in this request (each costs statements).
        self.nested_run_lists = 0

    @property
    def settings(self) -> Settings:
        return self.services.settings

    async def history(self) -> History:
        return await self.services.history()

    async def visible(self) -> VisibleJobs:
        """The viewer's jobs, computed once per request; `Unauthenticated` without a viewer."""
        if self._visible is None:
            self._visible = asyncio.ensure_future(self._resolve_visible())
        return await asyncio.shield(self._visible)

    async def _resolve_visible(self) -> VisibleJobs:
        identity = await self._viewer()
        if identity is None:
            raise Unauthenticated()
        return await self.services.acl_index.visible_job_ids(identity)

    async def scope(self) -> JobScope:
        """The viewer's jobs as a query scope: None (every job) when nothing needs filtering."""
        visible = await self.visible()
        return sorted(visible.job_ids) if visible.restricted else None

    async def catalog(self) -> Mapping[int, JobDefinition]:
        """The job catalog cut to the viewer's jobs."""
        visible = await self.visible()
        catalog = await (await self.history()).job_catalog()
        if not visible.restricted:
            return catalog
        return {job_id: job for job_id, job in catalog.items() if visible.contains(job_id)}

    async def job(self, job_id: int) -> JobDefinition:
        """One job of the viewer's, or `NotFound` (also for a job they may not see)."""
        job = (await self.catalog()).get(job_id)
        if job is None:
            raise NotFound("job", job_id)
        return job

    async def active_runs(self) -> tuple[LiveRun, ...]:
        """The runs queued or running now that the viewer may see, newest first."""
        visible = await self.visible()
        return active_runs_for(visible, await self.services.active_runs.get())


async def get_job_services(conn: HTTPConnection) -> JobServices:
    """The app's `JobServices`, built on first use (the lifespan may build it earlier).

    Async so that FastAPI runs it on the event loop: no two threads build it at once. The ACL
    index starts with the first request that asks for jobs, not here: a request for `health` alone
    must not set off permission reads against a workspace that may be struggling."""
    state = conn.app.state
    services: JobServices | None = getattr(state, "job_services", None)
    if services is None:
        services = JobServices(state.settings, state.clients)
        state.job_services = services
    return services
