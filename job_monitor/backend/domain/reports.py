"""Scheduled reports: the figures each one tells, as records, and the pure rules that pick them.

Three reports, each over a window ending when it is built: the daily health summary (the last 24
hours: failures, new P1 alerts, SLA breaches, what to do, over-provisioned jobs), the weekly cost
report (the last 7 days against the 7 before: spend per team, the daily trend, anomalies, waste,
zombie jobs, what right-sizing would save) and the monthly executive report (the last 30 days
against the 30 before: spend, reliability, the jobs whose spend changed most and what that saved).
The services fill these records for one session's jobs; the templates only lay them out, so every
figure a report shows is one of these fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from job_monitor.backend.domain.alerts import AlertKind, AlertRecord, AlertSeverity
from job_monitor.backend.domain.costs import DailyCost, JobCostSummary, ZombieReason, change_ratio
from job_monitor.backend.domain.overview import TerminationCodeFailures
from job_monitor.backend.domain.runs import RunState
from job_monitor.backend.domain.windows import Window


class ReportKind(StrEnum):
    """Which report: daily health, weekly cost or monthly executive."""

    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"

    @property
    def window(self) -> Window:
        """The window the report covers, ending when it is built."""
        return _WINDOWS[self]

    @property
    def slug(self) -> str:
        """The kind in file names and on the command line: `daily`, `weekly`, `monthly`."""
        return self.value.lower()


_WINDOWS = {
    ReportKind.DAILY: Window.LAST_24_HOURS,
    ReportKind.WEEKLY: Window.LAST_7_DAYS,
    ReportKind.MONTHLY: Window.LAST_30_DAYS,
}


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Whose jobs a report covers: every job of the workspace (the admins' report), or the jobs one
    viewer may see (a preview in the app)."""

    every_job: bool
    jobs: int
    """Jobs that exist now in the scope."""


@dataclass(frozen=True, slots=True)
class JobLink:
    """A job as a report names it, with its page in the Databricks UI."""

    job_id: int
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class FailedRun:
    """A run that failed, timed out or ended by a platform error."""

    job: JobLink
    run_id: int
    run_url: str
    state: RunState
    termination_code: str | None
    started_at: datetime


@dataclass(frozen=True, slots=True)
class ReportAlert:
    """An alert as a report lists it: what, since when, and the next step."""

    severity: AlertSeverity
    kind: AlertKind
    job: JobLink
    title: str
    detail: str
    remediation: str
    first_seen_at: datetime | None
    run_url: str | None


@dataclass(frozen=True, slots=True)
class BreachedRun:
    """A finished run that took longer than its job's target."""

    run_id: int
    run_url: str
    started_at: datetime
    duration_seconds: float


@dataclass(frozen=True, slots=True)
class SlaBreachLine:
    """A job's runs over its duration target in the window, with its latest such runs."""

    job: JobLink
    target_seconds: int
    breaches: int
    finished_runs: int
    latest: tuple[BreachedRun, ...]


