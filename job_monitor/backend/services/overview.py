"""The overview of one window, over exactly the viewer's jobs: the jobs the viewer's `jobs` list
holds, so that every total is the sum over that list.

Those are the jobs the viewer may see that exist now, and with `include_deleted` also the jobs
deleted within the history kept (only a viewer who sees every job has any: a deleted job's
permissions are gone with it). Totals (`runs`, `failed`, the success rate, jobs in a failing
streak, the top failing jobs) are sums of the per-job health roll-ups over those jobs: the roll-up
is one cached statement shared by every viewer. The daily series and the failures by termination
code are computed in SQL for the viewer's job set under the same rule for deleted jobs
(`queries/_listed_jobs.sql`); the set and the rule are the cache key, never the viewer.

Active and queued runs come from the Jobs API, whose runs all belong to jobs that exist. They are
read beside the history, not as part of it: while the Jobs API cannot be read, the history figures
are answered and only the live counts are missing (`live_counts` raises the Jobs API's error).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from job_monitor.backend.domain.errors import LimitExceededError, UpstreamUnavailableError
from job_monitor.backend.domain.health import P1_FAILURE_STREAK, HealthSummary
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.overview import TerminationCodeFailures
from job_monitor.backend.domain.runs import RunState
from job_monitor.backend.domain.sla import needs_attention
from job_monitor.backend.domain.windows import DailyRuns, Window
from job_monitor.backend.services.jobs import health_by_window
from job_monitor.backend.services.runs import live_runs
from job_monitor.backend.services.session import Session
from job_monitor.backend.services.sla import status_of

MAX_TOP_FAILING_JOBS = 50


@dataclass(frozen=True, slots=True)
class JobFailures:
    job: JobDefinition
    health: HealthSummary


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """The viewer's runs going now, from the Jobs API."""

    active: int
    """In progress (pending, running, terminating …), queued ones apart."""
    queued: int
    at_risk: int = 0
    """Runs going now past 80 % of their job's target, or past the target (`domain.sla`)."""


@dataclass(frozen=True, slots=True)
class OverviewView:
    window: Window
    runs: int
    succeeded: int
    failed: int
    live: LiveCounts | UpstreamUnavailableError
    """The live counts, or why the Jobs API could not give them."""
    jobs_in_failing_streak: int
    failing_jobs: tuple[JobFailures, ...]
    """Every viewer's job with a failure in the window, most failures first."""
    failures_by_termination_code: Sequence[TerminationCodeFailures]
    daily: Sequence[DailyRuns]
    permissions_complete: bool
    include_deleted: bool = False
    """Whether deleted jobs and their runs are counted."""

    @property
    def success_rate(self) -> float | None:
        outcomes = self.succeeded + self.failed
        return self.succeeded / outcomes if outcomes else None

    def live_counts(self) -> LiveCounts:
        """The runs going now; `UpstreamUnavailableError` when the Jobs API could not be read."""
        if isinstance(self.live, UpstreamUnavailableError):
            raise self.live
        return self.live

    def top_failing_jobs(self, limit: int) -> tuple[JobFailures, ...]:
        if not 1 <= limit <= MAX_TOP_FAILING_JOBS:
            raise LimitExceededError("limit", f"must be between 1 and {MAX_TOP_FAILING_JOBS}")
        return self.failing_jobs[:limit]


async def overview(
    session: Session, window: Window, *, include_deleted: bool = False
) -> OverviewView:
    scope = await session.scope()
    history = await session.history()
    healths, catalog, daily, by_code, live = await asyncio.gather(
        health_by_window(session, window),
        session.catalog(include_deleted=include_deleted),
        history.daily_runs(window, session.now, scope, include_deleted=include_deleted),
        history.failures_by_termination_code(
            window, session.now, scope, include_deleted=include_deleted
        ),
        live_runs(session),
    )
    # The jobs the viewer's list holds, not every job with runs: a deleted job (unless asked for)
    # or one the catalog does not know yet is in no list, so in no total.
    mine: Mapping[int, HealthSummary] = {
        job_id: healths[job_id] for job_id in catalog if job_id in healths
    }
    failing = sorted(
        (JobFailures(catalog[job_id], health) for job_id, health in mine.items() if health.failed),
        key=lambda f: (
            -f.health.failed,
            -f.health.failure_streak,
            f.job.name.lower(),
            f.job.job_id,
        ),
    )
    counts: LiveCounts | UpstreamUnavailableError
    if live.missing is not None:
        counts = live.missing
    else:
        queued = sum(1 for run in live.by_id.values() if run.state is RunState.QUEUED)
        at_risk = sum(
            1
            for run in live.by_id.values()
            if needs_attention(
                status_of(
                    run, catalog.get(run.job_id) if run.job_id is not None else None, session.now
                )
            )
        )
        counts = LiveCounts(active=len(live.by_id) - queued, queued=queued, at_risk=at_risk)
    return OverviewView(
        window=window,
        runs=sum(health.runs for health in mine.values()),
        succeeded=sum(health.succeeded for health in mine.values()),
        failed=sum(health.failed for health in mine.values()),
        live=counts,
        jobs_in_failing_streak=sum(
            1 for health in mine.values() if health.failure_streak >= P1_FAILURE_STREAK
        ),
        failing_jobs=tuple(failing),
        failures_by_termination_code=by_code,
        daily=daily,
        permissions_complete=await session.permissions_complete(),
        include_deleted=include_deleted,
    )
