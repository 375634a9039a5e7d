"""Alerts over exactly the viewer's jobs, from figures the other services already compute.

The windows are fixed, since an alert is about now: failure streaks over the last 30 days,
success rate and duration regressions over the last 7 days, SLA breaches over the last 24 hours,
cost anomalies over the last 7 days, zombie jobs over the last 30 days, over-provisioned jobs over
the last 7 days, and the runs going now for runs at risk of their target; row-count anomalies (the
last 7 days' writes) and schema drift (the last 30 days) come from the latest sweep of what jobs
write, recorded in the state by the bundle's hourly job (`services.outputs.sweep`). Every input
is a cached statement shared by every viewer (or the viewer's own active runs, or the
utilisation's one batch over the viewer's jobs, or the state's one row of the sweep), cut to the
viewer's jobs, so a page of alerts costs what the overview costs and the over-provisioned list
beside it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from job_monitor.backend.domain.alerts import (
    Acknowledgement,
    AlertKind,
    AlertRecord,
    AlertSeverity,
    budget_alert,
    cost_anomaly_alert,
    duration_regression_alert,
    failure_streak_alert,
    is_silenced,
    low_success_rate_alert,
    ordered,
    over_provisioned_alert,
    row_count_alert,
    schema_drift_alert,
    sla_breached_alert,
    sla_running_alert,
    zombie_job_alert,
)
from job_monitor.backend.domain.budgets import BudgetStanding
from job_monitor.backend.domain.errors import (
    InvalidFilterError,
    JobMonitorError,
    NotFoundError,
    UnauthenticatedError,
    UpstreamUnavailableError,
    WarehouseQueryFailedError,
    WarehouseUnavailableError,
)
from job_monitor.backend.domain.health import P1_FAILURE_STREAK
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.outputs import DataFindings
from job_monitor.backend.domain.runs import RunRecord
from job_monitor.backend.domain.sla import AT_RISK_RATIO, sla_target
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services import budgets, costs, sla, utilization
from job_monitor.backend.services.jobs import health_by_window
from job_monitor.backend.services.outputs import ROW_COUNT_WINDOW, SCHEMA_DRIFT_WINDOW
from job_monitor.backend.services.runs import live_runs
from job_monitor.backend.services.session import Session

logger = logging.getLogger(__name__)
audit = logging.getLogger("job_monitor.audit")

STREAK_WINDOW = Window.LAST_30_DAYS
"""Failure streaks are counted over this window: a long streak keeps its true start longer."""
HEALTH_WINDOW = Window.LAST_7_DAYS
SLA_WINDOW = Window.LAST_24_HOURS
ANOMALY_WINDOW = Window.LAST_7_DAYS
ZOMBIE_WINDOW = Window.LAST_30_DAYS
UTILIZATION_WINDOW = Window.LAST_7_DAYS
"""Over-provisioning is judged over this window: the utilisation page's default, and long enough
for a daily job's `min_runs`."""


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Which alerts: every condition given must hold; empty means any."""

    severities: frozenset[AlertSeverity] = frozenset()
    kinds: frozenset[AlertKind] = frozenset()
    job_ids: frozenset[int] = frozenset()
    team: str | None = None
    team_tag: str = "team"
    include_acknowledged: bool = False

    def matches(self, alert: AlertRecord, catalog: Mapping[int, JobDefinition]) -> bool:
        return (
            (not self.severities or alert.severity in self.severities)
            and (not self.kinds or alert.kind in self.kinds)
            and (not self.job_ids or not self.job_ids.isdisjoint(alert.jobs))
            and (self.team is None or self._about_team(alert, catalog))
        )

    def _about_team(self, alert: AlertRecord, catalog: Mapping[int, JobDefinition]) -> bool:
        wanted = self.team or ""
        if alert.team is not None:
            return alert.team == wanted.strip().lower()
        return catalog[alert.job_id].belongs_to_team(self.team_tag, wanted)


@dataclass(frozen=True, slots=True)
class AlertList:
    alerts: tuple[AlertRecord, ...]
    """Those matching the query; acknowledged ones only when it asks for them."""
    jobs: Mapping[int, JobDefinition]
    acknowledgements: Mapping[str, Acknowledgement]
    """The acknowledgements in force, by alert id (silencing or not)."""
    silenced: int
    """Alerts matching the query that an acknowledgement keeps quiet."""
    live_missing: UpstreamUnavailableError | None
    """Why runs going now could not be judged (the Jobs API could not be read), if so."""
    state_missing: JobMonitorError | None
    """Why budgets and acknowledgements could not be read (the state tables), if so: budget
    alerts are then missing and acknowledged alerts show as new."""


@dataclass(frozen=True, slots=True)
class _EveryAlert:
    alerts: tuple[AlertRecord, ...]
    jobs: Mapping[int, JobDefinition]
    acknowledgements: Mapping[str, Acknowledgement]
    live_missing: UpstreamUnavailableError | None
    state_missing: JobMonitorError | None


async def alerts(session: Session, query: AlertQuery) -> AlertList:
    """The viewer's alerts matching the query, P1 first; silenced ones left out unless asked."""
    visible = await session.visible()
    key = ("alerts", visible.job_ids if visible.restricted else None, visible.index_state)
    every = await session.services.alert_lists.get_or_load(key, lambda: _every_alert(session))
    matching = [alert for alert in every.alerts if query.matches(alert, every.jobs)]
    acks = every.acknowledgements
    quiet = {
        alert.alert_id
        for alert in matching
        if is_silenced(alert, acks.get(alert.alert_id), session.now)
    }
    kept = [
        alert for alert in matching if query.include_acknowledged or alert.alert_id not in quiet
    ]
    return AlertList(
        alerts=tuple(kept),
        jobs=every.jobs,
        acknowledgements=acks,
        silenced=len(quiet),
        live_missing=every.live_missing,
        state_missing=every.state_missing,
    )


