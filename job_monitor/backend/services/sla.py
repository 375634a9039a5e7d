"""SLAs: each job's duration target, the runs that missed it, and where runs going now stand.

A target is the job's own RUN_DURATION_SECONDS health rule, read from the cached job catalog; the
rules are the domain's (`domain.sla`). Figures are over the viewer's jobs only: the targets passed
to the warehouse are those of jobs in the viewer's catalog, so a hidden job's runs are never read
for them, and a job the viewer may not see is `NotFound` before its SLA is reached.

Statements: the counts (finished runs and breaches per job) are one cached statement per window
over every job of the viewer's list that has a target, shared by `Job.sla` on any page and by the
overview; the breach lists are one statement per window and page size for the jobs of a batch.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.runs import RunRecord
from job_monitor.backend.domain.sla import (
    NO_FINISHED_RUNS,
    SlaBreachRecord,
    SlaCounts,
    SlaStatus,
    sla_status,
    sla_target,
)
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services.session import Session


def targets_of(catalog: Mapping[int, JobDefinition]) -> dict[int, int]:
    """Job id → target seconds, for the jobs of the catalog that have a target."""
    return {
        job_id: target for job_id, job in catalog.items() if (target := sla_target(job)) is not None
    }


async def _catalog_with(session: Session, job_ids: Collection[int]) -> Mapping[int, JobDefinition]:
    """The viewer's catalog; with the deleted jobs only when one of these jobs is deleted."""
    catalog = await session.catalog()
    if any(job_id not in catalog for job_id in job_ids):
        catalog = await session.catalog(include_deleted=True)
    return catalog


async def sla_counts(
    session: Session, window: Window, *, include_deleted: bool = False
) -> Mapping[int, SlaCounts]:
    """Finished runs and breaches over the window for every job of the viewer's list with a target
    (deleted jobs too with `include_deleted`), by job id; a job absent had no finished run."""
    catalog = await session.catalog(include_deleted=include_deleted)
    history = await session.history()
    return await history.sla_counts(window, session.now, targets_of(catalog))


async def counts_by_job(
    session: Session, window: Window, job_ids: Collection[int]
) -> dict[int, SlaCounts | None]:
    """These jobs' counts over the window (one statement for them all); None for a job without a
    target or that the viewer may not see."""
    catalog = await _catalog_with(session, job_ids)
    include_deleted = any(catalog[job_id].deleted for job_id in job_ids if job_id in catalog)
    counts = await sla_counts(session, window, include_deleted=include_deleted)
    targets = targets_of({job_id: catalog[job_id] for job_id in job_ids if job_id in catalog})
    return {
        job_id: counts.get(job_id, NO_FINISHED_RUNS) if job_id in targets else None
        for job_id in job_ids
    }


async def breaches_by_job(
    session: Session, window: Window, job_ids: Collection[int], first: int
) -> dict[int, tuple[SlaBreachRecord, ...]]:
    """The runs over target of these jobs in the window, newest first, at most `first` per job,
    in one statement; none for a job without a target or that the viewer may not see."""
    catalog = await _catalog_with(session, job_ids)
    targets = targets_of({job_id: catalog[job_id] for job_id in job_ids if job_id in catalog})
    history = await session.history()
    runs = await history.sla_breaches(window, session.now, targets, per_job=first)
    return {
        job_id: tuple(SlaBreachRecord(run, targets[job_id]) for run in runs.get(job_id, ()))
        if job_id in targets
        else ()
        for job_id in job_ids
    }


def status_of(run: RunRecord, job: JobDefinition | None, now: datetime) -> SlaStatus | None:
    """Where the run stands against its job's target (NO_TARGET for a run of no known job)."""
    return sla_status(run, sla_target(job) if job is not None else None, now)


async def breaches_in_window(
    session: Session, window: Window, *, include_deleted: bool = False
) -> int:
    """Finished runs over target in the window, over the viewer's listed jobs."""
    counts = await sla_counts(session, window, include_deleted=include_deleted)
    return sum(entry.breaches for entry in counts.values())
