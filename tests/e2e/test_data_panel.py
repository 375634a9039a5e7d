"""The job page's data panel in headless Chromium: the tables a job writes, each write's rows
against the baseline band, the unusual writes and empty runs marked, the tables it reads and their
schema changes.

What the panel shows is compared with the API's own answer (`Job.outputs`) for the same job and
window; the jobs are the stand-in's planted patterns (`local_workspace/synth/tables.py`): a
row-count drop, an empty run and a schema drift, found by their pinned index in the stand-in's own
tables.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

import duckdb
import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.tables import (
    DROP_JOB,
    DROPPED_COLUMN,
    EMPTY_RUN_JOB,
    RETYPED_COLUMN,
    SCHEMA_DRIFT_JOB,
)
from tests.conftest import StartService, local_settings
from tests.e2e.conftest import (
    ARTIFACTS,
    PERMISSIONS_WAIT_SECONDS,
    SCREENSHOT_WIDTHS,
    THEMES,
    VIEWPORT,
    AskApi,
    OpenPage,
    Theme,
    serious_violations,
    settle,
)

pytestmark = pytest.mark.e2e

WINDOW = "LAST_7_DAYS"  # the filter bar's default
HISTORY_WINDOW = "LAST_30_DAYS"  # about what Delta keeps of a table's history

OUTPUTS = """
query Outputs($jobId: ID!, $window: Window!) {
  job(jobId: $jobId) {
    __typename
    ... on Job {
      jobId
      outputs(window: $window) {
        window anomalyPercent
        tables {
          name historyRead anomalousWrites emptyRuns
          writes { version runId rows baselineRows deltaPercent anomaly emptyRun }
        }
        sources { name historyRead }
        schemaChanges { table version kind column newName dataType }
      }
    }
  }
}
"""

JOBS_WITH_TABLES = """
{
  jobs(first: 100) {
    ... on JobConnection {
      permissionsComplete
      nodes { jobId outputs { tables { name } sources { name } } }
    }
  }
}
"""


# --- What the panel shows, written as the UI writes it (ui/lib/tableWrites.ts) ----------------


def _half_up(value: float) -> int:
    """`Math.round` of a non-negative number."""
    return math.floor(value + 0.5)


def rows(count: float | None) -> str:
    return "\N{EM DASH}" if count is None else f"{_half_up(count):,}"


def delta(percent: float | None) -> str:
    """A signed delta: whole percents from 10 % on, one decimal below; a minus sign, no hyphen."""
    if percent is None:
        return "\N{EM DASH}"
    size = abs(percent)
    rounded: float = _half_up(size) if size >= 10 else _half_up(size * 10) / 10
    if rounded == 0:
        return "\N{PLUS-MINUS SIGN}0%"
    sign = "+" if percent > 0 else "\N{MINUS SIGN}"
    return f"{sign}{int(rounded) if rounded == int(rounded) else rounded}%"


APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
ROWS_CHART = re.compile(r"^Rows of \d+ writes? to ")
"""A table's chart, by the start of its accessible name."""
KINDS = {"ADDED": "Added", "DROPPED": "Dropped", "RENAMED": "Renamed", "RETYPED": "Retyped"}


def now_text(change: dict[str, Any]) -> str:
    """What the column is now: its type, or its new name."""
    value = change["newName"] if change["kind"] == "RENAMED" else change["dataType"]
    return value if change["kind"] != "DROPPED" and value is not None else "\N{EM DASH}"


# --- Finding what a test needs ------------------------------------------------------------------


@pytest.fixture
def pinned(local_workspace: LocalWorkspace) -> dict[int, str]:
    """The pinned synthetic jobs' ids by index, from the stand-in's own tables (read-only)."""
    database = local_workspace.state.database
    assert isinstance(database, WorkspaceDatabase)
    con = duckdb.connect(str(database.path), read_only=True)
    try:
        found = con.execute("SELECT job_index, job_id FROM local.jobs WHERE job_index < 14")
        return {index: str(job_id) for index, job_id in found.fetchall()}
    finally:
        con.close()


def outputs_of(ask_api: AskApi, job_id: str, window: str = WINDOW) -> dict[str, Any]:
    job = ask_api(OUTPUTS, jobId=job_id, window=window)["job"]
    assert job["__typename"] == "Job", job
    outputs: dict[str, Any] = job["outputs"]
    return outputs


