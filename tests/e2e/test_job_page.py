"""The job page in headless Chromium: its figures, run history, task matrix and DAG, and the SLA
target edited in place.

Figures on the page are compared with the API's own answer for the same person and window; a
changed target is read back from the stand-in's Jobs API through the real SDK, as the app's service
principal, and cleared again so the session's data is left as it was.
"""

from __future__ import annotations

import math
import re
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from playwright.sync_api import Locator, Page, expect

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from tests.e2e.conftest import AskApi, act_as, screenshot, serious_violations

pytestmark = pytest.mark.e2e

WINDOW = "LAST_7_DAYS"  # the filter bar's default

PERMISSIONS = "{ jobs(first: 1) { ... on JobConnection { permissionsComplete } } }"

JOB = """
query Job($jobId: ID!, $window: Window!) {
  job(jobId: $jobId) {
    __typename
    ... on Job {
      jobId name team owner url
      tasks { taskKey dependsOn }
      health(window: $window) {
        runs succeeded failed successRate failureStreak durationP50Seconds latestDurationSeconds
      }
      sla {
        targetSeconds editable { allowed reason }
        breachCount(window: $window) finishedRuns(window: $window) breachRate(window: $window)
      }
      cost(window: $window) {
        currency listCostUsd wastedUsd costPerSuccessfulRunUsd p90RunCostUsd
      }
    }
  }
}
"""

WORST_JOBS = """
query Worst($window: Window!) {
  jobs(first: 50, orderBy: {field: FAILURES, direction: DESC}, window: $window) {
    ... on JobConnection { nodes { jobId durationTargetSeconds tasks { taskKey } } }
  }
}
"""

ALL_JOBS = """
query AllJobs($after: String) {
  jobs(first: 100, after: $after) {
    ... on JobConnection {
      pageInfo { hasNextPage endCursor }
      nodes { jobId tasks { taskKey } }
    }
  }
}
"""

CLEAR_SLA = """
mutation Clear($jobId: ID!) { clearJobSla(jobId: $jobId) { __typename } }
"""


# --- What the page shows, written as the UI writes it (ui/lib/format.ts, costs.ts, runs.ts) ---


def _half_up(value: float, digits: int) -> Decimal:
    """`Number.prototype.toFixed` and `Intl.NumberFormat` round the exact value half up."""
    return Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def money(amount: float | None) -> str:
    if amount is None:
        return "\N{EM DASH}"
    digits = 2 if abs(amount) < 100 else 0
    return f"${_half_up(amount, digits):,}"


def percent(share: float | None) -> str:
    if share is None:
        return "\N{EM DASH}"
    value = share * 100
    if value < 100 and _half_up(value, 1) == 100:
        return ">99.9%"
    if value > 0 and _half_up(value, 1) == 0:
        return "<0.1%"
    return f"{int(value)}%" if value == int(value) else f"{_half_up(value, 1)}%"


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "\N{EM DASH}"
    whole = math.floor(seconds + 0.5)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes}m" if rest == 0 else f"{minutes}m {rest:02d}s"
    if whole < 86_400:
        return f"{whole // 3600}h {whole % 3600 // 60:02d}m"
    return f"{whole // 86_400}d {whole % 86_400 // 3600:02d}h"


# --- Finding what a test needs --------------------------------------------------------------


def wait_for_permissions(ask_api: AskApi) -> None:
    """Until the service knows every job's permissions, so a restricted viewer sees all of his."""
    deadline = time.monotonic() + 60
    while not ask_api(PERMISSIONS, "bob")["jobs"]["permissionsComplete"]:
        assert time.monotonic() < deadline, "job permissions still loading"
        time.sleep(0.5)


def job_as(ask_api: AskApi, job_id: str, user: str = "alice") -> dict[str, Any]:
    job: dict[str, Any] = ask_api(JOB, user, jobId=job_id, window=WINDOW)["job"]
    assert job["__typename"] == "Job"
    return job


