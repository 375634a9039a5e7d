"""Alerts over exactly the viewer's jobs, from figures the other services already compute.

The windows are fixed, since an alert is about now: failure streaks over the last 30 days,
success rate and duration regressions over the last 7 days, SLA breaches over the last 24 hours,
cost anomalies over the last 7 days, zombie jobs over the last 30 days, and the runs going now for
runs at risk of their target. Every input is a cached statement shared by every viewer (or the
viewer's own active runs), cut to the viewer's jobs, so a page of alerts costs what the overview
costs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from job_monitor.backend.domain.alerts import (
    AlertKind,
    AlertRecord,
    AlertSeverity,
    cost_anomaly_alert,
    duration_regression_alert,
    failure_streak_alert,
    low_success_rate_alert,
    ordered,
    sla_breached_alert,
    sla_running_alert,
    zombie_job_alert,
)
from job_monitor.backend.domain.errors import UpstreamUnavailableError
from job_monitor.backend.domain.health import P1_FAILURE_STREAK
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.runs import RunRecord
from job_monitor.backend.domain.sla import AT_RISK_RATIO, sla_target
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services import costs, sla
from job_monitor.backend.services.jobs import health_by_window
from job_monitor.backend.services.runs import live_runs
from job_monitor.backend.services.session import Session

STREAK_WINDOW = Window.LAST_30_DAYS
"""Failure streaks are counted over this window: a long streak keeps its true start longer."""
HEALTH_WINDOW = Window.LAST_7_DAYS
SLA_WINDOW = Window.LAST_24_HOURS
ANOMALY_WINDOW = Window.LAST_7_DAYS
ZOMBIE_WINDOW = Window.LAST_30_DAYS


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Which alerts: every condition given must hold; empty means any."""

    severities: frozenset[AlertSeverity] = frozenset()
    kinds: frozenset[AlertKind] = frozenset()
    job_ids: frozenset[int] = frozenset()
    team: str | None = None
    team_tag: str = "team"

    def matches(self, alert: AlertRecord, job: JobDefinition) -> bool:
        team = job.team_of(self.team_tag)
        return (
            (not self.severities or alert.severity in self.severities)
            and (not self.kinds or alert.kind in self.kinds)
            and (not self.job_ids or alert.job_id in self.job_ids)
            and (
                self.team is None
                or (team is not None and team.lower() == self.team.strip().lower())
            )
        )


@dataclass(frozen=True, slots=True)
class AlertList:
    alerts: tuple[AlertRecord, ...]
    jobs: Mapping[int, JobDefinition]
    live_missing: UpstreamUnavailableError | None
    """Why runs going now could not be judged (the Jobs API could not be read), if so."""


async def alerts(session: Session, query: AlertQuery) -> AlertList:
    """The viewer's alerts matching the query, P1 first."""
    catalog = await session.catalog()
    streaks, healths, counts, anomalies, zombies, live = await asyncio.gather(
        health_by_window(session, STREAK_WINDOW),
        health_by_window(session, HEALTH_WINDOW),
        sla.sla_counts(session, SLA_WINDOW),
        costs.anomalies(session, ANOMALY_WINDOW, costs.MAX_ANOMALIES),
        costs.zombie_jobs(session, ZOMBIE_WINDOW),
        live_runs(session),
    )
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
    # The costliest anomaly of each job stands for the job's (ordered largest excess first).
    seen: set[int] = set()
    for facts in anomalies:
        costly = catalog.get(facts.job_id)
        if costly is not None and facts.job_id not in seen:
            seen.add(facts.job_id)
            found.append(cost_anomaly_alert(costly, facts))
    found.extend(zombie_job_alert(zombie.job, zombie.reason, zombie.spend) for zombie in zombies)
    found.extend(_running_alerts(catalog, live.by_id.values(), session))
    kept = [alert for alert in found if query.matches(alert, catalog[alert.job_id])]
    return AlertList(tuple(ordered(kept)), catalog, live.missing)


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
