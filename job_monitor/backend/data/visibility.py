"""Who may see which job: the job ACL index and a viewer's `VisibleJobs`.

Policy `acl` (the default): a viewer sees a job when they are a workspace admin, or when the job's
access control list gives them any permission level (every job level includes viewing; the owner
holds IS_OWNER) directly, as a service principal, or through a group they belong to. Policy `all`:
every app user sees every job. A job the viewer may not see is, everywhere, a job that does not
exist: callers test `contains` and answer "not found" with the same words either way.

The index is built by the service principal. The job list comes from the Jobs API `jobs/list`, not
from the system-table catalog: it needs no SQL warehouse (a cold warehouse must not hold
permissions hostage), it has no ingestion lag (a job created a minute ago has an ACL now), and it
lists exactly the jobs whose ACLs the service principal can read. Then one
`GET /api/2.0/permissions/jobs/{id}` per job, `concurrency` calls in flight.

Refreshes are incremental: the listing (100 jobs per call) is cheap, so each refresh lists every
job and fetches ACLs only for jobs that are new, whose settings changed (the listing's settings
digest moved, the Jobs API's counterpart of `change_time`), or whose ACL is older than
`acl_max_age_seconds` — permission edits change no job setting, so they are caught by age: each
refresh also re-reads the oldest `refresh_seconds / acl_max_age_seconds` share of the ACLs, which
spreads the re-reading evenly instead of re-reading every job at once an hour after the cold build.
Deleted jobs drop out. One refresh runs at a time, in the background, started by `start()` (call it
in the lifespan) or by a request that finds the index older than `refresh_seconds`.

Requests never wait for a build for long. A request finds one of:
- a complete index (`COMPLETE`): the answer, at once, even while a refresh runs behind it;
- a complete index whose latest refresh failed (`STALE`): the last-known answer, at once;
- the first build still running (`BUILDING`): it waits at most `wait_seconds`, and only when the
  build's pace so far says it may end within that time; then it answers from the jobs indexed so
  far — a subset of the truth, never more (fail closed) — with the share indexed, so the UI can
  say "permissions still loading" rather than "no jobs";
- a first build that failed with nothing indexed: `UpstreamUnavailableError`, retried after
  `retry_seconds`.
Admins and policy `all` need no ACL and are answered as soon as the job list is known.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from job_monitor.backend.config import Visibility
from job_monitor.backend.data.cache import SingleFlight
from job_monitor.backend.data.jobs_api import JobAccess, JobListing, JobsApi
from job_monitor.backend.data.reads import record_read, record_untracked
from job_monitor.backend.domain.errors import (
    NotFoundError,
    Upstream,
    UpstreamProblem,
    UpstreamUnavailableError,
)
from job_monitor.backend.domain.identity import Identity
from job_monitor.backend.domain.runs import RunRecord

log = logging.getLogger(__name__)

_REFRESH = "refresh"
# Distinct viewers (user + groups) whose answers are kept per index version.
MAX_CACHED_VIEWERS = 1024


class IndexState(StrEnum):
    """How complete the job ACL index was when a viewer's jobs were computed."""

    COMPLETE = "COMPLETE"
    """Every listed job's ACL is known (some may be up to `refresh_seconds` old)."""
    STALE = "STALE"
    """Complete, but the latest refresh failed: the answer comes from the last-known ACLs."""
    BUILDING = "BUILDING"
    """The first build is still running: the answer covers only the jobs indexed so far."""


@dataclass(frozen=True)
class VisibleJobs:
    """The jobs one viewer may see."""

    restricted: bool
    """False for admins and policy `all`: every job is visible and nothing needs filtering."""
    job_ids: frozenset[int]
    """Restricted: the viewer's jobs. Unrestricted: every job the service principal lists."""
    index_state: IndexState
    indexed_share: float
    """Share of listed jobs whose ACL is known: 1.0 when COMPLETE, lower while BUILDING."""

    def contains(self, job_id: int | None) -> bool:
        """May the viewer see this job? Runs of no job (`runs/submit`): only when unrestricted."""
        if not self.restricted:
            return True
        return job_id is not None and job_id in self.job_ids

    def __iter__(self) -> Iterator[int]:
        return iter(self.job_ids)

    def __len__(self) -> int:
        return len(self.job_ids)


async def run_detail_for(visible: VisibleJobs, jobs: JobsApi, run_id: int) -> RunRecord:
    """A run with its tasks, or `NotFoundError` as for a run that does not exist."""
    run = await jobs.run_detail(run_id)
    if not visible.contains(run.job_id):
        raise NotFoundError("run", run_id)
    return run


def active_runs_for(visible: VisibleJobs, runs: Sequence[RunRecord]) -> tuple[RunRecord, ...]:
    """Those of the service principal's active runs (`JobsApi.active_runs`) the viewer may see."""
    return tuple(run for run in runs if visible.contains(run.job_id))


@dataclass(frozen=True)
class RefreshReport:
    """What one build or refresh did (logged; read by tests and benchmarks)."""

    listed: int
    fetched: int
    removed: int
    seconds: float