@dataclass(frozen=True, slots=True)
class DailyHealthReport:
    """The last 24 hours: what failed, what newly became P1, which runs missed their target, the
    next steps for every open P1 and P2 alert, and the open alerts about over-provisioned jobs."""

    period_start: datetime
    period_end: datetime
    scope: ReportScope
    runs: int
    """Finished runs that started in the window."""
    succeeded: int
    failed: int
    """Of the runs, those that failed (FAILED, TIMED_OUT, INTERNAL_ERROR)."""
    failing_jobs: int
    """Jobs with at least one of those failures."""
    failures: tuple[FailedRun, ...]
    """The failed runs, newest first (at most `MAX_FAILED_RUNS`; `failed` counts them all)."""
    failures_by_code: tuple[TerminationCodeFailures, ...]
    new_p1_alerts: tuple[ReportAlert, ...]
    """P1 alerts whose condition began in the window."""
    sla_breach_count: int
    """Finished runs in the window over their job's target."""
    jobs_over_target: int
    """Jobs with at least one of those runs."""
    sla_breaches: tuple[SlaBreachLine, ...]
    """The jobs with those runs, most breaches first (at most `MAX_SLA_JOBS`)."""
    action_items: tuple[ReportAlert, ...]
    """Open P1 and P2 alerts with their remediation, P1 first (at most `MAX_ACTION_ITEMS`)."""
    action_item_count: int
    over_provisioned: tuple[ReportAlert, ...]
    """Open OVER_PROVISIONED alerts (P3) with their resize and saving, most saving first (at most
    `MAX_OVER_PROVISIONED`)."""
    over_provisioned_count: int
    data_alerts: tuple[ReportAlert, ...]
    """Open ROW_COUNT_ANOMALY and SCHEMA_DRIFT alerts (P2 and P3) in the alerts' order, at most
    `MAX_DATA_ALERTS`."""
    data_alert_count: int

    @property
    def success_rate(self) -> float | None:
        outcomes = self.succeeded + self.failed
        return self.succeeded / outcomes if outcomes else None


@dataclass(frozen=True, slots=True)
class TeamSpend:
    """A team's spend in the window and in the window before (team None: jobs without the tag)."""

    team: str | None
    list_cost_usd: float
    previous_list_cost_usd: float | None

    @property
    def change(self) -> float | None:
        return change_ratio(self.list_cost_usd, self.previous_list_cost_usd)


@dataclass(frozen=True, slots=True)
class AnomalyLine:
    """A run that cost more than twice its job's usual, and why it likely did."""

    job: JobLink
    run_id: int
    run_url: str
    started_at: datetime
    list_cost_usd: float
    baseline_p90_cost_usd: float
    likely_causes: tuple[str, ...]
    """In words, most telling first; empty when the data shows none."""

    @property
    def ratio(self) -> float:
        return self.list_cost_usd / self.baseline_p90_cost_usd


@dataclass(frozen=True, slots=True)
class JobWaste:
    """A job's spend on runs that failed, timed out or were canceled (and on superseded attempts of
    repaired runs) in the window."""

    job: JobLink
    wasted_usd: float
    list_cost_usd: float
    runs: int
    successful_runs: int


@dataclass(frozen=True, slots=True)
class ZombieLine:
    """A scheduled job that spent in the window without a useful result."""

    job: JobLink
    reason: ZombieReason
    list_cost_usd: float
    runs: int


@dataclass(frozen=True, slots=True)
class SavingLine:
    """A job whose compute is bigger or dearer than its runs need, and what acting on it would
    save a month at list price."""

    job: JobLink
    estimated_monthly_saving_usd: float
    recommendations: tuple[str, ...]
    """Each change that saves money, in words (the resize or the move to job compute, with its
    saving)."""


@dataclass(frozen=True, slots=True)
class WeeklyCostReport:
    """The last 7 days against the 7 before: where the money went and what of it bought nothing."""

    period_start: datetime
    period_end: datetime
    scope: ReportScope
    list_cost_usd: float
    previous_list_cost_usd: float | None
    unattributed_usd: float | None
    """Job spend no job can be tied to (all-purpose clusters jobs ran on); None unless the scope is
    every job."""
    teams: tuple[TeamSpend, ...]
    """Most spend first (at most `MAX_TEAMS`; `team_count` counts them all)."""
    team_count: int
    daily: tuple[DailyCost, ...]
    """The total per UTC day of the window, oldest first."""
    anomalies: tuple[AnomalyLine, ...]
    """Largest excess first (at most `MAX_ANOMALY_LINES`)."""
    anomaly_count: int
    wasted_usd: float
    waste_by_job: tuple[JobWaste, ...]
    """The jobs that wasted most (at most `MAX_WASTEFUL_JOBS`)."""
    zombies: tuple[ZombieLine, ...]
    """Most spend first (at most `MAX_ZOMBIES`)."""
    zombie_count: int
    zombie_spend_usd: float
    savings: tuple[SavingLine, ...]
    """The over-provisioned jobs of the window (as `overProvisionedJobs` lists them), most saving
    first (at most `MAX_OVER_PROVISIONED`)."""
    saving_job_count: int
    estimated_monthly_saving_usd: float
    """What acting on every one of them would save a month, shown or not."""
    data_through: datetime | None
    """The latest usage billing has delivered: spend after it is not in the figures yet."""

    @property
    def change(self) -> float | None:
        return change_ratio(self.list_cost_usd, self.previous_list_cost_usd)

    @property
    def wasted_share(self) -> float | None:
        return self.wasted_usd / self.list_cost_usd if self.list_cost_usd > 0 else None


