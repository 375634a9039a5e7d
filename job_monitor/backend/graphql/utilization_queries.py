"""Where compute is wasted: `overProvisionedJobs`, over exactly the viewer's jobs.

Resolvers are thin: the service assesses every job of the viewer's list at once
(`services.utilization`), the rules are the domain's (`domain.utilization`).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.cost_queries import DEFAULT_GROUPS
from job_monitor.backend.graphql.enums import Window
from job_monitor.backend.graphql.errors import ExpectedError, answer
from job_monitor.backend.graphql.jobs import Job
from job_monitor.backend.graphql.pagination import page_size
from job_monitor.backend.graphql.utilization import (
    DEFAULT_UTILIZATION_WINDOW,
    MEASURED,
    OVER_PROVISIONED,
    SAVING,
    JobUtilizationResult,
    UtilizationFinding,
    findings,
    utilization_result,
)
from job_monitor.backend.services import utilization as utilization_service
from job_monitor.backend.services.session import Session
from job_monitor.backend.services.utilization import OverProvisionedJobsView, OverProvisionedJobView


@strawberry.type(description="One of the viewer's jobs whose compute could cost less.")
class OverProvisionedJob:
    view: strawberry.Private[OverProvisionedJobView]

    @strawberry.field(description="The job.")
    def job(self) -> Job:
        return Job(definition=self.view.job)

    @strawberry.field(description="Its utilisation over the window (as `Job.utilization`).")
    def utilization(self) -> JobUtilizationResult:
        return utilization_result(self.view.utilization)

    @strawberry.field(description="Its findings, each with its recommendation and saving.")
    def findings(self) -> list[UtilizationFinding]:
        return findings(self.view.utilization.findings)

    @strawberry.field(description="Their savings added up, per month at list price.")
    def estimated_monthly_saving_usd(self) -> float:
        return self.view.utilization.estimated_monthly_saving_usd


@strawberry.type(description="The viewer's over-provisioned jobs over a window, most saving first.")
class OverProvisionedJobs:
    view: strawberry.Private[OverProvisionedJobsView]
    window: Window = strawberry.field(description="The window the figures cover.")
    cpu_threshold_percent: float = strawberry.field(
        description="Worker CPU busy under this counts as idle (the setting in force)."
    )
    memory_threshold_percent: float = strawberry.field(
        description="Worker memory used under this counts as idle (the setting in force)."
    )
    minute_share: float = strawberry.field(
        description="Idle for more than this share (0 to 1) of the worker run-minutes."
    )
    min_runs: int = strawberry.field(description="Over at least this many runs with node data.")

    @strawberry.field(description="The jobs with most saving first (at most `first`).")
    def jobs(self) -> list[OverProvisionedJob]:
        return [OverProvisionedJob(view=view) for view in self.view.jobs]

    @strawberry.field(description="Every such job of the viewer's, shown or not.")
    def job_count(self) -> int:
        return self.view.job_count

    @strawberry.field(description="Their savings added up, per month at list price.")
    def estimated_monthly_saving_usd(self) -> float:
        return self.view.estimated_monthly_saving_usd


OverProvisionedJobsResult = Annotated[
    OverProvisionedJobs | ExpectedError,
    strawberry.union(
        "OverProvisionedJobsResult",
        description="The over-provisioned jobs, or why there are none.",
    ),
]


async def _over_provisioned(session: Session, window: Window, first: int) -> OverProvisionedJobs:
    size = page_size(first, session.settings.max_page_size)
    view = await utilization_service.over_provisioned_jobs(session, window, size)
    thresholds = session.settings.overprovisioning
    return OverProvisionedJobs(
        view=view,
        window=window,
        cpu_threshold_percent=thresholds.cpu_percent,
        memory_threshold_percent=thresholds.memory_percent,
        minute_share=thresholds.minute_share,
        min_runs=thresholds.min_runs,
    )


@strawberry.type
class UtilizationQueries:
    @strawberry.field(
        description=(
            "The viewer's jobs (those that exist now) whose compute could cost less over the "
            "window (default: the last 7 days): over-provisioned (OVER_PROVISIONED) or on "
            "all-purpose clusters that would cost less on job compute (CHEAPER_ON_JOB_COMPUTE); "
            "most estimated monthly saving first, at most `first` (default 50). "
            f"{OVER_PROVISIONED} {SAVING} {MEASURED}"
        )
    )
    async def over_provisioned_jobs(
        self,
        info: JMInfo,
        window: Window = DEFAULT_UTILIZATION_WINDOW,
        first: int = DEFAULT_GROUPS,
    ) -> OverProvisionedJobsResult:
        return await answer(_over_provisioned(info.context.session, window, first))
