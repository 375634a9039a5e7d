"""`Mutation`: setting and clearing a job's SLA target (its `RUN_DURATION_SECONDS` health rule).

Thin: arguments in, `services/sla_changes` does the checks and the write, the answer is a
`…Payload` or a typed refusal.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from job_monitor.backend.domain.sla_changes import MAX_TARGET_SECONDS, SlaChange
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.errors import (
    BundleManagedJob,
    InvalidFilter,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    UpstreamUnavailable,
    WarehouseQueryFailed,
    WarehouseUnavailable,
    answer_change,
)
from job_monitor.backend.graphql.runs import parse_id
from job_monitor.backend.services import sla_changes

SYSTEM_TABLE_LAG = (
    "`Job.durationTargetSeconds` reads `system.lakeflow.jobs`, so it shows the new target once "
    "the job's new row reaches that table (Databricks ingests job edits with some delay) and the "
    "service's one-minute cache of it has turned over; the Jobs UI and duration warnings use it at "
    "once."
)


@strawberry.type(
    description=(
        "A job's SLA target as written (or found already so): its run-duration health rule in the "
        f"Jobs API. {SYSTEM_TABLE_LAG}"
    )
)
class JobSlaPayload:
    change: strawberry.Private[SlaChange]

    @strawberry.field(description="The job whose target this is.")
    def job_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.change.job_id))

    @strawberry.field(description="The target now, in seconds; null: the job has none.")
    def target_seconds(self) -> int | None:
        return self.change.target_seconds

    @strawberry.field(description="The target before this change, in seconds; null: none.")
    def previous_target_seconds(self) -> int | None:
        return self.change.previous_target_seconds

    @strawberry.field(
        description="False when the job already had this target: nothing was written."
    )
    def changed(self) -> bool:
        return self.change.changed


_REFUSALS = (
    PermissionDenied
    | BundleManagedJob
    | NotFound
    | InvalidFilter
    | UpstreamUnavailable
    | Unauthenticated
    | LimitExceeded
    | WarehouseUnavailable
    | WarehouseQueryFailed
)
SetJobSlaResult = Annotated[
    JobSlaPayload | _REFUSALS,
    strawberry.union(
        "SetJobSlaResult",
        description="The job's new target, or why it was not written.",
    ),
]
ClearJobSlaResult = Annotated[
    JobSlaPayload | _REFUSALS,
    strawberry.union(
        "ClearJobSlaResult",
        description="The job without a target, or why it was not changed.",
    ),
]

_WHO = (
    "The viewer needs CAN_MANAGE or IS_OWNER on the job (`PermissionDenied` otherwise); the app's "
    "service principal writes, and needs CAN_MANAGE on it (`PermissionDenied` naming the grant "
    "otherwise). A job deployed by a bundle is not written (`BundleManagedJob`). A job the viewer "
    "may not see is `NotFound`. Every other health rule and setting of the job stays as it was; "
    "each change is audit-logged. Accepted only as POST with a JSON body from the app's own origin."
)


@strawberry.type(description="Changes to jobs, made by the app on the viewer's behalf.")
class Mutation:
    @strawberry.mutation(
        description=(
            "Sets the job's SLA target: its RUN_DURATION_SECONDS health rule (warns when a run "
            f"takes longer), from 1 to {MAX_TARGET_SECONDS} seconds (`InvalidFilter` otherwise). "
            f"{_WHO}"
        )
    )
    async def set_job_sla(
        self, info: JMInfo, job_id: strawberry.ID, target_seconds: int
    ) -> SetJobSlaResult:
        session = info.context.session

        async def change() -> JobSlaPayload:
            job = parse_id(job_id, "jobId")
            return JobSlaPayload(change=await sla_changes.set_job_sla(session, job, target_seconds))

        return await answer_change(change())

    @strawberry.mutation(
        description=f"Removes the job's SLA target (its RUN_DURATION_SECONDS health rule). {_WHO}"
    )
    async def clear_job_sla(self, info: JMInfo, job_id: strawberry.ID) -> ClearJobSlaResult:
        session = info.context.session

        async def change() -> JobSlaPayload:
            return JobSlaPayload(
                change=await sla_changes.clear_job_sla(session, parse_id(job_id, "jobId"))
            )

        return await answer_change(change())
