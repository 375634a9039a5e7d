"""The dashboard in real headless Chromium, against the service and the local workspace (issue 2).

Assertions are on what a person sees: text in named regions, labelled controls.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from job_monitor.backend.app import RunningService
from tests.e2e.conftest import OpenPage, screenshot

pytestmark = pytest.mark.e2e

SIGNED_IN_AS = "Signed in as"
SERVICE_HEALTH = "Service health"
USER_CHOOSER = "Act as local user"
# What the Databricks Apps proxy adds to every request; here the browser sends it "as the proxy".
PROXY_TOKEN_HEADER = "X-Forwarded-Access-Token"


def test_dashboard_shows_the_viewer_email_and_the_health_status(page: Page) -> None:
    # given the service in local mode and a browser that chose no user
    # when a person opens the dashboard (the app itself opens on the overview)
    page.goto("/dashboard")

    # then they are signed in as the default local user
    expect(page).to_have_title("Dashboard · Job Monitor")
    viewer = page.get_by_role("region", name=SIGNED_IN_AS)
    expect(viewer).to_contain_text("alice@example.com")
    expect(viewer).to_contain_text("Alice Admin")
    expect(viewer).to_contain_text("Workspace admin")
    # and the local mode is visible
    expect(page.get_by_role("complementary")).to_contain_text("Local workspace")
    # and the health of both dependencies is shown
    health = page.get_by_role("region", name=SERVICE_HEALTH)
    expect(health).to_contain_text("All systems operational")
    checks = health.get_by_role("table", name="Dependency checks")
    expect(checks.get_by_role("row", name=re.compile("Databricks workspace"))).to_contain_text(
        "Operational"
    )
    expect(checks.get_by_role("row", name=re.compile("SQL warehouse"))).to_contain_text(
        "Operational"
    )
    expect(checks.get_by_role("row", name=re.compile("Jobs API"))).to_contain_text("Operational")
    expect(checks).to_contain_text(re.compile(r"\d+ ms"))
    screenshot(page, "dashboard-alice")


def test_a_deep_link_to_the_dashboard_loads(page: Page) -> None:
    # given the service serves the SPA
    # when the dashboard address is opened directly
    response = page.goto("/dashboard")

    # then the server answers with the app and the app renders the page
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(page.get_by_role("region", name=SIGNED_IN_AS)).to_contain_text("alice@example.com")
    expect(page.get_by_role("link", name="Dashboard", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_an_unknown_address_shows_page_not_found(page: Page) -> None:
    # when a person follows a stale link
    page.goto("/no-such-page")

    # then the app says so and offers the way back
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Go to the dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_switching_the_local_user_to_bob_shows_bob(page: Page) -> None:
    # given the dashboard as alice
    page.goto("/dashboard")
    viewer = page.get_by_role("region", name=SIGNED_IN_AS)
    expect(viewer).to_contain_text("alice@example.com")

    # when the person chooses bob
    page.get_by_label(USER_CHOOSER).select_option("bob")

    # then the dashboard shows bob, who is no admin and is in data-eng
    expect(viewer).to_contain_text("bob@example.com")
    expect(viewer).not_to_contain_text("alice@example.com")
    expect(viewer).not_to_contain_text("Workspace admin")
    expect(viewer.get_by_role("list", name="Groups")).to_contain_text("data-eng")
    screenshot(page, "dashboard-bob")

    # and the choice survives a reload
    page.reload()
    expect(page.get_by_role("region", name=SIGNED_IN_AS)).to_contain_text("bob@example.com")
    expect(page.get_by_label(USER_CHOOSER)).to_have_value("bob")


def test_in_apps_mode_there_is_no_user_chooser(
    open_page: OpenPage, apps_service: RunningService
) -> None:
    # given the service as a Databricks App, behind a proxy that forwards carol's token
    page = open_page(apps_service.url, headers={PROXY_TOKEN_HEADER: "local-carol"})

    # when carol opens the dashboard
    page.goto("/dashboard")

    # then she is signed in through Databricks and cannot act as anyone else
    viewer = page.get_by_role("region", name=SIGNED_IN_AS)
    expect(viewer).to_contain_text("carol@example.com")
    expect(page.get_by_role("complementary")).to_contain_text("Databricks App")
    expect(page.get_by_label(USER_CHOOSER)).to_have_count(0)
    screenshot(page, "dashboard-apps-mode")


def test_in_apps_mode_without_a_token_the_dashboard_says_you_are_not_signed_in(
    open_page: OpenPage, apps_service: RunningService
) -> None:
    # given the service as a Databricks App, reached without the proxy's token
    page = open_page(apps_service.url)

    # when the dashboard is opened
    page.goto("/dashboard")

    # then it shows the unauthenticated state, and health answers only its overall status
    viewer = page.get_by_role("region", name=SIGNED_IN_AS)
    expect(viewer.get_by_role("status")).to_contain_text("You are not signed in")
    health = page.get_by_role("region", name=SERVICE_HEALTH)
    expect(health).to_contain_text("Version")
    expect(health).to_contain_text("Sign in to see each dependency's check")
    expect(health.get_by_role("table", name="Dependency checks")).to_have_count(0)
    expect(page.get_by_label(USER_CHOOSER)).to_have_count(0)
    screenshot(page, "dashboard-unauthenticated")


def test_when_the_service_cannot_answer_the_dashboard_says_so_and_recovers(page: Page) -> None:
    # given a gateway in front of the service that fails every API call
    page.route(
        "**/api/graphql",
        lambda route: route.fulfill(status=503, content_type="text/html", body="<h1>Busy</h1>"),
    )

    # when the dashboard is opened
    page.goto("/dashboard")

    # then each panel says what it could not load and why
    viewer = page.get_by_role("region", name=SIGNED_IN_AS)
    expect(viewer.get_by_role("alert")).to_contain_text("Could not load who you are signed in as")
    expect(viewer.get_by_role("alert")).to_contain_text("HTTP 503")
    health = page.get_by_role("region", name=SERVICE_HEALTH)
    expect(health.get_by_role("alert")).to_contain_text("Could not load service health")
    screenshot(page, "dashboard-service-unavailable")

    # and once the service answers again, trying again shows the data
    page.unroute("**/api/graphql")
    viewer.get_by_role("button", name="Try again").click()
    expect(viewer).to_contain_text("alice@example.com")
