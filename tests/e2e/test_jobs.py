"""The jobs page in headless Chromium: who sees which jobs, search, paging.

What the table shows is compared with the API's answer for the same person, fetched over HTTP here.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import AskApi, act_as, screenshot

pytestmark = pytest.mark.e2e

JOBS_CARD = "Jobs you can see"
PAGE_SIZE = 25

JOB_NAMES = """
query JobNames(
  $pattern: String, $after: String, $first: Int!, $order: JobOrder = {field: NAME}
) {
  jobs(filter: {namePattern: $pattern}, first: $first, after: $after, orderBy: $order) {
    __typename
    ... on JobConnection {
      totalCount
      permissionsComplete
      pageInfo { hasNextPage endCursor }
      nodes { name }
    }
  }
}
"""


# How long the service may still be reading job permissions after it started.
PERMISSIONS_WAIT_SECONDS = 60


def first_page(ask_api: AskApi, user: str, pattern: str | None = None) -> dict[str, Any]:
    """The API's first page of `user`'s jobs by name, as the page asks for it.

    Waits until the service knows every job's permissions, so the page loaded next answers alike.
    """
    deadline = time.monotonic() + PERMISSIONS_WAIT_SECONDS
    while True:
        jobs: dict[str, Any] = ask_api(JOB_NAMES, user, pattern=pattern, first=PAGE_SIZE)["jobs"]
        assert jobs["__typename"] == "JobConnection"
        if jobs["permissionsComplete"] or time.monotonic() > deadline:
            assert jobs["permissionsComplete"], "job permissions still loading"
            return jobs
        time.sleep(1)


def all_names(ask_api: AskApi, user: str) -> set[str]:
    names: set[str] = set()
    after = None
    while True:
        jobs = ask_api(JOB_NAMES, user, pattern=None, after=after, first=100)["jobs"]
        names.update(node["name"] for node in jobs["nodes"])
        if not jobs["pageInfo"]["hasNextPage"]:
            return names
        after = jobs["pageInfo"]["endCursor"]


def names_in_table(page: Page) -> Locator:
    return page.get_by_role("table", name="Jobs").locator("tbody th")


def search(page: Page, text: str) -> None:
    page.get_by_role("search", name="Jobs").get_by_label("Job name").fill(text)
    page.get_by_role("button", name="Search").click()


def test_bob_sees_only_the_jobs_the_api_gives_him(page: Page, ask_api: AskApi) -> None:
    # given bob's jobs and alice's, as the API answers each of them
    bobs = first_page(ask_api, "bob")
    alices = first_page(ask_api, "alice")
    assert 0 < bobs["totalCount"] < alices["totalCount"]

    # when bob opens the jobs page
    page.goto("/jobs")
    act_as(page, "bob")

    # then the table lists exactly bob's first page, and the count is his
    expected = [node["name"] for node in bobs["nodes"]]
    expect(names_in_table(page)).to_have_text(expected)
    card = page.get_by_role("region", name=JOBS_CARD)
    expect(card).to_contain_text(f"{bobs['totalCount']:,} jobs")
    screenshot(page, "jobs-bob")

    # and a job only alice may see cannot be found by bob
    hidden = sorted(all_names(ask_api, "alice") - all_names(ask_api, "bob"))[0]
    search(page, hidden)
    expect(card).to_contain_text(f"No jobs match “{hidden}”")


def test_carol_sees_that_there_are_no_jobs_she_can_see(page: Page) -> None:
    # when carol, who has no job permissions, opens the jobs page
    page.goto("/jobs")
    act_as(page, "carol")

    # then the page says so instead of showing an empty table
    card = page.get_by_role("region", name=JOBS_CARD)
    expect(card.get_by_role("status")).to_contain_text("No jobs you can see")
    expect(page.get_by_role("table", name="Jobs")).to_have_count(0)
    screenshot(page, "jobs-carol")


def test_searching_by_name_narrows_the_table(page: Page, ask_api: AskApi) -> None:
    # given a word from the name of one of alice's jobs, and the API's answer for it
    everything = first_page(ask_api, "alice")
    word = everything["nodes"][0]["name"].split("-")[1]
    narrowed = first_page(ask_api, "alice", pattern=f"*{word}*")
    assert narrowed["totalCount"] < everything["totalCount"]

    # when alice searches for that word
    page.goto("/jobs")
    expect(names_in_table(page)).to_have_count(len(everything["nodes"]))
    search(page, word)

    # then only the matching jobs are listed, and the address keeps the search
    expect(page).to_have_url(re.compile(rf"q={word}"))
    expect(names_in_table(page)).to_have_text([node["name"] for node in narrowed["nodes"]])
    expect(page.get_by_role("region", name=JOBS_CARD)).to_contain_text(
        f"{narrowed['totalCount']:,} jobs"
    )
    screenshot(page, "jobs-search")


def test_next_and_previous_page_through_the_jobs(page: Page, ask_api: AskApi) -> None:
    # given alice has more jobs than fit one page
    everything = first_page(ask_api, "alice")
    assert everything["pageInfo"]["hasNextPage"]
    second = ask_api(
        JOB_NAMES, pattern=None, first=PAGE_SIZE, after=everything["pageInfo"]["endCursor"]
    )["jobs"]

    # when she goes to the next page and back
    page.goto("/jobs")
    pager = page.get_by_role("navigation", name="Pages of jobs")
    expect(pager.get_by_role("button", name="Previous")).to_be_disabled()
    pager.get_by_role("button", name="Next").click()

    # then she sees the API's second page, then the first again
    expect(names_in_table(page)).to_have_text([node["name"] for node in second["nodes"]])
    expect(pager).to_contain_text(f"Showing 26\N{EN DASH}{25 + len(second['nodes'])} of")
    pager.get_by_role("button", name="Previous").click()
    expect(names_in_table(page)).to_have_text([node["name"] for node in everything["nodes"]])


def test_ordering_by_most_failures_puts_the_api_s_worst_jobs_first(
    page: Page, ask_api: AskApi
) -> None:
    # given alice's jobs with the most failures first, as the API orders them
    worst = ask_api(
        JOB_NAMES, pattern=None, first=PAGE_SIZE, order={"field": "FAILURES", "direction": "DESC"}
    )["jobs"]

    # when she orders the jobs page by most failures
    page.goto("/jobs")
    expect(names_in_table(page)).to_have_count(PAGE_SIZE)
    page.get_by_label("Order by").select_option(label="Most failures")

    # then the table follows that order, and the address keeps it
    expect(page).to_have_url(re.compile(r"order=failures"))
    expect(names_in_table(page)).to_have_text([node["name"] for node in worst["nodes"]])
    screenshot(page, "jobs-most-failures")
