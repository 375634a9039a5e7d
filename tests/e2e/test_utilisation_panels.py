"""Utilisation in headless Chromium: a job's panel (its driver's and workers' CPU and memory, its
cluster, findings with their recommendation and saving, or why it cannot be measured) and the
savings section of the costs page (the over-provisioned jobs, most saving first, with their total),
for alice, who sees every job, and bob, who sees some.

What the page shows is compared with the API's own answer for the same person and window, asked
just before and just after the page loaded: windows end on the minute and the caches refresh
behind, so a comparison counts only when both answers agree (else it is made again).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import pytest
from playwright.sync_api import Locator, Page, expect

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.generate import UTILISATION_PINNED
from tests.e2e.conftest import AskApi, act_as, assert_accessible, screenshots, settle
from tests.e2e.test_job_page import card, figure, money, percent, wait_for_permissions

pytestmark = pytest.mark.e2e

T = TypeVar("T")

WINDOW = "LAST_7_DAYS"  # the filter bar's default
SPREAD = "{ p50Percent p90Percent peakPercent }"
FINDINGS = "findings { kind estimatedMonthlySavingUsd recommendation { kind summary } }"

UTILIZATION = f"""
query Utilization($jobId: ID!, $window: Window!) {{
  job(jobId: $jobId) {{
    ... on Job {{
      name
      utilization(window: $window) {{
        __typename
        ... on JobUtilization {{
          minutesObserved runsObserved runs underusedMinuteShare overProvisioned
          estimatedMonthlySavingUsd
          driverCpu {SPREAD} driverMemory {SPREAD} workerCpu {SPREAD} workerMemory {SPREAD}
          cluster {{ workers minWorkers maxWorkers autoscaling }}
          {FINDINGS}
        }}
        ... on UnmeasurableUtilization {{
          reason message runs serverlessRuns sharedClusterRuns estimatedMonthlySavingUsd
          {FINDINGS}
        }}
      }}
    }}
  }}
}}
"""

SAVINGS = f"""
query Savings($window: Window!) {{
  overProvisionedJobs(window: $window, first: 100) {{
    __typename
    ... on OverProvisionedJobs {{
      cpuThresholdPercent memoryThresholdPercent jobCount estimatedMonthlySavingUsd
      jobs {{ job {{ jobId name team }} estimatedMonthlySavingUsd {FINDINGS} }}
    }}
  }}
}}
"""

SPEND = """
query Spend($jobId: ID!, $window: Window!) {
  job(jobId: $jobId) { ... on Job { name cost(window: $window) { listCostUsd } } }
}
"""

USAGE_ROWS = (
    ("Driver CPU", "driverCpu"),
    ("Driver memory", "driverMemory"),
    ("Worker CPU", "workerCpu"),
    ("Worker memory", "workerMemory"),
)
SAVINGS_TABLE = "Jobs whose compute could cost less"
UNMEASURABLE_TITLES = {
    "SERVERLESS": "Not measurable: serverless compute",
    "SHARED_CLUSTER": "Not measurable: a shared all-purpose cluster",
}
# The pinned jobs of the stand-in (generate.py `_PINNED`) that run on compute node data cannot
# measure: serverless (1) and an all-purpose cluster shared with other work (5).
SERVERLESS_JOB, SHARED_CLUSTER_JOB = 1, 5


# --- What the page shows, written as the UI writes it (ui/lib/utilization.ts) ------------------


def usage(value: float) -> str:
    """A CPU or memory percentage in whole percents, as `formatUsage`."""
    whole = math.floor(value + 0.5)
    return "<1%" if whole == 0 and value > 0 else f"{whole}%"


def workers(cluster: dict[str, Any]) -> str:
    """A cluster's workers as `clusterText` words them: "2 workers", a range, "Single node"."""
    if cluster["autoscaling"]:
        return f"{cluster['minWorkers']}\N{EN DASH}{cluster['maxWorkers']} workers"
    count = cluster["workers"]
    return "Single node" if count == 0 else f"{count:,} worker{'' if count == 1 else 's'}"


def saving(finding: dict[str, Any]) -> str:
    amount = finding["estimatedMonthlySavingUsd"]
    return "No saving by itself" if amount is None else f"Saves {money(amount)} a month"


# --- Finding what a test needs --------------------------------------------------------------


def pinned_job_id(workspace: LocalWorkspace, index: int) -> str:
    """The id of the stand-in's pinned job `index` (read-only from its own tables)."""
    database = workspace.state.database
    assert isinstance(database, WorkspaceDatabase)
    con = duckdb.connect(str(database.path), read_only=True)
    try:
        row = con.execute(
            "SELECT job_id FROM local.jobs WHERE job_index = ? AND NOT deleted", [index]
        ).fetchone()
    finally:
        con.close()
    assert row is not None, f"pinned job {index} is not in the workspace"
    return str(row[0])


