"""Reports for one session's jobs, built from what the other services already answer.

A report never reads more than its session may see: the scheduled reports take the admins' scope
(`JobServices.workspace_session`), a preview in the app the viewer's own session, and every figure
comes through the same services as the API's, cut to that session's jobs. So a report's figures are
the API's figures for the same window, answered to the same person: the daily failures are
`jobRuns` filtered to failures over the last 24 hours, the weekly spend is `costs(groupBy: TEAM,
window: LAST_7_DAYS)`, the weekly savings are `overProvisionedJobs(window: LAST_7_DAYS)`, the
monthly reliability is `overview(window: LAST_30_DAYS)`, and so on.

Windows end at the minute the report is built (the windows' own end, `history.as_of`): the last 24
hours, 7 days or 30 days, each against the window of the same length before it where a change is
told.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from job_monitor.backend.data.history import as_of
from job_monitor.backend.domain.alerts import AlertRecord, AlertSeverity
from job_monitor.backend.domain.costs import CostGrouping, JobCostSummary, anomaly_cause_phrases
from job_monitor.backend.domain.filters import RunFilter
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.reports import (
    MAX_ACTION_ITEMS,
    MAX_ANOMALY_LINES,
    MAX_DATA_ALERTS,
    MAX_FAILED_RUNS,
    MAX_OVER_PROVISIONED,
    MAX_SLA_JOBS,
    MAX_SPEND_CHANGES,
    MAX_TEAMS,
    MAX_WASTEFUL_JOBS,
    MAX_ZOMBIES,
    SLA_RUNS_PER_JOB,
    AlertDigest,
    AnomalyLine,
    BreachedRun,
    DailyHealthReport,
    FailedRun,
    JobLink,
    JobSpendChange,
    JobWaste,
    MonthlyExecutiveReport,
    RenderedReport,
    Report,
    ReportAlert,
    ReportKind,
    ReportScope,
    SavingLine,
    SlaBreachLine,
    TeamSpend,
    WeeklyCostReport,
    ZombieLine,
    action_items,
    daily_totals,
    data_alerts,
    first_seen_since,
    most_wasteful,
    over_provisioned_alerts,
    spend_changes,
)
from job_monitor.backend.domain.runs import RunState, is_failure
from job_monitor.backend.domain.utilization import saving_findings
from job_monitor.backend.reports.render import render
from job_monitor.backend.services import costs, sla, utilization
from job_monitor.backend.services.alerts import AlertQuery, alerts
from job_monitor.backend.services.overview import overview
from job_monitor.backend.services.runs import list_runs
from job_monitor.backend.services.session import Session

FAILURE_STATES = tuple(state for state in RunState if is_failure(state))
TEAM_GROUPS_READ = 1000
"""Teams read for a cost report: all of them in practice (a workspace has far fewer), since the
daily total is the sum of every team's series."""


async def build_report(session: Session, kind: ReportKind) -> Report:
    """The report of this kind over the session's jobs, its window ending now."""
    if kind is ReportKind.DAILY:
        return await daily_health(session)
    if kind is ReportKind.WEEKLY:
        return await weekly_cost(session)
    return await monthly_executive(session)


async def rendered_report(session: Session, kind: ReportKind) -> RenderedReport:
    """The report built and laid out for reading (e-mail, Slack, a file, the app's preview)."""
    return render(await build_report(session, kind))


async def alert_digest(session: Session, found: Sequence[AlertRecord]) -> AlertDigest:
    """These alerts as one delivery sends them, with links to their jobs and runs."""
    links = await _links(session)
    starts = [alert.first_seen_at for alert in found if alert.first_seen_at is not None]
    return AlertDigest(
        period_start=min(starts, default=session.now),
        period_end=session.now,
        scope=await _scope(session),
        alerts=tuple(links.alert(alert) for alert in found),
    )


async def _scope(session: Session) -> ReportScope:
    visible, catalog = await asyncio.gather(session.visible(), session.catalog())
    return ReportScope(every_job=not visible.restricted, jobs=len(catalog))


class _Links:
    """Jobs named as the session's catalog names them (deleted ones too: their spend was spent),
    with their pages in the Databricks UI."""

    def __init__(self, session: Session, catalog: Mapping[int, JobDefinition]) -> None:
        self._session = session
        self._catalog = catalog

    def job(self, job_id: int) -> JobLink:
        job = self._catalog.get(job_id)
        return JobLink(
            job_id=job_id,
            name=job.name if job is not None else f"job {job_id}",
            url=self._session.job_url(job_id),
        )

    def run_url(self, job_id: int | None, run_id: int) -> str:
        return self._session.services.run_url(job_id, run_id)

    def alert(self, alert: AlertRecord) -> ReportAlert:
        return ReportAlert(
            severity=alert.severity,
            kind=alert.kind,
            job=self.job(alert.job_id),
            title=alert.title,
            detail=alert.detail,
            remediation=alert.remediation,
            first_seen_at=alert.first_seen_at,
            run_url=self.run_url(alert.job_id, alert.run_id) if alert.run_id is not None else None,
        )


