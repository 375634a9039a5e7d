"""Utilisation: each job's measured CPU and memory with what it says about the job's compute, and
the viewer's over-provisioned jobs, over exactly the viewer's jobs.

Statements: the node figures are one statement per window for the jobs asked about (a page's
batch, or every job of the viewer's list), cut to the jobs the viewer may see before they are read;
when one of them is underused, the spend roll-up (`costs.job_costs`, shared with `Job.cost`) and the
node types follow, and when one ran on an all-purpose cluster, that cluster's hours and prices: at
most four statements, each cached like its neighbours. The rules are the domain's
(`domain.utilization`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from job_monitor.backend.domain.costs import JobCostSummary
from job_monitor.backend.domain.errors import LimitExceededError
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.utilization import (
    NodeType,
    Utilization,
    UtilizationFacts,
    assess,
    is_underused,
    lists_as_over_provisioned,
)
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services import costs
from job_monitor.backend.services.session import Session


async def utilization_by_job(
    session: Session, window: Window, job_ids: Collection[int]
) -> dict[int, Utilization]:
    """These jobs' utilisation over the window, in one batch; a job the viewer may not see is
    answered as one without data (nothing of it is read)."""
    visible = await session.visible()
    mine = sorted({job_id for job_id in job_ids if visible.contains(job_id)})
    assessed = await _assess(session, window, mine)
    return {job_id: assessed.get(job_id) or _no_data(session, window, job_id) for job_id in job_ids}


@dataclass(frozen=True, slots=True)
class OverProvisionedJobView:
    job: JobDefinition
    utilization: Utilization


@dataclass(frozen=True, slots=True)
class OverProvisionedJobsView:
    jobs: tuple[OverProvisionedJobView, ...]
    """The jobs shown: most saving first, at most the page asked for."""
    job_count: int
    """Every over-provisioned job of the viewer's, shown or not."""
    estimated_monthly_saving_usd: float
    """Over every one of them."""


async def over_provisioned_jobs(
    session: Session, window: Window, first: int
) -> OverProvisionedJobsView:
    """The viewer's jobs (those that exist) with a finding that saves money, most saving first
    (then by job id), the `first` of them."""
    if first < 1:
        raise LimitExceededError("first", "must be at least 1")
    found = await every_over_provisioned_job(session, window)
    return OverProvisionedJobsView(
        jobs=tuple(found[:first]),
        job_count=len(found),
        estimated_monthly_saving_usd=sum(
            view.utilization.estimated_monthly_saving_usd for view in found
        ),
    )


async def every_over_provisioned_job(
    session: Session, window: Window
) -> list[OverProvisionedJobView]:
    """Every one of the viewer's jobs (those that exist) with a finding that saves money, most
    saving first (then by job id): one batch of statements over all of them."""
    visible = await session.visible()
    catalog = await session.catalog()
    # A viewer who sees every job asks about every job: one statement shared by all such viewers.
    scope = sorted(catalog) if visible.restricted else None
    assessed = await _assess(session, window, scope)
    found = [
        OverProvisionedJobView(job, utilization)
        for job_id, utilization in assessed.items()
        if (job := catalog.get(job_id)) is not None and lists_as_over_provisioned(utilization)
    ]
    found.sort(key=lambda view: (-view.utilization.estimated_monthly_saving_usd, view.job.job_id))
    return found


def _no_data(session: Session, window: Window, job_id: int) -> Utilization:
    """A job without task runs in the window (or not the viewer's): no data."""
    return assess(
        job_id,
        window,
        None,
        None,
        thresholds=session.settings.overprovisioning,
        node_types={},
        window_spend_usd=0.0,
    )


async def _assess(
    session: Session, window: Window, job_ids: Collection[int] | None
) -> dict[int, Utilization]:
    """The utilisation of these jobs (None: every job) that had task runs in the window."""
    history = await session.history()
    thresholds = session.settings.overprovisioning
    facts = await history.utilization(window, session.now, job_ids, thresholds)
    underused = any(is_underused(job, thresholds) for job in facts.values())
    on_shared = sorted(job_id for job_id, job in facts.items() if job.shared_cluster_runs)
    spends, node_types, shared = await asyncio.gather(
        _spends(session, window, underused),
        _node_types(session, underused),
        history.shared_cluster_use(window, session.now, on_shared),
    )
    return {
        job_id: assess(
            job_id,
            window,
            job,
            shared.get(job_id),
            thresholds=thresholds,
            node_types=node_types,
            window_spend_usd=_spend_of(spends, job),
        )
        for job_id, job in facts.items()
    }


def _spend_of(spends: Mapping[int, JobCostSummary], job: UtilizationFacts) -> float:
    spend = spends.get(job.job_id)
    return spend.list_cost_usd if spend is not None else 0.0


async def _spends(session: Session, window: Window, wanted: bool) -> Mapping[int, JobCostSummary]:
    # Only a resize is priced from the job's spend: no statement when nothing is underused.
    return await costs.job_costs(session, window) if wanted else {}


async def _node_types(session: Session, wanted: bool) -> Mapping[str, NodeType]:
    return await (await session.history()).node_types() if wanted else {}