def jobs_with_tables(ask_api: AskApi) -> list[dict[str, Any]]:
    """A page of alice's jobs with the tables each wrote and read over the default window, once
    the service knows every job's permissions."""
    deadline = time.monotonic() + PERMISSIONS_WAIT_SECONDS
    while not (jobs := ask_api(JOBS_WITH_TABLES)["jobs"])["permissionsComplete"]:
        assert time.monotonic() < deadline, "job permissions still loading"
        time.sleep(1)
    nodes: list[dict[str, Any]] = jobs["nodes"]
    return nodes


# --- Reading the page ---------------------------------------------------------------------------


def data_panel(page: Page) -> Locator:
    return page.get_by_role("region", name="Data", exact=True)


def loaded(page: Page) -> Locator:
    """The data panel once its tables have been read."""
    panel = data_panel(page)
    expect(panel).to_have_attribute("aria-busy", "false")
    expect(panel.get_by_role("status").filter(has_text=re.compile("^Loading"))).to_have_count(0)
    return panel


def table_section(panel: Locator, name: str) -> Locator:
    """One table the job writes: a region named by the table."""
    return panel.get_by_role("region", name=name, exact=True)


def figure(region: Locator, label: str) -> Locator:
    """The value under a figure's label."""
    return (
        region.locator("dl > div", has=region.page.get_by_text(label, exact=True))
        .locator("dd")
        .first
    )


def unusual_writes(section: Locator) -> Locator:
    return section.get_by_role("table", name=re.compile("^Unusual writes"))


def row_of_version(table: Locator, version: int) -> Locator:
    return table.locator("tbody tr").filter(
        has=table.page.get_by_role("cell", name=str(version), exact=True)
    )


