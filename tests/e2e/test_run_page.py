"""The run page in headless Chromium: the Gantt timeline of its tasks, the error text of failed
ones, its attempts, cost and SLA status, compared with the API's answer for the same person.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AskApi, screenshot, serious_violations
from tests.e2e.test_job_page import money, wait_for_permissions

pytestmark = pytest.mark.e2e

FAILED_RUNS = """
{
  jobRuns(first: 50, filter: {states: [FAILED]}) {
    ... on JobRunConnection { nodes { runId tasks { taskKey errorMessage } } }
  }
}
"""

RUN = """
query Run($runId: ID!) {
  jobRun(runId: $runId) {
    __typename
    ... on JobRun {
      runId url
      job { jobId name }
      cost { listCostUsd currency }
      tasks { taskRunId taskKey state startTime dependsOn errorMessage }
    }
  }
}
"""


def timeline_order(tasks: list[dict[str, Any]]) -> list[str]:
    """Task keys by depth in the run's DAG, then start, then key: the Gantt's order."""
    by_key = {task["taskKey"]: task for task in tasks}
    depths: dict[str, int] = {}

    def depth(key: str) -> int:
        if key not in depths:
            parents = [p for p in by_key[key]["dependsOn"] if p in by_key]
            depths[key] = 1 + max((depth(p) for p in parents), default=-1)
        return depths[key]

    return sorted(
        by_key,
        key=lambda k: (depth(k), by_key[k]["startTime"] or "\uffff", k),
    )


@pytest.fixture
def failed_run(ask_api: AskApi) -> dict[str, Any]:
    """A failed run of alice's with a failed task's error text, most tasks first."""
    wait_for_permissions(ask_api)
    runs = ask_api(FAILED_RUNS)["jobRuns"]["nodes"]
    with_errors = [r for r in runs if any(t["errorMessage"] for t in r["tasks"])]
    assert with_errors, "no failed run with error text in the demo data"
    chosen = max(with_errors, key=lambda r: len(r["tasks"]))
    run: dict[str, Any] = ask_api(RUN, runId=chosen["runId"])["jobRun"]
    assert run["__typename"] == "JobRun"
    return run


def test_a_failed_run_shows_its_tasks_on_a_timeline_and_why_it_failed(
    page: Page, failed_run: dict[str, Any]
) -> None:
    run = failed_run

    # when alice opens the run's page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/runs/{run['runId']}")

    # then it names the job, and links to the job's page and to Databricks
    expect(page.get_by_role("heading", level=1)).to_have_text(run["job"]["name"])
    expect(page.get_by_role("link", name=re.compile("^Open in Databricks"))).to_have_attribute(
        "href", run["url"]
    )

    # and the timeline has a bar per task, in dependency order, then by start
    timeline = page.get_by_role("table", name="Tasks of the run over time")
    expect(timeline.locator("tbody th")).to_have_count(len(run["tasks"]))
    keys = timeline.locator("tbody th").locator("span[title]")
    expect(keys).to_have_text(timeline_order(run["tasks"]))
    started = [t for t in run["tasks"] if t["startTime"] is not None]
    expect(timeline.locator("tbody td span[title]")).to_have_count(len(started))

    # and each failed task's error text is shown
    why = page.get_by_role("region", name="Why it failed")
    for task in run["tasks"]:
        if task["errorMessage"]:
            expect(why).to_contain_text(task["taskKey"])
            expect(why).to_contain_text(task["errorMessage"])

    # and its cost is the API's, with what it covers in words
    cost = page.get_by_role("region", name="Cost", exact=True)
    expect(cost).to_contain_text(money(run["cost"]["listCostUsd"]))
    expect(cost).to_contain_text(re.compile("billed to the run|all-purpose cluster"))
    expect(page.get_by_role("region", name="SLA", exact=True)).to_be_visible()

    screenshot(page, "run-page-1440")
    page.set_viewport_size({"width": 1024, "height": 900})
    expect(timeline).to_be_visible()
    screenshot(page, "run-page-1024")
    assert serious_violations(page) == []

    # and the job page is one click away
    page.get_by_role("link", name="Job page").click()
    expect(page).to_have_url(re.compile(rf"/jobs/{run['job']['jobId']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(run["job"]["name"])


def test_the_error_link_of_a_failed_task_leads_to_its_error_text(
    page: Page, failed_run: dict[str, Any]
) -> None:
    failed = next(t for t in failed_run["tasks"] if t["errorMessage"])
    page.goto(f"/runs/{failed_run['runId']}")
    page.get_by_role("link", name=f"Error of {failed['taskKey']}").click()
    error = page.locator(f"[id='error-{failed['taskRunId']}']")
    expect(error).to_be_in_viewport()
    expect(error).to_contain_text(failed["errorMessage"])


def test_a_run_that_is_not_the_viewer_s_reads_as_not_found(page: Page) -> None:
    page.goto("/runs/1")
    expect(page.get_by_role("status").filter(has_text="Not found")).to_be_visible()