@dataclass(frozen=True, slots=True)
class JobSpendChange:
    """A job's spend in the window against the window before."""

    job: JobLink
    list_cost_usd: float
    previous_list_cost_usd: float

    @property
    def change_usd(self) -> float:
        return self.list_cost_usd - self.previous_list_cost_usd


@dataclass(frozen=True, slots=True)
class MonthlyExecutiveReport:
    """The last 30 days against the 30 before: spend and its trend, reliability, the jobs whose
    spend moved most, and what the decreases saved."""

    period_start: datetime
    period_end: datetime
    scope: ReportScope
    list_cost_usd: float
    previous_list_cost_usd: float | None
    daily: tuple[DailyCost, ...]
    runs: int
    succeeded: int
    failed: int
    jobs_failing: int
    """Jobs with at least one failed run in the window."""
    jobs_in_failing_streak: int
    """Jobs whose latest two or more outcomes failed."""
    sla_breach_count: int
    increases: tuple[JobSpendChange, ...]
    """The largest increases first (at most `MAX_SPEND_CHANGES`)."""
    decreases: tuple[JobSpendChange, ...]
    """The largest decreases first (at most `MAX_SPEND_CHANGES`)."""
    increased_usd: float
    """What every job whose spend rose added."""
    saved_usd: float
    """What every job whose spend fell saved: the decreases' sum, as a positive amount."""
    zombies: tuple[ZombieLine, ...]
    """Most spend first (at most `MAX_ZOMBIES`)."""
    zombie_count: int
    zombie_spend_usd: float
    """What pausing the zombie jobs would have saved in the window."""

    @property
    def change(self) -> float | None:
        return change_ratio(self.list_cost_usd, self.previous_list_cost_usd)

    @property
    def success_rate(self) -> float | None:
        outcomes = self.succeeded + self.failed
        return self.succeeded / outcomes if outcomes else None


Report = DailyHealthReport | WeeklyCostReport | MonthlyExecutiveReport


@dataclass(frozen=True, slots=True)
class AlertDigest:
    """New P1 and P2 alerts, as one delivery sends them (`job-monitor alerts dispatch`)."""

    period_start: datetime
    """The earliest start of their conditions (or when the digest was built)."""
    period_end: datetime
    scope: ReportScope
    alerts: tuple[ReportAlert, ...]


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A report laid out for reading: a subject line, an HTML e-mail body and its plain-text
    twin."""

    kind: ReportKind
    subject: str
    html: str
    text: str
    period_start: datetime
    period_end: datetime

    @property
    def file_stem(self) -> str:
        """`<kind>-<date>`: the report's name on disk, dated by the day its window ends (UTC)."""
        return f"{self.kind.slug}-{self.period_end.date().isoformat()}"


# How much of each list a report shows: a report is read, not searched, and the app has the rest.
MAX_FAILED_RUNS = 100
MAX_ACTION_ITEMS = 30
MAX_SLA_JOBS = 25
SLA_RUNS_PER_JOB = 3
MAX_TEAMS = 25
MAX_ANOMALY_LINES = 20
MAX_WASTEFUL_JOBS = 10
MAX_ZOMBIES = 20
MAX_SPEND_CHANGES = 5
MAX_OVER_PROVISIONED = 20


