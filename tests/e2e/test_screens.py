"""Every page at a wide and a narrow desktop width, in the light and the dark theme, kept as
screenshots for people to look at (test-artifacts/<page>-<width>-<theme>.png); and the theme choice
in the sidebar.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PAGES, THEMES, VIEWPORT, AskApi, page_addresses, screenshot, settle

pytestmark = pytest.mark.e2e

WIDTHS = (1440, 1024)
# The page background of each theme (global.css `--color-bg`).
BACKGROUNDS = {"light": "rgb(244, 246, 249)", "dark": "rgb(11, 18, 32)"}


def background(page: Page) -> str:
    colour: str = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    return colour


@pytest.mark.parametrize("name", PAGES)
def test_every_page_in_both_themes_at_each_width(page: Page, ask_api: AskApi, name: str) -> None:
    address = page_addresses(ask_api)[name]
    for theme in THEMES:
        # given the system asks for the theme
        page.emulate_media(color_scheme=theme)

        # when alice opens the page
        page.goto(address)
        settle(page)

        # then it is in that theme's colours, kept as a screenshot at each width
        expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS[theme])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
            # charts measure their box after a resize
            page.wait_for_timeout(300)
            screenshot(page, f"{name}-{width}-{theme}")
        page.set_viewport_size(VIEWPORT)


def test_the_theme_follows_the_system_until_one_is_chosen_and_is_kept(page: Page) -> None:
    # given a system set to light
    page.emulate_media(color_scheme="light")
    page.goto("/overview")
    theme = page.get_by_role("group", name="Theme")
    expect(theme.get_by_role("radio", name="System")).to_be_checked()
    expect(theme).to_contain_text("Following your system: light")
    expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS["light"])

    # when the system turns dark, the page follows
    page.emulate_media(color_scheme="dark")
    expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS["dark"])
    expect(theme).to_contain_text("Following your system: dark")

    # when alice chooses light in the sidebar, it wins over the system, also after a reload
    theme.get_by_role("radio", name="Light").check()
    expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS["light"])
    page.reload()
    theme = page.get_by_role("group", name="Theme")
    expect(theme.get_by_role("radio", name="Light")).to_be_checked()
    expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS["light"])

    # and going back to the system setting follows it again
    theme.get_by_role("radio", name="System").check()
    expect(page.locator("body")).to_have_css("background-color", BACKGROUNDS["dark"])


def test_the_sidebar_leads_to_every_page(page: Page) -> None:
    # when alice opens the app
    page.goto("/overview")
    nav = page.get_by_role("navigation", name="Main")

    # then the sidebar lists each page, costs included, and each link opens its page; the alerts
    # link counts the open alerts
    expect(nav.get_by_role("link")).to_have_text(
        [
            "Overview",
            "Jobs",
            "Running now",
            re.compile(r"^Alerts,?\s*\d[\d,]*( open)?$"),
            "Costs",
            "Reports",
            "Dashboard",
        ]
    )
    nav.get_by_role("link", name="Costs").click()
    expect(page).to_have_url(re.compile(r"/costs"))
    expect(nav.get_by_role("link", name="Costs")).to_have_attribute("aria-current", "page")


# Last, so that every screenshot above is taken whatever this finds.
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_page_is_wider_than_the_window(
    page: Page, ask_api: AskApi, name: str, width: int
) -> None:
    # when alice opens the page in a window of that width
    page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
    page.goto(page_addresses(ask_api)[name])
    settle(page)

    # then nothing makes the page scroll sideways: wide tables scroll within their own box
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px window"