async def _every_alert(session: Session) -> _EveryAlert:
    """Every alert over the viewer's jobs, P1 first, with the acknowledgements in force."""
    catalog = await session.catalog()
    state = asyncio.ensure_future(_state_of_alerts(session))
    try:
        streaks, healths, counts, spending, live = await asyncio.gather(
            health_by_window(session, STREAK_WINDOW),
            health_by_window(session, HEALTH_WINDOW),
            sla.sla_counts(session, SLA_WINDOW),
            _spending_alerts(session, catalog),
            live_runs(session),
        )
    except BaseException:
        state.cancel()
        raise
    standings, acks, findings, state_missing = await state
    found: list[AlertRecord] = []
    for job_id, job in catalog.items():
        streak = streaks.get(job_id)
        failing = streak is not None and streak.failure_streak >= P1_FAILURE_STREAK
        if streak is not None:
            streak_alert = failure_streak_alert(
                job,
                streak,
                streak_started_at=streak.failure_streak_started_at,
                termination_code=streak.latest_failure_code,
                latest_failed_run_id=streak.latest_failure_run_id,
            )
            if streak_alert is not None:
                found.append(streak_alert)
        health = healths.get(job_id)
        if health is not None:
            found.extend(
                alert
                for alert in (
                    None if failing else low_success_rate_alert(job, health),
                    duration_regression_alert(job, health),
                )
                if alert is not None
            )
        target = sla_target(job)
        count = counts.get(job_id)
        if target is not None and count is not None:
            breached = sla_breached_alert(
                job,
                breaches=count.breaches,
                finished_runs=count.finished,
                target_seconds=target,
                latest_breach_run_id=None,
                first_breach_at=None,
            )
            if breached is not None:
                found.append(breached)
    found.extend(spending)
    found.extend(_data_alerts(findings, catalog))
    found.extend(_running_alerts(catalog, live.by_id.values(), session))
    names = {job_id: job.name for job_id, job in catalog.items()}
    found.extend(
        alert for standing in standings if (alert := budget_alert(standing, names)) is not None
    )
    return _EveryAlert(
        alerts=tuple(ordered(found)),
        jobs=catalog,
        acknowledgements=acks,
        live_missing=live.missing,
        state_missing=state_missing,
    )


async def _spending_alerts(
    session: Session, catalog: Mapping[int, JobDefinition]
) -> list[AlertRecord]:
    """Money spent for nothing or more than needed: cost anomalies, zombie jobs and
    over-provisioned jobs over the viewer's jobs."""
    anomalies, zombies, wasteful = await asyncio.gather(
        costs.anomalies(session, ANOMALY_WINDOW, costs.MAX_ANOMALIES),
        costs.zombie_jobs(session, ZOMBIE_WINDOW),
        utilization.every_over_provisioned_job(session, UTILIZATION_WINDOW),
    )
    found: list[AlertRecord] = []
    # The costliest anomaly of each job stands for the job's (ordered largest excess first).
    seen: set[int] = set()
    for facts in anomalies:
        costly = catalog.get(facts.job_id)
        if costly is not None and facts.job_id not in seen:
            seen.add(facts.job_id)
            found.append(cost_anomaly_alert(costly, facts))
    found.extend(zombie_job_alert(zombie.job, zombie.reason, zombie.spend) for zombie in zombies)
    thresholds = session.settings.overprovisioning
    found.extend(
        alert
        for view in wasteful
        if (alert := over_provisioned_alert(view.job, view.utilization, thresholds)) is not None
    )
    return found