@dataclass(frozen=True)
class _JobAcl:
    settings_digest: str
    # Principal keys ("user:…", "group:…", "service_principal:…") that may view the job.
    viewers: frozenset[str]
    fetched_at: float


def _viewer_keys(viewer: Identity) -> frozenset[str]:
    # A service principal's user name is its application id, which is how ACLs name it.
    return frozenset(
        [f"user:{viewer.user_name}", f"service_principal:{viewer.user_name}"]
        + [f"group:{group}" for group in viewer.groups]
    )


def _acl_keys(entries: Sequence[JobAccess]) -> frozenset[str]:
    return frozenset(f"{entry.kind}:{entry.name}" for entry in entries if entry.can_view)


class JobAclIndex:
    """The job ACL index of one process, shared by all requests (built in the lifespan)."""

    def __init__(
        self,
        jobs: JobsApi,
        *,
        policy: Visibility = Visibility.ACL,
        refresh_seconds: float = 300.0,
        acl_max_age_seconds: float = 3600.0,
        concurrency: int = 8,
        wait_seconds: float = 2.0,
        retry_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`concurrency` stays below `call_sdk`'s limit: requests keep SDK slots during a build."""
        self._jobs = jobs
        self._policy = policy
        self._refresh_seconds = refresh_seconds
        self._acl_max_age_seconds = acl_max_age_seconds
        self._concurrency = concurrency
        self._wait_seconds = wait_seconds
        self._retry_seconds = retry_seconds
        self._clock = clock

        self._listed: frozenset[int] | None = None
        self._acls: dict[int, _JobAcl] = {}
        self._refreshed_at: float | None = None
        self._failed_at: float | None = None
        self._failure: UpstreamUnavailableError | None = None
        self._refreshes = SingleFlight[str, RefreshReport]("job ACL index refresh")
        # Set once the first listing is known (or failed): what unrestricted viewers wait for.
        self._listing_settled = asyncio.Event()
        # Bumped whenever an answer could change; cached answers are keyed by it.
        self._version = 0
        self._answers: OrderedDict[tuple[int, frozenset[str]], frozenset[int]] = OrderedDict()
        self._complete_at: tuple[int, bool] = (-1, False)
        # (when the first build began reading ACLs, how many it has read): its pace.
        self._build_progress: tuple[float | None, int] = (None, 0)

    @property
    def needs_acls(self) -> bool:
        return self._policy is Visibility.ACL

    @property
    def complete(self) -> bool:
        """Every listed job's ACL is known (always true once listed under policy `all`)."""
        if self._listed is None:
            return False
        # Checking is O(jobs); its answer changes only with the version, so it is kept per version.
        if self._complete_at[0] != self._version:
            complete = not self.needs_acls or self._listed.issubset(self._acls)
            self._complete_at = (self._version, complete)
        return self._complete_at[1]

    def start(self) -> None:
        """Begin a build or refresh in the background if one is due (needs a running event loop)."""
        if self._refreshes.running(_REFRESH):
            return
        now = self._clock()
        if self._failed_at is not None and now - self._failed_at < self._retry_seconds:
            return
        if self._refreshed_at is not None and now - self._refreshed_at < self._refresh_seconds:
            return
        self._refreshes.start(_REFRESH, self._refresh)

    async def refresh(self) -> RefreshReport:
        """Refresh now (or join the refresh that is running) and wait for it."""
        return await self._refreshes.run(_REFRESH, self._refresh)

    async def aclose(self) -> None:
        """Stop a running refresh (at shutdown)."""
        await self._refreshes.cancel()

    async def visible_job_ids(self, viewer: Identity) -> VisibleJobs:
        """The jobs `viewer` may see; waits at most `wait_seconds` for a first build.

        Raises `UpstreamUnavailableError` only for a restricted viewer when nothing is known because
        the first build failed; admins and policy `all` are always answered (`contains` is true).
        """
        self.start()
        unrestricted = not self.needs_acls or viewer.is_admin
        task = self._refreshes.current(_REFRESH)
        if unrestricted and not self._listing_settled.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._listing_settled.wait(), self._wait_seconds)
        elif not unrestricted and not self.complete and task is not None and not task.done():
            # Wait only for a build that may end within the wait: at 10,000 jobs every request
            # would otherwise pay the whole wait for a build that takes a minute or more.
            eta = self._build_eta_seconds()
            if eta is None or eta <= self._wait_seconds:
                await asyncio.wait({task}, timeout=self._wait_seconds)
        listed = self._listed if self._listed is not None else frozenset()
        if self._listed is None and not unrestricted and self._failed_at is not None:
            record_untracked()
            # The failure itself (a refused service principal says so, with its status).
            raise self._failure or UpstreamUnavailableError(
                Upstream.JOBS_API, UpstreamProblem.FAILING, "the job ACL index could not be built"
            )
        complete = self.complete
        if not complete:
            state = IndexState.BUILDING
        elif self._failed_at is not None:
            state = IndexState.STALE
        else:
            state = IndexState.COMPLETE
        share = 1.0 if complete else len(listed & self._acls.keys()) / max(len(listed), 1)
        if state is IndexState.COMPLETE:
            version = self._version
            record_read(lambda: self._version == version)
        else:
            record_untracked()
        if unrestricted:
            return VisibleJobs(False, listed, state, share)
        return VisibleJobs(True, self._jobs_for(_viewer_keys(viewer), listed), state, share)

    def _build_eta_seconds(self) -> float | None:
        """Seconds the first build still needs at its pace so far; None before it has a pace."""
        started, fetched = self._build_progress
        if started is None or fetched == 0 or self._listed is None:
            return None
        remaining = len(self._listed) - len(self._listed & self._acls.keys())
        return remaining * (self._clock() - started) / fetched

    def _jobs_for(self, keys: frozenset[str], listed: frozenset[int]) -> frozenset[int]:
        cache_key = (self._version, keys)
        if (cached := self._answers.get(cache_key)) is not None:
            self._answers.move_to_end(cache_key)
            return cached
        # A scan, not an inverted index: ~1 ms at 10,000 jobs, once per viewer and index version.
        jobs = frozenset(
            job_id
            for job_id, acl in self._acls.items()
            if job_id in listed and not acl.viewers.isdisjoint(keys)
        )
        self._answers[cache_key] = jobs
        if len(self._answers) > MAX_CACHED_VIEWERS:
            self._answers.popitem(last=False)
        return jobs

    async def _refresh(self) -> RefreshReport:
        try:
            return await self._refresh_once()
        except UpstreamUnavailableError as err:
            self._failed_at = self._clock()
            self._failure = err
            log.warning("job ACL index refresh failed: %s", err)
            raise
        except Exception:
            self._failed_at = self._clock()
            log.exception("job ACL index refresh failed")
            raise
        finally:
            self._listing_settled.set()

    async def _refresh_once(self) -> RefreshReport:
        started = self._clock()
        # The first build publishes as it goes (partial answers beat waiting); later refreshes
        # publish the new listing only once its new jobs' ACLs are known, so a refresh never
        # makes a complete index look incomplete.
        first_build = self._refreshed_at is None
        listing = {job.job_id: job for job in await self._jobs.list_jobs()}
        listed = set(listing)
        if first_build:
            self._publish(listed)
            self._build_progress = (self._clock(), 0)
        due = self._due(listing, started) if self.needs_acls else []
        pending = iter(due)

        async def fetch_acls() -> None:
            # Workers share one iterator: `concurrency` calls in flight, no task per job.
            for job_id in pending:
                try:
                    entries = await self._jobs.job_access(job_id)
                except NotFoundError:
                    # Deleted since it was listed; a later refresh drops it at its end.
                    listed.discard(job_id)
                    if first_build:
                        self._acls.pop(job_id, None)
                        self._publish(listed)
                    continue
                known = self._acls.get(job_id)
                acl = _JobAcl(listing[job_id].settings_digest, _acl_keys(entries), self._clock())
                self._acls[job_id] = acl
                if first_build:
                    began, fetched = self._build_progress
                    self._build_progress = (began, fetched + 1)
                if known is None or known.viewers != acl.viewers:
                    self._version += 1

        try:
            async with asyncio.TaskGroup() as tg:
                for _ in range(min(self._concurrency, len(due))):
                    tg.create_task(fetch_acls())
        except* UpstreamUnavailableError as group:
            # Keep what was fetched; the rest is due again on the next refresh.
            raise group.exceptions[0] from None
        removed = self._acls.keys() - listed
        for job_id in removed:
            del self._acls[job_id]
        self._publish(listed)
        self._refreshed_at = started
        self._failed_at = None
        self._failure = None
        report = RefreshReport(
            listed=len(listed),
            fetched=len(due),
            removed=len(removed),
            seconds=self._clock() - started,
        )
        log.info(
            "job ACL index refreshed: %d jobs listed, %d ACLs fetched, %d removed in %.1f s",
            report.listed,
            report.fetched,
            report.removed,
            report.seconds,
        )
        return report

    def _due(self, listing: Mapping[int, JobListing], now: float) -> list[int]:
        """Jobs whose ACL to read: new, settings changed, or older than the max age — plus a share
        of the oldest, so that ACLs are re-read a slice per refresh instead of all at once."""
        due: list[int] = []
        aging: list[tuple[float, int]] = []
        for job_id, job in listing.items():
            known = self._acls.get(job_id)
            if (
                known is None
                or known.settings_digest != job.settings_digest
                or now - known.fetched_at > self._acl_max_age_seconds
            ):
                due.append(job_id)
            elif now - known.fetched_at > self._refresh_seconds:
                aging.append((known.fetched_at, job_id))
        share = min(1.0, self._refresh_seconds / max(self._acl_max_age_seconds, 1e-9))
        rolling = math.ceil(len(listing) * share)
        due.extend(job_id for _, job_id in heapq.nsmallest(rolling, aging))
        return due

    def _publish(self, listed: set[int]) -> None:
        self._listed = frozenset(listed)
        self._listing_settled.set()
        self._version += 1
