"""Alerts: what needs someone's attention now, how urgently, since when, and what to do about it.

Each rule turns figures the other modules compute (health, SLA, cost) into at most one alert per
job and kind. An alert's id is stable across requests (kind and job), so an acknowledgement holds
while the condition lasts; its `magnitude` (a streak's length, an overrun's ratio, a cost's ratio)
lets an acknowledged alert come back when the condition worsens.

Severities: P1 a failing job (a failure streak, a run going past its target); P2 a job that
misses its promises (success rate below 90 %, runs over target, a run at risk of it) or whose data
is wrong now (its latest write far off its baseline or empty; a column dropped, renamed or retyped
in a table it reads or writes); P3 money and slowness (a duration regression, a cost anomaly, a
zombie job, an over-provisioned job) and data that was off earlier in the window or only gained
columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from job_monitor.backend.domain.budgets import BudgetStanding, BudgetStatus
from job_monitor.backend.domain.costs import (
    ZOMBIE_RUN_SECONDS,
    CostAnomalyFacts,
    JobCostSummary,
    ZombieReason,
    anomaly_cause_phrases,
)
from job_monitor.backend.domain.health import (
    P1_FAILURE_STREAK,
    P2_SUCCESS_RATE_BELOW,
    HealthSummary,
)
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.outputs import (
    SchemaChangeKind,
    SchemaChangeRecord,
    TableOutputRecord,
)
from job_monitor.backend.domain.utilization import (
    FindingKind,
    MeasuredUtilization,
    OverProvisioningThresholds,
    Utilization,
)
from job_monitor.backend.domain.windows import Window

LOW_RATE_MIN_FAILURES = 2
"""A low success rate alerts only with at least this many failures: one failure of a daily job
is not a trend."""


class AlertSeverity(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class AlertKind(StrEnum):
    FAILURE_STREAK = "FAILURE_STREAK"
    LOW_SUCCESS_RATE = "LOW_SUCCESS_RATE"
    DURATION_REGRESSION = "DURATION_REGRESSION"
    SLA_BREACHED = "SLA_BREACHED"
    SLA_AT_RISK = "SLA_AT_RISK"
    COST_ANOMALY = "COST_ANOMALY"
    ZOMBIE_JOB = "ZOMBIE_JOB"
    BUDGET_BREACHED = "BUDGET_BREACHED"
    BUDGET_FORECAST_TO_BREACH = "BUDGET_FORECAST_TO_BREACH"
    OVER_PROVISIONED = "OVER_PROVISIONED"
    ROW_COUNT_ANOMALY = "ROW_COUNT_ANOMALY"
    SCHEMA_DRIFT = "SCHEMA_DRIFT"


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert about one job."""

    kind: AlertKind
    severity: AlertSeverity
    job_id: int
    title: str
    detail: str
    remediation: str
    first_seen_at: datetime | None
    """When the condition began, from the data (e.g. the first failing run of the streak)."""
    magnitude: float
    """How bad it is, in the kind's own unit: an acknowledged alert comes back above it."""
    run_id: int | None = None
    """The run to look at first, when there is one."""
    team: str | None = None
    """For an alert about a team (its budget): the team; `job_id` is then its costliest job."""
    job_ids: tuple[int, ...] = ()
    """Every job the alert is about, when more than `job_id` (a team's jobs)."""

    @property
    def alert_id(self) -> str:
        """Stable across requests while the condition lasts: one alert per kind and job (or
        team)."""
        if self.team is not None:
            return f"{self.kind.value}:team:{self.team}"
        return f"{self.kind.value}:{self.job_id}"

    @property
    def jobs(self) -> tuple[int, ...]:
        return self.job_ids or (self.job_id,)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Someone said they are on it, until a time, at the alert's magnitude then."""

    alert_id: str
    by: str
    at: datetime
    until: datetime
    magnitude: float


NOTABLE_GROWTH: Mapping[AlertKind, float] = {AlertKind.OVER_PROVISIONED: 0.25}
"""How much an acknowledged alert's magnitude must grow, as a share of the magnitude acknowledged,
before the alert comes back; any growth for the kinds not named. An over-provisioned job's saving
is estimated from a rolling week's spend, which moves with every hour billed: a saving a quarter
larger is news, a few cents more is not."""


def worsened(alert: AlertRecord, ack: Acknowledgement) -> bool:
    """The alert's condition is worse than when it was acknowledged: its magnitude grew past the
    magnitude acknowledged (by more than its kind's `NOTABLE_GROWTH`)."""
    return alert.magnitude > ack.magnitude * (1 + NOTABLE_GROWTH.get(alert.kind, 0.0))


