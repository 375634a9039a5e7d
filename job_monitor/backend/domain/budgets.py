"""Monthly budgets: a list-price limit per job or per team, month-to-date spend against it, and a
forecast for the month from the current pace.

Pure logic, no I/O. A month is a calendar month in UTC (billing's `usage_date` is a UTC date). The
forecast extrapolates the month so far to the whole month at the same pace, measured up to where
billing has landed (usage arrives hours late: dividing by the wall clock would under-forecast).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from job_monitor.backend.domain.errors import InvalidFilterError

MAX_MONTHLY_USD = 100_000_000.0
"""A budget above $100 M a month for one job or team is a typo."""
MIN_PACE_HOURS = 24
"""Before a day of the month has been billed, the pace says nothing: the forecast is the spend so
far (a one-hour pace extrapolated to a month would cry wolf on the 1st)."""


class BudgetScopeKind(StrEnum):
    JOB = "JOB"
    TEAM = "TEAM"


@dataclass(frozen=True, slots=True)
class BudgetScope:
    """What a budget limits: one job, or every job tagged with one team."""

    kind: BudgetScopeKind
    key: str
    """The job id, or the team name lower-cased (team tags are matched case-insensitively)."""

    @classmethod
    def of_job(cls, job_id: int) -> BudgetScope:
        return cls(BudgetScopeKind.JOB, str(job_id))

    @classmethod
    def of_team(cls, team: str) -> BudgetScope:
        name = team.strip().lower()
        if not name or len(name) > 255:
            raise InvalidFilterError("scope.team", "must be a team name of 1 to 255 characters")
        return cls(BudgetScopeKind.TEAM, name)

    @property
    def job_id(self) -> int | None:
        return int(self.key) if self.kind is BudgetScopeKind.JOB else None

    @property
    def team(self) -> str | None:
        return self.key if self.kind is BudgetScopeKind.TEAM else None


@dataclass(frozen=True, slots=True)
class BudgetSetting:
    """A budget as set, with who set it and when."""

    scope: BudgetScope
    monthly_usd: float
    set_by: str
    set_at: datetime


class BudgetStatus(StrEnum):
    WITHIN = "WITHIN"
    """Spent less than the budget, and on pace to stay under it."""
    FORECAST_TO_BREACH = "FORECAST_TO_BREACH"
    """Still under, but the month's pace ends above it."""
    BREACHED = "BREACHED"
    """The month's spend so far is above the budget."""


@dataclass(frozen=True, slots=True)
class BudgetStanding:
    """A budget against this month's spend."""

    setting: BudgetSetting
    month_start: date
    month_to_date_usd: float
    forecast_usd: float
    status: BudgetStatus
    measured_through: datetime
    """Spend is known up to here (where billing has landed, at most now)."""
    covers_all_jobs: bool
    """False for a team budget when the viewer sees only some of the team's jobs: the spend is
    theirs alone."""
    job_ids: tuple[int, ...]
    """The jobs whose spend counts (the viewer's), costliest first."""

    @property
    def used_share(self) -> float:
        """Month-to-date spend as a share of the budget."""
        return self.month_to_date_usd / self.setting.monthly_usd

    @property
    def forecast_share(self) -> float:
        return self.forecast_usd / self.setting.monthly_usd


def valid_monthly_usd(amount: float) -> float:
    """The amount itself, or `InvalidFilterError` for one that is not a positive, sane sum."""
    if not math.isfinite(amount) or amount <= 0 or amount > MAX_MONTHLY_USD:
        raise InvalidFilterError(
            "monthlyUsd", f"must be more than 0 and at most {MAX_MONTHLY_USD:,.0f} US dollars"
        )
    return round(amount, 2)


def month_start(now: datetime) -> datetime:
    """Midnight UTC on the 1st of `now`'s month."""
    moment = now.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime) -> datetime:
    start = month_start(now)
    return month_start(start + timedelta(days=32))


def forecast(month_to_date: float, now: datetime, data_through: datetime | None) -> float:
    """The month's spend at the pace of the month so far, measured up to where billing landed."""
    start = month_start(now)
    measured = min(now, data_through) if data_through is not None else now
    elapsed = measured - start
    if elapsed < timedelta(hours=MIN_PACE_HOURS):
        return month_to_date
    remaining = next_month_start(now) - measured
    return month_to_date + month_to_date * (remaining / elapsed)


def standing(
    setting: BudgetSetting,
    month_to_date: float,
    now: datetime,
    data_through: datetime | None,
    *,
    covers_all_jobs: bool,
    job_ids: tuple[int, ...],
) -> BudgetStanding:
    """The budget against the month so far and its forecast."""
    expected = forecast(month_to_date, now, data_through)
    if month_to_date > setting.monthly_usd:
        status = BudgetStatus.BREACHED
    elif expected > setting.monthly_usd:
        status = BudgetStatus.FORECAST_TO_BREACH
    else:
        status = BudgetStatus.WITHIN
    return BudgetStanding(
        setting=setting,
        month_start=month_start(now).date(),
        month_to_date_usd=month_to_date,
        forecast_usd=expected,
        status=status,
        measured_through=min(now, data_through) if data_through is not None else now,
        covers_all_jobs=covers_all_jobs,
        job_ids=job_ids,
    )
