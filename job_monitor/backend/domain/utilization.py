"""Utilisation: how busy a job's clusters are, and what that says about their size.

CPU and memory come from `system.compute.node_timeline` (one row per node per minute), tied to a
job's runs through the cluster ids of its task runs and the span each run held each cluster. A
*run-minute* is one minute of one run on one of its job clusters: the driver's CPU busy (user +
system) and memory used, and the workers' averaged over the workers up that minute. Only job
clusters (`cluster_source = JOB`) are measured: serverless compute records no nodes, and an
all-purpose cluster's load is shared with whatever else runs on it, so it is not the job's.

Over-provisioning: a job whose worker CPU and memory both stay under their thresholds for more
than a share of its worker run-minutes, over at least a number of runs, is flagged with a
concrete resize that still carries its observed peak (its busiest minute), chosen among the node
types available, and the monthly saving it would bring at list price. A cluster's cost is taken as
proportional to its cores (Databricks' DBU rates scale with instance size), so a resize saves the
share of cores it removes.

The rules are pure; the figures come from SQL (`data/queries/job_utilization.sql` and friends).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from job_monitor.backend.domain.windows import Window

MONTH = timedelta(days=30)
"""A month, for monthly savings: a window's spend scaled to this length."""
CPU_PEAK_TARGET_PERCENT = 100.0
"""A resize may use all of the smaller cluster's CPU in the busiest minute: CPU is compressible (a
full minute runs slower, nothing fails)."""
MEMORY_PEAK_TARGET_PERCENT = 80.0
"""A resize keeps the busiest minute's memory within this much of the smaller cluster's: memory is
not compressible (running out spills or fails the run)."""
CEILING_MINUTE_SHARE = 0.5
"""An autoscaling cluster "sits at its ceiling" when it ran at its maximum workers for at least
this share of its run-minutes."""
CEILING_GROWTH = 1.5
"""A cluster at its ceiling is suggested a maximum this many times higher (at least one more)."""

DEFAULT_CPU_PERCENT = 40.0
DEFAULT_MEMORY_PERCENT = 40.0
DEFAULT_MINUTE_SHARE = 0.5
DEFAULT_MIN_RUNS = 3


@dataclass(frozen=True, slots=True)
class OverProvisioningThresholds:
    """When a job counts as over-provisioned: worker CPU busy under `cpu_percent` and memory used
    under `memory_percent` in more than `minute_share` of its worker run-minutes, over at least
    `min_runs` runs with node data."""

    cpu_percent: float = DEFAULT_CPU_PERCENT
    memory_percent: float = DEFAULT_MEMORY_PERCENT
    minute_share: float = DEFAULT_MINUTE_SHARE
    min_runs: int = DEFAULT_MIN_RUNS


class UnmeasurableReason(StrEnum):
    """Why a job's utilisation cannot be measured over a window."""

    SERVERLESS = "SERVERLESS"
    SHARED_CLUSTER = "SHARED_CLUSTER"
    NO_DATA = "NO_DATA"


class FindingKind(StrEnum):
    """What the utilisation of a job says about its compute."""

    OVER_PROVISIONED = "OVER_PROVISIONED"
    CHEAPER_ON_JOB_COMPUTE = "CHEAPER_ON_JOB_COMPUTE"
    AUTOSCALING_NEVER_EXERCISED = "AUTOSCALING_NEVER_EXERCISED"
    AT_AUTOSCALE_CEILING = "AT_AUTOSCALE_CEILING"


SAVING_KINDS = frozenset({FindingKind.OVER_PROVISIONED, FindingKind.CHEAPER_ON_JOB_COMPUTE})
"""The findings that spend less when acted on: a job with one is listed as over-provisioned."""


class RecommendationKind(StrEnum):
    """The change a finding recommends."""

    FEWER_WORKERS = "FEWER_WORKERS"
    SMALLER_NODE_TYPE = "SMALLER_NODE_TYPE"
    LOWER_AUTOSCALE_MINIMUM = "LOWER_AUTOSCALE_MINIMUM"
    JOB_COMPUTE = "JOB_COMPUTE"
    FIXED_SIZE = "FIXED_SIZE"
    HIGHER_AUTOSCALE_MAXIMUM = "HIGHER_AUTOSCALE_MAXIMUM"


@dataclass(frozen=True, slots=True)
class PercentSpread:
    """A percentage over run-minutes: its median, 90th percentile (percentile_approx semantics)
    and the highest minute."""

    p50: float
    p90: float
    peak: float


