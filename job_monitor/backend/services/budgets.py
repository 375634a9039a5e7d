"""Monthly budgets per job or team: who may set them, and this month's spend against them, over
exactly the viewer's jobs.

A job budget is seen by whoever sees the job. A team budget is seen by whoever sees at least one
of the team's jobs, measured over the jobs they see (`covers_all_jobs` says when that is not all of
the team's): a viewer never learns the spend of a job they may not view.

Who may change a budget: for a job, admins and holders of CAN_MANAGE (or IS_OWNER) on it, read from
the job's ACL now; for a team, admins (a team's budget limits jobs other people manage). The app's
service principal writes the state table once the viewer's permission is checked.

Statements: the budgets (one short read, kept seconds) and every job's spend this month (one cached
statement shared by every viewer); the data-through time of billing (cached) for the forecast.
"""

from __future__ import annotations

import asyncio
import logging

from job_monitor.backend.domain.budgets import (
    BudgetScope,
    BudgetScopeKind,
    BudgetSetting,
    BudgetStanding,
    month_start,
    standing,
    valid_monthly_usd,
)
from job_monitor.backend.domain.errors import (
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.services.session import Session
from job_monitor.backend.services.sla_changes import viewer_may_manage

audit = logging.getLogger("job_monitor.audit")


async def standings(session: Session) -> list[BudgetStanding]:
    """The viewer's budgets (those of their jobs and of teams they have jobs in) against this
    month's spend, the most used first."""
    settings = await (await session.state()).budgets()
    return await _standings(session, list(settings.values()))


async def _standings(session: Session, settings: list[BudgetSetting]) -> list[BudgetStanding]:
    """These budgets over the viewer's jobs against this month's spend, the most used first; a
    budget of none of their jobs is left out."""
    if not settings:
        return []
    history = await session.history()
    catalog, spend, data_through, visible = await asyncio.gather(
        session.catalog(),
        history.month_spend_by_job(month_start(session.now)),
        history.billing_data_through(session.now),
        session.visible(),
    )
    every_job = catalog if not visible.restricted else await history.job_catalog(now=session.now)
    tag = session.settings.team_tag
    found: list[BudgetStanding] = []
    for setting in settings:
        scope = setting.scope
        if scope.kind is BudgetScopeKind.JOB:
            mine = [scope.job_id] if scope.job_id in catalog else []
            covers_all = True
        else:
            mine = [job_id for job_id, job in catalog.items() if _in_team(job, scope, tag)]
            team_size = sum(1 for job in every_job.values() if _in_team(job, scope, tag))
            covers_all = len(mine) == team_size
        jobs = tuple(
            sorted(
                (job_id for job_id in mine if job_id is not None),
                key=lambda job_id: (-spend.get(job_id, 0.0), job_id),
            )
        )
        if not jobs:
            continue
        month_to_date = sum(spend.get(job_id, 0.0) for job_id in jobs)
        found.append(
            standing(
                setting,
                month_to_date,
                session.now,
                data_through,
                covers_all_jobs=covers_all,
                job_ids=jobs,
            )
        )
    return sorted(found, key=lambda s: (-s.used_share, s.setting.scope.key))


def _in_team(job: JobDefinition, scope: BudgetScope, tag: str) -> bool:
    return job.belongs_to_team(tag, scope.key)


async def job_budget(session: Session, job_id: int) -> BudgetStanding | None:
    """The job's own budget against this month's spend; None when it has none."""
    for found in await standings(session):
        if found.setting.scope == BudgetScope.of_job(job_id):
            return found
    return None


async def set_budget(session: Session, scope: BudgetScope, monthly_usd: float) -> BudgetStanding:
    """Sets the scope's monthly budget, once the viewer may."""
    amount = valid_monthly_usd(monthly_usd)
    user = await _check_may_change(session, scope)
    setting = BudgetSetting(scope=scope, monthly_usd=amount, set_by=user, set_at=session.now)
    state = await session.state()
    await state.set_budget(setting)
    session.services.alert_lists.clear()
    _audit(session, "set", user, scope, amount)
    # From the setting written, not read back: another write may land between.
    found = await _standings(session, [setting])
    if not found:
        # The job was deleted, or the team lost its last job the viewer sees, meanwhile.
        raise NotFoundError("job" if scope.job_id is not None else "team", scope.key)
    return found[0]


async def clear_budget(session: Session, scope: BudgetScope) -> bool:
    """Removes the scope's budget, once the viewer may; False when it had none."""
    user = await _check_may_change(session, scope)
    cleared = await (await session.state()).clear_budget(scope)
    session.services.alert_lists.clear()
    _audit(session, "cleared" if cleared else "absent", user, scope, None)
    return cleared


async def _check_may_change(session: Session, scope: BudgetScope) -> str:
    """The viewer's user name, or why they may not change the budget: `NotFoundError` for a job
    they may not see (as for one that does not exist), `PermissionDeniedError` otherwise."""
    if scope.kind is BudgetScopeKind.JOB and scope.job_id is not None:
        viewer, allowed = await viewer_may_manage(session, scope.job_id)
        if not (allowed or viewer.is_admin):
            raise PermissionDeniedError(
                f"Changing the budget of job {scope.job_id} needs CAN_MANAGE or IS_OWNER on the "
                f"job; {viewer.user_name} holds neither. Ask the job's owner for CAN_MANAGE.",
                principal="VIEWER",
                required=("CAN_MANAGE", "IS_OWNER"),
            )
        return viewer.user_name
    person = await session.viewer()
    if person is None:
        raise UnauthenticatedError()
    catalog = await session.catalog()
    tag = session.settings.team_tag
    if not any(_in_team(job, scope, tag) for job in catalog.values()):
        raise NotFoundError("team", scope.key)
    if not person.is_admin:
        raise PermissionDeniedError(
            f"Changing a team's budget needs a workspace admin; {person.user_name} is not one.",
            principal="VIEWER",
            required=("admins",),
        )
    return person.user_name


def _audit(
    session: Session, action: str, user: str, scope: BudgetScope, amount: float | None
) -> None:
    audit.info(
        "budget %s by %s on %s %s: %s (request %s)",
        action,
        user,
        scope.kind.value.lower(),
        scope.key,
        amount,
        session.request_id,
        extra={
            "audit": "budget",
            "actor": user,
            "scope_kind": scope.kind.value,
            "scope_key": scope.key,
            "monthly_usd": amount,
            "action": action,
            "request_id": session.request_id,
        },
    )