def panel_screenshots(page: Page, name: str) -> None:
    """The panel alone, at a wide and a narrow desktop width (`test-artifacts/`, not in git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in SCREENSHOT_WIDTHS:
        page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
        # Charts measure their box after a resize.
        page.wait_for_timeout(300)
        data_panel(page).screenshot(path=ARTIFACTS / f"{name}-{width}.png")
    page.set_viewport_size(VIEWPORT)


# --- Tests --------------------------------------------------------------------------------------


def test_the_drop_job_s_table_shows_its_writes_below_the_band_marked_and_the_latest_delta(
    page: Page, ask_api: AskApi, pinned: dict[int, str]
) -> None:
    # given the job whose table's last writes are far below its usual rows, as the API answers
    job_id = pinned[DROP_JOB]
    outputs = outputs_of(ask_api, job_id)
    (table,) = [t for t in outputs["tables"] if t["anomalousWrites"]]
    latest = table["writes"][0]
    unusual = [w for w in table["writes"] if w["anomaly"]]
    assert len(unusual) == table["anomalousWrites"] >= 3
    assert all(w["deltaPercent"] < 0 and not w["emptyRun"] for w in unusual)

    # when alice opens its page
    page.goto(f"/jobs/{job_id}")
    panel = loaded(page)

    # then the panel counts the unusual writes, and the table says they are outside the band
    expect(panel.get_by_text(f"{len(unusual)} unusual writes", exact=True)).to_be_visible()
    section = table_section(panel, table["name"])
    expect(section.get_by_text(f"{len(unusual)} writes outside the band")).to_be_visible()

    # and the latest write's rows and its delta against the baseline are the API's
    expect(figure(section, "Latest write")).to_have_text(rows(latest["rows"]))
    expect(figure(section, "Delta")).to_have_text(delta(latest["deltaPercent"]))
    assert delta(latest["deltaPercent"]).startswith("\N{MINUS SIGN}")

    # and the chart draws each unusual write with a shape of its own (below the band), and says
    # so in words
    chart = section.get_by_role("img", name=ROWS_CHART)
    expect(chart).to_have_attribute(
        "aria-label", re.compile(f"; {len(unusual)} outside the band of ±20%")
    )
    marks = chart.locator("[data-mark='below']")
    expect(marks).to_have_count(len(unusual))
    drawn = {int(marks.nth(i).get_attribute("data-version") or -1) for i in range(len(unusual))}
    assert drawn == {w["version"] for w in unusual}
    expect(chart.locator("[data-mark='usual']")).to_have_count(
        sum(1 for w in table["writes"] if not w["anomaly"] and w["baselineRows"] is not None)
    )

    # and each of them is listed in words, with its rows, baseline, delta and version
    listed = unusual_writes(section)
    expect(listed.locator("tbody tr")).to_have_count(len(unusual))
    for write in unusual:
        row = row_of_version(listed, write["version"])
        expect(row).to_contain_text("Below the band")
        expect(row).to_contain_text(rows(write["rows"]))
        expect(row).to_contain_text(rows(write["baselineRows"]))
        expect(row).to_contain_text(delta(write["deltaPercent"]))
        expect(row.get_by_role("link")).to_have_attribute("href", f"/runs/{write['runId']}")

    # and the tables it reads are listed
    for source in outputs["sources"]:
        expect(panel.get_by_text(source["name"], exact=True)).to_be_visible()
    panel_screenshots(page, "data-panel-drop")


def test_the_empty_run_job_s_panel_calls_out_its_empty_run(
    page: Page, ask_api: AskApi, pinned: dict[int, str]
) -> None:
    # given the job one of whose runs wrote no rows, as the API answers
    job_id = pinned[EMPTY_RUN_JOB]
    outputs = outputs_of(ask_api, job_id)
    (table,) = [t for t in outputs["tables"] if t["emptyRuns"]]
    (empty,) = [w for w in table["writes"] if w["emptyRun"]]

    # when alice opens its page
    page.goto(f"/jobs/{job_id}")
    section = table_section(loaded(page), table["name"])

    # then the table says it had an empty run
    expect(section.get_by_text("1 empty run", exact=True)).to_be_visible()

    # and the chart marks that write as an empty run, with a shape and a label of its own
    chart = section.get_by_role("img", name=ROWS_CHART)
    expect(chart).to_have_attribute("aria-label", re.compile("; 1 empty run;"))
    mark = chart.locator("[data-mark='empty']")
    expect(mark).to_have_count(1)
    expect(mark).to_have_attribute("data-version", str(empty["version"]))
    expect(chart.locator("svg text", has_text="Empty run")).to_have_count(1)

    # and the list of unusual writes calls it an empty run: no rows, its version and its run
    row = row_of_version(unusual_writes(section), empty["version"])
    expect(row).to_contain_text("Empty run")
    expect(row.locator("td").nth(2)).to_have_text("0")
    expect(row).to_contain_text(delta(-100))
    expect(row.get_by_role("link")).to_have_attribute("href", f"/runs/{empty['runId']}")
    panel_screenshots(page, "data-panel-empty-run")


def test_the_drift_job_s_panel_lists_the_dropped_and_the_retyped_column_with_their_versions(
    page: Page, ask_api: AskApi, pinned: dict[int, str]
) -> None:
    # given the job whose table's columns changed 10 to 12 days ago: none in the default week
    job_id = pinned[SCHEMA_DRIFT_JOB]
    assert outputs_of(ask_api, job_id)["schemaChanges"] == []
    changes = outputs_of(ask_api, job_id, HISTORY_WINDOW)["schemaChanges"]
    assert {c["column"] for c in changes} >= {DROPPED_COLUMN, RETYPED_COLUMN}

    # when alice opens its page over the default week
    page.goto(f"/jobs/{job_id}")
    panel = loaded(page)

    # then the panel says there is no column change in the week, and offers the last 30 days
    expect(panel).to_contain_text("No column added, dropped, renamed or retyped in the last 7 days")
    panel.get_by_role("link", name="look back over the last 30 days").click()

    # when she follows it, the page's window is the last 30 days
    expect(page).to_have_url(re.compile(r"[?&]window=LAST_30_DAYS"))
    expect(page.get_by_label("Window")).to_have_value(HISTORY_WINDOW)
    panel = loaded(page)

    # then every change is listed, newest first: its kind, column, type, table and version
    listed = panel.get_by_role("table", name="Schema changes, newest first").locator("tbody tr")
    expect(listed).to_have_count(len(changes))
    for i, change in enumerate(changes):
        cells = listed.nth(i).locator("td")
        expect(cells.nth(0)).to_have_text(KINDS[change["kind"]])
        expect(cells.nth(1)).to_have_text(change["column"])
        expect(cells.nth(2)).to_have_text(now_text(change))
        expect(cells.nth(3)).to_have_text(change["table"])
        expect(cells.nth(4)).to_have_text(str(change["version"]))

    # and in particular the dropped and the retyped column, with the versions that changed them
    dropped = next(c for c in changes if c["kind"] == "DROPPED")
    retyped = next(c for c in changes if c["kind"] == "RETYPED")
    assert (dropped["column"], retyped["column"], retyped["dataType"]) == (
        DROPPED_COLUMN,
        RETYPED_COLUMN,
        "long",
    )
    expect(listed.filter(has_text=DROPPED_COLUMN)).to_contain_text(
        re.compile(f"Dropped.*{DROPPED_COLUMN}.*{dropped['version']}")
    )
    expect(listed.filter(has_text=RETYPED_COLUMN)).to_contain_text(
        re.compile(f"Retyped.*{RETYPED_COLUMN}.*long.*{retyped['version']}")
    )
    # and the panel's header counts them
    expect(panel.get_by_text(f"{len(changes)} column changes", exact=True)).to_be_visible()
    panel_screenshots(page, "data-panel-schema-drift")


def test_a_job_that_writes_no_tables_shows_the_empty_state(page: Page, ask_api: AskApi) -> None:
    # given one of alice's jobs that wrote and read no table in the default week
    job_id = next(
        job["jobId"]
        for job in jobs_with_tables(ask_api)
        if not job["outputs"]["tables"] and not job["outputs"]["sources"]
    )

    # when she opens its page
    page.goto(f"/jobs/{job_id}")
    panel = loaded(page)

    # then the panel says so, and shows no table, chart or list of changes
    expect(panel.get_by_role("status")).to_contain_text("No tables written or read in this window")
    expect(panel.get_by_role("region")).to_have_count(0)
    expect(panel.get_by_role("img", name=ROWS_CHART)).to_have_count(0)
    expect(panel.get_by_role("table")).to_have_count(0)
    panel_screenshots(page, "data-panel-no-tables")


def test_a_table_whose_history_was_not_read_says_so_instead_of_showing_no_writes(
    open_page: OpenPage,
    ask_api: AskApi,
    local_workspace: LocalWorkspace,
    start_service: StartService,
) -> None:
    # given a job that writes two tables, and a service that reads one table's history a request
    job_id = next(
        job["jobId"] for job in jobs_with_tables(ask_api) if len(job["outputs"]["tables"]) >= 2
    )
    limited = start_service(local_settings(local_workspace, outputs_max_tables=1))
    answer = httpx.post(
        f"{limited.url}/api/graphql",
        json={"query": OUTPUTS, "variables": {"jobId": job_id, "window": WINDOW}},
        headers={"X-Forwarded-Access-Token": "local-alice"},
        timeout=60,
    ).json()["data"]["job"]["outputs"]
    unread = [t["name"] for t in answer["tables"] if not t["historyRead"]]
    read = [t["name"] for t in answer["tables"] if t["historyRead"]]
    assert unread
    assert read

    # when alice opens the job's page on it
    page = open_page(limited.url)
    page.goto(f"/jobs/{job_id}")
    panel = loaded(page)

    # then the unread table says its history was not read, and the read one shows its writes
    for name in unread:
        section = table_section(panel, name)
        expect(section.get_by_text("History not read", exact=True)).to_be_visible()
        expect(section).to_contain_text("Its Delta history was not read")
        expect(section.get_by_role("img", name=ROWS_CHART)).to_have_count(0)
    for name in read:
        expect(table_section(panel, name).get_by_role("img", name=ROWS_CHART)).to_have_count(1)
    # and where no column change was found, the panel says which changes it could not know
    not_read = sum(1 for t in [*answer["tables"], *answer["sources"]] if not t["historyRead"])
    if not answer["schemaChanges"]:
        expect(panel).to_contain_text(
            f"{not_read} table{APOSTROPHE}s history was not read"
            if not_read == 1
            else f"{not_read} tables{APOSTROPHE} histories were not read"
        )
    panel_screenshots(page, "data-panel-history-not-read")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(
    ("job", "window"),
    [(DROP_JOB, WINDOW), (EMPTY_RUN_JOB, WINDOW), (SCHEMA_DRIFT_JOB, HISTORY_WINDOW)],
)
def test_the_data_panel_has_no_serious_accessibility_violations(
    page: Page, pinned: dict[int, str], job: int, window: str, theme: Theme
) -> None:
    # given the system asks for the theme
    page.emulate_media(color_scheme=theme)

    # when alice opens a job's page with unusual writes or schema changes, and it has loaded
    page.goto(f"/jobs/{pinned[job]}?window={window}")
    settle(page)
    loaded(page)

    # then axe-core finds nothing serious or critical on it
    assert serious_violations(page) == []
