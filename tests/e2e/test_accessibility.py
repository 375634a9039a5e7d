"""Every page checked by axe-core in headless Chromium, in the light and the dark theme: no serious
or critical violation (contrast included) once the page has loaded.

The themes follow the system setting, emulated here with `prefers-color-scheme`; the sidebar's own
choice pins the same colours (see test_screens.py).
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import (
    PAGES,
    THEMES,
    AskApi,
    Theme,
    page_addresses,
    serious_violations,
    settle,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_no_serious_accessibility_violations(
    page: Page, ask_api: AskApi, name: str, theme: Theme
) -> None:
    # given the system asks for the theme
    page.emulate_media(color_scheme=theme)

    # when alice opens the page and it has loaded
    page.goto(page_addresses(ask_api)[name])
    settle(page)

    # then axe-core finds nothing serious or critical on it
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