def kind_of(report: Report) -> ReportKind:
    if isinstance(report, DailyHealthReport):
        return ReportKind.DAILY
    if isinstance(report, WeeklyCostReport):
        return ReportKind.WEEKLY
    return ReportKind.MONTHLY


def first_seen_since(alerts: Iterable[AlertRecord], since: datetime) -> list[AlertRecord]:
    """The alerts whose condition began at or after `since` (one with no known start began
    earlier, as far as anyone can say)."""
    return [
        alert
        for alert in alerts
        if alert.first_seen_at is not None and alert.first_seen_at >= since
    ]


ACTION_SEVERITIES = frozenset({AlertSeverity.P1, AlertSeverity.P2})
"""The alerts whose remediation is a daily action item: P3 (money, slowness) waits for the week."""


def action_items(alerts: Iterable[AlertRecord]) -> list[AlertRecord]:
    """The P1 and P2 alerts, in the order given (the alerts service's: P1 first, worst first)."""
    return [alert for alert in alerts if alert.severity in ACTION_SEVERITIES]


MAX_DATA_ALERTS = 20
DATA_ALERT_KINDS = frozenset({AlertKind.ROW_COUNT_ANOMALY, AlertKind.SCHEMA_DRIFT})


def data_alerts(alerts: Iterable[AlertRecord]) -> list[AlertRecord]:
    """The alerts about what jobs write (row counts, schema drift), in the order given: the P2
    ones are action items too, and the P3 ones only here."""
    return [alert for alert in alerts if alert.kind in DATA_ALERT_KINDS]


def over_provisioned_alerts(alerts: Iterable[AlertRecord]) -> list[AlertRecord]:
    """The OVER_PROVISIONED alerts, in the order given (the alerts service's: most saving first).
    P3, so not action items: the daily report lists them apart."""
    return [alert for alert in alerts if alert.kind is AlertKind.OVER_PROVISIONED]


def daily_totals(series: Iterable[Iterable[DailyCost]]) -> tuple[DailyCost, ...]:
    """The spend of several daily series added up per day, oldest first."""
    totals: dict[date, tuple[float, float]] = {}
    for days in series:
        for day in days:
            dbus, usd = totals.get(day.day, (0.0, 0.0))
            totals[day.day] = (dbus + day.dbus, usd + day.list_cost_usd)
    return tuple(DailyCost(day, *totals[day]) for day in sorted(totals))


@dataclass(frozen=True, slots=True)
class SpendChanges:
    """Jobs whose spend rose and fell against the window before, each largest first, with the
    sums of every rise and every fall (positive amounts)."""

    increases: tuple[JobCostSummary, ...]
    decreases: tuple[JobCostSummary, ...]
    increased_usd: float
    saved_usd: float


def spend_changes(spends: Iterable[JobCostSummary]) -> SpendChanges:
    """Sort the jobs' spend by how it changed (a job without a known previous spend has no change
    to tell); ties by job id."""
    rises: list[tuple[float, JobCostSummary]] = []
    falls: list[tuple[float, JobCostSummary]] = []
    for spend in spends:
        if spend.previous_list_cost_usd is None:
            continue
        delta = spend.list_cost_usd - spend.previous_list_cost_usd
        if delta > 0:
            rises.append((delta, spend))
        elif delta < 0:
            falls.append((-delta, spend))
    rises.sort(key=lambda entry: (-entry[0], entry[1].job_id))
    falls.sort(key=lambda entry: (-entry[0], entry[1].job_id))
    return SpendChanges(
        increases=tuple(spend for _, spend in rises),
        decreases=tuple(spend for _, spend in falls),
        increased_usd=sum(delta for delta, _ in rises),
        saved_usd=sum(delta for delta, _ in falls),
    )


def most_wasteful(spends: Iterable[JobCostSummary]) -> list[JobCostSummary]:
    """The jobs that wasted anything, most waste first (ties by job id)."""
    wasteful = [spend for spend in spends if spend.wasted_usd > 0]
    return sorted(wasteful, key=lambda spend: (-spend.wasted_usd, spend.job_id))