def is_silenced(alert: AlertRecord, ack: Acknowledgement | None, now: datetime) -> bool:
    """An acknowledged alert stays quiet until its time runs out or its condition worsens (a longer
    streak, a bigger overrun, a notably larger saving)."""
    return ack is not None and now < ack.until and not worsened(alert, ack)


# Advice per termination code: the first step a data engineer would take.
_ADVICE = {
    "DRIVER_ERROR": "the driver failed (often out of memory): raise the driver node type or split "
    "the task",
    "CLUSTER_ERROR": "the cluster could not run it: check the cluster's event log and instance "
    "availability",
    "STORAGE_ACCESS_ERROR": "storage could not be read or written: check the external location's "
    "credentials and the path",
    "CLOUD_FAILURE": "the cloud provider failed to supply nodes: retry, or choose another node "
    "type or zone",
    "RUN_EXECUTION_ERROR": "the task's code failed: read the error of the failed task and fix the "
    "code or its input",
    "TIMED_OUT": "it ran past its timeout: look at what made it slower, or raise the timeout",
    "USER_CANCELED": "someone canceled it: ask why before re-running",
    "MAX_CONCURRENT_RUNS_EXCEEDED": "runs overlapped past the job's limit: space the schedule or "
    "raise max concurrent runs",
}
_DEFAULT_ADVICE = "open the latest failed run and read its error"


def advice_for(termination_code: str | None) -> str:
    """The first step for a failure with this termination code."""
    return _ADVICE.get(termination_code or "", _DEFAULT_ADVICE)


def _clock(moment: datetime | None) -> str:
    return f" since {moment:%Y-%m-%d %H:%M} UTC" if moment is not None else ""


def failure_streak_alert(
    job: JobDefinition,
    health: HealthSummary,
    *,
    streak_started_at: datetime | None,
    termination_code: str | None,
    latest_failed_run_id: int | None,
) -> AlertRecord | None:
    """P1: the latest `P1_FAILURE_STREAK` or more outcome runs failed."""
    streak = health.failure_streak
    if streak < P1_FAILURE_STREAK:
        return None
    code = f" with {termination_code}" if termination_code else ""
    return AlertRecord(
        kind=AlertKind.FAILURE_STREAK,
        severity=AlertSeverity.P1,
        job_id=job.job_id,
        title=f"{job.name}: {streak} consecutive failures",
        detail=f"{streak} consecutive failures{code}{_clock(streak_started_at)}.",
        remediation=advice_for(termination_code).capitalize() + ".",
        first_seen_at=streak_started_at,
        magnitude=float(streak),
        run_id=latest_failed_run_id,
    )


def low_success_rate_alert(job: JobDefinition, health: HealthSummary) -> AlertRecord | None:
    """P2: the success rate is below 90 % with at least `LOW_RATE_MIN_FAILURES` failures (and
    the job is not failing outright: that is P1)."""
    rate = health.success_rate
    if (
        rate is None
        or rate >= P2_SUCCESS_RATE_BELOW
        or health.failed < LOW_RATE_MIN_FAILURES
        or health.failure_streak >= P1_FAILURE_STREAK
    ):
        return None
    last = health.last_run
    return AlertRecord(
        kind=AlertKind.LOW_SUCCESS_RATE,
        severity=AlertSeverity.P2,
        job_id=job.job_id,
        title=f"{job.name}: {rate:.0%} of runs succeeded",
        detail=(
            f"{health.failed} of {health.succeeded + health.failed} runs that succeeded or failed "
            "in the window failed."
        ),
        remediation=(
            "Look for what the failures share (a termination code, a time of day, an upstream "
            "table) and add retries only for transient causes."
        ),
        first_seen_at=None,
        magnitude=1.0 - rate,
        run_id=last.run_id if last is not None else None,
    )


def duration_regression_alert(job: JobDefinition, health: HealthSummary) -> AlertRecord | None:
    """P3: the latest outcome run took more than 1.5x its baseline and a minute more."""
    ratio = health.duration_regression
    if not health.duration_regressed or ratio is None:
        return None
    last = health.last_run
    return AlertRecord(
        kind=AlertKind.DURATION_REGRESSION,
        severity=AlertSeverity.P3,
        job_id=job.job_id,
        title=f"{job.name}: {ratio:.1f}x slower than usual",
        detail=(
            f"The latest run took {health.latest_duration_seconds:.0f} s against a baseline of "
            f"{health.duration_baseline_seconds:.0f} s."
        ),
        remediation=(
            "Compare the run with a usual one: more input data, a changed definition, a smaller "
            "cluster or skew in one task; then resize or fix the slow task."
        ),
        first_seen_at=last.start_time if last is not None else None,
        magnitude=ratio,
        run_id=last.run_id if last is not None else None,
    )


