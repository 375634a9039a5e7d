"""The alerts page in headless Chromium, against the service and the local workspace: alerts grouped
by severity with the API's counts, filtered in the address, acknowledged in place, and the
sidebar's count of open alerts.

What the page shows is compared with the API's own answer for the same person. Alerts follow the
clock (runs going now, the last 24 hours), so a comparison reloads once or twice when the answer
moved between the two reads. An acknowledgement made here is taken back at the end, so the
session's other tests see the alerts as they were.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.conftest import (
    THEMES,
    AskApi,
    Theme,
    act_as,
    assert_accessible,
    screenshots,
    settle,
)
from tests.e2e.test_job_page import wait_for_permissions

pytestmark = pytest.mark.e2e

ALERTS = """
query Alerts($filter: AlertFilter) {
  alerts(filter: $filter, first: 100) {
    __typename
    ... on AlertConnection {
      totalCount acknowledgedCount
      bySeverity { severity count }
      nodes { id severity kind title job { jobId name } acknowledgement { by } }
    }
  }
}
"""

JOBS_NAMED = """
query JobsNamed($pattern: String!) {
  jobs(filter: {namePattern: $pattern}, first: 100) {
    ... on JobConnection { totalCount nodes { jobId } }
  }
}
"""

UNACKNOWLEDGE = """
mutation Unacknowledge($id: ID!) { unacknowledgeAlert(id: $id) { __typename } }
"""

# A section's heading reads "P1 21 alerts".
SECTION = re.compile(r"^(P[123])\s+([\d,]+) alerts?$")
# How often a comparison with the API reads both again when alerts moved in between.
ATTEMPTS = 3


def alerts_of(ask_api: AskApi, user: str = "alice", **filter_: Any) -> dict[str, Any]:
    answer: dict[str, Any] = ask_api(ALERTS, user, filter=filter_ or None)["alerts"]
    assert answer["__typename"] == "AlertConnection"
    return answer


def api_counts(alerts: dict[str, Any]) -> dict[str, int]:
    """The API's count per severity, those without alerts left out (the page has no section)."""
    return {s["severity"]: s["count"] for s in alerts["bySeverity"] if s["count"] > 0}


def sections(page: Page) -> Locator:
    return page.get_by_role("main").get_by_role("heading", level=2, name=re.compile(r"^P[123]"))


def counts_on_page(page: Page) -> dict[str, int]:
    """Each section's severity and count as its heading says them, once the list has loaded."""
    expect(page.get_by_text(re.compile(r"open alerts?"))).to_be_visible()
    counts: dict[str, int] = {}
    for text in sections(page).all_inner_texts():
        found = SECTION.match(" ".join(text.split()))
        assert found, f"a section heading reads {text!r}"
        counts[found[1]] = int(found[2].replace(",", ""))
    return counts


def alert_items(page: Page) -> Locator:
    """The alerts listed: each is a list item named by its title."""
    return (
        page.get_by_role("main")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", level=3))
    )


def sidebar_alerts(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Alerts")
    )


def shows_the_api_s_counts(
    page: Page, ask_api: AskApi, user: str, **filter_: Any
) -> dict[str, int]:
    """The page's counts per severity, once they equal the API's for `user` (reloading when the
    alerts moved between the two reads); the API's counts."""
    shown: dict[str, int] = {}
    expected: dict[str, int] = {}
    for attempt in range(ATTEMPTS):
        if attempt:
            page.reload()
        shown = counts_on_page(page)
        expected = api_counts(alerts_of(ask_api, user, **filter_))
        if shown == expected:
            break
    assert shown == expected
    return expected


def test_the_alerts_page_shows_the_api_s_counts_per_severity_for_alice_and_fewer_for_bob(
    page: Page, ask_api: AskApi
) -> None:
    # given the service knows every job's permissions, so bob sees all of his
    wait_for_permissions(ask_api)

    # when alice opens the alerts page from the sidebar
    page.goto("/overview")
    sidebar_alerts(page).click()
    expect(page).to_have_url(re.compile(r"/alerts$"))
    expect(page).to_have_title("Alerts · Job Monitor")

    # then there is a section per severity, P1 first, with the API's count of its alerts
    alices = shows_the_api_s_counts(page, ask_api, "alice")
    assert list(alices) == sorted(alices), "P1 first, then P2, then P3"
    # and the sidebar says how many are open, in its link's name
    expect(sidebar_alerts(page)).to_have_accessible_name(f"Alerts, {sum(alices.values()):,} open")
    # and the first alert says what to do, when it began, and links to its job
    first = alert_items(page).first
    expect(first).to_contain_text("What to do:")
    expect(first).to_contain_text(re.compile(r"First seen (.+ ago|just now) \(|First seen: not"))
    expect(first.get_by_role("link").first).to_have_attribute("href", re.compile(r"^/jobs/\d+$"))
    screenshots(page, "alerts-alice")

    # when bob, who sees fewer jobs, looks
    act_as(page, "bob")

    # then the page shows his alerts only: the API's counts for him, fewer than alice's
    bobs = shows_the_api_s_counts(page, ask_api, "bob")
    assert 0 < sum(bobs.values()) < sum(alices.values())
    expect(sidebar_alerts(page)).to_have_accessible_name(f"Alerts, {sum(bobs.values()):,} open")
    screenshots(page, "alerts-bob")


