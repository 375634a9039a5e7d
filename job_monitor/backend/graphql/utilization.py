"""A job's utilisation in the API: `Job.utilization` (`JobUtilizationResult`), its figures and
findings.

Resolvers are thin: the figures go through the request's DataLoader (one batch per window for the
jobs of a page), the rules are the domain's (`domain.utilization`).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from job_monitor.backend.domain.utilization import (
    CPU_PEAK_TARGET_PERCENT,
    DEFAULT_CPU_PERCENT,
    DEFAULT_MEMORY_PERCENT,
    DEFAULT_MIN_RUNS,
    DEFAULT_MINUTE_SHARE,
    MEMORY_PEAK_TARGET_PERCENT,
    MONTH,
    ClusterShape,
    Finding,
    MeasuredUtilization,
    PercentSpread,
    Recommendation,
    UnmeasuredUtilization,
    Utilization,
)
from job_monitor.backend.graphql.enums import (
    FindingKind,
    RecommendationKind,
    UnmeasurableReason,
    Window,
)

DEFAULT_UTILIZATION_WINDOW = Window.LAST_7_DAYS
"""Recent runs: a week, as for health (pass a longer window for jobs that seldom run)."""
MEASURED = (
    "CPU and memory come from system.compute.node_timeline (one row per node per minute), tied "
    "to the job's runs through the clusters its task runs used (compute_ids) and the span each "
    "run held each cluster. A run-minute is one minute of one run on one of its job clusters: "
    "the driver's CPU busy (user + system, not I/O wait) and memory used, and the workers' "
    "averaged over the workers up that minute. Only job clusters are measured: serverless "
    "compute records no nodes, and an all-purpose cluster's load is shared with other work. Node "
    "data is kept about 90 days, so longer windows measure its last 90 days."
)
OVER_PROVISIONED = (
    "A job is over-provisioned when its worker CPU busy and memory used both stay under "
    f"{DEFAULT_CPU_PERCENT:g}% and {DEFAULT_MEMORY_PERCENT:g}% for more than "
    f"{DEFAULT_MINUTE_SHARE:.0%} of its worker run-minutes, over at least {DEFAULT_MIN_RUNS} "
    "runs with node data (defaults; settings JOB_MONITOR_OVERPROVISIONED_CPU_PERCENT, "
    "_MEMORY_PERCENT, _MINUTE_SHARE and _MIN_RUNS; `overProvisionedJobs` shows the values in "
    "force), and a smaller cluster would carry its observed peak (its busiest run-minute) with "
    f"CPU at most {CPU_PEAK_TARGET_PERCENT:g}% busy (a full minute only runs slower) and memory at "
    f"most {MEMORY_PEAK_TARGET_PERCENT:g}% used (running out fails): fewer workers, a lower "
    "autoscaling minimum, or a smaller worker node type among those available now "
    "(system.compute.node_types), whichever saves more."
)
SAVING = (
    "Savings are per month (the window's pace over "
    f"{MONTH.days} days) at list price, from the job's spend as `Job.cost` reports it: a resize "
    "saves the share of the cluster's cores it removes (DBU rates scale with instance size); "
    "moving to job compute saves the difference between the hours the runs held an all-purpose "
    "cluster at its billed rate and the same DBUs at the job-compute SKU of the same tier."
)


@strawberry.type(
    description=(
        "A percentage over run-minutes (0 to 100): the median, the 90th percentile "
        "(percentile_approx semantics) and the busiest minute."
    )
)
class UsageSpread:
    spread: strawberry.Private[PercentSpread]

    @strawberry.field(description="The median run-minute.")
    def p50_percent(self) -> float:
        return self.spread.p50

    @strawberry.field(description="The 90th percentile run-minute.")
    def p90_percent(self) -> float:
        return self.spread.p90

    @strawberry.field(description="The busiest run-minute.")
    def peak_percent(self) -> float:
        return self.spread.peak


def _spread(spread: PercentSpread | None) -> UsageSpread | None:
    return UsageSpread(spread=spread) if spread is not None else None


@strawberry.type(
    description=(
        "The shape of the job cluster the job ran on for most of its run-minutes, as configured "
        "(the cluster's latest row in system.compute.clusters)."
    )
)
class JobCluster:
    shape: strawberry.Private[ClusterShape]

    @strawberry.field(description="The driver's node type.")
    def driver_node_type(self) -> str | None:
        return self.shape.driver_node_type

    @strawberry.field(description="The workers' node type.")
    def worker_node_type(self) -> str | None:
        return self.shape.worker_node_type

    @strawberry.field(description="Its workers, for a fixed size (null when it autoscales).")
    def workers(self) -> int | None:
        return self.shape.workers

    @strawberry.field(description="Its autoscaling minimum (null for a fixed size).")
    def min_workers(self) -> int | None:
        return self.shape.min_workers

    @strawberry.field(description="Its autoscaling maximum (null for a fixed size).")
    def max_workers(self) -> int | None:
        return self.shape.max_workers

    @strawberry.field(description="Whether it autoscales.")
    def autoscaling(self) -> bool:
        return self.shape.autoscale_range is not None


@strawberry.type(description="A concrete change to a job's compute, in words and as values to set.")
class UtilizationRecommendation:
    record: strawberry.Private[Recommendation]

    @strawberry.field(description="What kind of change.")
    def kind(self) -> RecommendationKind:
        return self.record.kind

    @strawberry.field(description="The change in words, with the figures behind it.")
    def summary(self) -> str:
        return self.record.summary

    @strawberry.field(description="The fixed number of workers to run (FEWER_WORKERS, FIXED_SIZE).")
    def workers(self) -> int | None:
        return self.record.workers

    @strawberry.field(
        description="The autoscaling minimum (LOWER_AUTOSCALE_MINIMUM, HIGHER_AUTOSCALE_MAXIMUM)."
    )
    def min_workers(self) -> int | None:
        return self.record.min_workers

    @strawberry.field(
        description="The autoscaling maximum (LOWER_AUTOSCALE_MINIMUM, HIGHER_AUTOSCALE_MAXIMUM)."
    )
    def max_workers(self) -> int | None:
        return self.record.max_workers

    @strawberry.field(description="The workers' node type to use (SMALLER_NODE_TYPE).")
    def node_type(self) -> str | None:
        return self.record.node_type


@strawberry.type(description=f"What a job's utilisation says, and what to change. {SAVING}")
class UtilizationFinding:
    record: strawberry.Private[Finding]

    @strawberry.field(description="What was found.")
    def kind(self) -> FindingKind:
        return self.record.kind

    @strawberry.field(description="The change it recommends.")
    def recommendation(self) -> UtilizationRecommendation:
        return UtilizationRecommendation(record=self.record.recommendation)

    @strawberry.field(
        description=(
            "What the change would save a month at list price; null for a change that saves "
            "nothing by itself (AUTOSCALING_NEVER_EXERCISED, AT_AUTOSCALE_CEILING)."
        )
    )
    def estimated_monthly_saving_usd(self) -> float | None:
        return self.record.estimated_monthly_saving_usd


def findings(found: tuple[Finding, ...]) -> list[UtilizationFinding]:
    return [UtilizationFinding(record=finding) for finding in found]


@strawberry.type(
    description=(
        f"How busy a job's job clusters were over a window, and what that says. {MEASURED} "
        f"{OVER_PROVISIONED}"
    )
)
class JobUtilization:
    record: strawberry.Private[MeasuredUtilization]

    @strawberry.field(description="Always true: the figures below were measured.")
    def measurable(self) -> bool:
        return True

    @strawberry.field(description="The window the figures cover.")
    def window(self) -> Window:
        return self.record.window

    @strawberry.field(description="The drivers' CPU busy (user + system) per run-minute.")
    def driver_cpu(self) -> UsageSpread | None:
        return _spread(self.record.facts.driver_cpu)

    @strawberry.field(
        description=(
            "The workers' CPU busy per run-minute, averaged over the workers; null when no "
            "run-minute had workers (single-node clusters)."
        )
    )
    def worker_cpu(self) -> UsageSpread | None:
        return _spread(self.record.facts.worker_cpu)

    @strawberry.field(description="The drivers' memory used per run-minute (OS included).")
    def driver_memory(self) -> UsageSpread | None:
        return _spread(self.record.facts.driver_memory)

    @strawberry.field(
        description="The workers' memory used per run-minute, averaged over the workers."
    )
    def worker_memory(self) -> UsageSpread | None:
        return _spread(self.record.facts.worker_memory)

    @strawberry.field(description="Run-minutes with node data.")
    def minutes_observed(self) -> int:
        return self.record.facts.minutes_observed

    @strawberry.field(description="Runs with node data on their job clusters in the window.")
    def runs_observed(self) -> int:
        return self.record.facts.runs_observed

    @strawberry.field(description="Runs with task runs in the window, measured or not.")
    def runs(self) -> int:
        return self.record.facts.runs

    @strawberry.field(description="Of those, runs on serverless compute (not measured).")
    def serverless_runs(self) -> int:
        return self.record.facts.serverless_runs

    @strawberry.field(
        description="Of those, runs with a task on an all-purpose cluster (not measured)."
    )
    def shared_cluster_runs(self) -> int:
        return self.record.facts.shared_cluster_runs

    @strawberry.field(
        description=(
            "The share (0 to 1) of the worker run-minutes with CPU and memory both under the "
            "over-provisioning thresholds; null without worker run-minutes."
        )
    )
    def underused_minute_share(self) -> float | None:
        return self.record.facts.underused_minute_share

    @strawberry.field(description="Flagged over-provisioned (an OVER_PROVISIONED finding).")
    def over_provisioned(self) -> bool:
        return self.record.over_provisioned

    @strawberry.field(description="The job cluster shape of most of its run-minutes.")
    def cluster(self) -> JobCluster | None:
        cluster = self.record.facts.cluster
        return JobCluster(shape=cluster) if cluster is not None else None

    @strawberry.field(description="What the figures say, each with its recommendation.")
    def findings(self) -> list[UtilizationFinding]:
        return findings(self.record.findings)

    @strawberry.field(description="The findings' savings added up, per month at list price.")
    def estimated_monthly_saving_usd(self) -> float:
        return self.record.estimated_monthly_saving_usd


@strawberry.type(
    description=(
        "A job whose CPU and memory cannot be measured over a window, and why: it is said "
        "rather than estimated."
    )
)
class UnmeasurableUtilization:
    record: strawberry.Private[UnmeasuredUtilization]

    @strawberry.field(description="Always false.")
    def measurable(self) -> bool:
        return False

    @strawberry.field(description="The window.")
    def window(self) -> Window:
        return self.record.window

    @strawberry.field(description="Why it cannot be measured.")
    def reason(self) -> UnmeasurableReason:
        return self.record.reason

    @strawberry.field(description="The reason in words.")
    def message(self) -> str:
        return self.record.message

    @strawberry.field(description="Runs with task runs in the window.")
    def runs(self) -> int:
        return self.record.runs

    @strawberry.field(description="Of those, runs on serverless compute.")
    def serverless_runs(self) -> int:
        return self.record.serverless_runs

    @strawberry.field(description="Of those, runs with a task on an all-purpose cluster.")
    def shared_cluster_runs(self) -> int:
        return self.record.shared_cluster_runs

    @strawberry.field(
        description=(
            "What can still be said: CHEAPER_ON_JOB_COMPUTE for runs on all-purpose clusters."
        )
    )
    def findings(self) -> list[UtilizationFinding]:
        return findings(self.record.findings)

    @strawberry.field(description="The findings' savings added up, per month at list price.")
    def estimated_monthly_saving_usd(self) -> float:
        return self.record.estimated_monthly_saving_usd


JobUtilizationResult = Annotated[
    JobUtilization | UnmeasurableUtilization,
    strawberry.union(
        "JobUtilizationResult",
        description="A job's measured utilisation, or why it cannot be measured (`measurable`).",
    ),
]


def utilization_result(record: Utilization) -> JobUtilization | UnmeasurableUtilization:
    if isinstance(record, MeasuredUtilization):
        return JobUtilization(record=record)
    return UnmeasurableUtilization(record=record)