def sla_breached_alert(
    job: JobDefinition,
    *,
    breaches: int,
    finished_runs: int,
    target_seconds: int,
    latest_breach_run_id: int | None,
    first_breach_at: datetime | None,
) -> AlertRecord | None:
    """P2: runs in the window took longer than the job's target."""
    if breaches <= 0:
        return None
    return AlertRecord(
        kind=AlertKind.SLA_BREACHED,
        severity=AlertSeverity.P2,
        job_id=job.job_id,
        title=f"{job.name}: {breaches} of {finished_runs} runs over target",
        detail=f"{breaches} runs took longer than the {target_seconds} s target.",
        remediation=(
            "Find what made those runs long (input size, queueing, a slow task) or agree a "
            "realistic target with its users and set it."
        ),
        first_seen_at=first_breach_at,
        magnitude=float(breaches),
        run_id=latest_breach_run_id,
    )


def sla_running_alert(
    job: JobDefinition,
    *,
    run_id: int,
    started_at: datetime,
    elapsed_seconds: float,
    target_seconds: int,
) -> AlertRecord:
    """A run going now past 80 % of its target (P2) or past the target (P1)."""
    ratio = elapsed_seconds / target_seconds
    past = ratio > 1
    return AlertRecord(
        kind=AlertKind.SLA_AT_RISK,
        severity=AlertSeverity.P1 if past else AlertSeverity.P2,
        job_id=job.job_id,
        title=(
            f"{job.name}: running {ratio:.0%} of its target"
            if not past
            else f"{job.name}: running past its target"
        ),
        detail=(
            f"Run {run_id} has run {elapsed_seconds / 60:.0f} min of a "
            f"{target_seconds / 60:.0f} min target."
        ),
        remediation=(
            "Check whether it is stuck (no task progress) or slow (a large input); tell its "
            "consumers if it will land late."
        ),
        first_seen_at=started_at,
        magnitude=ratio,
        run_id=run_id,
    )


def cost_anomaly_alert(job: JobDefinition, facts: CostAnomalyFacts) -> AlertRecord:
    """P3: a run cost more than twice its job's usual; the likely cause in words."""
    causes = anomaly_cause_phrases(facts)
    because = f" Likely cause: {'; '.join(causes)}." if causes else ""
    return AlertRecord(
        kind=AlertKind.COST_ANOMALY,
        severity=AlertSeverity.P3,
        job_id=job.job_id,
        title=f"{job.name}: a run cost {facts.ratio:.1f}x its usual",
        detail=(
            f"Run {facts.run_id} cost ${facts.list_cost_usd:,.2f} at list price against a p90 of "
            f"${facts.baseline_p90_cost_usd:,.2f}.{because}"
        ),
        remediation=(
            "Review the change that came with it; if the new cost is intended, nothing to do, "
            "else revert the change or resize the compute."
        ),
        first_seen_at=facts.start_time,
        magnitude=facts.ratio,
        run_id=facts.run_id,
    )


def zombie_job_alert(
    job: JobDefinition, reason: ZombieReason, spend: JobCostSummary
) -> AlertRecord:
    """P3: a scheduled job keeps spending without a useful result."""
    why = (
        f"None of its {spend.runs} runs in the window succeeded."
        if reason is ZombieReason.NO_SUCCESSFUL_RUN
        else f"Each of its {spend.runs} runs in the window ended within {ZOMBIE_RUN_SECONDS:.0f} s."
    )
    return AlertRecord(
        kind=AlertKind.ZOMBIE_JOB,
        severity=AlertSeverity.P3,
        job_id=job.job_id,
        title=f"{job.name}: spending without a useful result",
        detail=f"{why} It spent ${spend.list_cost_usd:,.2f} in the window.",
        remediation="Pause its schedule or delete the job if nobody needs it; else fix it.",
        first_seen_at=None,
        magnitude=spend.list_cost_usd,
    )