async def _links(session: Session) -> _Links:
    return _Links(session, await session.catalog(include_deleted=True))


async def daily_health(session: Session) -> DailyHealthReport:
    """The last 24 hours: failures, new P1 alerts, SLA breaches, action items, the
    over-provisioned jobs' alerts and those about what jobs write."""
    window = ReportKind.DAILY.window
    end = as_of(session.now)
    start = window.start(end)
    failures = RunFilter(states=FAILURE_STATES, started_after=start, started_before=end)
    view, failed_runs, found, counts, links, scope = await asyncio.gather(
        overview(session, window),
        list_runs(session, failures, MAX_FAILED_RUNS, None),
        alerts(session, AlertQuery()),
        sla.sla_counts(session, window),
        _links(session),
        _scope(session),
    )
    breaching = sorted(
        ((job_id, count) for job_id, count in counts.items() if count.breaches > 0),
        key=lambda entry: (-entry[1].breaches, links.job(entry[0]).name.lower(), entry[0]),
    )
    shown = breaching[:MAX_SLA_JOBS]
    latest = await sla.breaches_by_job(
        session, window, [job_id for job_id, _ in shown], SLA_RUNS_PER_JOB
    )
    # Counts exist only for jobs with a target (`sla.targets_of`).
    targets = sla.targets_of(await session.catalog())
    sla_lines = tuple(
        SlaBreachLine(
            job=links.job(job_id),
            target_seconds=targets[job_id],
            breaches=count.breaches,
            finished_runs=count.finished,
            latest=tuple(
                BreachedRun(
                    run_id=breach.run.run_id,
                    run_url=session.run_url(breach.run),
                    started_at=breach.run.start_time,
                    duration_seconds=breach.duration_seconds,
                )
                for breach in latest.get(job_id, ())
            ),
        )
        for job_id, count in shown
        if job_id in targets
    )
    p1 = [alert for alert in found.alerts if alert.severity is AlertSeverity.P1]
    todo = action_items(found.alerts)
    wasteful = over_provisioned_alerts(found.alerts)
    about_data = data_alerts(found.alerts)
    return DailyHealthReport(
        period_start=start,
        period_end=end,
        scope=scope,
        runs=view.runs,
        succeeded=view.succeeded,
        failed=view.failed,
        failing_jobs=len(view.failing_jobs),
        failures=tuple(
            FailedRun(
                job=links.job(run.job_id),
                run_id=run.run_id,
                run_url=session.run_url(run),
                state=run.state,
                termination_code=run.termination_code,
                started_at=run.start_time,
            )
            for run in failed_runs.page.runs
            # A run of no job (`runs/submit`) is known only while active, never as a failure.
            if run.job_id is not None
        ),
        failures_by_code=tuple(view.failures_by_termination_code),
        new_p1_alerts=tuple(links.alert(alert) for alert in first_seen_since(p1, start)),
        sla_breach_count=sum(count.breaches for count in counts.values()),
        jobs_over_target=len(breaching),
        sla_breaches=sla_lines,
        action_items=tuple(links.alert(alert) for alert in todo[:MAX_ACTION_ITEMS]),
        action_item_count=len(todo),
        over_provisioned=tuple(links.alert(alert) for alert in wasteful[:MAX_OVER_PROVISIONED]),
        over_provisioned_count=len(wasteful),
        data_alerts=tuple(links.alert(alert) for alert in about_data[:MAX_DATA_ALERTS]),
        data_alert_count=len(about_data),
    )


