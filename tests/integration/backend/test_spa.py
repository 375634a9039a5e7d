"""The built SPA is served at `/` with deep-link fallback; API paths stay JSON."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings

INDEX = "<!doctype html><title>Job Monitor</title><div id=root></div>"
APP_JS = "console.log('job monitor')"


@pytest.fixture(scope="module")
def spa_client(
    local_workspace: LocalWorkspace,
    start_service: StartService,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[httpx.Client]:
    # given a UI build (index.html and a hashed asset)
    static: Path = tmp_path_factory.mktemp("static")
    (static / "index.html").write_text(INDEX)
    (static / "assets").mkdir()
    (static / "assets" / "app-1a2b.js").write_text(APP_JS)
    service = start_service(local_settings(local_workspace, static_dir=static))
    with httpx.Client(base_url=service.url, timeout=30) as http:
        yield http


BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_root_serves_the_spa(spa_client: httpx.Client) -> None:
    response = spa_client.get("/", headers=BROWSER)
    assert response.status_code == 200
    assert response.text == INDEX


def test_assets_are_served(spa_client: httpx.Client) -> None:
    response = spa_client.get("/assets/app-1a2b.js")
    assert response.status_code == 200
    assert response.text == APP_JS


def test_deep_link_falls_back_to_index(spa_client: httpx.Client) -> None:
    response = spa_client.get("/dashboard/some/deep/link", headers=BROWSER)
    assert response.status_code == 200
    assert response.text == INDEX


def test_missing_asset_is_a_404_not_the_index(spa_client: httpx.Client) -> None:
    response = spa_client.get("/assets/missing.js", headers={"Accept": "*/*"})
    assert response.status_code == 404


def test_api_paths_stay_json_beside_the_spa(spa_client: httpx.Client) -> None:
    assert spa_client.get("/api/health").json()["status"] == "ok"
    missing = spa_client.get("/api/unknown", headers=BROWSER)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}
    graphiql = spa_client.get("/api/graphql", headers=BROWSER)
    assert "graphiql" in graphiql.text.lower()


def test_api_works_without_a_ui_build(
    local_workspace: LocalWorkspace,
    start_service: StartService,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # given no UI build (a fresh clone before `make ui`)
    empty = tmp_path_factory.mktemp("no-ui")
    service = start_service(local_settings(local_workspace, static_dir=empty))
    # when / then the API answers and `/` is a plain 404
    with httpx.Client(base_url=service.url, timeout=30) as http:
        assert http.get("/api/health").status_code == 200
        assert http.get("/", headers=BROWSER).status_code == 404
