"""Where the money goes: `costs` (spend grouped), `costAnomalies` and `zombieJobs`, over exactly the
viewer's jobs.

Resolvers are thin: the services cut every figure to the viewer's jobs (`services.costs`), the
rules are the domain's (`domain.costs`), runs and jobs of the answers go through the request's
DataLoaders.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from job_monitor.backend.domain.costs import (
    ANOMALY_BASELINE,
    ANOMALY_RATIO,
    CURRENCY,
    MIN_COST_BASELINE_RUNS,
    ZOMBIE_RUN_SECONDS,
    CostAnomalyFacts,
    CostGroupRecord,
    likely_causes,
)
from job_monitor.backend.domain.errors import UpstreamUnavailableError
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.costs import DEFAULT_COST_WINDOW, SPEND_RULES, DailySpend
from job_monitor.backend.graphql.enums import (
    AnomalyCause,
    CostGrouping,
    Window,
    ZombieReason,
)
from job_monitor.backend.graphql.errors import ExpectedError, answer, nested
from job_monitor.backend.graphql.jobs import Job, JobFilter, job_query
from job_monitor.backend.graphql.pagination import page_size
from job_monitor.backend.graphql.runs import JobRun
from job_monitor.backend.services import costs as cost_service
from job_monitor.backend.services import runs as run_service
from job_monitor.backend.services.costs import CostBreakdownView, ZombieJobView
from job_monitor.backend.services.session import Session

DEFAULT_GROUPS = 50
CHANGE = (
    "(listCostUsd - previousListCostUsd) / previousListCostUsd: 0.25 is 25% more; null without "
    "spend before, or when the window before is older than the billing kept (365 days)."
)


@strawberry.type(description="One group of a cost breakdown.")
class CostGroup:
    record: strawberry.Private[CostGroupRecord]
    job_definition: strawberry.Private[JobDefinition | None]
    total_usd: strawberry.Private[float]

    @strawberry.field(
        description=(
            "The group's value: a job id, a team, a SKU, an identity or a ComputeType; null for "
            "the untagged (TEAM) or unknown (RUN_AS) group."
        )
    )
    def key(self) -> str | None:
        return self.record.key

    @strawberry.field(
        description=(
            "The job, for JOB groups of a job the viewer's catalog lists (null for other groups, "
            "and for a job deleted or not listed yet)."
        )
    )
    def job(self) -> Job | None:
        return Job(definition=self.job_definition) if self.job_definition is not None else None

    @strawberry.field(description="DBUs.")
    def dbus(self) -> float:
        return self.record.dbus

    @strawberry.field(description="At list price, in the breakdown's currency.")
    def list_cost_usd(self) -> float:
        return self.record.list_cost_usd

    @strawberry.field(description="Its share of the breakdown's listCostUsd, 0 to 1.")
    def share(self) -> float | None:
        return self.record.list_cost_usd / self.total_usd if self.total_usd > 0 else None

    @strawberry.field(description="Spend in the window of the same length just before.")
    def previous_list_cost_usd(self) -> float | None:
        return self.record.previous_list_cost_usd

    @strawberry.field(description=CHANGE)
    def change_vs_previous_window(self) -> float | None:
        return self.record.change_vs_previous_window

    @strawberry.field(
        description=(
            "False for the ALL_PURPOSE group (shown to viewers who see every job): all-purpose "
            "clusters that jobs ran on, billed to the cluster, not to a job, so not in the "
            "breakdown's totals (they are in `unattributedUsd`)."
        )
    )
    def attributable(self) -> bool:
        return self.record.attributable

    @strawberry.field(description="Spend per UTC day of the window, oldest first.")
    def daily(self) -> list[DailySpend]:
        return [DailySpend(record=day) for day in self.record.daily]


@strawberry.type(
    description=(
        "The viewer's spend over a window, grouped. Every figure covers only the viewer's jobs: "
        f"a viewer without jobs gets no groups. {SPEND_RULES}"
    )
)
class CostBreakdown:
    view: strawberry.Private[CostBreakdownView]

    @strawberry.field(description="The window the figures cover.")
    def window(self) -> Window:
        return self.view.window

    @strawberry.field(description="How spend is grouped.")
    def group_by(self) -> CostGrouping:
        return self.view.grouping

    @strawberry.field(description="The currency of the prices (USD).")
    def currency(self) -> str:
        return CURRENCY

    @strawberry.field(description="DBUs over every attributable group (shown or not).")
    def dbus(self) -> float:
        return self.view.dbus

    @strawberry.field(description="List cost over every attributable group (shown or not).")
    def list_cost_usd(self) -> float:
        return self.view.list_cost_usd

    @strawberry.field(description="The same over the window of the same length just before.")
    def previous_list_cost_usd(self) -> float | None:
        return self.view.previous_list_cost_usd

    @strawberry.field(description=CHANGE)
    def change_vs_previous_window(self) -> float | None:
        return self.view.change_vs_previous_window

    @strawberry.field(description="Groups with spend in the window, shown or not.")
    def group_count(self) -> int:
        return self.view.group_count

    @strawberry.field(
        description=(
            "The groups with most spend, most first (at most `first` of the query), then the "
            "ALL_PURPOSE group when there is one."
        )
    )
    def groups(self) -> list[CostGroup]:
        total = self.view.list_cost_usd
        return [
            CostGroup(
                record=group,
                job_definition=self.view.jobs.get(int(group.key))
                if self.view.grouping is CostGrouping.JOB and group.key is not None
                else None,
                total_usd=total,
            )
            for group in self.view.groups
        ]

    @strawberry.field(
        description=(
            "Spend of jobs' kind that no job can be tied to: usage of all-purpose clusters that "
            "job tasks ran on, and JOBS usage without a job id. It is not per job, so it is null "
            "for a viewer who does not see every job."
        )
    )
    def unattributed_usd(self) -> float | None:
        return self.view.unattributed_usd

    @strawberry.field(
        description=(
            "The end of the latest hour of usage billing has recorded (usage lands within hours, "
            "so the last hours of the window are still filling); null when none in the last "
            "three days."
        )
    )
    def data_through(self) -> dt.datetime | None:
        return self.view.data_through


@strawberry.type(
    description=(
        f"A run that cost more than {ANOMALY_RATIO:g}x its job's p90 run cost over the baseline: "
        f"the job's finished, billed runs in the {ANOMALY_BASELINE.days} days before the window "
        f"(at least {MIN_COST_BASELINE_RUNS})."
    )
)
class CostAnomaly:
    facts: strawberry.Private[CostAnomalyFacts]

    @strawberry.field(description="The run (null if it can no longer be read).")
    async def run(self, info: JMInfo) -> JobRun | None:
        known = await nested(info.context.loaders.run_by_id.load(self.facts.run_id))
        return JobRun.of(known) if known is not None else None

    @strawberry.field(description="The job (null if deleted since).")
    async def job(self, info: JMInfo) -> Job | None:
        definition = await nested(info.context.loaders.job_by_id.load(self.facts.job_id))
        return Job(definition=definition) if definition is not None else None

    @strawberry.field(description="When the run started.")
    def start_time(self) -> dt.datetime:
        return self.facts.start_time

    @strawberry.field(description="The run's list cost (all its usage, repairs included).")
    def list_cost_usd(self) -> float:
        return self.facts.list_cost_usd

    @strawberry.field(description="Its DBUs.")
    def dbus(self) -> float:
        return self.facts.dbus

    @strawberry.field(description="The job's p90 run cost over the baseline.")
    def baseline_p90_run_cost_usd(self) -> float:
        return self.facts.baseline_p90_cost_usd

    @strawberry.field(description="The baseline's runs.")
    def baseline_runs(self) -> int:
        return self.facts.baseline_runs

    @strawberry.field(description="listCostUsd / baselineP90RunCostUsd.")
    def ratio(self) -> float:
        return self.facts.ratio

    @strawberry.field(
        description="Every likely cause the data shows (empty when none shows), in order."
    )
    def likely_causes(self) -> list[AnomalyCause]:
        return list(likely_causes(self.facts))

    @strawberry.field(
        description=(
            "When the job's definition changed (DEFINITION_CHANGED): the latest change after its "
            "last baseline run, up to the run's start."
        )
    )
    def definition_changed_at(self) -> dt.datetime | None:
        return self.facts.definition_changed_at

    @strawberry.field(description="The run's duration (null while going).")
    def duration_seconds(self) -> float | None:
        return self.facts.duration_seconds

    @strawberry.field(description="The baseline runs' p90 duration.")
    def baseline_p90_duration_seconds(self) -> float | None:
        return self.facts.baseline_p90_duration_seconds

    @strawberry.field(description="The run's repairs.")
    def repair_count(self) -> int:
        return self.facts.repair_count

    @strawberry.field(description="The SKUs the run was billed on.")
    def skus(self) -> list[str]:
        return list(self.facts.skus)

    @strawberry.field(description="The SKUs the job was billed on in the baseline.")
    def baseline_skus(self) -> list[str]:
        return list(self.facts.baseline_skus)


@strawberry.type(description="The viewer's costly runs in a window.")
class CostAnomalies:
    window: Window = strawberry.field(description="Runs started in this window.")
    ratio_threshold: float = strawberry.field(description="Flagged above this multiple of p90.")
    baseline_days: int = strawberry.field(description="The baseline's span before the window.")
    anomalies: list[CostAnomaly] = strawberry.field(description="Largest excess over p90 first.")


@strawberry.type(
    description=(
        "A scheduled job that keeps spending without a useful result: no successful run billed "
        f"in the window, or every one ended within {ZOMBIE_RUN_SECONDS:g} seconds."
    )
)
class ZombieJob:
    view: strawberry.Private[ZombieJobView]

    @strawberry.field(description="The job.")
    def job(self) -> Job:
        return Job(definition=self.view.job)

    @strawberry.field(description="Why it is a zombie.")
    def reason(self) -> ZombieReason:
        return self.view.reason

    @strawberry.field(description="Its spend in the window, at list price.")
    def list_cost_usd(self) -> float:
        return self.view.spend.list_cost_usd

    @strawberry.field(description="Its runs billed in the window.")
    def runs(self) -> int:
        return self.view.spend.runs

    @strawberry.field(description="Of those, runs that succeeded.")
    def successful_runs(self) -> int:
        return self.view.spend.successful_runs

    @strawberry.field(description="Its longest finished run billed in the window.")
    def longest_run_seconds(self) -> float | None:
        return self.view.spend.longest_run_seconds


@strawberry.type(description="The viewer's zombie jobs in a window, most spend first.")
class ZombieJobs:
    window: Window = strawberry.field(description="The window.")
    jobs: list[ZombieJob] = strawberry.field(description="Most spend first.")

    @strawberry.field(description="Their spend in the window.")
    def list_cost_usd(self) -> float:
        return sum(zombie.view.spend.list_cost_usd for zombie in self.jobs)


CostsResult = Annotated[
    CostBreakdown | ExpectedError,
    strawberry.union("CostsResult", description="The breakdown, or why there is none."),
]
CostAnomaliesResult = Annotated[
    CostAnomalies | ExpectedError,
    strawberry.union("CostAnomaliesResult", description="The anomalies, or why there are none."),
]
ZombieJobsResult = Annotated[
    ZombieJobs | ExpectedError,
    strawberry.union("ZombieJobsResult", description="The zombie jobs, or why there are none."),
]


async def _costs(
    session: Session,
    window: Window,
    group_by: CostGrouping,
    job_filter: JobFilter | None,
    first: int,
) -> CostBreakdown:
    size = page_size(first, session.settings.max_page_size)
    query = (
        job_query(job_filter, None, window, session.settings.team_tag)
        if job_filter is not None
        else None
    )
    view = await cost_service.breakdown(session, window, group_by, query, size)
    return CostBreakdown(view=view)


async def _anomalies(info: JMInfo, window: Window, first: int) -> CostAnomalies:
    session = info.context.session
    size = page_size(first, session.settings.max_page_size)
    found = await cost_service.anomalies(session, window, size)
    if found:
        # Their runs all started in the window: read them from there, not from a year back.
        runs = await run_service.runs_by_id(
            session,
            [facts.run_id for facts in found],
            earliest_start=min(facts.start_time for facts in found),
        )
        for facts in found:
            known = runs.get(facts.run_id)
            # A run that could not be read is left to the loader, which answers its error.
            if not isinstance(known, UpstreamUnavailableError):
                info.context.loaders.run_by_id.prime(facts.run_id, known)
    return CostAnomalies(
        window=window,
        ratio_threshold=ANOMALY_RATIO,
        baseline_days=ANOMALY_BASELINE.days,
        anomalies=[CostAnomaly(facts=facts) for facts in found],
    )


async def _zombies(session: Session, window: Window) -> ZombieJobs:
    found = await cost_service.zombie_jobs(session, window)
    return ZombieJobs(window=window, jobs=[ZombieJob(view=zombie) for zombie in found])


@strawberry.type
class CostQueries:
    @strawberry.field(
        description=(
            "The viewer's spend over a window (default: the last 30 days) grouped by `groupBy`, "
            "the `first` groups with most spend (default 50; ceiling: the page size limit). With "
            "`filter`, only the jobs it matches count (deleted ones with `includeDeleted`); "
            "without, every job of the viewer's, deleted ones too. Each group's figures agree "
            "with Databricks' published cost queries over the same usage (e.g. "
            "`most_expensive_jobs_30_days` summed by day)."
        )
    )
    async def costs(
        self,
        info: JMInfo,
        group_by: CostGrouping,
        window: Window = DEFAULT_COST_WINDOW,
        filter: JobFilter | None = None,
        first: int = DEFAULT_GROUPS,
    ) -> CostsResult:
        return await answer(_costs(info.context.session, window, group_by, filter, first))

    @strawberry.field(
        description=(
            f"The viewer's runs started in the window (default: the last 30 days) that cost more "
            f"than {ANOMALY_RATIO:g}x their job's p90 run cost over the "
            f"{ANOMALY_BASELINE.days} days before the window, each with the likely cause; the "
            "largest excess over p90 first, at most `first` (default 50)."
        )
    )
    async def cost_anomalies(
        self, info: JMInfo, window: Window = DEFAULT_COST_WINDOW, first: int = DEFAULT_GROUPS
    ) -> CostAnomaliesResult:
        return await answer(_anomalies(info, window, first))

    @strawberry.field(
        description=(
            "The viewer's scheduled (unpaused cron or periodic) jobs that spent in the window "
            "(default: the last 30 days) without a useful result."
        )
    )
    async def zombie_jobs(
        self, info: JMInfo, window: Window = DEFAULT_COST_WINDOW
    ) -> ZombieJobsResult:
        return await answer(_zombies(info.context.session, window))