async def weekly_cost(session: Session) -> WeeklyCostReport:
    """The last 7 days against the 7 before: spend per team and per day, anomalies, waste, zombie
    jobs and what right-sizing the over-provisioned jobs would save."""
    window = ReportKind.WEEKLY.window
    end = as_of(session.now)
    spend, spends, anomalies, zombies, wasteful, links = await asyncio.gather(
        costs.breakdown(session, window, CostGrouping.TEAM, None, TEAM_GROUPS_READ),
        costs.job_costs(session, window),
        costs.anomalies(session, window, costs.MAX_ANOMALIES),
        costs.zombie_jobs(session, window),
        utilization.over_provisioned_jobs(session, window, MAX_OVER_PROVISIONED),
        _links(session),
    )
    return WeeklyCostReport(
        period_start=window.start(end),
        period_end=end,
        scope=await _scope(session),
        list_cost_usd=spend.list_cost_usd,
        previous_list_cost_usd=spend.previous_list_cost_usd,
        unattributed_usd=spend.unattributed_usd,
        teams=tuple(
            TeamSpend(group.key, group.list_cost_usd, group.previous_list_cost_usd)
            for group in spend.groups[:MAX_TEAMS]
        ),
        team_count=spend.group_count,
        daily=daily_totals(group.daily for group in spend.groups),
        anomalies=tuple(
            AnomalyLine(
                job=links.job(facts.job_id),
                run_id=facts.run_id,
                run_url=links.run_url(facts.job_id, facts.run_id),
                started_at=facts.start_time,
                list_cost_usd=facts.list_cost_usd,
                baseline_p90_cost_usd=facts.baseline_p90_cost_usd,
                likely_causes=tuple(anomaly_cause_phrases(facts)),
            )
            for facts in anomalies[:MAX_ANOMALY_LINES]
        ),
        anomaly_count=len(anomalies),
        wasted_usd=sum(job.wasted_usd for job in spends.values()),
        waste_by_job=tuple(
            JobWaste(
                job=links.job(job.job_id),
                wasted_usd=job.wasted_usd,
                list_cost_usd=job.list_cost_usd,
                runs=job.runs,
                successful_runs=job.successful_runs,
            )
            for job in most_wasteful(spends.values())[:MAX_WASTEFUL_JOBS]
        ),
        zombies=tuple(_zombie(links, zombie) for zombie in zombies[:MAX_ZOMBIES]),
        zombie_count=len(zombies),
        zombie_spend_usd=sum(zombie.spend.list_cost_usd for zombie in zombies),
        savings=tuple(
            SavingLine(
                job=links.job(view.job.job_id),
                estimated_monthly_saving_usd=view.utilization.estimated_monthly_saving_usd,
                recommendations=tuple(
                    finding.recommendation.summary for finding in saving_findings(view.utilization)
                ),
            )
            for view in wasteful.jobs
        ),
        saving_job_count=wasteful.job_count,
        estimated_monthly_saving_usd=wasteful.estimated_monthly_saving_usd,
        data_through=spend.data_through,
    )


def _zombie(links: _Links, zombie: costs.ZombieJobView) -> ZombieLine:
    return ZombieLine(
        job=links.job(zombie.job.job_id),
        reason=zombie.reason,
        list_cost_usd=zombie.spend.list_cost_usd,
        runs=zombie.spend.runs,
    )


async def monthly_executive(session: Session) -> MonthlyExecutiveReport:
    """The last 30 days against the 30 before: spend and its trend, reliability, the biggest
    changes in spend by job and what they and the zombie jobs come to."""
    window = ReportKind.MONTHLY.window
    end = as_of(session.now)
    health, spend, spends, zombies, breaches, links = await asyncio.gather(
        overview(session, window),
        costs.breakdown(session, window, CostGrouping.TEAM, None, TEAM_GROUPS_READ),
        costs.job_costs(session, window),
        costs.zombie_jobs(session, window),
        sla.breaches_in_window(session, window),
        _links(session),
    )
    changes = spend_changes(spends.values())

    def changed(jobs: tuple[JobCostSummary, ...]) -> tuple[JobSpendChange, ...]:
        return tuple(
            JobSpendChange(
                job=links.job(job.job_id),
                list_cost_usd=job.list_cost_usd,
                previous_list_cost_usd=job.previous_list_cost_usd or 0.0,
            )
            for job in jobs[:MAX_SPEND_CHANGES]
        )

    return MonthlyExecutiveReport(
        period_start=window.start(end),
        period_end=end,
        scope=await _scope(session),
        list_cost_usd=spend.list_cost_usd,
        previous_list_cost_usd=spend.previous_list_cost_usd,
        daily=daily_totals(group.daily for group in spend.groups),
        runs=health.runs,
        succeeded=health.succeeded,
        failed=health.failed,
        jobs_failing=len(health.failing_jobs),
        jobs_in_failing_streak=health.jobs_in_failing_streak,
        sla_breach_count=breaches,
        increases=changed(changes.increases),
        decreases=changed(changes.decreases),
        increased_usd=changes.increased_usd,
        saved_usd=changes.saved_usd,
        zombies=tuple(_zombie(links, zombie) for zombie in zombies[:MAX_ZOMBIES]),
        zombie_count=len(zombies),
        zombie_spend_usd=sum(zombie.spend.list_cost_usd for zombie in zombies),
    )
