"""Budgets in headless Chromium: a job's on its page (set, shown as a bar with its status, kept over
a reload, cleared), every budget on the costs page with a team's added and removed, and the
refusals of bob in words.

What the page shows is compared with the API's own answer for the same person. Every budget set
here is cleared at the end, so the session's other tests see no budget.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import THEMES, AskApi, Theme, act_as, assert_accessible, screenshots
from tests.e2e.test_costs import money
from tests.e2e.test_job_page import card, history_loaded, percent, wait_for_permissions

pytestmark = pytest.mark.e2e

BUDGET_FIELDS = """
scope { kind jobId team } monthlyUsd monthToDateUsd forecastUsd usedShare status setBy
"""

JOB_BUDGET = f"""
query JobBudget($jobId: ID!) {{
  job(jobId: $jobId) {{ ... on Job {{ name budget {{ {BUDGET_FIELDS} }} }} }}
}}
"""

BUDGETS = f"""
{{ budgets {{ __typename ... on BudgetList {{ nodes {{ {BUDGET_FIELDS} }} }} }} }}
"""

RECENT_JOBS = """
query Recent($window: Window!) {
  jobs(first: 30, orderBy: {field: LAST_RUN, direction: DESC}) {
    ... on JobConnection {
      nodes { jobId team cost(window: $window) { listCostUsd } sla { editable { allowed reason } } }
    }
  }
}
"""

SET = """
mutation Set($scope: BudgetScopeInput!, $monthlyUsd: Float!) {
  setBudget(scope: $scope, monthlyUsd: $monthlyUsd) { __typename }
}
"""

CLEAR = """
mutation Clear($scope: BudgetScopeInput!) { clearBudget(scope: $scope) { __typename } }
"""

STATUS_WORDS = {
    "WITHIN": "Within budget",
    "FORECAST_TO_BREACH": "On pace to exceed",
    "BREACHED": "Over budget",
}
BUDGET_FIELD = "Monthly budget (USD)"
TEAM_FORM = "Set a team\N{RIGHT SINGLE QUOTATION MARK}s budget"


def bar_words(budget: dict[str, Any]) -> str:
    """The bar's accessible name, as lib/budgets.ts `budgetBarText` words it."""
    return (
        f"{money(budget['monthToDateUsd'])} spent of a {money(budget['monthlyUsd'])} budget "
        f"({percent(budget['monthToDateUsd'] / budget['monthlyUsd'])}); "
        f"forecast {money(budget['forecastUsd'])} for the month"
    )


def budget_of(ask_api: AskApi, job_id: str, user: str = "alice") -> dict[str, Any] | None:
    budget: dict[str, Any] | None = ask_api(JOB_BUDGET, user, jobId=job_id)["job"]["budget"]
    return budget


