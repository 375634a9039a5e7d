"""`overview(window)`: what is failing, running and queued, over exactly the viewer's jobs.

The figures come from history (the system tables), except `activeNow` and `queuedNow`, which come
from the Jobs API: while it cannot be read, those two are null with an error at their path (its
`code` UPSTREAM_THROTTLED, UPSTREAM_FAILING or UPSTREAM_TIMEOUT) and the rest is answered, a
GraphQL partial result.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from job_monitor.backend.domain.costs import CURRENCY
from job_monitor.backend.domain.errors import LimitExceededError, UpstreamUnavailableError
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import Window
from job_monitor.backend.graphql.errors import ExpectedError, answer, nested, public_error
from job_monitor.backend.graphql.jobs import (
    DEFAULT_HEALTH_WINDOW,
    DELETED_JOBS,
    PERMISSIONS_COMPLETE,
    Job,
)
from job_monitor.backend.services import costs as cost_service
from job_monitor.backend.services import overview as overview_service
from job_monitor.backend.services import sla as sla_service
from job_monitor.backend.services.overview import MAX_TOP_FAILING_JOBS, LiveCounts, OverviewView
from job_monitor.backend.services.session import Session

DEFAULT_TOP_FAILING_JOBS = 10
LIVE_COUNT = (
    "From the Jobs API, not history: null while the Jobs API cannot be read (throttled, failing "
    "or too slow), with an error at this field's path whose `extensions.code` says how "
    "(UPSTREAM_THROTTLED, UPSTREAM_FAILING, UPSTREAM_TIMEOUT); the history figures are still "
    "answered."
)


@strawberry.type(description="A job with failures in the overview's window.")
class FailingJob:
    job: Job = strawberry.field(description="The job.")
    failed: int = strawberry.field(description="Its failed runs in the window.")
    runs: int = strawberry.field(description="Its finished runs in the window.")
    failure_streak: int = strawberry.field(description="Its current failure streak.")
    success_rate: float | None = strawberry.field(description="Its success rate in the window.")


@strawberry.type(description="Failed runs with one termination code.")
class TerminationCodeCount:
    termination_code: str | None = strawberry.field(
        description="The code (RUN_EXECUTION_ERROR …); null when the runs recorded none."
    )
    failed: int = strawberry.field(description="Failed runs with this code.")
    jobs: int = strawberry.field(description="Distinct jobs among them.")


@strawberry.type(description="Finished runs that started on one UTC day.")
class DailyRunCount:
    date: dt.date = strawberry.field(description="The UTC day.")
    runs: int = strawberry.field(description="Finished runs, every state.")
    succeeded: int = strawberry.field(description="Of which succeeded.")
    failed: int = strawberry.field(description="Of which failed.")
    success_rate: float | None = strawberry.field(
        description="succeeded / (succeeded + failed); null on a day without such runs."
    )


@strawberry.type(description="Spend at list price over a window and against the window before.")
class Spend:
    list_cost_usd: float = strawberry.field(description="At list price, in `currency`.")
    previous_list_cost_usd: float | None = strawberry.field(
        description="Over the window of the same length just before (null: older than kept)."
    )
    change_vs_previous_window: float | None = strawberry.field(
        description="(listCostUsd - previousListCostUsd) / previousListCostUsd; null without one."
    )
    currency: str = strawberry.field(description="The currency of the prices (USD).")


@strawberry.type(
    description=(
        "The viewer's jobs at a glance over one window: every figure covers exactly the jobs the "
        "viewer's `jobs` list holds (with the same `includeDeleted`), so each total is the sum "
        "over that list. Runs count by start time; active runs are not in the run totals."
    )
)
class Overview:
    view: strawberry.Private[OverviewView]
    window: Window = strawberry.field(description="The window the figures cover.")
    include_deleted: bool = strawberry.field(
        description="Whether deleted jobs and their runs are counted (as asked)."
    )
    runs: int = strawberry.field(description="Finished runs in the window.")
    succeeded: int = strawberry.field(description="Of which succeeded.")
    failed: int = strawberry.field(description="Of which failed.")
    success_rate: float | None = strawberry.field(description="succeeded / (succeeded + failed).")
    jobs_in_failing_streak: int = strawberry.field(
        description="Jobs whose latest two or more finished outcomes are failures (P1)."
    )
    failures_by_termination_code: list[TerminationCodeCount] = strawberry.field(
        description="Failed runs per termination code, most frequent first."
    )
    permissions_complete: bool = strawberry.field(description=PERMISSIONS_COMPLETE)
    daily: list[DailyRunCount] = strawberry.field(
        description="One entry per UTC day of the window, oldest first (days without runs: 0)."
    )

    @strawberry.field(
        description=(
            "Runs in progress now (pending, running, terminating, …), queued ones apart. "
            + LIVE_COUNT
        )
    )
    def active_now(self) -> int | None:
        return self._live().active

    @strawberry.field(description="Runs queued now. " + LIVE_COUNT)
    def queued_now(self) -> int | None:
        return self._live().queued

    @strawberry.field(
        description=(
            "Runs going now whose `slaStatus` is AT_RISK or BREACHED: past 80% of their job's "
            "duration target (its RUN_DURATION_SECONDS health rule) or past it. " + LIVE_COUNT
        )
    )
    def at_risk(self) -> int | None:
        return self._live().at_risk

    @strawberry.field(
        description=(
            "Finished runs started in the window that took longer than their job's duration "
            "target (its RUN_DURATION_SECONDS health rule), over the same jobs as every other "
            "figure; jobs without a target have none. The sum of `Job.sla.breachCount` over the "
            "viewer's `jobs` list for this window."
        )
    )
    async def sla_breaches(self, info: JMInfo) -> int:
        return await nested(
            sla_service.breaches_in_window(
                info.context.session, self.window, include_deleted=self.include_deleted
            )
        )

    @strawberry.field(
        description=(
            "The spend of the same jobs over the window and its change against the window before "
            "(`Job.cost` summed over the viewer's `jobs` list)."
        )
    )
    async def spend(self, info: JMInfo) -> Spend:
        view = await nested(
            cost_service.spend_of_list(
                info.context.session, self.window, include_deleted=self.include_deleted
            )
        )
        return Spend(
            list_cost_usd=view.list_cost_usd,
            previous_list_cost_usd=view.previous_list_cost_usd,
            change_vs_previous_window=view.change_vs_previous_window,
            currency=CURRENCY,
        )

    def _live(self) -> LiveCounts:
        try:
            return self.view.live_counts()
        except UpstreamUnavailableError as exc:
            raise public_error(exc) from exc

    @strawberry.field(
        description=(
            f"The jobs with most failures in the window (limit 1 to {MAX_TOP_FAILING_JOBS}), "
            "then the longest streak, then by name."
        )
    )
    def top_failing_jobs(self, limit: int = DEFAULT_TOP_FAILING_JOBS) -> list[FailingJob]:
        try:
            failing = self.view.top_failing_jobs(limit)
        except LimitExceededError as exc:
            raise public_error(exc) from exc
        return [
            FailingJob(
                job=Job(definition=entry.job),
                failed=entry.health.failed,
                runs=entry.health.runs,
                failure_streak=entry.health.failure_streak,
                success_rate=entry.health.success_rate,
            )
            for entry in failing
        ]


OverviewResult = Annotated[
    Overview | ExpectedError,
    strawberry.union("OverviewResult", description="The overview, or why there is none."),
]


async def _overview(session: Session, window: Window, include_deleted: bool) -> Overview:
    view = await overview_service.overview(session, window, include_deleted=include_deleted)
    return Overview(
        view=view,
        window=view.window,
        include_deleted=view.include_deleted,
        runs=view.runs,
        succeeded=view.succeeded,
        failed=view.failed,
        success_rate=view.success_rate,
        jobs_in_failing_streak=view.jobs_in_failing_streak,
        permissions_complete=view.permissions_complete,
        failures_by_termination_code=[
            TerminationCodeCount(
                termination_code=count.termination_code, failed=count.failed, jobs=count.jobs
            )
            for count in view.failures_by_termination_code
        ],
        daily=[
            DailyRunCount(
                date=day.day,
                runs=day.runs,
                succeeded=day.succeeded,
                failed=day.failed,
                success_rate=day.success_rate,
            )
            for day in view.daily
        ],
    )


@strawberry.type
class OverviewQueries:
    @strawberry.field(
        description=(
            "The overview of a window (default: the last 7 days) over the viewer's jobs that exist "
            "now, deleted ones too with `includeDeleted`."
        )
    )
    async def overview(
        self,
        info: JMInfo,
        window: Window = DEFAULT_HEALTH_WINDOW,
        include_deleted: Annotated[
            bool, strawberry.argument(description=f"Count deleted jobs too. {DELETED_JOBS}")
        ] = False,
    ) -> OverviewResult:
        return await answer(_overview(info.context.session, window, include_deleted))
