"""Cost: each job's and run's spend, breakdowns by group, anomalies and zombie jobs, over exactly
the viewer's jobs.

Statements: the per-job roll-up (`job_costs`) and the anomalies cover every job of the workspace,
one cached statement per window shared by every viewer, and are cut here to the jobs the viewer
may see. Breakdowns other than by job are computed in SQL for the viewer's job set (the set, never
the viewer, is in the cache key); by job, the totals come from the roll-up and only the daily
series of the groups shown are read. A viewer who sees no job gets empty answers, never zeros for
jobs of others. Spend that cannot be tied to a job (all-purpose clusters that jobs ran on, JOBS
usage without a job) is not per job, so only a viewer who sees every job is told it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from job_monitor.backend.domain.costs import (
    ComputeType,
    CostAnomalyFacts,
    CostGrouping,
    CostGroupRecord,
    DailyCost,
    JobCostSummary,
    RunCostRecord,
    ZombieReason,
    change_ratio,
    cost_complete,
    daily_costs,
    previous_total,
    previous_window_kept,
    zombie_reason,
)
from job_monitor.backend.domain.errors import LimitExceededError
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.runs import RunRecord
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services.jobs import JobQuery, matching_jobs
from job_monitor.backend.services.session import Session

MAX_ANOMALIES = 1000
"""Anomalies read per window (the largest excess first); a page shows at most the page size."""


def previous_spend(window: Window, amounts: Sequence[float | None]) -> float | None:
    """The spend of these in the window before: their sum, zero for none, None when that window
    is older than the billing kept."""
    if not amounts:
        return 0.0 if previous_window_kept(window) else None
    return previous_total(amounts)


def no_spend(job_id: int, window: Window) -> JobCostSummary:
    """A job without job usage in the window (nor in the one before)."""
    return JobCostSummary(
        job_id=job_id,
        dbus=0.0,
        list_cost_usd=0.0,
        runs=0,
        successful_runs=0,
        wasted_usd=0.0,
        p90_run_cost_usd=None,
        previous_list_cost_usd=previous_spend(window, ()),
        longest_run_seconds=None,
    )


async def job_costs(session: Session, window: Window) -> Mapping[int, JobCostSummary]:
    """The spend of every job billed in the window, by job id, cut to the viewer's jobs."""
    visible = await session.visible()
    every = await (await session.history()).job_costs(window, session.now)
    if not visible.restricted:
        return every
    return {job_id: spend for job_id, spend in every.items() if visible.contains(job_id)}


async def costs_by_job(
    session: Session, window: Window, job_ids: Collection[int]
) -> dict[int, JobCostSummary]:
    """These jobs' spend over the window (zero for a job without usage)."""
    spends = await job_costs(session, window)
    return {job_id: spends.get(job_id) or no_spend(job_id, window) for job_id in job_ids}


async def daily_by_job(
    session: Session, window: Window, job_ids: Collection[int]
) -> dict[int, tuple[DailyCost, ...]]:
    """These jobs' daily spend over the window, in one statement for them all; only jobs the
    viewer may see are read (the others get an empty series)."""
    visible = await session.visible()
    mine = sorted(job_id for job_id in job_ids if visible.contains(job_id))
    history = await session.history()
    groups = await history.costs_by_group(
        window, session.now, CostGrouping.JOB, mine, team_tag=session.settings.team_tag
    )
    found = {group.key: group.daily for group in groups}
    empty = tuple(daily_costs(window.start(session.now).date(), session.now.date(), ()))
    return {job_id: found.get(str(job_id), empty) if job_id in mine else () for job_id in job_ids}


@dataclass(frozen=True, slots=True)
class CostBreakdownView:
    """Spend of the viewer's jobs over a window, grouped."""

    window: Window
    grouping: CostGrouping
    groups: tuple[CostGroupRecord, ...]
    """The groups shown, most spend first (at most the page asked for)."""
    group_count: int
    """Groups with spend, shown or not."""
    dbus: float
    list_cost_usd: float
    previous_list_cost_usd: float | None
    unattributed_usd: float | None
    """Job spend no visible job explains; None for a viewer who does not see every job."""
    data_through: datetime | None
    jobs: Mapping[int, JobDefinition]
    """The jobs of JOB groups, by id (a group of a job the catalog no longer lists is absent)."""

    @property
    def change_vs_previous_window(self) -> float | None:
        return change_ratio(self.list_cost_usd, self.previous_list_cost_usd)


async def breakdown(
    session: Session,
    window: Window,
    grouping: CostGrouping,
    query: JobQuery | None,
    first: int,
) -> CostBreakdownView:
    """The spend of the viewer's jobs (those matching `query` when given) grouped by `grouping`,
    the `first` groups with most spend. Without a query, deleted jobs count too: their spend was
    spent."""
    visible = await session.visible()
    history = await session.history()
    if query is None:
        jobs = dict(await session.catalog(include_deleted=True))
    else:
        jobs = {job.job_id: job for job in await matching_jobs(session, query)}
    # A viewer who sees every job and filters nothing is shown every job's usage, also that of
    # jobs the catalog does not list (yet).
    scope: list[int] | None = None if query is None and not visible.restricted else sorted(jobs)
    # Independent statements, asked together: the warehouse runs them side by side.
    spend, data_through, others = await asyncio.gather(
        _job_groups(session, window, scope, first)
        if grouping is CostGrouping.JOB
        else _groups(session, window, grouping, scope, first),
        history.billing_data_through(session.now),
        history.unattributed_costs(window, session.now) if not visible.restricted else _nothing(),
    )
    groups, group_count, dbus, cost, previous = spend
    unattributed: float | None = None
    if others is not None:
        unattributed = sum(group.list_cost_usd for group in others)
        if grouping is CostGrouping.COMPUTE_TYPE:
            shared = [group for group in others if group.key == ComputeType.ALL_PURPOSE.value]
            groups = (*groups, *shared)
            group_count += len(shared)
    return CostBreakdownView(
        window=window,
        grouping=grouping,
        groups=groups,
        group_count=group_count,
        dbus=dbus,
        list_cost_usd=cost,
        previous_list_cost_usd=previous,
        unattributed_usd=unattributed,
        data_through=data_through,
        jobs=jobs,
    )