def settings(budgets: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """What was set, without the figures of the month (which move as billing lands)."""
    return {
        (b["scope"]["kind"], b["scope"]["jobId"], b["scope"]["team"], b["monthlyUsd"], b["setBy"])
        for b in budgets
    }


def recent_jobs(ask_api: AskApi, user: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = ask_api(RECENT_JOBS, user, window="LAST_7_DAYS")["jobs"]["nodes"]
    return jobs


def shows_budget(region: Locator, budget: dict[str, Any]) -> None:
    """The budget's bar (its words) and its status, in words and with its colour's icon."""
    expect(region.get_by_role("img", name=bar_words(budget))).to_be_visible()
    expect(region.get_by_text(STATUS_WORDS[budget["status"]], exact=True)).to_be_visible()


def test_a_budget_set_on_a_job_page_shows_its_bar_and_status_and_survives_a_reload(
    page: Page, ask_api: AskApi
) -> None:
    # given one of alice's jobs with spend lately and no budget
    wait_for_permissions(ask_api)
    job = next(
        j
        for j in recent_jobs(ask_api, "alice")
        if j["cost"]["listCostUsd"] > 0 and budget_of(ask_api, j["jobId"]) is None
    )
    scope = {"jobId": job["jobId"]}
    try:
        # when she opens its page, the budget panel says it has none
        page.goto(f"/jobs/{job['jobId']}")
        panel = card(page, "Budget")
        expect(panel).to_contain_text("No budget.")

        # when she types something that is no budget, she is told why in words
        panel.get_by_label(BUDGET_FIELD).fill("0")
        panel.get_by_role("button", name="Save").click()
        expect(panel.get_by_role("alert")).to_have_text("The budget must be more than $0.")

        # when she sets $1,234 a month
        panel.get_by_label(BUDGET_FIELD).fill("1,234")
        panel.get_by_role("button", name="Save").click()

        # then the page says so, and shows the API's month so far against it, with its status
        expect(panel.get_by_role("status").filter(has_text="Saved:")).to_have_text(
            "Saved: the budget is now $1,234 a month."
        )
        budget = budget_of(ask_api, job["jobId"])
        assert budget is not None
        assert budget["monthlyUsd"] == 1234
        assert budget["setBy"] == "alice@example.com"
        shows_budget(panel, budget)
        expect(panel).to_contain_text("Set by alice@example.com")

        # and after a reload the page reads it back from the API
        page.reload()
        panel = card(page, "Budget")
        shows_budget(panel, budget)
        expect(panel.get_by_label(BUDGET_FIELD)).to_have_value("1234")
        history_loaded(page)
        assert_accessible(page)
        screenshots(page, "job-page-budget")

        # when she clears it
        panel.get_by_role("button", name="Clear").click()

        # then the page says so, and the API has no budget for the job
        expect(panel.get_by_role("status").filter(has_text="Cleared:")).to_have_text(
            "Cleared: there is no budget now."
        )
        expect(panel).to_contain_text("No budget.")
        assert budget_of(ask_api, job["jobId"]) is None
    finally:
        ask_api(CLEAR, scope=scope)


def test_bob_is_told_in_words_that_he_may_not_set_the_budget_of_a_job_he_only_views(
    page: Page, ask_api: AskApi
) -> None:
    # given a job bob sees but may not manage
    wait_for_permissions(ask_api)
    job = next(
        j
        for j in recent_jobs(ask_api, "bob")
        if not j["sla"]["editable"]["allowed"] and "CAN_MANAGE" in j["sla"]["editable"]["reason"]
    )
    before = settings([b for b in [budget_of(ask_api, job["jobId"], "bob")] if b is not None])

    # when bob sets its budget on its page
    page.goto(f"/jobs/{job['jobId']}")
    act_as(page, "bob")
    panel = card(page, "Budget")
    panel.get_by_label(BUDGET_FIELD).fill("500")
    panel.get_by_role("button", name="Save").click()

    # then the page says he may not, and why, in words; and nothing was kept
    refusal = panel.get_by_role("alert")
    expect(refusal).to_contain_text("You may not change this budget")
    expect(refusal).to_contain_text("needs CAN_MANAGE or IS_OWNER on the job")
    expect(refusal).to_contain_text("bob@example.com")
    after = budget_of(ask_api, job["jobId"], "bob")
    assert settings([after] if after is not None else []) == before
    history_loaded(page)
    screenshots(page, "job-page-budget-bob-refused")


def test_the_costs_page_lists_the_budgets_and_alice_adds_and_removes_a_team_s(
    page: Page, ask_api: AskApi
) -> None:
    # given a team of alice's jobs, one without a budget if there is one (else its budget is put
    # back at the end)
    wait_for_permissions(ask_api)
    budgeted = {
        b["scope"]["team"]: b["monthlyUsd"]
        for b in ask_api(BUDGETS)["budgets"]["nodes"]
        if b["scope"]["team"] is not None
    }
    teams = [j["team"] for j in recent_jobs(ask_api, "alice") if j["team"]]
    team = next((t for t in teams if t.lower() not in budgeted), teams[0])
    before = budgeted.get(team.lower())
    scope = {"team": team}
    try:
        # when she opens the costs page and sets the team's budget in the budgets section
        page.goto("/costs")
        section = page.get_by_role("region", name="Budgets", exact=True)
        form = section.get_by_role("form", name=TEAM_FORM)
        form.get_by_label("Team", exact=True).fill(team)
        form.get_by_label(BUDGET_FIELD).fill("25000")
        form.get_by_role("button", name="Save").click()

        # then the page says so, and lists it with the API's figures: the bar and the status
        expect(section.get_by_role("status").filter(has_text="Saved:")).to_have_text(
            f"Saved: team {team} has a budget of $25,000 a month."
        )
        budget = next(
            b for b in ask_api(BUDGETS)["budgets"]["nodes"] if b["scope"]["team"] == team.lower()
        )
        row = section.get_by_role("row").filter(
            has=page.get_by_role("rowheader").get_by_text(team.lower(), exact=True)
        )
        expect(row).to_have_count(1)
        shows_budget(row, budget)
        expect(row).to_contain_text(f"of {money(25000)}")
        assert_accessible(page)
        screenshots(page, "costs-budgets")

        # when she removes it
        row.get_by_role("button", name=f"Remove the budget of team {team.lower()}").click()

        # then it leaves the list, and the API has no budget for the team
        expect(row).to_have_count(0)
        assert all(b["scope"]["team"] != team.lower() for b in ask_api(BUDGETS)["budgets"]["nodes"])
    finally:
        if before is None:
            ask_api(CLEAR, scope=scope)
        else:
            ask_api(SET, scope=scope, monthlyUsd=before)


def test_bob_is_told_in_words_that_only_an_admin_sets_a_team_s_budget(
    page: Page, ask_api: AskApi
) -> None:
    # given a team bob has a job in, and the budgets he sees
    wait_for_permissions(ask_api)
    team = next(j["team"] for j in recent_jobs(ask_api, "bob") if j["team"])
    before = settings(ask_api(BUDGETS, "bob")["budgets"]["nodes"])

    # when bob sets the team's budget on the costs page
    page.goto("/costs")
    act_as(page, "bob")
    form = page.get_by_role("form", name=TEAM_FORM)
    form.get_by_label("Team", exact=True).fill(team)
    form.get_by_label(BUDGET_FIELD).fill("100")
    form.get_by_role("button", name="Save").click()

    # then the page says only an admin may, in words; and nothing was kept
    refusal = page.get_by_role("region", name="Budgets", exact=True).get_by_role("alert")
    expect(refusal).to_contain_text("You may not change this budget")
    expect(refusal).to_contain_text("needs a workspace admin")
    assert settings(ask_api(BUDGETS, "bob")["budgets"]["nodes"]) == before


@pytest.mark.parametrize("theme", THEMES)
def test_the_budget_panels_have_no_serious_accessibility_violations(
    page: Page, ask_api: AskApi, theme: Theme
) -> None:
    # given a job of alice's with spend and no budget, and the system asking for the theme
    wait_for_permissions(ask_api)
    job = next(
        j
        for j in recent_jobs(ask_api, "alice")
        if j["cost"]["listCostUsd"] > 0 and budget_of(ask_api, j["jobId"]) is None
    )
    scope = {"jobId": job["jobId"]}
    page.emulate_media(color_scheme=theme)
    try:
        page.goto(f"/jobs/{job['jobId']}")
        panel = card(page, "Budget")
        panel.get_by_label(BUDGET_FIELD).fill("10")
        panel.get_by_role("button", name="Save").click()
        expect(
            panel.get_by_role("img", name=re.compile("spent of a \\$10.00 budget"))
        ).to_be_visible()
        history_loaded(page)

        # then the job page with its budget, and the costs page's budgets, are clean to axe-core
        assert_accessible(page)
        panel.scroll_into_view_if_needed()
        screenshots(page, f"job-page-budget-{theme}")
        page.goto("/costs")
        expect(
            page.get_by_role("region", name="Budgets", exact=True).get_by_role("img").first
        ).to_be_visible()
        assert_accessible(page)
        screenshots(page, f"costs-budgets-{theme}")
    finally:
        ask_api(CLEAR, scope=scope)
