"""The costs page in headless Chromium, against the service and the local workspace.

Figures on the page are compared with the API's own answer for the same person, window and filter.
The helpers for money, accessibility and screenshots at two widths serve the overview and
running-now tests too.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.conftest import AskApi, act_as, assert_accessible, screenshots

pytestmark = pytest.mark.e2e


SPEND = """
query Spend($window: Window!, $team: String) {
  byTeam: costs(groupBy: TEAM, window: $window, filter: {team: $team}, first: 20) {
    __typename
    ... on CostBreakdown {
      listCostUsd changeVsPreviousWindow previousListCostUsd unattributedUsd dataThrough
      groups { key listCostUsd }
    }
  }
  bySku: costs(groupBy: SKU, window: $window, filter: {team: $team}, first: 20) {
    ... on CostBreakdown { groups { key listCostUsd } }
  }
  byComputeType: costs(groupBy: COMPUTE_TYPE, window: $window, filter: {team: $team}, first: 20) {
    ... on CostBreakdown { groups { key listCostUsd } }
  }
}
"""

FINDINGS = """
query Findings($window: Window!) {
  costAnomalies(window: $window, first: 50) {
    ... on CostAnomalies {
      anomalies { job { name team } likelyCauses listCostUsd baselineP90RunCostUsd }
    }
  }
  zombieJobs(window: $window) {
    ... on ZombieJobs { jobs { job { name team } reason listCostUsd } }
  }
}
"""

# The words each likely cause starts with on the page.
CAUSE_WORDS = {
    "DEFINITION_CHANGED": "definition changed",
    "MORE_REPAIRS": "repaired",
    "RETRY": "an automatic retry",
    "LONGER_DURATION": "longer",
    "DIFFERENT_SKU": "now on",
    "DIFFERENT_COMPUTE_TYPE": "now on",
}
ZOMBIE_REASONS = {"NO_SUCCESSFUL_RUN": "No run succeeded", "ONLY_SHORT_RUNS": "within a minute"}


def _js_round(value: float) -> float:
    # Math.round: halves go up, as the page rounds them.
    return math.floor(value + 0.5)


def money(amount: float) -> str:
    """A sum in USD as the page shows it: cents below $100, whole dollars from there."""
    if abs(amount) < 100:
        return f"${_js_round(amount * 100) / 100:,.2f}"
    return f"${int(_js_round(amount)):,}"


def change_text(change: float | None, previous_window: str) -> str:
    """A change against the window before as the page words it: "+17% vs previous 30 days"."""
    if change is None:
        return f"no spend in the {previous_window}"
    percent = change * 100
    rounded = _js_round(percent) if abs(percent) >= 10 else _js_round(percent * 10) / 10
    if rounded == 0:
        return f"±0% vs {previous_window}"
    sign = "+" if rounded > 0 else "\N{MINUS SIGN}"
    return f"{sign}{abs(rounded):g}% vs {previous_window}"


def figure(page: Page, region: str, label: str) -> Locator:
    """A headline tile (value and note) by its label, in the figures region named `region`."""
    return (
        page.get_by_role("region", name=region, exact=True)
        .locator("div", has=page.get_by_text(label, exact=True))
        .locator("dd")
    )


def table_rows(page: Page, name: str) -> Locator:
    return page.get_by_role("table", name=name).locator("tbody tr")


def spend_of(ask_api: AskApi, user: str = "alice", **variables: Any) -> dict[str, Any]:
    answer = ask_api(SPEND, user, **variables)
    assert answer["byTeam"]["__typename"] == "CostBreakdown"
    return answer


def test_the_costs_page_shows_the_api_s_spend_by_team_sku_and_compute_type(
    page: Page, ask_api: AskApi
) -> None:
    # given what the API says alice spent over the last 30 days
    spend = spend_of(ask_api, window="LAST_30_DAYS", team=None)
    by_team = spend["byTeam"]

    # when alice opens the costs page from the sidebar and chooses the last 30 days
    page.goto("/overview")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Costs").click()
    expect(page).to_have_url(re.compile(r"/costs"))
    expect(page).to_have_title("Costs · Job Monitor")
    page.get_by_label("Window").select_option(label="Last 30 days")

    # then the spend is the API's, with its change against the 30 days before
    spend_tile = figure(page, "Spend", "Spend")
    expect(spend_tile.first).to_have_text(money(by_team["listCostUsd"]))
    expect(spend_tile.nth(1)).to_have_text(
        change_text(by_team["changeVsPreviousWindow"], "previous 30 days")
    )
    # and alice, an admin, sees the spend no job can be tied to
    expect(figure(page, "Spend", "Unattributed").first).to_have_text(
        money(by_team["unattributedUsd"])
    )
    # and each breakdown lists the API's groups with their spend
    for table, groups in (
        ("By team: spend", by_team["groups"]),
        ("By SKU: spend", spend["bySku"]["groups"]),
        ("By compute type: spend", spend["byComputeType"]["groups"]),
    ):
        rows = table_rows(page, table)
        expect(rows).to_have_count(len(groups))
        expect(rows.locator("td").first).to_have_text(money(groups[0]["listCostUsd"]))
    expect(table_rows(page, "By team: spend").locator("th").first).to_contain_text(
        by_team["groups"][0]["key"]
    )
    # and a daily chart per breakdown, and how fresh the billing data is
    expect(page.get_by_role("img", name="By team: spend, per day")).to_be_visible()
    expect(page.get_by_role("img", name="By compute type: spend, per day")).to_be_visible()
    expect(page.get_by_text("Billing data through")).to_contain_text("Usage lands within hours")
    assert_accessible(page)
    screenshots(page, "costs-alice")


def test_the_costs_page_shows_anomalies_with_a_likely_cause_and_the_zombie_jobs(
    page: Page, ask_api: AskApi
) -> None:
    # given alice's costly runs and zombie jobs over the last 30 days
    findings = ask_api(FINDINGS, window="LAST_30_DAYS")
    anomalies = findings["costAnomalies"]["anomalies"]
    zombies = findings["zombieJobs"]["jobs"]
    assert anomalies, "the local workspace has costly runs"
    assert zombies, "the local workspace has zombie jobs"

    # when alice opens the costs page over the same window
    page.goto("/costs?window=LAST_30_DAYS")

    # then the job whose costly runs added most above their usual cost comes first, with the
    # likely cause of its costliest run (the API's first of that job) in words
    excess: dict[str, float] = {}
    for anomaly in anomalies:
        over = max(0.0, anomaly["listCostUsd"] - anomaly["baselineP90RunCostUsd"])
        excess[anomaly["job"]["name"]] = excess.get(anomaly["job"]["name"], 0.0) + over
    top_job = max(excess, key=lambda name: excess[name])
    costliest = next(a for a in anomalies if a["job"]["name"] == top_job)
    first = table_rows(page, "Cost anomalies").first
    expect(first.locator("th")).to_contain_text(top_job)
    cause = first.locator("td").last
    for likely in costliest["likelyCauses"]:
        expect(cause).to_contain_text(CAUSE_WORDS[likely])
    expect(first.get_by_role("link", name=re.compile("its usual cost"))).to_have_attribute(
        "href", re.compile(r"^/runs/\d+$")
    )
    # and every zombie job is listed, most spend first, with why it is one
    rows = table_rows(page, "Zombie jobs")
    expect(rows).to_have_count(len(zombies))
    for row, zombie in zip(rows.all(), zombies, strict=True):
        expect(row.locator("th")).to_contain_text(zombie["job"]["name"])
        expect(row).to_contain_text(ZOMBIE_REASONS[zombie["reason"]])
        expect(row.locator("td").last).to_have_text(money(zombie["listCostUsd"]))
    # and their spend is counted as wasted
    total = sum(zombie["listCostUsd"] for zombie in zombies)
    expect(figure(page, "Wasted spend figures", "Zombie jobs").first).to_have_text(money(total))
    screenshots(page, "costs-anomalies-and-zombies")


def test_bob_sees_only_the_spend_of_his_jobs(page: Page, ask_api: AskApi) -> None:
    # given the API's spend for bob, who sees fewer jobs than alice
    bobs = spend_of(ask_api, "bob", window="LAST_7_DAYS", team=None)["byTeam"]
    alices = spend_of(ask_api, window="LAST_7_DAYS", team=None)["byTeam"]
    assert bobs["listCostUsd"] < alices["listCostUsd"]
    assert bobs["unattributedUsd"] is None

    # when bob opens the costs page
    page.goto("/costs")
    act_as(page, "bob")

    # then the spend is his, and no unattributed spend is shown to him
    expect(figure(page, "Spend", "Spend").first).to_have_text(money(bobs["listCostUsd"]))
    expect(table_rows(page, "By team: spend")).to_have_count(len(bobs["groups"]))
    expect(page.get_by_role("region", name="Spend", exact=True)).not_to_contain_text("Unattributed")
    screenshots(page, "costs-bob")


def test_carol_who_sees_no_jobs_is_told_so(page: Page) -> None:
    # when carol, who may see no job, opens the costs page
    page.goto("/costs")
    act_as(page, "carol")

    # then it says why there is no spend, and shows no figures
    expect(page.get_by_role("status").filter(has_text="No jobs you can see")).to_be_visible()
    expect(page.get_by_role("region", name="Spend", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Wasted spend")).to_have_count(0)
    assert_accessible(page)
    screenshots(page, "costs-carol")


def test_the_team_filter_narrows_the_costs_survives_a_reload_and_back_undoes_it(
    page: Page, ask_api: AskApi
) -> None:
    # given alice's spend over the last 7 days, the finance team's part of it and its zombie jobs
    everything = spend_of(ask_api, window="LAST_7_DAYS", team=None)["byTeam"]
    finance = spend_of(ask_api, window="LAST_7_DAYS", team="finance")["byTeam"]
    assert 0 < finance["listCostUsd"] < everything["listCostUsd"]
    zombies = ask_api(FINDINGS, window="LAST_7_DAYS")["zombieJobs"]["jobs"]
    finance_zombies = [z["job"]["name"] for z in zombies if z["job"]["team"] == "finance"]
    assert 0 < len(finance_zombies) < len(zombies)
    spend_value = figure(page, "Spend", "Spend").first
    page.goto("/costs")
    expect(spend_value).to_have_text(money(everything["listCostUsd"]))

    # when she filters by the finance team in the filter bar
    filters = page.get_by_role("search", name="Filter jobs")
    filters.get_by_label("Team").fill("finance")
    filters.get_by_role("button", name="Apply").click()

    # then the address names the team, and the spend and breakdown are finance's alone
    expect(page).to_have_url(re.compile(r"team=finance"))
    expect(spend_value).to_have_text(money(finance["listCostUsd"]))
    expect(table_rows(page, "By team: spend")).to_have_count(1)
    expect(table_rows(page, "By team: spend").locator("th")).to_contain_text("finance")
    # and the zombie jobs shown are finance's
    zombie_rows = table_rows(page, "Zombie jobs")
    expect(zombie_rows).to_have_count(len(finance_zombies))
    for row, name in zip(zombie_rows.all(), finance_zombies, strict=True):
        expect(row.locator("th")).to_contain_text(name)
    screenshots(page, "costs-team-finance")

    # when the page is reloaded, the filter holds
    page.reload()
    expect(spend_value).to_have_text(money(finance["listCostUsd"]))
    expect(page.get_by_role("search", name="Filter jobs").get_by_label("Team")).to_have_value(
        "finance"
    )

    # and Back returns to the unfiltered costs
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"team="))
    expect(spend_value).to_have_text(money(everything["listCostUsd"]))


def test_while_the_warehouse_starts_the_costs_page_says_it_is_warming_up(page: Page) -> None:
    # given a service whose SQL warehouse is still starting (its typed answer, fixed here)
    starting = {
        "__typename": "WarehouseUnavailable",
        "message": "The SQL warehouse is STARTING.",
        "code": "WAREHOUSE_UNAVAILABLE",
        "state": "STARTING",
    }
    warming_up = {
        "data": {
            "byTeam": starting,
            "bySku": starting,
            "byComputeType": starting,
            "jobs": {"__typename": "JobConnection", "totalCount": 3},
        }
    }

    def answer(route: Route) -> None:
        if "query CostSummary" in (route.request.post_data or ""):
            route.fulfill(status=200, content_type="application/json", body=json.dumps(warming_up))
        else:
            route.continue_()

    page.route("**/api/graphql", answer)

    # when the costs page is opened
    page.goto("/costs")

    # then it says the warehouse is warming up, as a warning rather than a failure
    notice = page.get_by_role("status").filter(has_text="warming up")
    expect(notice).to_contain_text("The SQL warehouse is starting — warming up")
    expect(page.get_by_role("alert")).to_have_count(0)