class StandInJobs:
    """Jobs picked from the stand-in's own tables (read-only), by what the test needs."""

    def __init__(self, workspace: LocalWorkspace) -> None:
        database = workspace.state.database
        assert isinstance(database, WorkspaceDatabase)
        self._path = str(database.path)

    def _ids(self, sql: str) -> list[str]:
        con = duckdb.connect(self._path, read_only=True)
        try:
            return [str(row[0]) for row in con.execute(sql).fetchall()]
        finally:
            con.close()

    def app_may_manage(self, *, app_level: str) -> list[str]:
        """Jobs without a target, no bundle, on which the app's principal holds `app_level`."""
        return self._ids(
            "SELECT j.job_id FROM local.jobs j JOIN local.acl a USING (job_id) "
            "WHERE NOT j.deleted AND j.deployment_kind IS NULL "
            "AND j.health_duration_seconds IS NULL "
            f"AND a.principal_type = 'service_principal' AND a.permission_level = '{app_level}' "
            "ORDER BY j.job_id"
        )

    def viewed_only_by_bob(self) -> list[str]:
        """Jobs bob sees through data-eng's CAN_MANAGE_RUN and holds nothing more on."""
        return self._ids(
            "SELECT job_id FROM local.acl "
            "WHERE principal_type = 'group' AND principal = 'data-eng' "
            "AND job_id NOT IN (SELECT job_id FROM local.acl WHERE principal = 'bob@example.com') "
            "AND job_id IN (SELECT job_id FROM local.jobs WHERE NOT deleted) ORDER BY job_id"
        )


@pytest.fixture
def stand_in_jobs(local_workspace: LocalWorkspace) -> StandInJobs:
    return StandInJobs(local_workspace)


@pytest.fixture
def sp(local_workspace: LocalWorkspace) -> WorkspaceClient:
    """The app's service principal through the real SDK: to read back what the app wrote."""
    return WorkspaceClient(
        config=Config(
            host=local_workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret=SP_CLIENT_SECRET,
            auth_type="oauth-m2m",
        )
    )


def health_rules(sp: WorkspaceClient, job_id: str) -> list[dict[str, Any]]:
    """The job's health rules as the Jobs API answers them (raw `jobs/get`)."""
    raw = sp.api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})
    assert isinstance(raw, dict)
    rules: list[dict[str, Any]] = raw["settings"].get("health", {}).get("rules", [])
    return rules


def first_editable(ask_api: AskApi, candidates: list[str], user: str, allowed: bool) -> str:
    """The first candidate whose `sla.editable.allowed` is `allowed` for `user`."""
    for job_id in candidates[:20]:
        if job_as(ask_api, job_id, user)["sla"]["editable"]["allowed"] is allowed:
            return job_id
    raise AssertionError(f"no job among {candidates[:20]} with editable.allowed={allowed}")


# --- Reading the page ------------------------------------------------------------------------


def card(page: Page, title: str) -> Locator:
    return page.get_by_role("region", name=title, exact=True)


def figure(region: Locator, label: str) -> Locator:
    """The value under a figure's label in a card."""
    return (
        region.locator("dl > div", has=region.page.get_by_text(label, exact=True))
        .locator("dd")
        .first
    )


def history_loaded(page: Page) -> None:
    """Waits until the run history has been read, so a screenshot shows it rather than skeletons."""
    expect(card(page, "Run history")).to_have_attribute("aria-busy", "false")


# --- Tests -----------------------------------------------------------------------------------


@pytest.fixture
def failing_job(ask_api: AskApi) -> dict[str, Any]:
    """One of alice's jobs with failures in the window, with an SLA target where one has one."""
    wait_for_permissions(ask_api)
    worst = ask_api(WORST_JOBS, window=WINDOW)["jobs"]["nodes"]
    chosen = next((j for j in worst if j["durationTargetSeconds"] is not None), worst[0])
    return job_as(ask_api, chosen["jobId"])