def budget_alert(standing: BudgetStanding, job_names: dict[int, str]) -> AlertRecord | None:
    """A budget breached this month (P2), or on pace to be by the month's end (P3). The magnitude
    is the share of the budget spent (breached) or forecast (at pace): a bigger overrun comes back
    after an acknowledgement."""
    if standing.status is BudgetStatus.WITHIN or not standing.job_ids:
        return None
    setting = standing.setting
    team = setting.scope.team
    costliest = standing.job_ids[0]
    subject = f"team {team}" if team is not None else job_names.get(costliest, f"job {costliest}")
    spent = f"${standing.month_to_date_usd:,.2f} of its ${setting.monthly_usd:,.2f} monthly budget"
    partial = "" if standing.covers_all_jobs else " (over the team's jobs you can see)"
    if standing.status is BudgetStatus.BREACHED:
        return AlertRecord(
            kind=AlertKind.BUDGET_BREACHED,
            severity=AlertSeverity.P2,
            job_id=costliest,
            title=f"{subject}: over its monthly budget ({standing.used_share:.0%})",
            detail=f"Spent {spent} since {standing.month_start:%B %d}{partial}.",
            remediation=(
                "Find the runs that cost most this month (the costs page, by job) and cut or "
                "resize them, or raise the budget if the spend is intended."
            ),
            first_seen_at=None,
            magnitude=standing.used_share,
            team=team,
            job_ids=standing.job_ids if team is not None else (),
        )
    return AlertRecord(
        kind=AlertKind.BUDGET_FORECAST_TO_BREACH,
        severity=AlertSeverity.P3,
        job_id=costliest,
        title=f"{subject}: on pace to exceed its monthly budget ({standing.forecast_share:.0%})",
        detail=(
            f"Spent {spent}{partial}; at this pace the month ends at ${standing.forecast_usd:,.2f}."
        ),
        remediation=(
            "Look at what grew this month (cost anomalies, longer runs, more runs) before it "
            "crosses the budget, or raise the budget if the growth is intended."
        ),
        first_seen_at=None,
        magnitude=standing.forecast_share,
        team=team,
        job_ids=standing.job_ids if team is not None else (),
    )


def over_provisioned_alert(
    job: JobDefinition, utilization: Utilization, thresholds: OverProvisioningThresholds
) -> AlertRecord | None:
    """P3: the job's workers sat mostly idle over enough runs and a smaller cluster would carry
    their busiest minute (the utilisation's OVER_PROVISIONED finding); the resize and what it saves
    a month at list price. The magnitude is that saving in USD."""
    if not isinstance(utilization, MeasuredUtilization):
        return None
    finding = next(
        (found for found in utilization.findings if found.kind is FindingKind.OVER_PROVISIONED),
        None,
    )
    if finding is None:
        return None
    facts = utilization.facts
    saving = finding.estimated_monthly_saving_usd or 0.0
    idle = (facts.underused_minute_share or 0.0) * 100
    return AlertRecord(
        kind=AlertKind.OVER_PROVISIONED,
        severity=AlertSeverity.P3,
        job_id=job.job_id,
        title=f"{job.name}: over-provisioned, about ${saving:,.0f} a month to save",
        detail=(
            f"Its workers stayed under {thresholds.cpu_percent:g} % CPU and "
            f"{thresholds.memory_percent:g} % memory in {idle:.0f} % of "
            f"{facts.worker_minutes:,} worker run-minutes over {facts.runs_observed} runs in the "
            f"last {_span(utilization.window)}."
        ),
        # The finding's own words: the resize, the peak it still carries and the saving, as the
        # utilisation API says them.
        remediation=finding.recommendation.summary,
        first_seen_at=facts.first_observed_at,
        magnitude=saving,
    )


def row_count_alert(
    job: JobDefinition, tables: tuple[TableOutputRecord, ...], window: Window
) -> AlertRecord | None:
    """The job wrote a number of rows far off its baseline, or none, to a table over the window:
    P2 when a table's latest write is such a write (the data is wrong now), P3 when only earlier
    ones were. About the table with the latest of them; the magnitude is how many such writes
    there were (more comes back)."""
    odd = [(table, write) for table in tables for write in table.writes if write.anomaly]
    if not odd:
        return None
    table, write = max(odd, key=lambda pair: (pair[1].committed_at, pair[1].version))
    first = min(found.committed_at for _, found in odd)
    now = any(t.latest_write is not None and t.latest_write.anomaly for t in tables)
    name = _short(table.table_name)
    run = f"run {write.job_run_id}" if write.job_run_id is not None else "a run"
    if write.empty_run:
        what = f"{run} wrote no rows to {name}"
        step = (
            f"Check that {run}'s input had arrived when it started (its source tables, or the "
            f"file that triggered it), then rerun it: {table.table_name} lacks that run's data."
        )
    else:
        delta = write.delta_percent or 0.0
        direction = "below" if delta < 0 else "above"
        baseline = write.baseline_rows or 0.0
        what = (
            f"{run} wrote {write.rows or 0:,} rows to {name}, {abs(delta):.0f} % {direction} the "
            f"median of its previous writes ({baseline:,.0f})"
        )
        step = (
            f"Compare {run}'s input with the previous runs' (a source that arrived late or only in "
            f"part, a filter that changed); if the data is short, rerun once the input is complete."
            if delta < 0
            else f"Check {run}'s input for duplicates or a replayed batch before downstream jobs "
            f"read {table.table_name}."
        )
    return AlertRecord(
        kind=AlertKind.ROW_COUNT_ANOMALY,
        severity=AlertSeverity.P2 if now else AlertSeverity.P3,
        job_id=job.job_id,
        title=f"{job.name}: {what}",
        detail=(
            f"{len(odd)} of its writes in the last {_span(window)} were off their baseline by more "
            "than the threshold or empty, the latest at "
            f"{write.committed_at:%Y-%m-%d %H:%M} UTC (version {write.version} of "
            f"{table.table_name})."
        ),
        remediation=step,
        first_seen_at=first,
        magnitude=float(len(odd)),
        run_id=write.job_run_id,
    )


