"""The running-now page in headless Chromium: active runs against their usual duration."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AskApi, screenshot

pytestmark = pytest.mark.e2e

ACTIVE_RUNS = """
{ activeRuns { __typename ... on ActiveRuns { totalCount runs { runId job { name } } } } }
"""


def test_running_now_lists_the_active_runs_with_how_long_they_usually_take(
    page: Page, ask_api: AskApi
) -> None:
    # given the runs the API says are active for alice
    active = ask_api(ACTIVE_RUNS)["activeRuns"]
    assert active["__typename"] == "ActiveRuns"

    # when alice opens the running-now page from the sidebar
    page.goto("/overview")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Running now").click()

    # then it shows the active runs, each compared with its usual duration
    expect(page).to_have_url(re.compile(r"/running$"))
    card = page.get_by_role("region", name="Active runs")
    expect(card).to_contain_text("queued or running")
    if active["totalCount"] == 0:
        expect(card.get_by_role("status")).to_contain_text("Nothing is running right now")
    else:
        rows = page.get_by_role("table", name="Active runs").locator("tbody tr")
        expect(rows.first).to_be_visible()
        expect(card).to_contain_text(re.compile(r"longer than usual|of the usual|No usual"))
    screenshot(page, "running-alice")