def utilization_of(ask_api: AskApi, job_id: str, window: str = WINDOW) -> dict[str, Any]:
    answer: dict[str, Any] = ask_api(UTILIZATION, jobId=job_id, window=window)["job"]
    return answer


def savings_of(ask_api: AskApi, user: str = "alice") -> dict[str, Any]:
    answer: dict[str, Any] = ask_api(SAVINGS, user, window=WINDOW)["overProvisionedJobs"]
    assert answer["__typename"] == "OverProvisionedJobs"
    return answer


def agreed(ask: Callable[[], T], open_and_read: Callable[[], T], attempts: int = 4) -> T:
    """What the page shows (`open_and_read`), once the API's answer (`ask`, in the page's words)
    was the same just before and just after: then the page read it too, and both must agree."""
    for _ in range(attempts):
        before = ask()
        shown = open_and_read()
        if ask() == before:
            assert shown == before
            return shown
    raise AssertionError("the API's answer changed each time the page was read")


# --- Reading the page ------------------------------------------------------------------------


def utilisation_card(page: Page) -> Locator:
    return card(page, "Utilisation")


def panel_shows(api: dict[str, Any]) -> dict[str, Any]:
    """What a measured job's panel should show, from the API's `utilization`."""
    return {
        "usage": [
            [
                label,
                usage(api[key]["p50Percent"]),
                usage(api[key]["p90Percent"]),
                usage(api[key]["peakPercent"]),
            ]
            for label, key in USAGE_ROWS
        ],
        "runs": f"{api['runsObserved']:,}",
        "minutes": f"{api['minutesObserved']:,}",
        "idle": percent(api["underusedMinuteShare"]),
        "saving": money(api["estimatedMonthlySavingUsd"]),
        "findings": [
            [finding["recommendation"]["summary"], saving(finding)] for finding in api["findings"]
        ],
    }


def read_panel(page: Page) -> dict[str, Any]:
    """What the utilisation panel shows, once its table is there."""
    panel = utilisation_card(page)
    table = panel.get_by_role("table", name="CPU and memory per run-minute")
    expect(table).to_be_visible()
    findings = panel.get_by_role("list", name="Findings").get_by_role("listitem")
    return {
        "usage": [
            [row.locator("th").inner_text(), *row.locator("td").all_inner_texts()[1:]]
            for row in table.locator("tbody tr").all()
        ],
        "runs": figure(panel, "Runs observed").inner_text(),
        "minutes": figure(panel, "Minutes observed").inner_text(),
        "idle": figure(panel, "Idle workers").inner_text(),
        "saving": figure(panel, "Possible saving").inner_text(),
        "findings": [
            [
                item.locator("p").inner_text(),
                item.get_by_text(re.compile(r"^(Saves|No saving)")).inner_text(),
            ]
            for item in findings.all()
        ],
    }


def savings_shows(api: dict[str, Any]) -> dict[str, Any]:
    """What the costs page's savings section should show, from `overProvisionedJobs`."""
    return {
        "total": money(api["estimatedMonthlySavingUsd"]),
        "count": f"{api['jobCount']:,}",
        "rows": [
            [
                entry["job"]["name"],
                f"/jobs/{entry['job']['jobId']}",
                money(entry["estimatedMonthlySavingUsd"]),
            ]
            for entry in api["jobs"]
        ],
    }


def savings_figure(page: Page, label: str) -> Locator:
    return (
        page.get_by_role("region", name="Savings figures", exact=True)
        .locator("dl > div", has=page.get_by_text(label, exact=True))
        .locator("dd")
        .first
    )


def read_savings(page: Page) -> dict[str, Any]:
    """What the savings section shows, every job of it (asked for with its button)."""
    section = page.get_by_role("region", name="Possible savings", exact=True)
    expect(section).to_be_visible()
    show_all = section.get_by_role("button", name=re.compile(r"^Show all \d+ jobs$"))
    if show_all.count() > 0:
        show_all.click()
        expect(section.get_by_role("button", name=re.compile("^Show the 10"))).to_be_visible()
    rows = section.get_by_role("table", name=SAVINGS_TABLE).locator("tbody tr")
    return {
        "total": savings_figure(page, "Possible saving").inner_text(),
        "count": savings_figure(page, "Jobs").inner_text(),
        "rows": [
            [
                row.get_by_role("link").inner_text(),
                row.get_by_role("link").get_attribute("href"),
                row.locator("td").last.inner_text(),
            ]
            for row in rows.all()
        ],
    }


# --- Tests -----------------------------------------------------------------------------------


