"""Browser fixtures: Debian's Chromium driven by Playwright, against the real service.

The SPA must be built first (`make ui`; `make test` does it): the service serves whatever is in
`job_monitor/backend/static/` when it starts.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)
from pydantic import SecretStr

from job_monitor.backend.app import STATIC_DIR, RunningService
from job_monitor.backend.config import Settings
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import REPO_ROOT, StartService

# Debian's browser: no tool downloads its own.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
VIEWPORT: ViewportSize = {"width": 1366, "height": 860}
USER_CHOOSER = "Act as local user"

# History queries on a cold cache take seconds on a busy 2-core machine (Playwright's default: 5 s).
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def built_spa() -> Path:
    index = STATIC_DIR / "index.html"
    assert index.is_file(), f"no built UI at {index}: run `make ui` first"
    return index


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, built_spa: Path) -> Iterator[OpenPage]:
    """Opens a page in a fresh browser profile: `open_page(base_url, headers=None)`.

    An exception a page did not handle fails the test, even when the screen looked right.
    """
    contexts: list[BrowserContext] = []
    uncaught: list[str] = []

    def open_(base_url: str, headers: dict[str, str] | None = None) -> Page:
        context = browser.new_context(
            base_url=base_url, viewport=VIEWPORT, extra_http_headers=headers
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: uncaught.append(str(error)))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert uncaught == [], f"uncaught errors in the page: {uncaught}"


@pytest.fixture
def page(open_page: OpenPage, service: RunningService) -> Page:
    """The service in local mode, in a browser that has chosen no local user yet."""
    return open_page(service.url)


@pytest.fixture(scope="session")
def apps_service(
    built_spa: Path, local_workspace: LocalWorkspace, start_service: StartService
) -> RunningService:
    """The service in `apps` mode, as Databricks Apps runs it, against the local workspace."""
    return start_service(
        Settings(
            host=local_workspace.host,
            app_name="job-monitor",
            client_id=SP_CLIENT_ID,
            client_secret=SecretStr(SP_CLIENT_SECRET),
        )
    )


def screenshot(page: Page, name: str) -> None:
    """Keeps what the browser showed, for people to look at (`test-artifacts/` is not in git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    file_name = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
    page.screenshot(path=ARTIFACTS / f"{file_name}.png", full_page=True)


AskApi = Callable[..., dict[str, Any]]


@pytest.fixture
def ask_api(service: RunningService) -> Iterator[AskApi]:
    """The API's own answer, over HTTP: `ask_api(query, user="alice", **variables)` → `data`.

    Tests compare what the page shows with this, so they need no hard-coded data of the stand-in.
    """
    with httpx.Client(base_url=service.url, timeout=60) as http:

        def ask(query: str, user: str = "alice", **variables: Any) -> dict[str, Any]:
            response = http.post(
                "/api/graphql",
                json={"query": query, "variables": variables},
                headers={"X-Forwarded-Access-Token": f"local-{user}"},
            )
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body["errors"]
            data: dict[str, Any] = body["data"]
            return data

        yield ask


def act_as(page: Page, user: str) -> None:
    """Chooses a local user in the sidebar, as a person would."""
    page.get_by_label(USER_CHOOSER).select_option(user)


AXE = REPO_ROOT / "ui" / "node_modules" / "axe-core" / "axe.min.js"
Theme = Literal["light", "dark"]
THEMES: tuple[Theme, ...] = ("light", "dark")


def settle(page: Page) -> None:
    """Waits until the page has its heading and nothing on it is still loading."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[aria-busy='true']")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text=re.compile(r"^Loading"))).to_have_count(0)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical axe-core violations as it is now, with the nodes they hit."""
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({
              id: v.id,
              impact: v.impact,
              help: v.help,
              nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
            }))
        """
    )
    return violations


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


SCREENSHOT_WIDTHS = (1440, 1024)


def screenshots(page: Page, name: str) -> None:
    """Screenshots at a wide and a narrow desktop width, then the test's own size again."""
    for width in SCREENSHOT_WIDTHS:
        page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
        # Charts measure their box after a resize.
        page.wait_for_timeout(300)
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size(VIEWPORT)


# A job and one of its runs, for the pages that show one.
JOB_WITH_A_RUN = """
{
  jobs(first: 20, orderBy: {field: LAST_RUN, direction: DESC}) {
    ... on JobConnection {
      permissionsComplete
      nodes { jobId runs(first: 1) { ... on JobRunConnection { nodes { runId } } } }
    }
  }
}
"""
# Jobs whose utilisation panel shows each of its faces: measured with a finding that saves money,
# and not measurable (serverless).
UTILISATION_JOBS = """
{
  overProvisionedJobs(first: 20) {
    ... on OverProvisionedJobs { jobs { job { jobId } findings { kind } } }
  }
  jobs(first: 20, orderBy: {field: LAST_RUN, direction: DESC}) {
    ... on JobConnection {
      nodes { jobId utilization { ... on UnmeasurableUtilization { reason } } }
    }
  }
}
"""
# How long the service may still be reading job permissions after it started.
PERMISSIONS_WAIT_SECONDS = 120

PAGES = (
    "overview",
    "running",
    "jobs",
    "costs",
    "dashboard",
    "job",
    "job-utilisation",
    "job-serverless",
    "run",
)


def page_addresses(ask_api: AskApi) -> dict[str, str]:
    """Where each page is; the job and run pages show a job and run of alice's found by the API,
    and two more job pages the faces of its utilisation panel: an over-provisioned job's and a
    serverless job's.

    Waits until the service knows every job's permissions, so that pages show all of alice's jobs.
    """
    deadline = time.monotonic() + PERMISSIONS_WAIT_SECONDS
    while not (jobs := ask_api(JOB_WITH_A_RUN)["jobs"])["permissionsComplete"]:
        assert time.monotonic() < deadline, "job permissions still loading"
        time.sleep(1)
    job = next(job for job in jobs["nodes"] if job["runs"]["nodes"])
    utilisation = ask_api(UTILISATION_JOBS)
    over_provisioned = next(
        entry["job"]["jobId"]
        for entry in utilisation["overProvisionedJobs"]["jobs"]
        if "OVER_PROVISIONED" in {finding["kind"] for finding in entry["findings"]}
    )
    serverless = next(
        node["jobId"]
        for node in utilisation["jobs"]["nodes"]
        if node["utilization"].get("reason") == "SERVERLESS"
    )
    return {
        "overview": "/overview",
        "running": "/running",
        "jobs": "/jobs",
        "costs": "/costs",
        "dashboard": "/dashboard",
        "job": f"/jobs/{job['jobId']}",
        "job-utilisation": f"/jobs/{over_provisioned}",
        "job-serverless": f"/jobs/{serverless}",
        "run": f"/runs/{job['runs']['nodes'][0]['runId']}",
    }