GroupedSpend = tuple[tuple[CostGroupRecord, ...], int, float, float, float | None]
"""The groups shown, how many there are, and the DBUs, spend and previous spend of them all."""


async def _nothing() -> None:
    return None


async def _groups(
    session: Session,
    window: Window,
    grouping: CostGrouping,
    scope: list[int] | None,
    first: int,
) -> GroupedSpend:
    history = await session.history()
    every = await history.costs_by_group(
        window, session.now, grouping, scope, team_tag=session.settings.team_tag
    )
    previous = previous_spend(window, [group.previous_list_cost_usd for group in every])
    return (
        every[:first],
        len(every),
        sum(group.dbus for group in every),
        sum(group.list_cost_usd for group in every),
        previous,
    )


async def _job_groups(
    session: Session, window: Window, scope: list[int] | None, first: int
) -> GroupedSpend:
    """JOB groups: totals from the roll-up, daily series read only for the groups shown."""
    spends = await job_costs(session, window)
    wanted = None if scope is None else set(scope)
    chosen = [
        spend
        for job_id, spend in spends.items()
        if (wanted is None or job_id in wanted) and spend.runs
    ]
    chosen.sort(key=lambda spend: (-spend.list_cost_usd, spend.job_id))
    shown = chosen[:first]
    daily = await daily_by_job(session, window, [spend.job_id for spend in shown])
    groups = tuple(
        CostGroupRecord(
            key=str(spend.job_id),
            dbus=spend.dbus,
            list_cost_usd=spend.list_cost_usd,
            previous_list_cost_usd=spend.previous_list_cost_usd,
            daily=daily.get(spend.job_id, ()),
        )
        for spend in shown
    )
    return (
        groups,
        len(chosen),
        sum(spend.dbus for spend in chosen),
        sum(spend.list_cost_usd for spend in chosen),
        previous_spend(window, [spend.previous_list_cost_usd for spend in chosen]),
    )


@dataclass(frozen=True, slots=True)
class RunCostView:
    record: RunCostRecord
    complete: bool


async def run_costs(session: Session, runs: Sequence[RunRecord]) -> dict[int, RunCostView]:
    """The spend of these runs (the viewer's: their JobRun exists) so far, by run id, in one
    statement; a run without usage yet costs zero."""
    if not runs:
        return {}
    history = await session.history()
    found = await history.run_costs(
        [run.run_id for run in runs], min(run.start_time for run in runs)
    )
    return {
        run.run_id: RunCostView(
            found.get(run.run_id)
            or RunCostRecord(
                run_id=run.run_id,
                job_id=run.job_id or 0,
                dbus=0.0,
                list_cost_usd=0.0,
                serverless=False,
                skus=(),
                shared_compute=False,
            ),
            cost_complete(run.end_time, session.now),
        )
        for run in runs
    }


async def anomalies(session: Session, window: Window, first: int) -> list[CostAnomalyFacts]:
    """The viewer's runs in the window that cost more than twice their job's usual, largest
    excess first, at most `first`."""
    if first < 1:
        raise LimitExceededError("first", "must be at least 1")
    visible = await session.visible()
    history = await session.history()
    found = await history.cost_anomalies(window, session.now, limit=MAX_ANOMALIES)
    return [facts for facts in found if visible.contains(facts.job_id)][:first]


@dataclass(frozen=True, slots=True)
class ZombieJobView:
    job: JobDefinition
    spend: JobCostSummary
    reason: ZombieReason


async def zombie_jobs(session: Session, window: Window) -> list[ZombieJobView]:
    """The viewer's scheduled jobs that spent in the window without a useful result, most spend
    first."""
    catalog = await session.catalog()
    spends = await job_costs(session, window)
    found = [
        ZombieJobView(job, spend, reason)
        for job_id, spend in spends.items()
        if (job := catalog.get(job_id)) is not None
        and (reason := zombie_reason(job, spend)) is not None
    ]
    found.sort(key=lambda zombie: (-zombie.spend.list_cost_usd, zombie.job.job_id))
    return found


@dataclass(frozen=True, slots=True)
class SpendView:
    list_cost_usd: float
    previous_list_cost_usd: float | None

    @property
    def change_vs_previous_window(self) -> float | None:
        return change_ratio(self.list_cost_usd, self.previous_list_cost_usd)


async def spend_of_list(
    session: Session, window: Window, *, include_deleted: bool = False
) -> SpendView:
    """The spend of the jobs of the viewer's list (as `overview` counts them) over the window."""
    catalog = await session.catalog(include_deleted=include_deleted)
    spends = await job_costs(session, window)
    mine = [spend for job_id, spend in spends.items() if job_id in catalog]
    return SpendView(
        list_cost_usd=sum(spend.list_cost_usd for spend in mine),
        previous_list_cost_usd=previous_spend(
            window, [spend.previous_list_cost_usd for spend in mine]
        ),
    )
