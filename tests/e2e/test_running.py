"""The running-now page in headless Chromium: active runs against their usual duration, live."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AskApi, act_as, assert_accessible, screenshots
from tests.e2e.test_costs import table_rows

pytestmark = pytest.mark.e2e

ACTIVE_RUNS = """
{
  activeRuns {
    __typename
    ... on ActiveRuns { totalCount runs { runId state url job { name team } } }
  }
}
"""
ACTIVE = "Active runs"
# States in which a run waits rather than runs.
WAITING = {"QUEUED", "BLOCKED", "WAITING"}


def active_runs(ask_api: AskApi, user: str = "alice") -> dict[str, Any]:
    active: dict[str, Any] = ask_api(ACTIVE_RUNS, user)["activeRuns"]
    assert active["__typename"] == "ActiveRuns"
    return active


def test_running_now_lists_the_active_runs_against_their_usual_duration(
    page: Page, ask_api: AskApi
) -> None:
    # given the runs the API says are active for alice, some queued and some running
    active = active_runs(ask_api)
    runs = active["runs"]
    assert any(run["state"] in WAITING for run in runs)
    assert any(run["state"] not in WAITING for run in runs)

    # when alice opens the running-now page from the sidebar
    page.goto("/overview")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Running now").click()

    # then it lists every active run the API has
    expect(page).to_have_url(re.compile(r"/running"))
    card = page.get_by_role("region", name=ACTIVE)
    expect(card).to_contain_text(f"{active['totalCount']} queued or running")
    rows = table_rows(page, ACTIVE)
    expect(rows).to_have_count(len(runs))
    for run in runs:
        details = page.get_by_role("link", name=f"Run details of run {run['runId']}")
        row = rows.filter(has=details)
        expect(details).to_have_attribute("href", f"/runs/{run['runId']}")
        expect(row.locator("th")).to_contain_text(run["job"]["name"])
        # each with a link to its Databricks page
        expect(row.get_by_role("link", name=re.compile("Databricks"))).to_have_attribute(
            "href", run["url"]
        )
        # a queued run is told how long it has waited, never against a run duration
        progress = row.locator("td").nth(2)
        if run["state"] in WAITING:
            expect(progress).to_contain_text(re.compile(r"^waiting \d+[smhd]"))
            expect(progress).not_to_contain_text("usual")
        else:
            expect(progress).to_contain_text(re.compile(r"usual|No usual duration"))
    # and where each stands against its SLA target
    expect(rows.first.locator("td").nth(3)).to_contain_text(
        re.compile("Within target|At risk|Target missed|No target")
    )
    assert_accessible(page)
    screenshots(page, "running-alice")


def test_running_now_refreshes_by_itself_and_keeps_its_rows_in_place(page: Page) -> None:
    # given alice watching the running-now page
    page.goto("/running")
    card = page.get_by_role("region", name=ACTIVE)
    description = card.get_by_text(re.compile(r"queued or running, as of"))
    expect(description).to_be_visible()
    first_seen = description.inner_text()
    order = table_rows(page, ACTIVE).locator("th").all_inner_texts()

    # when the page asks again by itself, a few seconds later
    expect(description).not_to_have_text(first_seen, timeout=15_000)

    # then the rows stayed, in the same order, and nothing went back to loading
    assert table_rows(page, ACTIVE).locator("th").all_inner_texts() == order
    expect(card.get_by_text("Loading the active runs")).to_have_count(0)


def test_the_team_filter_shows_the_runs_of_that_team_s_jobs(page: Page, ask_api: AskApi) -> None:
    # given alice's active runs and those of the finance team's jobs among them
    runs = active_runs(ask_api)["runs"]
    finance = [run for run in runs if (run["job"] or {}).get("team") == "finance"]
    assert 0 < len(finance) < len(runs)

    # when she opens the running-now page filtered by the finance team
    page.goto("/running?team=finance")

    # then only those runs are listed, and the page says others are hidden
    rows = table_rows(page, ACTIVE)
    expect(rows).to_have_count(len(finance))
    expect(page.get_by_role("region", name=ACTIVE)).to_contain_text(
        f"Showing the {len(finance)} runs of jobs with team “finance”, of {len(runs)} active."
    )


def test_bob_sees_only_the_runs_of_his_jobs(page: Page, ask_api: AskApi) -> None:
    # given bob's active runs, fewer than alice's
    bobs = active_runs(ask_api, "bob")
    assert 0 < bobs["totalCount"] < active_runs(ask_api)["totalCount"]

    # when bob opens the running-now page
    page.goto("/running")
    act_as(page, "bob")

    # then his runs are listed, not alice's
    expect(page.get_by_role("region", name=ACTIVE)).to_contain_text(
        f"{bobs['totalCount']} queued or running"
    )
    expect(table_rows(page, ACTIVE)).to_have_count(len(bobs["runs"]))
    screenshots(page, "running-bob")


def test_carol_who_sees_no_jobs_sees_nothing_running(page: Page) -> None:
    # when carol, who may see no job, opens the running-now page
    page.goto("/running")
    act_as(page, "carol")

    # then it says nothing is running for her
    empty = page.get_by_role("status").filter(has_text="Nothing is running right now")
    expect(empty).to_contain_text("None of the jobs you can see has a run queued or in progress")
    assert_accessible(page)
    screenshots(page, "running-carol")
