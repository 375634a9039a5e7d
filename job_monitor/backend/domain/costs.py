"""Cost: what runs, jobs and groups of jobs spend at list price, what is wasted, what is unusual.

Spend is `system.billing.usage` priced with `system.billing.list_prices` (the list price in force
when the usage started, `pricing.effective_list.default`, in USD): every record type is summed, so a
RETRACTION (negative) cancels its ORIGINAL and a RESTATEMENT takes its place. Only usage billed
to a job (jobs compute and serverless jobs) can be tied to a job and a run; runs on all-purpose
clusters or SQL warehouses are billed to that compute, so their cost is not attributable.

The rules here are pure; the figures come from SQL (`data/queries/job_costs.sql` and friends).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.runs import Trigger
from job_monitor.backend.domain.windows import Window

CURRENCY = "USD"
"""Prices are read in this currency (`list_prices.currency_code`)."""
BILLING_SETTLE = timedelta(hours=24)
"""How long after a run ends its cost may still change: usage usually lands within 12 hours of
use (Databricks' figure) and corrections can come later; a day covers both in practice."""
ANOMALY_RATIO = 2.0
"""A run is a cost anomaly when it cost more than this multiple of its job's p90 run cost."""
ANOMALY_BASELINE = timedelta(days=30)
"""The baseline of a job's run cost: its runs in this span before the window's start."""
MIN_COST_BASELINE_RUNS = 5
"""A job needs this many billed, finished runs in the baseline to have a p90 to compare with."""
LONGER_DURATION_RATIO = 1.5
"""A run is "longer" when it ran more than this multiple of the baseline's p90 duration."""
ZOMBIE_RUN_SECONDS = 60.0
BILLING_KEPT = timedelta(days=365)
"""How far back `system.billing.usage` is kept (free retention)."""
"""A scheduled job whose every run ends within this many seconds does no useful work."""


class ComputeType(StrEnum):
    """The compute a job's spend was billed on."""

    SERVERLESS = "SERVERLESS"
    JOBS_COMPUTE = "JOBS_COMPUTE"
    ALL_PURPOSE = "ALL_PURPOSE"


class CostGrouping(StrEnum):
    """How a cost breakdown groups spend."""

    JOB = "JOB"
    TEAM = "TEAM"
    SKU = "SKU"
    RUN_AS = "RUN_AS"
    COMPUTE_TYPE = "COMPUTE_TYPE"


class AnomalyCause(StrEnum):
    """Why a run likely cost more than usual, from what the data shows."""

    DEFINITION_CHANGED = "DEFINITION_CHANGED"
    MORE_REPAIRS = "MORE_REPAIRS"
    RETRY = "RETRY"
    LONGER_DURATION = "LONGER_DURATION"
    DIFFERENT_SKU = "DIFFERENT_SKU"
    DIFFERENT_COMPUTE_TYPE = "DIFFERENT_COMPUTE_TYPE"


class ZombieReason(StrEnum):
    """Why a scheduled job that keeps spending is doing no useful work."""

    NO_SUCCESSFUL_RUN = "NO_SUCCESSFUL_RUN"
    ONLY_SHORT_RUNS = "ONLY_SHORT_RUNS"


def previous_window_kept(window: Window) -> bool:
    """Whether the window of the same length before this one is within the billing kept: else
    its spend is unknown, not zero."""
    return window.duration * 2 <= BILLING_KEPT


def change_ratio(current: float, previous: float | None) -> float | None:
    """(current - previous) / previous: 0.25 is 25 % more; None without a previous spend."""
    if previous is None or previous <= 0:
        return None
    return (current - previous) / previous


@dataclass(frozen=True, slots=True)
class RunCostRecord:
    """One run's spend, all of its usage so far."""

    run_id: int
    job_id: int
    dbus: float
    list_cost_usd: float
    serverless: bool
    skus: tuple[str, ...]
    shared_compute: bool
    """Some of its tasks ran on all-purpose compute, billed to that compute, not to the run."""
    unpriced_records: int = 0

    @property
    def attributable(self) -> bool:
        return not self.shared_compute


def cost_complete(ended_at: datetime | None, now: datetime) -> bool:
    """A run's cost is final once it has ended and billing has had `BILLING_SETTLE` to land."""
    return ended_at is not None and ended_at + BILLING_SETTLE <= now


@dataclass(frozen=True, slots=True)
class DailyCost:
    """Spend on one UTC day (by when the usage started)."""

    day: date
    dbus: float
    list_cost_usd: float


def daily_costs(start: date, end: date, days: Iterable[DailyCost]) -> list[DailyCost]:
    """One entry per day from `start` to `end`, both included, oldest first; days without spend
    are zero."""
    known = {entry.day: entry for entry in days}
    series: list[DailyCost] = []
    day = start
    while day <= end:
        series.append(known.get(day, DailyCost(day, 0.0, 0.0)))
        day += timedelta(days=1)
    return series


@dataclass(frozen=True, slots=True)
class JobCostSummary:
    """A job's spend over a window: usage that started in it, of every run billed in it."""

    job_id: int
    dbus: float
    list_cost_usd: float
    runs: int
    """Runs with usage in the window."""
    successful_runs: int
    """Of those, runs whose outcome is a success."""
    wasted_usd: float
    """Spend on runs that failed, timed out or were canceled, and on the attempts of repaired runs
    that came before their latest repair."""
    p90_run_cost_usd: float | None
    """The 90th percentile of its finished runs' spend in the window."""
    previous_list_cost_usd: float | None
    """Spend in the window of the same length just before; None when that window is older than
    the history kept."""
    longest_run_seconds: float | None
    """The longest finished run billed in the window."""
    unpriced_records: int = 0

    @property
    def cost_per_successful_run_usd(self) -> float | None:
        """All the spend divided by the successful runs: what one useful run costs; None without
        a successful run (never infinity)."""
        return self.list_cost_usd / self.successful_runs if self.successful_runs else None

    @property
    def change_vs_previous_window(self) -> float | None:
        return change_ratio(self.list_cost_usd, self.previous_list_cost_usd)


@dataclass(frozen=True, slots=True)
class CostGroupRecord:
    """Spend of one group of a breakdown over a window, with its daily series."""

    key: str | None
    """The group's value (job id, team, SKU, identity, compute type); None: untagged / unknown."""
    dbus: float
    list_cost_usd: float
    previous_list_cost_usd: float | None
    """Spend in the window of the same length just before; None when that window is older than
    the history kept."""
    daily: tuple[DailyCost, ...]
    attributable: bool = True

    @property
    def change_vs_previous_window(self) -> float | None:
        return change_ratio(self.list_cost_usd, self.previous_list_cost_usd)


@dataclass(frozen=True, slots=True)
class CostAnomalyFacts:
    """What the data says about a costly run and its job's baseline."""

    job_id: int
    run_id: int
    start_time: datetime
    list_cost_usd: float
    dbus: float
    baseline_p90_cost_usd: float
    baseline_runs: int
    duration_seconds: float | None
    baseline_p90_duration_seconds: float | None
    repair_count: int
    baseline_max_repairs: int
    trigger: Trigger | None
    skus: tuple[str, ...]
    baseline_skus: tuple[str, ...]
    serverless: bool
    baseline_serverless: bool
    definition_changed_at: datetime | None
    """The latest change to the job's definition after its last baseline run and up to this run."""

    @property
    def ratio(self) -> float:
        """list cost / baseline p90."""
        return self.list_cost_usd / self.baseline_p90_cost_usd


def is_cost_anomaly(list_cost_usd: float, baseline_p90_cost_usd: float | None) -> bool:
    """More than `ANOMALY_RATIO` times the baseline's p90 (a baseline of zero spend has none)."""
    return (
        baseline_p90_cost_usd is not None
        and baseline_p90_cost_usd > 0
        and list_cost_usd > ANOMALY_RATIO * baseline_p90_cost_usd
    )


def likely_causes(facts: CostAnomalyFacts) -> tuple[AnomalyCause, ...]:
    """Every cause the data shows, in this order: the definition changed, more repairs, a retry,
    a longer run, another SKU, another compute type. Empty when none shows."""
    causes: list[AnomalyCause] = []
    if facts.definition_changed_at is not None:
        causes.append(AnomalyCause.DEFINITION_CHANGED)
    if facts.repair_count > facts.baseline_max_repairs:
        causes.append(AnomalyCause.MORE_REPAIRS)
    if facts.trigger is Trigger.RETRY:
        causes.append(AnomalyCause.RETRY)
    if (
        facts.duration_seconds is not None
        and facts.baseline_p90_duration_seconds is not None
        and facts.duration_seconds > LONGER_DURATION_RATIO * facts.baseline_p90_duration_seconds
    ):
        causes.append(AnomalyCause.LONGER_DURATION)
    if set(facts.skus) - set(facts.baseline_skus):
        causes.append(AnomalyCause.DIFFERENT_SKU)
    if facts.serverless != facts.baseline_serverless:
        causes.append(AnomalyCause.DIFFERENT_COMPUTE_TYPE)
    return tuple(causes)


def anomaly_cause_phrases(facts: CostAnomalyFacts) -> list[str]:
    """The likely causes in words, in `likely_causes`' order."""
    phrases: list[str] = []
    for cause in likely_causes(facts):
        if cause is AnomalyCause.DEFINITION_CHANGED and facts.definition_changed_at is not None:
            phrases.append(f"the job changed on {facts.definition_changed_at:%Y-%m-%d}")
        elif cause is AnomalyCause.MORE_REPAIRS:
            phrases.append(
                f"{facts.repair_count} repairs (the baseline had at most "
                f"{facts.baseline_max_repairs})"
            )
        elif cause is AnomalyCause.RETRY:
            phrases.append("it was an automatic retry")
        elif (
            cause is AnomalyCause.LONGER_DURATION
            and facts.duration_seconds is not None
            and facts.baseline_p90_duration_seconds
        ):
            longer = facts.duration_seconds / facts.baseline_p90_duration_seconds
            phrases.append(f"it ran {longer:.1f}x longer than usual")
        elif cause is AnomalyCause.DIFFERENT_SKU:
            new = sorted(set(facts.skus) - set(facts.baseline_skus))
            phrases.append(f"billed on {', '.join(new)}")
        elif cause is AnomalyCause.DIFFERENT_COMPUTE_TYPE:
            phrases.append("moved to serverless" if facts.serverless else "moved off serverless")
    return phrases


def is_scheduled(job: JobDefinition) -> bool:
    """Started by a schedule (cron or periodic) that is not paused."""
    trigger = job.trigger
    return (
        trigger is not None
        and (trigger.quartz_cron_expression is not None or trigger.interval is not None)
        and not job.paused
    )


def zombie_reason(job: JobDefinition, spend: JobCostSummary) -> ZombieReason | None:
    """Why a job is a zombie over a window: scheduled, spending, and no successful run, or only
    runs that end within `ZOMBIE_RUN_SECONDS`; None when it is not one."""
    if not is_scheduled(job) or spend.list_cost_usd <= 0:
        return None
    if spend.successful_runs == 0:
        return ZombieReason.NO_SUCCESSFUL_RUN
    if spend.longest_run_seconds is not None and spend.longest_run_seconds < ZOMBIE_RUN_SECONDS:
        return ZombieReason.ONLY_SHORT_RUNS
    return None


def previous_total(amounts: Iterable[float | None]) -> float | None:
    """The sum of previous-window spends; None when any is unknown."""
    total = 0.0
    for amount in amounts:
        if amount is None:
            return None
        total += amount
    return total


@dataclass(frozen=True, slots=True)
class GroupSpend:
    """A group's spend on one day of the window, or (`day` None) over the whole window before."""

    key: str | None
    day: date | None
    dbus: float
    list_cost_usd: float


def cost_groups(
    entries: Iterable[GroupSpend],
    first_day: date,
    last_day: date,
    *,
    previous_known: bool = True,
    attributable: bool = True,
) -> tuple[CostGroupRecord, ...]:
    """One record per group with its daily series from `first_day` to `last_day`, most spend
    first (then by key); a group that spent only in the window before has no record. Without
    `previous_known` (the window before is older than the history kept) the previous spend is
    unknown, so no change is computed."""
    days: dict[str | None, list[DailyCost]] = {}
    previous: dict[str | None, float] = {}
    for entry in entries:
        if entry.day is None:
            previous[entry.key] = previous.get(entry.key, 0.0) + entry.list_cost_usd
        else:
            days.setdefault(entry.key, []).append(
                DailyCost(entry.day, entry.dbus, entry.list_cost_usd)
            )
    groups = [
        CostGroupRecord(
            key=key,
            dbus=sum(day.dbus for day in spent),
            list_cost_usd=sum(day.list_cost_usd for day in spent),
            previous_list_cost_usd=previous.get(key, 0.0) if previous_known else None,
            daily=tuple(daily_costs(first_day, last_day, spent)),
            attributable=attributable,
        )
        for key, spent in days.items()
    ]
    return tuple(sorted(groups, key=lambda group: (-group.list_cost_usd, group.key or "")))
