"""The reports page in headless Chromium: each scheduled report rendered now over the viewer's jobs,
its HTML e-mail in a sandboxed frame and its plain-text part in a tab, with the API's subject.

Subjects carry figures of the last hours, so a comparison with the API reads both again when the
figures moved in between.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import THEMES, AskApi, Theme, assert_accessible, screenshots, settle

pytestmark = pytest.mark.e2e

REPORT = """
query Report($kind: ReportKind!) {
  reportPreview(kind: $kind) {
    __typename
    ... on ReportPreview { subject text periodStart periodEnd }
  }
}
"""
ATTEMPTS = 3


def report_of(ask_api: AskApi, kind: str) -> dict[str, Any]:
    report: dict[str, Any] = ask_api(REPORT, kind=kind)["reportPreview"]
    assert report["__typename"] == "ReportPreview"
    return report


def shown_subject(page: Page) -> str:
    subject = page.get_by_role("definition").filter(has_text=re.compile(r"^Job Monitor "))
    expect(subject).to_be_visible()
    return subject.inner_text()


def shows_the_api_s_subject(page: Page, ask_api: AskApi, kind: str) -> str:
    """The subject on the page, once it is the API's (reloading when the figures moved)."""
    shown = expected = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            page.reload()
        shown = shown_subject(page)
        expected = report_of(ask_api, kind)["subject"]
        if shown == expected:
            break
    assert shown == expected
    return expected


def test_the_reports_page_renders_the_daily_report_in_a_sandboxed_frame_with_its_subject(
    page: Page, ask_api: AskApi
) -> None:
    # when alice opens the reports page from the sidebar
    page.goto("/overview")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page).to_have_title("Reports · Job Monitor")

    # then the daily report is chosen, and the page says whose jobs the preview covers
    expect(page.get_by_role("radio", name="Daily")).to_be_checked()
    expect(
        page.get_by_role("status").filter(has_text="covers the jobs you can see")
    ).to_contain_text("The scheduled e-mails cover every job of the workspace")
    # and its subject is the API's
    subject = shows_the_api_s_subject(page, ask_api, "DAILY")
    assert subject.startswith("Job Monitor daily health")

    # and the e-mail is shown in a frame that may run nothing, named by the subject
    frame = page.locator("iframe")
    expect(frame).to_have_attribute("sandbox", "")
    expect(frame).to_have_attribute("title", f"Daily health e-mail: {subject}")
    email = page.frame_locator("iframe")
    expect(email.get_by_role("heading", name="Daily health")).to_be_visible()
    expect(email.locator("body")).to_contain_text("failed runs")
    assert_accessible(page)
    screenshots(page, "reports-daily")


def test_the_plain_text_tab_and_the_weekly_report_are_chosen_in_place(
    page: Page, ask_api: AskApi
) -> None:
    # given alice on the reports page
    page.goto("/reports")
    expect(page.locator("iframe")).to_be_visible()

    # when she opens the plain-text tab
    tab = page.get_by_role("tab", name="Plain text")
    tab.click()

    # then the text part is shown instead of the e-mail, in the API's words
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("iframe")).to_have_count(0)
    text = page.get_by_role("tabpanel").locator("pre")
    expect(text).to_contain_text("JOB MONITOR: DAILY HEALTH")
    first_line = report_of(ask_api, "DAILY")["text"].splitlines()[0]
    expect(text).to_contain_text(first_line)
    screenshots(page, "reports-daily-text")

    # when she goes back to the e-mail with the arrow key, then chooses the weekly report
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="E-mail")).to_be_focused()
    expect(page.locator("iframe")).to_be_visible()
    page.get_by_role("radio", name="Weekly").check()

    # then the address says so, and the weekly cost report is shown with the API's subject
    expect(page).to_have_url(re.compile(r"[?&]report=weekly(&|$)"))
    expect(page.get_by_role("heading", name="Weekly cost")).to_be_visible()
    subject = shows_the_api_s_subject(page, ask_api, "WEEKLY")
    expect(page.locator("iframe")).to_have_attribute("title", f"Weekly cost e-mail: {subject}")
    screenshots(page, "reports-weekly")


@pytest.mark.parametrize("theme", THEMES)
def test_the_reports_page_has_no_serious_accessibility_violations(page: Page, theme: Theme) -> None:
    # given the system asks for the theme
    page.emulate_media(color_scheme=theme)

    # when alice opens the monthly report and it has loaded
    page.goto("/reports?report=monthly")
    settle(page)
    expect(page.locator("iframe")).to_be_visible()

    # then axe-core finds nothing serious, and the page is kept as screenshots in that theme
    assert_accessible(page)
    screenshots(page, f"reports-{theme}")