@dataclass(frozen=True, slots=True)
class ClusterShape:
    """A job cluster's configured size (its latest row in `system.compute.clusters`): a fixed
    number of `workers`, or autoscaling from `min_workers` to `max_workers`."""

    driver_node_type: str | None
    worker_node_type: str | None
    workers: int | None
    min_workers: int | None
    max_workers: int | None

    @property
    def autoscale_range(self) -> tuple[int, int] | None:
        """(minimum, maximum) workers when it autoscales; None for a fixed size."""
        if self.min_workers is None or self.max_workers is None:
            return None
        return self.min_workers, self.max_workers


@dataclass(frozen=True, slots=True)
class NodeType:
    """A node type the workspace may use now (`system.compute.node_types`)."""

    node_type: str
    cores: float
    memory_mb: int
    gpus: int


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    """What the workers of a job's most used cluster shape did, over its run-minutes on it."""

    minutes: int
    peak_cpu_percent: float
    """The highest minute of CPU busy averaged over the workers."""
    peak_memory_percent: float
    """The highest minute of memory used averaged over the workers."""
    peak_busy_workers: float
    """The highest minute of CPU busy summed over the workers, in whole workers (250 % = 2.5)."""
    peak_memory_workers: float
    """The same for memory used."""
    average_workers: float
    most_workers: int
    minutes_at_minimum: int
    """Minutes with no more workers than the autoscaling minimum (0 for a fixed size)."""
    minutes_at_maximum: int
    """Minutes with the autoscaling maximum of workers (0 for a fixed size)."""


@dataclass(frozen=True, slots=True)
class UtilizationFacts:
    """What the node data says about one job's runs in a window."""

    job_id: int
    runs: int
    """Runs with task runs in the window."""
    serverless_runs: int
    """Of those, runs whose tasks used no cluster."""
    shared_cluster_runs: int
    """Of those, runs with a task on an all-purpose cluster."""
    runs_observed: int
    """Runs with node data on their job clusters in the window."""
    minutes_observed: int
    """Their run-minutes."""
    first_observed_at: datetime | None
    """The first of those run-minutes: what the figures say, they say from then on."""
    driver_cpu: PercentSpread | None
    driver_memory: PercentSpread | None
    worker_cpu: PercentSpread | None
    """None when no run-minute had workers (single-node clusters)."""
    worker_memory: PercentSpread | None
    worker_minutes: int
    """Run-minutes with workers."""
    underused_minutes: int
    """Of those, minutes with worker CPU and memory both under the thresholds."""
    cluster: ClusterShape | None
    """The cluster shape the job ran on for most of its run-minutes."""
    load: WorkerLoad | None
    """Its workers' load on that shape; None without workers."""

    @property
    def underused_minute_share(self) -> float | None:
        """underused / worker run-minutes; None without worker run-minutes."""
        return self.underused_minutes / self.worker_minutes if self.worker_minutes else None


@dataclass(frozen=True, slots=True)
class SharedClusterUse:
    """The all-purpose clusters a job's runs held in a window, and what those hours cost."""

    job_id: int
    cluster_ids: tuple[str, ...]
    hours: float
    """Hours its runs held them (one span per run and cluster, within the window)."""
    all_purpose_usd: float | None
    """Those hours of each cluster at its billed rate (all-purpose list price); None when a
    cluster has no priced usage in the window."""
    job_compute_usd: float | None
    """The same DBUs at the list price of the job-compute SKU of the same tier."""


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A concrete change, in words (`summary`) and as the values to set."""

    kind: RecommendationKind
    summary: str
    workers: int | None = None
    min_workers: int | None = None
    max_workers: int | None = None
    node_type: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the utilisation says, with the change it recommends and what that would save a
    month at list price (None for a change that saves nothing by itself)."""

    kind: FindingKind
    recommendation: Recommendation
    estimated_monthly_saving_usd: float | None


def monthly_saving(findings: Iterable[Finding]) -> float:
    """The findings' savings added up: they concern different clusters of the job's runs."""
    return sum(finding.estimated_monthly_saving_usd or 0.0 for finding in findings)


@dataclass(frozen=True, slots=True)
class MeasuredUtilization:
    """A job's utilisation over a window: its figures and findings."""

    window: Window
    facts: UtilizationFacts
    findings: tuple[Finding, ...]

    @property
    def job_id(self) -> int:
        return self.facts.job_id

    @property
    def over_provisioned(self) -> bool:
        return any(finding.kind is FindingKind.OVER_PROVISIONED for finding in self.findings)

    @property
    def estimated_monthly_saving_usd(self) -> float:
        return monthly_saving(self.findings)


