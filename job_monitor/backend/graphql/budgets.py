"""Budgets in the API: `Budget` (a monthly limit against this month's spend), `Job.budget`,
`budgets`, and the `setBudget` / `clearBudget` mutations' answers.

Thin: the rules are the domain's (`domain.budgets`), who may change what and whose spend counts
are the service's (`services.budgets`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from job_monitor.backend.domain.budgets import (
    MAX_MONTHLY_USD,
    MIN_PACE_HOURS,
    BudgetScope,
    BudgetStanding,
)
from job_monitor.backend.domain.errors import InvalidFilterError
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import BudgetScopeKind, BudgetStatus
from job_monitor.backend.graphql.errors import ExpectedError, answer
from job_monitor.backend.graphql.runs import parse_id
from job_monitor.backend.services import budgets as budget_service


@strawberry.type(description="What a budget limits: one job, or every job of a team.")
class BudgetScopeInfo:
    scope: strawberry.Private[BudgetScope]

    @strawberry.field(description="JOB or TEAM.")
    def kind(self) -> BudgetScopeKind:
        return self.scope.kind

    @strawberry.field(description="The job, for a job's budget.")
    def job_id(self) -> strawberry.ID | None:
        job_id = self.scope.job_id
        return strawberry.ID(str(job_id)) if job_id is not None else None

    @strawberry.field(description="The team (lower-cased), for a team's budget.")
    def team(self) -> str | None:
        return self.scope.team


@strawberry.type(
    description=(
        "A monthly list-price budget against the calendar month (UTC) so far. The forecast "
        "extrapolates the month so far at its pace, measured up to where billing has landed "
        f"(before {MIN_PACE_HOURS} hours of the month are billed, it is the spend so far)."
    )
)
class Budget:
    standing: strawberry.Private[BudgetStanding]

    @strawberry.field(description="What it limits.")
    def scope(self) -> BudgetScopeInfo:
        return BudgetScopeInfo(scope=self.standing.setting.scope)

    @strawberry.field(description="The limit for a calendar month, in list-price US dollars.")
    def monthly_usd(self) -> float:
        return self.standing.setting.monthly_usd

    @strawberry.field(description="The month measured: its first day (UTC).")
    def month(self) -> dt.date:
        return self.standing.month_start

    @strawberry.field(description="List-price spend of the month so far.")
    def month_to_date_usd(self) -> float:
        return self.standing.month_to_date_usd

    @strawberry.field(description="The month's spend at the pace of the month so far.")
    def forecast_usd(self) -> float:
        return self.standing.forecast_usd

    @strawberry.field(description="Month-to-date spend as a share of the budget (1.0 = all).")
    def used_share(self) -> float:
        return self.standing.used_share

    @strawberry.field(description="WITHIN, FORECAST_TO_BREACH or BREACHED.")
    def status(self) -> BudgetStatus:
        return self.standing.status

    @strawberry.field(description="Spend is known up to here: where billing has landed.")
    def measured_through(self) -> dt.datetime:
        return self.standing.measured_through

    @strawberry.field(
        description=(
            "False for a team's budget when the viewer sees only some of the team's jobs: the "
            "spend is over those alone."
        )
    )
    def covers_all_jobs(self) -> bool:
        return self.standing.covers_all_jobs

    @strawberry.field(description="The jobs whose spend counts (the viewer's), costliest first.")
    def job_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(str(job_id)) for job_id in self.standing.job_ids]

    @strawberry.field(description="Who set it (user name).")
    def set_by(self) -> str:
        return self.standing.setting.set_by

    @strawberry.field(description="When it was set.")
    def set_at(self) -> dt.datetime:
        return self.standing.setting.set_at


@strawberry.input(description="A budget's scope: exactly one of `jobId` and `team`.")
class BudgetScopeInput:
    job_id: strawberry.ID | None = strawberry.field(default=None, description="A job's budget.")
    team: str | None = strawberry.field(
        default=None, description="A team's budget (the team tag's value; case-insensitive)."
    )

    def to_scope(self) -> BudgetScope:
        if (self.job_id is None) == (self.team is None):
            raise InvalidFilterError("scope", "give exactly one of jobId and team")
        if self.job_id is not None:
            return BudgetScope.of_job(parse_id(self.job_id, "scope.jobId"))
        return BudgetScope.of_team(self.team or "")


@strawberry.type(description="The viewer's budgets, the most used first.")
class BudgetList:
    nodes: list[Budget] = strawberry.field(description="The budgets.")


BudgetsResult = Annotated[
    BudgetList | ExpectedError,
    strawberry.union("BudgetsResult", description="The viewer's budgets, or why there are none."),
]

MONTHLY_USD_RULE = f"more than 0 and at most {MAX_MONTHLY_USD:,.0f}"


@strawberry.type
class BudgetQueries:
    @strawberry.field(
        description=(
            "Budgets over the viewer's jobs: each of their jobs' budget, and each budget of a "
            "team they have a job in (measured over their jobs of the team)."
        )
    )
    async def budgets(self, info: JMInfo) -> BudgetsResult:
        session = info.context.session

        async def found() -> BudgetList:
            return BudgetList(
                nodes=[Budget(standing=s) for s in await budget_service.standings(session)]
            )

        return await answer(found())