async def _state_of_alerts(
    session: Session,
) -> tuple[
    list[BudgetStanding], Mapping[str, Acknowledgement], DataFindings | None, JobMonitorError | None
]:
    """Budgets against this month, the acknowledgements in force and the latest sweep of what
    jobs write; when the state tables cannot be read, none, and why (alerts from the system
    tables still answer)."""
    try:
        state = await session.state()
        standings, acks, findings = await asyncio.gather(
            budgets.standings(session), state.acknowledgements(session.now), state.data_findings()
        )
    except (UpstreamUnavailableError, WarehouseUnavailableError, WarehouseQueryFailedError) as e:
        logger.warning("alerts without budgets and acknowledgements: %s", e.message)
        return [], {}, None, e
    return standings, acks, findings, None


def _data_alerts(
    findings: DataFindings | None, catalog: Mapping[int, JobDefinition]
) -> list[AlertRecord]:
    """Row-count anomalies and schema drift of the viewer's jobs, from the latest sweep (the
    bundle's hourly job: a request reads no table's history for alerts)."""
    if findings is None:
        return []
    found: list[AlertRecord] = []
    for job_id, job_findings in findings.jobs.items():
        job = catalog.get(job_id)
        if job is None:
            continue
        found.extend(
            alert
            for alert in (
                row_count_alert(job, job_findings.tables, ROW_COUNT_WINDOW),
                schema_drift_alert(job, job_findings.schema_changes, SCHEMA_DRIFT_WINDOW),
            )
            if alert is not None
        )
    return found


async def find_alert(session: Session, alert_id: str) -> tuple[AlertRecord, AlertList]:
    """One of the viewer's alerts as it stands now (acknowledged or not), or `NotFoundError`: also
    for an alert about a job they may not see, and one whose condition has cleared."""
    found = await alerts(session, AlertQuery(include_acknowledged=True))
    for alert in found.alerts:
        if alert.alert_id == alert_id:
            return alert, found
    raise NotFoundError("alert", alert_id)


MAX_ACKNOWLEDGE = timedelta(days=30)
"""An acknowledgement lasts at most this long: a forgotten one must not hide an alert forever."""


async def acknowledge(
    session: Session, alert_id: str, until: datetime
) -> tuple[AlertRecord, Acknowledgement]:
    """Acknowledges one of the viewer's alerts until `until`, at its magnitude now: it stays quiet
    until then unless it worsens. Anyone who sees the alert's job may; everyone who does sees
    who did."""
    moment = until if until.tzinfo is not None else until.replace(tzinfo=UTC)
    if moment <= session.now or moment > session.now + MAX_ACKNOWLEDGE:
        raise InvalidFilterError(
            "until", "must be in the future and at most 30 days from now (an ISO-8601 time)"
        )
    viewer = await session.viewer()
    if viewer is None:
        raise UnauthenticatedError()
    alert, _ = await find_alert(session, alert_id)
    ack = Acknowledgement(
        alert_id=alert.alert_id,
        by=viewer.user_name,
        at=session.now,
        until=moment,
        magnitude=alert.magnitude,
    )
    await (await session.state()).acknowledge(ack)
    session.services.alert_lists.clear()
    audit.info(
        "alert %s acknowledged by %s until %s (request %s)",
        alert_id,
        viewer.user_name,
        moment.isoformat(),
        session.request_id,
        extra={"audit": "alert_acknowledged", "actor": viewer.user_name, "alert_id": alert_id},
    )
    return alert, ack


async def unacknowledge(session: Session, alert_id: str) -> AlertRecord:
    """Removes the acknowledgement of one of the viewer's alerts (there may be none)."""
    viewer = await session.viewer()
    if viewer is None:
        raise UnauthenticatedError()
    alert, _ = await find_alert(session, alert_id)
    await (await session.state()).unacknowledge(alert.alert_id)
    session.services.alert_lists.clear()
    audit.info(
        "alert %s unacknowledged by %s (request %s)",
        alert_id,
        viewer.user_name,
        session.request_id,
        extra={"audit": "alert_unacknowledged", "actor": viewer.user_name, "alert_id": alert_id},
    )
    return alert


def _running_alerts(
    catalog: Mapping[int, JobDefinition], runs: Iterable[RunRecord], session: Session
) -> list[AlertRecord]:
    """One alert per job with a run going now past 80 % of its target: its run furthest past."""
    worst: dict[int, AlertRecord] = {}
    for run in runs:
        job = catalog.get(run.job_id) if run.job_id is not None else None
        target = sla_target(job) if job is not None else None
        elapsed = run.elapsed_seconds(session.now)
        if job is None or target is None or elapsed is None or elapsed <= AT_RISK_RATIO * target:
            continue
        alert = sla_running_alert(
            job,
            run_id=run.run_id,
            started_at=run.start_time,
            elapsed_seconds=elapsed,
            target_seconds=target,
        )
        known = worst.get(job.job_id)
        if known is None or alert.magnitude > known.magnitude:
            worst[job.job_id] = alert
    return list(worst.values())
