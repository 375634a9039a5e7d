"""Settings: the mode follows the App environment; local mode knows the stand-in's SP."""

from __future__ import annotations

from pathlib import Path

import pytest

from job_monitor.backend.config import Settings
from job_monitor.backend.domain.identity import Mode
from job_monitor.cli import listen_port, with_local_workspace


def test_app_name_selects_apps_mode() -> None:
    settings = Settings(host="https://example", app_name="job-monitor", client_id="c")
    assert settings.mode is Mode.APPS
    assert settings.client_secret is None  # never invented outside local mode


def test_local_mode_uses_the_local_service_principal() -> None:
    # given local settings without credentials, when the entry point starts the stand-in
    settings = with_local_workspace(Settings(mode=Mode.LOCAL), "http://127.0.0.1:1")
    # then the service authenticates as the stand-in's well-known service principal
    assert settings.host == "http://127.0.0.1:1"
    assert settings.client_id == "job-monitor-sp"
    assert settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == "local-sp-secret"


def test_settings_never_invent_credentials() -> None:
    assert Settings(host="http://127.0.0.1:1", mode=Mode.LOCAL).client_secret is None


def test_the_service_does_not_import_the_local_workspace() -> None:
    backend = Path(__file__).resolve().parents[3] / "job_monitor" / "backend"
    importers = [
        path.name
        for path in backend.rglob("*.py")
        if "job_monitor.local_workspace" in path.read_text(encoding="utf-8")
    ]
    assert importers == []


def test_app_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_APP_NAME", "job-monitor")
    monkeypatch.setenv("DATABRICKS_HOST", "adb-1.azuredatabricks.net")
    monkeypatch.setenv("DATABRICKS_APP_PORT", "8123")
    monkeypatch.setenv("JOB_MONITOR_WAREHOUSE_ID", "abc123")
    settings = Settings()
    assert settings.mode is Mode.APPS
    assert settings.host == "adb-1.azuredatabricks.net"
    assert settings.warehouse_id == "abc123"
    assert listen_port(settings, 8000) == 8123


def test_command_line_port_without_app_port() -> None:
    assert listen_port(Settings(host="http://h", mode=Mode.LOCAL), 8001) == 8001