@dataclass(frozen=True, slots=True)
class UnmeasuredUtilization:
    """A job whose utilisation cannot be measured over a window, and why."""

    window: Window
    job_id: int
    reason: UnmeasurableReason
    runs: int
    serverless_runs: int
    shared_cluster_runs: int
    findings: tuple[Finding, ...]

    @property
    def message(self) -> str:
        return unmeasurable_message(self.reason)

    @property
    def estimated_monthly_saving_usd(self) -> float:
        return monthly_saving(self.findings)


Utilization = MeasuredUtilization | UnmeasuredUtilization


def unmeasurable_message(reason: UnmeasurableReason) -> str:
    """The reason in words."""
    if reason is UnmeasurableReason.SERVERLESS:
        return (
            "Its runs in the window ran on serverless compute, which records no CPU or memory "
            "per node (system.compute.node_timeline covers classic compute only)."
        )
    if reason is UnmeasurableReason.SHARED_CLUSTER:
        return (
            "Its runs in the window ran on all-purpose clusters, which other jobs and notebooks "
            "share: a shared cluster's load is not this job's, so none is attributed to it."
        )
    return (
        "No CPU or memory is recorded for its runs in the window yet: it had no runs on job "
        "clusters, or their node data has not landed."
    )


def per_month(amount: float, window: Window) -> float:
    """A window's amount at the same pace over a month."""
    return amount * (MONTH / window.duration)


def is_underused(facts: UtilizationFacts, thresholds: OverProvisioningThresholds) -> bool:
    """Worker CPU and memory under the thresholds in more than the share of the worker
    run-minutes, over enough runs."""
    share = facts.underused_minute_share
    return (
        share is not None
        and share > thresholds.minute_share
        and facts.runs_observed >= thresholds.min_runs
    )


def needed_workers(load: WorkerLoad) -> int:
    """The fewest workers (at least one) that would carry the busiest minute's CPU within
    `CPU_PEAK_TARGET_PERCENT` and its memory within `MEMORY_PEAK_TARGET_PERCENT`."""
    return max(
        1,
        _whole(load.peak_busy_workers * 100 / CPU_PEAK_TARGET_PERCENT),
        _whole(load.peak_memory_workers * 100 / MEMORY_PEAK_TARGET_PERCENT),
    )


def _whole(workers: float) -> int:
    # Rounded first, so 1.6 workers at 80 % needs 2, not 3 for a float's last digit.
    return math.ceil(round(workers, 9))


def smaller_node_type(
    current: NodeType, load: WorkerLoad, available: Iterable[NodeType]
) -> NodeType | None:
    """The smallest available node type with fewer cores than `current` (and as many GPUs) on
    which each worker's busiest minute would stay within `CPU_PEAK_TARGET_PERCENT` of its CPU and
    `MEMORY_PEAK_TARGET_PERCENT` of its memory;
    None when there is none."""
    cores = current.cores * load.peak_cpu_percent / CPU_PEAK_TARGET_PERCENT
    memory = current.memory_mb * load.peak_memory_percent / MEMORY_PEAK_TARGET_PERCENT
    fitting = [
        node
        for node in available
        if node.gpus == current.gpus
        and node.cores < current.cores
        and node.cores >= cores
        and node.memory_mb >= memory
    ]
    return min(fitting, key=lambda node: (node.cores, node.memory_mb, node.node_type), default=None)


def _usd(amount: float) -> str:
    return f"${amount:,.0f}"


def _saving_words(saving_usd: float) -> str:
    return f"about {_usd(saving_usd)} a month less at list price"


def _workers(count: int) -> str:
    return f"{count} worker" if count == 1 else f"{count} workers"


@dataclass(frozen=True, slots=True)
class _Resize:
    recommendation: Recommendation
    saved_share: float
    """The share of the cluster's cost the resize removes."""