def test_filtering_by_severity_and_kind_changes_the_list_and_the_address(
    page: Page, ask_api: AskApi
) -> None:
    # given alice on the alerts page with every severity
    page.goto("/alerts")
    expect(sections(page).first).to_be_visible()
    severity = page.get_by_role("group", name="Severity")

    # when she keeps only P1
    severity.get_by_role("checkbox", name="P1").check()

    # then the address says so, and only the P1 section is left, with the API's count
    expect(page).to_have_url(re.compile(r"[?&]severity=P1(&|$)"))
    expect(sections(page)).to_have_count(1)
    assert list(shows_the_api_s_counts(page, ask_api, "alice", severities=["P1"])) == ["P1"]

    # when she adds P2
    severity.get_by_role("checkbox", name="P2").check()

    # then both are in the address and on the page
    expect(page).to_have_url(re.compile(r"[?&]severity=P1(%2C|,)P2(&|$)"))
    counts = shows_the_api_s_counts(page, ask_api, "alice", severities=["P1", "P2"])
    assert set(counts) <= {"P1", "P2"}

    # when she also picks one kind, failure streaks
    page.get_by_label("Kind", exact=True).select_option(label="Failure streak")

    # then the address says so, and every alert left is a failure streak: the API's number of them
    expect(page).to_have_url(re.compile(r"[?&]kind=FAILURE_STREAK(&|$)"))
    streaks = alerts_of(ask_api, severities=["P1", "P2"], kinds=["FAILURE_STREAK"])
    expect(alert_items(page)).to_have_count(len(streaks["nodes"]))
    for kind in alert_items(page).locator("p").first.all_inner_texts():
        assert kind.lower().startswith("failure streak")

    # when she goes back twice, the kind and then P2 are undone
    page.go_back()
    expect(page).not_to_have_url(re.compile("kind="))
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]severity=P1(&|$)"))
    expect(sections(page)).to_have_count(1)


def test_the_job_name_filter_shows_the_alerts_of_those_jobs_only(
    page: Page, ask_api: AskApi
) -> None:
    # given one of alice's alerts, the jobs whose names contain its job's, and their alerts
    job = alerts_of(ask_api)["nodes"][0]["job"]
    named = ask_api(JOBS_NAMED, pattern=f"*{job['name']}*")["jobs"]
    expected = alerts_of(ask_api, jobIds=[j["jobId"] for j in named["nodes"]])

    # when she filters the page by that job's name in the filter bar
    page.goto("/alerts")
    page.get_by_label("Job name").fill(job["name"])
    page.get_by_role("button", name="Apply").click()

    # then the name is in the address, and only those jobs' alerts are listed
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(alert_items(page)).to_have_count(expected["totalCount"])
    expect(alert_items(page).first).to_contain_text(job["name"])


