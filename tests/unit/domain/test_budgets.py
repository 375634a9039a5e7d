"""Budgets: scopes, sane amounts, the month's forecast at its pace (measured where billing has
landed), the status, and the alerts a budget raises (breached P2, forecast to breach P3) with their
comeback after an acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.domain.alerts import (
    Acknowledgement,
    AlertKind,
    AlertSeverity,
    budget_alert,
    is_silenced,
)
from job_monitor.backend.domain.budgets import (
    BudgetScope,
    BudgetScopeKind,
    BudgetSetting,
    BudgetStatus,
    forecast,
    month_start,
    next_month_start,
    standing,
    valid_monthly_usd,
)
from job_monitor.backend.domain.errors import InvalidFilterError

# The 11th of a 30-day month at noon: 10.5 days elapsed, 19.5 to go.
NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)


def budget(amount: float, scope: BudgetScope | None = None) -> BudgetSetting:
    return BudgetSetting(scope or BudgetScope.of_job(7), amount, "alice@example.com", NOW)


def test_a_budget_scope_is_a_job_or_a_case_insensitive_team() -> None:
    assert BudgetScope.of_job(7).job_id == 7
    assert BudgetScope.of_job(7).team is None
    team = BudgetScope.of_team("  Data-Platform ")
    assert team == BudgetScope(BudgetScopeKind.TEAM, "data-platform")
    assert team.job_id is None
    with pytest.raises(InvalidFilterError):
        BudgetScope.of_team("   ")


@pytest.mark.parametrize("amount", [0.0, -5.0, float("nan"), float("inf"), 1e12])
def test_a_budget_must_be_a_positive_sane_amount(amount: float) -> None:
    with pytest.raises(InvalidFilterError) as refused:
        valid_monthly_usd(amount)
    assert refused.value.field == "monthlyUsd"


def test_a_budget_amount_is_kept_to_the_cent() -> None:
    assert valid_monthly_usd(1234.567) == 1234.57


def test_the_month_is_the_utc_calendar_month() -> None:
    assert month_start(NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert next_month_start(NOW) == datetime(2026, 12, 1, tzinfo=UTC)
    assert next_month_start(datetime(2026, 12, 31, 23, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_the_forecast_extrapolates_the_month_at_its_pace() -> None:
    # 10.5 days cost $105: $10 a day, 30 days.
    assert forecast(105.0, NOW, None) == pytest.approx(300.0)


def test_the_forecast_measures_the_pace_where_billing_has_landed() -> None:
    # Billing has landed through the 10th at noon: $95 over 9.5 days is $10 a day, not $9.
    landed = NOW - timedelta(days=1)
    assert forecast(95.0, NOW, landed) == pytest.approx(300.0)


def test_the_forecast_is_the_spend_so_far_before_a_day_is_billed() -> None:
    early = datetime(2026, 11, 1, 6, tzinfo=UTC)
    assert forecast(40.0, early, None) == 40.0


@pytest.mark.parametrize(
    ("spent", "status"),
    [
        (50.0, BudgetStatus.WITHIN),
        (150.0, BudgetStatus.FORECAST_TO_BREACH),
        (250.0, BudgetStatus.BREACHED),
    ],
)
def test_a_budget_is_within_forecast_to_breach_or_breached(
    spent: float, status: BudgetStatus
) -> None:
    found = standing(budget(200.0), spent, NOW, None, covers_all_jobs=True, job_ids=(7,))
    assert found.status is status
    assert found.month_start == month_start(NOW).date()
    assert found.used_share == pytest.approx(spent / 200.0)


def test_a_breached_budget_is_a_p2_alert_about_the_job() -> None:
    found = standing(budget(200.0), 250.0, NOW, None, covers_all_jobs=True, job_ids=(7,))
    alert = budget_alert(found, {7: "nightly-sales"})
    assert alert is not None
    assert (alert.kind, alert.severity) == (AlertKind.BUDGET_BREACHED, AlertSeverity.P2)
    assert alert.alert_id == "BUDGET_BREACHED:7"
    assert "nightly-sales" in alert.title
    assert "$250.00 of its $200.00 monthly budget" in alert.detail
    assert alert.magnitude == pytest.approx(1.25)


def test_a_budget_on_pace_to_breach_is_a_p3_alert_with_the_forecast() -> None:
    found = standing(budget(200.0), 150.0, NOW, None, covers_all_jobs=True, job_ids=(7,))
    alert = budget_alert(found, {7: "nightly-sales"})
    assert alert is not None
    assert (alert.kind, alert.severity) == (
        AlertKind.BUDGET_FORECAST_TO_BREACH,
        AlertSeverity.P3,
    )
    assert "the month ends at $428.57" in alert.detail


def test_a_budget_within_raises_no_alert() -> None:
    found = standing(budget(200.0), 10.0, NOW, None, covers_all_jobs=True, job_ids=(7,))
    assert budget_alert(found, {7: "nightly-sales"}) is None


def test_a_team_budget_alert_names_the_team_and_its_jobs_and_says_when_partial() -> None:
    scope = BudgetScope.of_team("Payments")
    found = standing(budget(100.0, scope), 120.0, NOW, None, covers_all_jobs=False, job_ids=(9, 7))
    alert = budget_alert(found, {7: "a", 9: "b"})
    assert alert is not None
    assert alert.alert_id == "BUDGET_BREACHED:team:payments"
    assert alert.team == "payments"
    assert alert.job_id == 9
    assert alert.jobs == (9, 7)
    assert "over the team's jobs you can see" in alert.detail


def test_an_acknowledged_budget_alert_comes_back_when_the_overrun_grows() -> None:
    found = standing(budget(200.0), 250.0, NOW, None, covers_all_jobs=True, job_ids=(7,))
    alert = budget_alert(found, {})
    assert alert is not None
    ack = Acknowledgement(alert.alert_id, "bob", NOW, NOW + timedelta(days=1), alert.magnitude)
    assert is_silenced(alert, ack, NOW)
    bigger = budget_alert(
        standing(budget(200.0), 300.0, NOW, None, covers_all_jobs=True, job_ids=(7,)), {}
    )
    assert bigger is not None
    assert not is_silenced(bigger, ack, NOW)