def test_an_over_provisioned_job_s_panel_shows_its_usage_recommendation_and_saving(
    page: Page, ask_api: AskApi, local_workspace: LocalWorkspace
) -> None:
    # given the stand-in's over-provisioned job, and what the API says of it
    index = next(i for i, story in UTILISATION_PINNED.items() if story == "over_provisioned")
    job_id = pinned_job_id(local_workspace, index)
    api = utilization_of(ask_api, job_id)["utilization"]
    assert api["__typename"] == "JobUtilization"
    assert api["overProvisioned"]
    assert "OVER_PROVISIONED" in {finding["kind"] for finding in api["findings"]}

    # when alice opens its page
    def open_and_read() -> dict[str, Any]:
        page.goto(f"/jobs/{job_id}")
        return read_panel(page)

    # then the panel shows the API's CPU and memory of driver and workers (p50, p90, peak), the
    # runs and minutes observed, the idle share and the saving, and each finding's
    # recommendation with its saving a month
    agreed(lambda: panel_shows(utilization_of(ask_api, job_id)["utilization"]), open_and_read)
    panel = utilisation_card(page)
    expect(panel.get_by_text("Over-provisioned").first).to_be_visible()
    # and each figure is drawn as a bar; the workers' bars say under what they count as idle
    rule = savings_of(ask_api)
    idle = f"under {usage(rule['cpuThresholdPercent'])} counts as idle"
    expect(panel.get_by_role("img", name=re.compile(r"^Worker CPU: p50 "))).to_have_attribute(
        "aria-label", re.compile(re.escape(idle) + "$")
    )
    expect(panel.get_by_role("img", name=re.compile(r"^Driver CPU: p50 "))).not_to_have_attribute(
        "aria-label", re.compile("idle")
    )
    # and the cluster's shape
    expect(figure(panel, "Cluster")).to_have_text(workers(api["cluster"]))
    assert_accessible(page)
    screenshots(page, "utilisation-over-provisioned-job")


def test_the_panel_follows_the_window_chosen_in_the_filter_bar(
    page: Page, ask_api: AskApi, local_workspace: LocalWorkspace
) -> None:
    # given an over-provisioned job measured over the last 7 and the last 30 days
    index = next(i for i, story in UTILISATION_PINNED.items() if story == "over_provisioned")
    job_id = pinned_job_id(local_workspace, index)
    week = utilization_of(ask_api, job_id)["utilization"]
    month = utilization_of(ask_api, job_id, "LAST_30_DAYS")["utilization"]
    assert month["runsObserved"] > week["runsObserved"]
    page.goto(f"/jobs/{job_id}")
    runs = figure(utilisation_card(page), "Runs observed")
    expect(runs).to_have_text(f"{week['runsObserved']:,}")

    # when alice chooses the last 30 days in the filter bar
    page.get_by_label("Window").select_option(label="Last 30 days")

    # then the address says so, and the panel counts the runs of the 30 days
    expect(page).to_have_url(re.compile(r"window=LAST_30_DAYS"))
    expect(utilisation_card(page)).to_contain_text("over the last 30 days")
    expect(runs).to_have_text(f"{month['runsObserved']:,}")


@pytest.mark.parametrize("pinned", [SERVERLESS_JOB, SHARED_CLUSTER_JOB])
def test_a_job_on_compute_without_node_data_says_it_cannot_be_measured_and_why(
    page: Page, ask_api: AskApi, local_workspace: LocalWorkspace, pinned: int
) -> None:
    # given a job that ran on serverless compute, or on an all-purpose cluster shared with others
    job_id = pinned_job_id(local_workspace, pinned)
    api = utilization_of(ask_api, job_id)["utilization"]
    assert api["__typename"] == "UnmeasurableUtilization"
    reason = api["reason"]
    assert reason == ("SERVERLESS" if pinned == SERVERLESS_JOB else "SHARED_CLUSTER")
    shared = reason == "SHARED_CLUSTER"

    # when alice opens its page
    def shows(answer: dict[str, Any]) -> list[str]:
        runs = answer["sharedClusterRuns"] if shared else answer["serverlessRuns"]
        what = "used an all-purpose cluster" if shared else "ran on serverless compute"
        return [
            UNMEASURABLE_TITLES[answer["reason"]],
            answer["message"],
            f"In the window, {runs:,} of its {answer['runs']:,} runs {what}.",
        ]

    def open_and_read() -> list[str]:
        page.goto(f"/jobs/{job_id}")
        status = utilisation_card(page).get_by_role("status")
        expect(status).to_be_visible()
        return [
            status.locator("p").first.inner_text(),
            *status.locator("div p").all_inner_texts(),
        ]

    # then the panel says in words that it cannot be measured, and why, and which runs
    agreed(lambda: shows(utilization_of(ask_api, job_id)["utilization"]), open_and_read)
    panel = utilisation_card(page)
    expect(panel.get_by_role("table")).to_have_count(0)
    # and what can still be said: a shared cluster's runs would cost less on job compute
    findings = panel.get_by_role("list", name="Findings").get_by_role("listitem")
    expect(findings).to_have_count(len(api["findings"]))
    for item, finding in zip(findings.all(), api["findings"], strict=True):
        expect(item).to_contain_text(finding["recommendation"]["summary"])
    if shared:
        expect(findings.first).to_contain_text("Cheaper on job compute")
    assert_accessible(page)
    screenshots(page, f"utilisation-{reason.lower().replace('_', '-')}-job")