def _resize(
    cluster: ClusterShape, load: WorkerLoad, node_types: Mapping[str, NodeType]
) -> _Resize | None:
    """The resize that removes the largest share of the cluster's cores (fewer workers or a lower
    autoscaling minimum first on a tie: it keeps the node type); None when nothing smaller fits."""
    worker = node_types.get(cluster.worker_node_type or "")
    driver = node_types.get(cluster.driver_node_type or "")
    # Without both sizes, every node weighs the same.
    worker_cores = worker.cores if worker is not None and driver is not None else 1.0
    driver_cores = driver.cores if worker is not None and driver is not None else 1.0
    needed = needed_workers(load)
    peak = (
        f"at their busiest its workers used {load.peak_busy_workers:.1f} workers' worth of CPU "
        f"and {load.peak_memory_workers:.1f} of memory"
    )
    candidates: list[_Resize] = []
    bounds = cluster.autoscale_range
    if bounds is not None:
        minimum, maximum = bounds
        workers = load.average_workers
        if needed < minimum:
            # It saves only while the cluster sits at its minimum: above it, the autoscaler sizes
            # the cluster to the load whatever the minimum.
            at_minimum = load.minutes_at_minimum / load.minutes if load.minutes else 0.0
            removed = (minimum - needed) * worker_cores * at_minimum
            candidates.append(
                _Resize(
                    Recommendation(
                        RecommendationKind.LOWER_AUTOSCALE_MINIMUM,
                        f"Autoscale from {needed} instead of {minimum} workers (up to "
                        f"{maximum}): {peak}",
                        min_workers=needed,
                        max_workers=maximum,
                    ),
                    removed / (driver_cores + workers * worker_cores),
                )
            )
    else:
        workers = float(cluster.workers if cluster.workers is not None else load.average_workers)
        if cluster.workers is not None and needed < cluster.workers:
            candidates.append(
                _Resize(
                    Recommendation(
                        RecommendationKind.FEWER_WORKERS,
                        f"Run {_workers(needed)} instead of {cluster.workers}: {peak}",
                        workers=needed,
                    ),
                    (cluster.workers - needed)
                    * worker_cores
                    / (driver_cores + cluster.workers * worker_cores),
                )
            )
    if worker is not None and driver is not None and workers > 0:
        smaller = smaller_node_type(worker, load, node_types.values())
        if smaller is not None:
            candidates.append(
                _Resize(
                    Recommendation(
                        RecommendationKind.SMALLER_NODE_TYPE,
                        f"Use {smaller.node_type} workers ({smaller.cores:g} cores, "
                        f"{smaller.memory_mb / 1024:g} GiB) instead of {worker.node_type} "
                        f"({worker.cores:g} cores, {worker.memory_mb / 1024:g} GiB): the busiest "
                        f"minute used {load.peak_cpu_percent:.0f} % of a worker's CPU and "
                        f"{load.peak_memory_percent:.0f} % of its memory",
                        node_type=smaller.node_type,
                    ),
                    workers
                    * (worker.cores - smaller.cores)
                    / (driver.cores + workers * worker.cores),
                )
            )
    # max keeps the first of equals: the change in workers, listed first.
    return max(candidates, key=lambda resize: resize.saved_share, default=None)


def over_provisioning(
    facts: UtilizationFacts,
    thresholds: OverProvisioningThresholds,
    node_types: Mapping[str, NodeType],
    window_spend_usd: float,
    window: Window,
) -> Finding | None:
    """The over-provisioned finding, when the job is underused and a smaller cluster would carry
    its observed peak; its saving is that share of the job's spend, per month."""
    if facts.cluster is None or facts.load is None or not is_underused(facts, thresholds):
        return None
    resize = _resize(facts.cluster, facts.load, node_types)
    if resize is None:
        return None
    saving = per_month(window_spend_usd, window) * resize.saved_share
    recommendation = resize.recommendation
    summary = f"{recommendation.summary}; {_saving_words(saving)}."
    return Finding(FindingKind.OVER_PROVISIONED, replace(recommendation, summary=summary), saving)


def autoscaling_never_exercised(
    facts: UtilizationFacts, thresholds: OverProvisioningThresholds
) -> Finding | None:
    """Autoscaling configured, and its runs never had more workers than the minimum."""
    load = facts.load
    bounds = facts.cluster.autoscale_range if facts.cluster is not None else None
    if load is None or bounds is None or facts.runs_observed < thresholds.min_runs:
        return None
    minimum, maximum = bounds
    if minimum >= maximum or load.most_workers > minimum:
        return None
    return Finding(
        FindingKind.AUTOSCALING_NEVER_EXERCISED,
        Recommendation(
            RecommendationKind.FIXED_SIZE,
            f"Autoscaling from {minimum} to {maximum} workers never went above {minimum} in "
            f"{facts.runs_observed} runs: a fixed size of {_workers(minimum)} does the same work "
            "without the autoscaler.",
            workers=minimum,
        ),
        None,
    )