def test_alerts_come_a_page_at_a_time_and_load_more_brings_the_next(
    page: Page, ask_api: AskApi
) -> None:
    # given pages of 20 alerts instead of 100 (the page asks for 100; alice has fewer than that)
    total = alerts_of(ask_api)["totalCount"]
    assert total > 20

    def smaller_pages(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("operationName") == "Alerts":
            body["variables"]["first"] = 20
            route.continue_(post_data=json.dumps(body))
        else:
            route.continue_()

    page.route("**/api/graphql", smaller_pages)

    # when alice opens the alerts page
    page.goto("/alerts")

    # then the first 20 are listed, the sections still count every alert, and more can be loaded
    expect(alert_items(page)).to_have_count(20)
    expect(page.get_by_text(f"20 of {total:,} shown")).to_be_visible()
    assert sum(counts_on_page(page).values()) == total
    expect(
        page.get_by_text(re.compile(r"more P\d alerts? (is|are) on the pages not loaded yet"))
    ).not_to_have_count(0)

    # when she loads more
    page.get_by_role("button", name="Load more").click()

    # then the next 20 follow the first, none twice
    expect(alert_items(page)).to_have_count(min(40, total))
    titles = alert_items(page).get_by_role("heading", level=3).all_inner_texts()
    assert len(set(titles)) == len(titles)


def test_acknowledging_an_alert_removes_it_and_counts_it_down_until_shown_again(
    page: Page, ask_api: AskApi
) -> None:
    # given an open alert of alice's that stays put (a zombie job's, else the first)
    alerts = alerts_of(ask_api)
    alert = next((a for a in alerts["nodes"] if a["kind"] == "ZOMBIE_JOB"), alerts["nodes"][0])
    title = alert["title"]
    try:
        page.goto("/alerts")
        item = page.get_by_role("listitem", name=title, exact=True)
        expect(item).to_be_visible()
        link = sidebar_alerts(page)
        expect(link).to_have_accessible_name(re.compile(r"^Alerts, [\d,]+ open$"))
        open_before = int(re.sub(r"\D", "", link.inner_text()))
        shown_count = page.get_by_text(re.compile(r"^Show acknowledged \(\d+\)$"))
        acknowledged_before = int(re.findall(r"\d+", shown_count.inner_text())[0])

        # when she acknowledges it for 4 hours, in place
        item.get_by_role("button", name=re.compile("^Acknowledge")).click()
        form = item.get_by_role("form", name=f"Acknowledge: {title}")
        expect(form.get_by_role("radio", name="For 1 day")).to_be_focused()
        form.get_by_role("radio", name="For 4 hours").check()
        assert_accessible(page)
        form.get_by_role("button", name="Acknowledge", exact=True).click()

        # then the page says so, the alert leaves the list, and the sidebar counts one fewer
        expect(page.get_by_role("status").filter(has_text="Acknowledged “")).to_contain_text(
            re.compile(f"Acknowledged “{re.escape(title)}” until .+")
        )
        expect(item).to_have_count(0)
        expect(sidebar_alerts(page)).to_have_accessible_name(f"Alerts, {open_before - 1:,} open")
        expect(shown_count).to_have_text(f"Show acknowledged ({acknowledged_before + 1})")

        # when she shows the acknowledged alerts
        page.get_by_label(re.compile("^Show acknowledged")).check()

        # then the address says so, and the alert is back, saying who acknowledged it until when
        expect(page).to_have_url(re.compile(r"[?&]acknowledged=true"))
        expect(item).to_contain_text(
            re.compile(r"Acknowledged by alice@example\.com until \d+ \w+, \d\d:\d\d")
        )
        screenshots(page, "alerts-acknowledged")

        # when she takes the acknowledgement back
        item.get_by_role("button", name=re.compile("^Unacknowledge")).click()

        # then the page says so and the sidebar counts it again
        expect(page.get_by_role("status").filter(has_text="no longer acknowledged")).to_be_visible()
        expect(item).not_to_contain_text("Acknowledged by")
        expect(sidebar_alerts(page)).to_have_accessible_name(f"Alerts, {open_before:,} open")
    finally:
        ask_api(UNACKNOWLEDGE, id=alert["id"])


def test_carol_who_sees_no_jobs_is_told_nothing_needs_attention(page: Page) -> None:
    # when carol, who may see no job, opens the alerts page
    page.goto("/alerts")
    act_as(page, "carol")

    # then it says so in words, with no section, and the sidebar counts none open
    expect(page.get_by_role("status").filter(has_text="Nothing needs attention")).to_be_visible()
    expect(sections(page)).to_have_count(0)
    expect(sidebar_alerts(page)).to_have_accessible_name("Alerts, 0 open")
    assert_accessible(page)
    screenshots(page, "alerts-carol")


@pytest.mark.parametrize("theme", THEMES)
def test_the_alerts_page_has_no_serious_accessibility_violations(
    page: Page, ask_api: AskApi, theme: Theme
) -> None:
    # given the system asks for the theme
    page.emulate_media(color_scheme=theme)

    # when alice opens the alerts page and it has loaded
    page.goto("/alerts")
    settle(page)
    expect(sections(page).first).to_be_visible()

    # then axe-core finds nothing serious, and the page is kept as screenshots in that theme
    assert_accessible(page)
    screenshots(page, f"alerts-{theme}")
    # and nothing makes it scroll sideways
    for width in (1440, 1024):
        page.set_viewport_size({"width": width, "height": 860})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the alerts page is {overflow}px wider than a {width}px window"
