"""Cost of one run and of one job in the API: `JobRun.cost` (`RunCost`) and `Job.cost` (`JobCost`).

Resolvers are thin: spend goes through the request's DataLoaders (one roll-up per window for every
job of a page, one statement per batch of runs or of daily series); the rules are the domain's
(`domain.costs`).
"""

from __future__ import annotations

import datetime as dt

import strawberry

from job_monitor.backend.domain.costs import (
    BILLING_SETTLE,
    CURRENCY,
    DailyCost,
    JobCostSummary,
)
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import Window
from job_monitor.backend.graphql.errors import nested
from job_monitor.backend.services.costs import RunCostView

DEFAULT_COST_WINDOW = Window.LAST_30_DAYS
SPEND_RULES = (
    "Spend is system.billing.usage of this workspace priced with system.billing.list_prices: the "
    "list price in force when the usage started (`pricing.effective_list.default`, no negotiated "
    "discount), in USD; every record type summed, so retractions and restatements are netted. "
    "Only usage billed to a job counts (jobs compute and serverless jobs): runs on all-purpose "
    "clusters or SQL warehouses are billed to that compute. Usage counts in the window it started "
    "in, by the hour as billing records it."
)


@strawberry.type(description="Spend on one UTC day (usage that started that day).")
class DailySpend:
    record: strawberry.Private[DailyCost]

    @strawberry.field(description="The UTC day.")
    def date(self) -> dt.date:
        return self.record.day

    @strawberry.field(description="DBUs used.")
    def dbus(self) -> float:
        return self.record.dbus

    @strawberry.field(description="At list price.")
    def list_cost_usd(self) -> float:
        return self.record.list_cost_usd


def daily_spend(days: tuple[DailyCost, ...]) -> list[DailySpend]:
    return [DailySpend(record=day) for day in days]


@strawberry.type(
    description=(
        "What a run has cost so far: all the usage billed to it (repairs included). " + SPEND_RULES
    )
)
class RunCost:
    view: strawberry.Private[RunCostView]

    @strawberry.field(description="DBUs billed to the run.")
    def dbus(self) -> float:
        return self.view.record.dbus

    @strawberry.field(
        description="At the list price in force when each hour of usage started, in `currency`."
    )
    def list_cost_usd(self) -> float:
        return self.view.record.list_cost_usd

    @strawberry.field(description="The currency of the prices (USD).")
    def currency(self) -> str:
        return CURRENCY

    @strawberry.field(description="Whether any of its usage was serverless.")
    def serverless(self) -> bool:
        return self.view.record.serverless

    @strawberry.field(description="The SKUs its usage was billed on.")
    def skus(self) -> list[str]:
        return list(self.view.record.skus)

    @strawberry.field(
        description=(
            "False when some of its tasks ran on an all-purpose cluster: that usage is billed to "
            "the cluster (shared with other work), so the bill cannot tie it to this run and the "
            "figures above leave it out."
        )
    )
    def attributable(self) -> bool:
        return self.view.record.attributable

    @strawberry.field(
        description=(
            "False while billing may still arrive: the run is going, or it ended less than "
            f"{BILLING_SETTLE.total_seconds() / 3600:g} hours ago (usage usually lands within 12 "
            "hours of use, and corrections may follow)."
        )
    )
    def complete(self) -> bool:
        return self.view.complete


@strawberry.type(description=f"A job's spend over a window. {SPEND_RULES}")
class JobCost:
    summary: strawberry.Private[JobCostSummary]
    window: Window = strawberry.field(description="The window the figures cover.")

    @strawberry.field(description="DBUs billed to the job's runs in the window.")
    def dbus(self) -> float:
        return self.summary.dbus

    @strawberry.field(description="Their list cost, in `currency`.")
    def list_cost_usd(self) -> float:
        return self.summary.list_cost_usd

    @strawberry.field(description="The currency of the prices (USD).")
    def currency(self) -> str:
        return CURRENCY

    @strawberry.field(
        description=(
            "Runs with usage in the window (a run counts once, repairs included; Databricks' cost "
            "dashboards count the same way: distinct job_run_id)."
        )
    )
    def runs(self) -> int:
        return self.summary.runs

    @strawberry.field(description="Of those, runs that succeeded.")
    def successful_runs(self) -> int:
        return self.summary.successful_runs

    @strawberry.field(
        description=(
            "listCostUsd / successfulRuns: what one useful run costs, failures included; null "
            "without a successful run (never infinity)."
        )
    )
    def cost_per_successful_run_usd(self) -> float | None:
        return self.summary.cost_per_successful_run_usd

    @strawberry.field(
        description=(
            "Spend on runs that failed, timed out or were canceled, and on the attempts of "
            "repaired runs before their latest repair (by the usage hour). Databricks' published "
            "`highest_failure_jobs_30_days` counts less: runs that ended ERROR, FAILED or "
            "TIMED_OUT, neither canceled runs nor repaired attempts."
        )
    )
    def wasted_usd(self) -> float:
        return self.summary.wasted_usd

    @strawberry.field(description="The 90th percentile of its finished runs' spend in the window.")
    def p90_run_cost_usd(self) -> float | None:
        return self.summary.p90_run_cost_usd

    @strawberry.field(
        description=(
            "Spend in the window of the same length just before; null when that window is older "
            "than the billing history kept (365 days)."
        )
    )
    def previous_list_cost_usd(self) -> float | None:
        return self.summary.previous_list_cost_usd

    @strawberry.field(
        description=(
            "(listCostUsd - previousListCostUsd) / previousListCostUsd: 0.25 is 25% more; null "
            "without spend before. Windows end now; Databricks' published "
            "`highest_change_jobs_7_14_days` instead compares whole days by usage end (the 7 "
            "days to yesterday with the 7 before), so the two differ by the partial days."
        )
    )
    def change_vs_previous_window(self) -> float | None:
        return self.summary.change_vs_previous_window

    @strawberry.field(
        description=(
            "Spend per UTC day of the window, oldest first (days without spend: 0). Batched with "
            "the other jobs' series of the request in one statement."
        )
    )
    async def daily(self, info: JMInfo) -> list[DailySpend]:
        key = (self.summary.job_id, self.window)
        return daily_spend(await nested(info.context.loaders.daily_cost_by_job.load(key)))