def at_autoscale_ceiling(
    facts: UtilizationFacts, thresholds: OverProvisioningThresholds
) -> Finding | None:
    """Autoscaling that ran at its maximum for at least `CEILING_MINUTE_SHARE` of its
    run-minutes: a candidate for a higher maximum (it costs more, and the runs wait less)."""
    load = facts.load
    bounds = facts.cluster.autoscale_range if facts.cluster is not None else None
    if load is None or bounds is None or not load.minutes:
        return None
    if facts.runs_observed < thresholds.min_runs:
        return None
    minimum, maximum = bounds
    share = load.minutes_at_maximum / load.minutes
    if share < CEILING_MINUTE_SHARE:
        return None
    higher = max(maximum + 1, math.ceil(maximum * CEILING_GROWTH))
    return Finding(
        FindingKind.AT_AUTOSCALE_CEILING,
        Recommendation(
            RecommendationKind.HIGHER_AUTOSCALE_MAXIMUM,
            f"It ran at its maximum of {_workers(maximum)} for {share:.0%} of its run-minutes: "
            f"raise the maximum (to {higher}, say) so its runs are not held back.",
            min_workers=minimum,
            max_workers=higher,
        ),
        None,
    )


def cheaper_on_job_compute(use: SharedClusterUse, window: Window) -> Finding | None:
    """Runs on all-purpose clusters whose hours would cost less at the job-compute price."""
    if use.all_purpose_usd is None or use.job_compute_usd is None:
        return None
    difference = use.all_purpose_usd - use.job_compute_usd
    if use.hours <= 0 or difference <= 0:
        return None
    saving = per_month(difference, window)
    clusters = ", ".join(use.cluster_ids)
    return Finding(
        FindingKind.CHEAPER_ON_JOB_COMPUTE,
        Recommendation(
            RecommendationKind.JOB_COMPUTE,
            f"Run it on a job cluster instead of the all-purpose cluster {clusters}: its runs "
            f"held it {use.hours:.1f} hours in the window, {_usd(use.all_purpose_usd)} at the "
            f"all-purpose price against {_usd(use.job_compute_usd)} on job compute; "
            f"{_saving_words(saving)}.",
        ),
        saving,
    )


def assess(
    job_id: int,
    window: Window,
    facts: UtilizationFacts | None,
    shared: SharedClusterUse | None,
    *,
    thresholds: OverProvisioningThresholds,
    node_types: Mapping[str, NodeType],
    window_spend_usd: float,
) -> Utilization:
    """A job's utilisation over the window: measured when its job clusters have node data (the
    figures then cover those run-minutes only), else why not. `window_spend_usd` is the job's
    spend in the window (what a resize saves a share of)."""
    shared_finding = cheaper_on_job_compute(shared, window) if shared is not None else None
    if facts is None or not facts.minutes_observed:
        runs = facts.runs if facts is not None else 0
        serverless = facts.serverless_runs if facts is not None else 0
        on_shared = facts.shared_cluster_runs if facts is not None else 0
        if on_shared:
            reason = UnmeasurableReason.SHARED_CLUSTER
        elif serverless:
            reason = UnmeasurableReason.SERVERLESS
        else:
            reason = UnmeasurableReason.NO_DATA
        return UnmeasuredUtilization(
            window=window,
            job_id=job_id,
            reason=reason,
            runs=runs,
            serverless_runs=serverless,
            shared_cluster_runs=on_shared,
            findings=tuple(finding for finding in (shared_finding,) if finding is not None),
        )
    findings = (
        over_provisioning(facts, thresholds, node_types, window_spend_usd, window),
        shared_finding,
        autoscaling_never_exercised(facts, thresholds),
        at_autoscale_ceiling(facts, thresholds),
    )
    return MeasuredUtilization(
        window=window,
        facts=facts,
        findings=tuple(finding for finding in findings if finding is not None),
    )


def saving_findings(utilization: Utilization) -> tuple[Finding, ...]:
    """The findings that spend less when acted on, in the order found."""
    return tuple(finding for finding in utilization.findings if finding.kind in SAVING_KINDS)


def lists_as_over_provisioned(utilization: Utilization) -> bool:
    """A job the over-provisioned list shows: one with a finding that saves money."""
    return bool(saving_findings(utilization))
