"""The overview of one window, over exactly the viewer's jobs.

Totals (`runs`, `failed`, the success rate, jobs in a failing streak, the top failing jobs) are sums
of the per-job health roll-ups over the viewer's jobs: the roll-up is one cached statement shared by
every viewer. The daily series and the failures by termination code are computed in SQL for the
viewer's job set (the set is the cache key, never the viewer). A viewer who sees every job gets the
workspace's totals, including runs of jobs deleted since.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from job_monitor.backend.domain.errors import LimitExceededError
from job_monitor.backend.domain.health import P1_FAILURE_STREAK, HealthSummary
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.overview import TerminationCodeFailures
from job_monitor.backend.domain.runs import RunState
from job_monitor.backend.domain.windows import DailyRuns, Window
from job_monitor.backend.services.jobs import health_by_window
from job_monitor.backend.services.session import Session

MAX_TOP_FAILING_JOBS = 50


@dataclass(frozen=True, slots=True)
class JobFailures:
    job: JobDefinition
    health: HealthSummary


@dataclass(frozen=True, slots=True)
class OverviewView:
    window: Window
    runs: int
    succeeded: int
    failed: int
    active_now: int
    queued_now: int
    jobs_in_failing_streak: int
    failing_jobs: tuple[JobFailures, ...]
    """Every viewer's job with a failure in the window, most failures first."""
    failures_by_termination_code: Sequence[TerminationCodeFailures]
    daily: Sequence[DailyRuns]
    permissions_complete: bool

    @property
    def success_rate(self) -> float | None:
        outcomes = self.succeeded + self.failed
        return self.succeeded / outcomes if outcomes else None

    def top_failing_jobs(self, limit: int) -> tuple[JobFailures, ...]:
        if not 1 <= limit <= MAX_TOP_FAILING_JOBS:
            raise LimitExceededError("limit", f"must be between 1 and {MAX_TOP_FAILING_JOBS}")
        return self.failing_jobs[:limit]


async def overview(session: Session, window: Window) -> OverviewView:
    visible = await session.visible()
    scope = await session.scope()
    history = await session.history()
    healths, catalog, daily, by_code, live = await asyncio.gather(
        health_by_window(session, window),
        session.catalog(),
        history.daily_runs(window, session.now, scope),
        history.failures_by_termination_code(window, session.now, scope),
        session.active_runs(),
    )
    mine: Mapping[int, HealthSummary] = (
        {job_id: health for job_id, health in healths.items() if visible.contains(job_id)}
        if visible.restricted
        else healths
    )
    failing = sorted(
        (
            JobFailures(catalog[job_id], health)
            for job_id, health in mine.items()
            if health.failed and job_id in catalog
        ),
        key=lambda f: (
            -f.health.failed,
            -f.health.failure_streak,
            f.job.name.lower(),
            f.job.job_id,
        ),
    )
    queued = sum(1 for run in live if run.state is RunState.QUEUED)
    return OverviewView(
        window=window,
        runs=sum(health.runs for health in mine.values()),
        succeeded=sum(health.succeeded for health in mine.values()),
        failed=sum(health.failed for health in mine.values()),
        active_now=len(live) - queued,
        queued_now=queued,
        jobs_in_failing_streak=sum(
            1 for health in mine.values() if health.failure_streak >= P1_FAILURE_STREAK
        ),
        failing_jobs=tuple(failing),
        failures_by_termination_code=by_code,
        daily=daily,
        permissions_complete=await session.permissions_complete(),
    )