def test_the_costs_savings_list_the_api_s_jobs_in_its_order_with_its_total(
    page: Page, ask_api: AskApi
) -> None:
    # given alice's jobs whose compute could cost less over the last 7 days, most saving first
    api = savings_of(ask_api)
    assert api["jobs"], "the local workspace has over-provisioned jobs"
    assert api["jobCount"] == len(api["jobs"])
    savings = [entry["estimatedMonthlySavingUsd"] for entry in api["jobs"]]
    assert savings == sorted(savings, reverse=True)

    # when alice opens the costs page and asks for every job of its savings
    def open_and_read() -> dict[str, Any]:
        page.goto("/costs")
        return read_savings(page)

    # then it lists the same jobs in the same order, each with its saving and a link to its page,
    # with the API's total and count
    agreed(lambda: savings_shows(savings_of(ask_api)), open_and_read)
    expect(page).to_have_url(re.compile(r"savings=all"))
    # and each job's row says what to change, in the API's words
    first = api["jobs"][0]
    table = page.get_by_role("table", name=SAVINGS_TABLE)
    first_row = table.locator("tbody tr").first
    for finding in first["findings"]:
        expect(first_row).to_contain_text(finding["recommendation"]["summary"])
    assert_accessible(page)
    screenshots(page, "costs-savings-alice")

    # when she follows the first job's link
    first_row.get_by_role("link").click()

    # then its page's panel shows the same saving
    expect(page).to_have_url(re.compile(f"/jobs/{first['job']['jobId']}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(first["job"]["name"])
    expect(utilisation_card(page).get_by_role("list", name="Findings")).to_contain_text(
        money(first["estimatedMonthlySavingUsd"])
    )


def test_bob_sees_only_the_savings_of_his_jobs(page: Page, ask_api: AskApi) -> None:
    # given bob, who sees fewer jobs than alice, and what the API lists for each
    wait_for_permissions(ask_api)
    alices = savings_of(ask_api)
    bobs = savings_of(ask_api, "bob")
    bob_ids = {entry["job"]["jobId"] for entry in bobs["jobs"]}
    assert bob_ids < {entry["job"]["jobId"] for entry in alices["jobs"]}
    assert bobs["estimatedMonthlySavingUsd"] < alices["estimatedMonthlySavingUsd"]

    # when bob opens the costs page
    def open_and_read() -> dict[str, Any]:
        page.goto("/costs")
        act_as(page, "bob")
        settle(page)
        return read_savings(page)

    # then the savings listed, their order and total are his own
    shown = agreed(lambda: savings_shows(savings_of(ask_api, "bob")), open_and_read)
    others = {f"/jobs/{e['job']['jobId']}" for e in alices["jobs"]} - {
        row[1] for row in shown["rows"]
    }
    assert others, "alice's list has jobs bob may not see"
    for href in others:
        expect(page.locator(f"a[href='{href}']")).to_have_count(0)
    screenshots(page, "costs-savings-bob")


def test_with_nothing_to_save_the_savings_say_so(
    page: Page, ask_api: AskApi, local_workspace: LocalWorkspace
) -> None:
    # given the serverless job, which spent in the window and whose name no job on alice's
    # savings list bears
    job_id = pinned_job_id(local_workspace, SERVERLESS_JOB)
    job = ask_api(SPEND, jobId=job_id, window=WINDOW)["job"]
    assert job["cost"]["listCostUsd"] > 0
    name = job["name"]
    assert not [e for e in savings_of(ask_api)["jobs"] if name.lower() in e["job"]["name"].lower()]

    # when alice narrows the costs page to that job by name
    page.goto(f"/costs?q={name}")

    # then the savings section says there is nothing to save for it, with no saving counted
    section = page.get_by_role("region", name="Possible savings", exact=True)
    expect(section.get_by_role("status")).to_contain_text("Nothing to save on compute")
    expect(section.get_by_role("status")).to_contain_text(
        f"No job with name \N{LEFT DOUBLE QUOTATION MARK}{name}\N{RIGHT DOUBLE QUOTATION MARK}"
    )
    expect(savings_figure(page, "Possible saving")).to_have_text(money(0))
    expect(section.get_by_role("table")).to_have_count(0)
    screenshots(page, "costs-savings-none")