def test_the_job_page_shows_the_api_s_figures_its_runs_and_its_tasks(
    page: Page, failing_job: dict[str, Any]
) -> None:
    job = failing_job
    health, cost, sla = job["health"], job["cost"], job["sla"]

    # when alice opens the job's page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/jobs/{job['jobId']}")

    # then the header names the job, its team and owner, and links to Databricks
    expect(page.get_by_role("heading", level=1)).to_have_text(job["name"])
    expect(page.get_by_text(job["owner"], exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Open in Databricks"))).to_have_attribute(
        "href", job["url"]
    )

    # and the health, cost and SLA figures are the API's for the window
    health_card, cost_card, sla_card = card(page, "Health"), card(page, "Cost"), card(page, "SLA")
    expect(figure(health_card, "Success rate")).to_have_text(percent(health["successRate"]))
    expect(figure(health_card, "Finished runs")).to_have_text(f"{health['runs']:,}")
    expect(figure(health_card, "Failure streak")).to_have_text(str(health["failureStreak"]))
    expect(figure(health_card, "Usual duration")).to_have_text(
        duration(health["durationP50Seconds"])
    )
    expect(figure(health_card, "Latest duration")).to_have_text(
        duration(health["latestDurationSeconds"])
    )
    expect(figure(cost_card, "Spend")).to_have_text(money(cost["listCostUsd"]))
    expect(figure(cost_card, "Wasted")).to_have_text(money(cost["wastedUsd"]))
    expect(figure(cost_card, "Per successful run")).to_have_text(
        money(cost["costPerSuccessfulRunUsd"])
    )
    expect(figure(cost_card, "p90 run cost")).to_have_text(money(cost["p90RunCostUsd"]))
    if sla["targetSeconds"] is None:
        expect(figure(sla_card, "Target")).to_have_text("None")
    else:
        expect(figure(sla_card, "Target")).to_have_text(duration(sla["targetSeconds"]))
        expect(figure(sla_card, "Breach rate")).to_have_text(percent(sla["breachRate"]))
        expect(sla_card).to_contain_text(
            f"{sla['breachCount']:,} of {sla['finishedRuns']:,} finished runs took longer"
        )

    # and the run history draws a point per finished run it counts
    chart = page.get_by_role("img", name=re.compile(r"^Duration of \d+ finished runs"))
    expect(chart).to_be_visible()
    drawn = int(re.findall(r"\d+", chart.get_attribute("aria-label") or "")[0])
    assert drawn > 0
    expect(chart.locator(".recharts-scatter-symbol")).to_have_count(drawn)

    # and the matrix has a row per task, a square per task and run, each saying its state
    grid = page.get_by_role("grid", name="Task states in recent runs")
    task_rows = grid.locator("tbody tr")
    expect(task_rows).to_have_count(len(job["tasks"]))
    expect(task_rows.first.get_by_role("link").first).to_have_attribute(
        "aria-label", re.compile(r" in the run of .+: \w")
    )

    # and the task graph shows every task
    graph = page.get_by_role("region", name=re.compile("^Task graph"))
    for task in job["tasks"]:
        expect(graph).to_contain_text(task["taskKey"][:20])

    screenshot(page, "job-page-1440")
    page.set_viewport_size({"width": 1024, "height": 900})
    expect(chart).to_be_visible()
    screenshot(page, "job-page-1024")

    # and nothing on it is a serious accessibility problem
    assert serious_violations(page) == []


def test_the_matrix_is_one_tab_stop_walked_with_the_arrow_keys_to_a_run(
    page: Page, failing_job: dict[str, Any]
) -> None:
    # given alice on a job's page
    page.goto(f"/jobs/{failing_job['jobId']}")
    grid = page.get_by_role("grid", name="Task states in recent runs")
    expect(grid).to_be_visible()

    # when she tabs into the matrix (its newest run), steps down to a task and left to an older run
    newest = grid.locator("thead a").last
    newest.focus()
    expect(grid.locator("a[tabindex='0']")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    focused = grid.locator("a:focus")
    expect(focused).to_have_attribute("aria-label", re.compile(r" in the run of "))
    target = focused.get_attribute("href") or ""
    page.keyboard.press("Enter")

    # then she is on that run's page
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    expect(page.get_by_role("region", name="Timeline")).to_be_visible()


def test_a_job_of_130_tasks_keeps_its_graph_and_matrix_whole(page: Page, ask_api: AskApi) -> None:
    # given alice's job with the most tasks
    wait_for_permissions(ask_api)
    jobs: list[dict[str, Any]] = []
    after = None
    while True:
        found = ask_api(ALL_JOBS, after=after)["jobs"]
        jobs += found["nodes"]
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    biggest = max(jobs, key=lambda job: len(job["tasks"]))
    keys = [task["taskKey"] for task in biggest["tasks"]]
    assert len(keys) >= 100

    # when she opens it over the last 30 days
    page.goto(f"/jobs/{biggest['jobId']}?window=LAST_30_DAYS")

    # then the graph draws every task, and the matrix has a row for each
    graph = page.get_by_role("region", name=re.compile(f"^Task graph: {len(keys)} tasks"))
    expect(graph.locator("svg text")).to_have_count(len(keys))
    grid = page.get_by_role("grid", name="Task states in recent runs")
    expect(grid.locator("tbody tr")).to_have_count(len(keys))
    screenshot(page, "job-page-130-tasks")


def test_alice_sets_and_clears_the_target_of_a_job_she_manages(
    page: Page,
    ask_api: AskApi,
    stand_in_jobs: StandInJobs,
    sp: WorkspaceClient,
) -> None:
    # given a job without a target that alice may manage (and the app may write)
    wait_for_permissions(ask_api)
    job_id = first_editable(
        ask_api, stand_in_jobs.app_may_manage(app_level="CAN_MANAGE"), "alice", True
    )
    assert job_as(ask_api, job_id)["sla"]["targetSeconds"] is None
    assert health_rules(sp, job_id) == []

    try:
        # when she types a number that is no target, she is told why in words
        page.goto(f"/jobs/{job_id}")
        sla = card(page, "SLA")
        field = sla.get_by_label("Target in minutes")
        field.fill("0")
        sla.get_by_role("button", name="Save").click()
        expect(sla.get_by_role("alert")).to_have_text("The target must be longer than 0 minutes.")

        # when she sets 47 minutes
        field.fill("47")
        sla.get_by_role("button", name="Save").click()

        # then the page says so at once, and the Jobs API holds the rule
        expect(sla.get_by_role("status")).to_have_text("Saved: the target is now 47m.")
        expect(figure(sla, "Target")).to_have_text("47m")
        assert health_rules(sp, job_id) == [
            {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 47 * 60}
        ]
        # and a reload at once reads it back from the API (system.lakeflow.jobs is not read again
        # for a minute, and on Databricks lags further: the service shows what it wrote)
        page.reload()
        expect(figure(card(page, "SLA"), "Target")).to_have_text("47m")
        expect(figure(card(page, "SLA"), "Breach rate")).to_be_visible()
        history_loaded(page)
        screenshot(page, "job-page-sla-set")

        # when she clears it
        card(page, "SLA").get_by_role("button", name="Clear").click()

        # then the page says so, and the rule is gone from the Jobs API
        expect(card(page, "SLA").get_by_role("status")).to_have_text(
            "Cleared: the job has no target now."
        )
        assert health_rules(sp, job_id) == []
        page.reload()
        expect(figure(card(page, "SLA"), "Target")).to_have_text("None")
    finally:
        # the session's other tests see the job as it was
        ask_api(CLEAR_SLA, jobId=job_id)


def test_a_change_the_app_may_not_make_is_explained_in_words(
    page: Page, ask_api: AskApi, stand_in_jobs: StandInJobs, sp: WorkspaceClient
) -> None:
    # given a job alice manages but the app's service principal may only view
    wait_for_permissions(ask_api)
    job_id = first_editable(
        ask_api, stand_in_jobs.app_may_manage(app_level="CAN_VIEW"), "alice", True
    )

    # when she saves a target
    page.goto(f"/jobs/{job_id}")
    sla = card(page, "SLA")
    sla.get_by_label("Target in minutes").fill("30")
    sla.get_by_role("button", name="Save").click()

    # then the page says who lacks which permission, and nothing was written
    alert = sla.get_by_role("alert")
    expect(alert).to_contain_text("Job Monitor itself may not edit this job")
    expect(alert).to_contain_text("grant the app's service principal CAN_MANAGE")
    assert health_rules(sp, job_id) == []


def test_bob_sees_no_control_on_a_job_he_may_only_view_and_is_told_why(
    page: Page, ask_api: AskApi, stand_in_jobs: StandInJobs
) -> None:
    # given a job bob sees but may not manage, and the API's reason
    wait_for_permissions(ask_api)
    job_id = first_editable(ask_api, stand_in_jobs.viewed_only_by_bob(), "bob", False)
    reason = job_as(ask_api, job_id, "bob")["sla"]["editable"]["reason"]
    assert reason

    # when bob opens its page
    page.goto(f"/jobs/{job_id}")
    act_as(page, "bob")

    # then there is no control to change the target, only a note saying he cannot
    sla = card(page, "SLA")
    note = sla.get_by_text("View only: you cannot change the target")
    expect(note).to_be_visible()
    expect(sla.get_by_label("Target in minutes")).to_have_count(0)
    expect(sla.get_by_role("button", name="Save")).to_have_count(0)
    # and the reason shows on hover (title) and on focus, and is there for screen readers
    expect(note).to_have_attribute("title", reason)
    expect(note).to_have_accessible_description(reason)
    note.focus()
    expect(sla.get_by_text(reason, exact=True)).to_be_visible()
    history_loaded(page)
    screenshot(page, "job-page-bob-view-only")


def test_while_job_permissions_cannot_be_read_the_page_still_shows_the_job(
    page: Page, failing_job: dict[str, Any], faults: Any
) -> None:
    # given the Jobs API failing to answer for job permissions
    faults({"routes": {"GET /api/2.0/permissions/jobs/*": {"status_503": 1.0}}})

    # when alice opens a job's page
    page.goto(f"/jobs/{failing_job['jobId']}")

    # then its figures show, and only the SLA control says what it could not find out
    expect(figure(card(page, "Health"), "Finished runs")).to_have_text(
        f"{failing_job['health']['runs']:,}"
    )
    expect(card(page, "SLA").get_by_role("alert")).to_contain_text(
        "Could not load whether you may change the target", timeout=60_000
    )
    expect(card(page, "SLA").get_by_label("Target in minutes")).to_have_count(0)


def test_a_job_that_is_not_the_viewer_s_reads_as_not_found(page: Page) -> None:
    page.goto("/jobs/1")
    expect(page.get_by_role("status").filter(has_text="Not found")).to_be_visible()