BREAKING_CHANGES = frozenset(
    {SchemaChangeKind.DROPPED, SchemaChangeKind.RENAMED, SchemaChangeKind.RETYPED}
)
"""Changes that break a reader selecting the column: an added column breaks nobody's query."""


def schema_drift_alert(
    job: JobDefinition, changes: tuple[SchemaChangeRecord, ...], window: Window
) -> AlertRecord | None:
    """Columns of tables the job reads or writes changed over the window: P2 when one was
    dropped, renamed or retyped, P3 when columns were only added. The magnitude is the number of
    changes (another one comes back)."""
    if not changes:
        return None
    breaking = [change for change in changes if change.kind in BREAKING_CHANGES]
    newest = max(changes, key=lambda change: change.changed_at)
    listed = "; ".join(_described(change) for change in sorted(changes, key=_when)[:5])
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    tables = sorted({change.table_name for change in changes})
    if breaking:
        step = (
            f"Check the job's queries and its readers for the changed columns of "
            f"{', '.join(tables)}: a dropped or renamed column fails a SELECT that names it, a "
            "retyped one can fail a cast or a join; update them, or restore the column."
        )
    else:
        step = (
            f"New columns in {', '.join(tables)}: nothing breaks, but check whether the job "
            "should read or fill them."
        )
    return AlertRecord(
        kind=AlertKind.SCHEMA_DRIFT,
        severity=AlertSeverity.P2 if breaking else AlertSeverity.P3,
        job_id=job.job_id,
        title=(
            f"{job.name}: {len(changes)} column change{'s' if len(changes) != 1 else ''} in "
            f"{_short(newest.table_name)}"
            + (
                f" and {len(tables) - 1} other table{'s' if len(tables) > 2 else ''}"
                if len(tables) > 1
                else ""
            )
        ),
        detail=f"In the last {_span(window)}: {listed}{more}.",
        remediation=step,
        first_seen_at=min(change.changed_at for change in changes),
        magnitude=float(len(changes)),
    )


def _when(change: SchemaChangeRecord) -> tuple[datetime, int]:
    return change.changed_at, change.version if change.version is not None else -1


def _described(change: SchemaChangeRecord) -> str:
    at = (
        f"version {change.version}"
        if change.version is not None
        else f"found {change.changed_at:%Y-%m-%d}"
    )
    column = f"`{change.column}` of {_short(change.table_name)}"
    match change.kind:
        case SchemaChangeKind.ADDED:
            text = f"{column} added" + (f" ({change.data_type})" if change.data_type else "")
        case SchemaChangeKind.DROPPED:
            text = f"{column} dropped"
        case SchemaChangeKind.RENAMED:
            text = f"{column} renamed to `{change.new_name}`"
        case SchemaChangeKind.RETYPED:
            before = f" from {change.previous_type}" if change.previous_type else ""
            text = f"{column} retyped{before} to {change.data_type}"
    return f"{text} ({at})"


def _short(table_name: str) -> str:
    """A table's own name, without its catalog and schema."""
    return table_name.rsplit(".", 1)[-1]


def _span(window: Window) -> str:
    days = window.duration.days
    return f"{days} days" if days > 1 else "24 hours"


SEVERITY_ORDER = {AlertSeverity.P1: 0, AlertSeverity.P2: 1, AlertSeverity.P3: 2}


def ordered(alerts: list[AlertRecord]) -> list[AlertRecord]:
    """P1 first, then P2, then P3; within a severity the worst first, then by id."""
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER[a.severity], -a.magnitude, a.alert_id))
