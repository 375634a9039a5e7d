"""SLAs in the API: `Job.sla` (`JobSla`), its breaches, and the `SlaStatus` of a run.

Resolvers are thin: counts and breach lists go through the request's DataLoaders (one statement
per window for the counts of every job of a page, one per window and size for the breach lists),
the rules are the domain's (`domain.sla`).
"""

from __future__ import annotations

import strawberry

from job_monitor.backend.domain.jobs import DURATION_HEALTH_METRIC, JobDefinition
from job_monitor.backend.domain.sla import SlaBreachRecord, SlaCounts, sla_target
from job_monitor.backend.domain.sla_changes import SlaEditAccess
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import Window
from job_monitor.backend.graphql.errors import nested
from job_monitor.backend.graphql.pagination import page_size
from job_monitor.backend.graphql.runs import JobRun
from job_monitor.backend.services import sla_changes as sla_change_service

DEFAULT_SLA_WINDOW = Window.LAST_30_DAYS
DEFAULT_BREACHES = 20
SLA_RULES = (
    f"The target is the job's own {DURATION_HEALTH_METRIC} health rule (the number the Databricks "
    "Jobs UI and its duration notifications use). A finished run breaches it when its duration "
    "(repairs included, as `JobRun.durationSeconds`) is greater than the target; runs count by "
    "start time, every finished state alike (as `JobHealth.runs`)."
)


@strawberry.type(description="A finished run that took longer than its job's duration target.")
class SlaBreach:
    record: strawberry.Private[SlaBreachRecord]

    @strawberry.field(description="The run.")
    def run(self) -> JobRun:
        return JobRun(record=self.record.run)

    @strawberry.field(description="The job's target the run was held to, in seconds.")
    def target_seconds(self) -> int:
        return self.record.target_seconds

    @strawberry.field(description="How long the run took (repairs included).")
    def duration_seconds(self) -> float:
        return self.record.duration_seconds

    @strawberry.field(description="Seconds past the target: durationSeconds - targetSeconds.")
    def over_seconds(self) -> float:
        return self.record.over_seconds

    @strawberry.field(
        description=(
            "The duration as a multiple of the target: durationSeconds / targetSeconds, above 1 "
            "(1.5: half as long again as the target)."
        )
    )
    def over_ratio(self) -> float:
        return self.record.over_ratio


@strawberry.type(description="Whether the viewer may change a job's SLA target, and why not.")
class SlaEditability:
    record: strawberry.Private[SlaEditAccess]

    @strawberry.field(
        description="True when `setJobSla` would be accepted from the viewer for this job."
    )
    def allowed(self) -> bool:
        return self.record.allowed

    @strawberry.field(description="Why not, in words; null when allowed.")
    def reason(self) -> str | None:
        return self.record.reason


@strawberry.type(
    description=f"A job's SLA: its duration target and the runs that missed it. {SLA_RULES}"
)
class JobSla:
    definition: strawberry.Private[JobDefinition]

    @strawberry.field(
        description=(
            f"The target in seconds: the job's {DURATION_HEALTH_METRIC} health rule; null when it "
            "has none (then it has no breaches and no breach rate)."
        )
    )
    def target_seconds(self) -> int | None:
        return sla_target(self.definition)

    @strawberry.field(
        description=(
            "Whether the viewer may change the target here (CAN_MANAGE or IS_OWNER on the job, "
            "and no bundle deploys it), read from the job's permissions now: one or two Jobs API "
            "calls, so ask it for one job, not for a list. Null, with the error at this path, when "
            "the job's permissions cannot be read now (the rest of the job is still answered)."
        )
    )
    async def editable(self, info: JMInfo) -> SlaEditability | None:
        found = await nested(
            sla_change_service.sla_editability(info.context.session, self.definition.job_id)
        )
        return SlaEditability(record=found)

    async def _counts(self, info: JMInfo, window: Window) -> SlaCounts | None:
        key = (self.definition.job_id, window)
        return await nested(info.context.loaders.sla_counts_by_job.load(key))

    @strawberry.field(
        description=(
            "Finished runs started in the window (default: the last 30 days); null without a "
            "target."
        )
    )
    async def finished_runs(self, info: JMInfo, window: Window = DEFAULT_SLA_WINDOW) -> int | None:
        counts = await self._counts(info, window)
        return counts.finished if counts is not None else None

    @strawberry.field(
        description=(
            "Of those, the runs over the target (default window: the last 30 days); null without "
            "a target."
        )
    )
    async def breach_count(self, info: JMInfo, window: Window = DEFAULT_SLA_WINDOW) -> int | None:
        counts = await self._counts(info, window)
        return counts.breaches if counts is not None else None

    @strawberry.field(
        description=(
            "breachCount / finishedRuns over the window (default: the last 30 days), 0 to 1; null "
            "without a target or without finished runs."
        )
    )
    async def breach_rate(self, info: JMInfo, window: Window = DEFAULT_SLA_WINDOW) -> float | None:
        counts = await self._counts(info, window)
        return counts.breach_rate if counts is not None else None

    @strawberry.field(
        description=(
            "The runs over the target started in the window (default: the last 30 days), newest "
            f"first, at most `first` (default {DEFAULT_BREACHES}; ceiling: the page size limit; "
            "`breachCount` tells how many there are); empty without a target. Batched with the "
            "other jobs' breaches of the request in one statement."
        )
    )
    async def breaches(
        self,
        info: JMInfo,
        window: Window = DEFAULT_SLA_WINDOW,
        first: int = DEFAULT_BREACHES,
    ) -> list[SlaBreach]:
        if sla_target(self.definition) is None:
            return []
        size = await nested(_size(info, first))
        key = (window, size, self.definition.job_id)
        found = await nested(info.context.loaders.sla_breaches_by_job.load(key))
        return [SlaBreach(record=record) for record in found]


async def _size(info: JMInfo, first: int) -> int:
    return page_size(first, info.context.session.settings.max_page_size)
