"""`Mutation`: a job's SLA target (its `RUN_DURATION_SECONDS` health rule), alert
acknowledgements and budgets.

Thin: arguments in, the services (`sla_changes`, `alerts`, `budgets`) do the checks and the write,
the answer is a payload or a typed refusal.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from job_monitor.backend.domain.alerts import AlertRecord
from job_monitor.backend.domain.sla_changes import MAX_TARGET_SECONDS, SlaChange
from job_monitor.backend.graphql.alerts import Alert
from job_monitor.backend.graphql.budgets import MONTHLY_USD_RULE, Budget, BudgetScopeInput
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.errors import (
    BundleManagedJob,
    InvalidFilter,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    StateWriteFailed,
    Unauthenticated,
    UpstreamUnavailable,
    WarehouseQueryFailed,
    WarehouseUnavailable,
    answer_change,
    answer_state_change,
)
from job_monitor.backend.graphql.jobs import Job
from job_monitor.backend.graphql.runs import parse_id
from job_monitor.backend.services import alerts as alert_service
from job_monitor.backend.services import budgets as budget_service
from job_monitor.backend.services import sla_changes
from job_monitor.backend.services.session import Session

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


@strawberry.type(description="The alert with its acknowledgement as now stored.")
class AlertAcknowledged:
    alert: Alert = strawberry.field(description="The alert.")


@strawberry.type(description="The alert without an acknowledgement.")
class AlertUnacknowledged:
    alert: Alert = strawberry.field(description="The alert.")


@strawberry.type(description="The budget as now stored, against the month so far.")
class BudgetSet:
    budget: Budget = strawberry.field(description="The budget.")


@strawberry.type(description="A budget removed (or found absent).")
class BudgetCleared:
    cleared: bool = strawberry.field(description="False when there was no budget to remove.")


_STATE_REFUSALS = (
    PermissionDenied
    | NotFound
    | InvalidFilter
    | StateWriteFailed
    | UpstreamUnavailable
    | Unauthenticated
    | LimitExceeded
    | WarehouseUnavailable
    | WarehouseQueryFailed
)
AcknowledgeAlertResult = Annotated[
    AlertAcknowledged | _STATE_REFUSALS,
    strawberry.union(
        "AcknowledgeAlertResult", description="The acknowledged alert, or why it was not."
    ),
]
UnacknowledgeAlertResult = Annotated[
    AlertUnacknowledged | _STATE_REFUSALS,
    strawberry.union(
        "UnacknowledgeAlertResult",
        description="The alert without its acknowledgement, or why it was not removed.",
    ),
]
SetBudgetResult = Annotated[
    BudgetSet | _STATE_REFUSALS,
    strawberry.union("SetBudgetResult", description="The budget, or why it was not set."),
]
ClearBudgetResult = Annotated[
    BudgetCleared | _STATE_REFUSALS,
    strawberry.union("ClearBudgetResult", description="Whether a budget was removed, or why not."),
]

_STATE = (
    "The app's service principal writes its own state table in one statement (retried when "
    "another replica writes at the same moment); `StateWriteFailed` means nothing was kept."
)


async def _alert(session: Session, found: AlertRecord) -> Alert:
    job = await session.job(found.job_id)
    return Alert(record=found, job_definition=Job(definition=job), now=session.now)


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

    @strawberry.mutation(
        description=(
            "Acknowledges one of the viewer's alerts until `until` (in the future, at most 30 "
            "days ahead; `InvalidFilter` otherwise): it leaves the list until then, unless its "
            "condition worsens past its magnitude now (a longer streak, a bigger overrun). Anyone "
            "who sees the alert's job may; everyone who does sees who and until when. An alert "
            f"that is not (or no longer) there is `NotFound`. {_STATE}"
        )
    )
    async def acknowledge_alert(
        self, info: JMInfo, id: strawberry.ID, until: dt.datetime
    ) -> AcknowledgeAlertResult:
        session = info.context.session

        async def change() -> AlertAcknowledged:
            record, ack = await alert_service.acknowledge(session, str(id), until)
            alert = await _alert(session, record)
            alert.ack = ack
            return AlertAcknowledged(alert=alert)

        return await answer_state_change(change())

    @strawberry.mutation(
        description=(
            "Removes the acknowledgement of one of the viewer's alerts: it is back in the list. "
            f"{_STATE}"
        )
    )
    async def unacknowledge_alert(
        self, info: JMInfo, id: strawberry.ID
    ) -> UnacknowledgeAlertResult:
        session = info.context.session

        async def change() -> AlertUnacknowledged:
            record = await alert_service.unacknowledge(session, str(id))
            return AlertUnacknowledged(alert=await _alert(session, record))

        return await answer_state_change(change())

    @strawberry.mutation(
        description=(
            "Sets the monthly list-price budget of a job or a team, in US dollars "
            f"({MONTHLY_USD_RULE}; `InvalidFilter` otherwise). A job's: admins and holders of "
            "CAN_MANAGE or IS_OWNER on it; a team's: admins (`PermissionDenied` otherwise). A job "
            "the viewer may not see, or a team without a job they see, is `NotFound`. Each change "
            f"is audit-logged. {_STATE}"
        )
    )
    async def set_budget(
        self, info: JMInfo, scope: BudgetScopeInput, monthly_usd: float
    ) -> SetBudgetResult:
        session = info.context.session

        async def change() -> BudgetSet:
            found = await budget_service.set_budget(session, scope.to_scope(), monthly_usd)
            return BudgetSet(budget=Budget(standing=found))

        return await answer_state_change(change())

    @strawberry.mutation(
        description=f"Removes the monthly budget of a job or a team (as `setBudget`). {_STATE}"
    )
    async def clear_budget(self, info: JMInfo, scope: BudgetScopeInput) -> ClearBudgetResult:
        session = info.context.session

        async def change() -> BudgetCleared:
            return BudgetCleared(
                cleared=await budget_service.clear_budget(session, scope.to_scope())
            )

        return await answer_state_change(change())
