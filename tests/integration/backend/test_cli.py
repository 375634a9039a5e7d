"""`job-monitor serve` and `job-monitor export-schema`, run as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from job_monitor.backend.graphql.schema import sdl
from job_monitor.cli import main
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import REPO_ROOT, unused_port
from tests.integration.backend.http import data_of, post_graphql

DASHBOARD = """
query Dashboard {
  viewer { ... on Viewer { userName authMode } }
  health { status mode }
}
"""
START_BUDGET_SECONDS = 60


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    # when
    target = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(target)]) == 0
    # then
    assert target.read_text() == sdl()


def test_serve_in_local_mode_starts_the_local_workspace_in_process(
    local_workspace: LocalWorkspace,
) -> None:
    # given the demo database exists (the session's workspace built it), and an environment
    # without any workspace settings
    _ = local_workspace.state.database
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JOB_MONITOR_"))}
    port = unused_port()
    # when
    process = subprocess.Popen(
        [sys.executable, "-m", "job_monitor", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_BUDGET_SECONDS
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not come up"
                time.sleep(0.1)
        with httpx.Client(base_url=url, timeout=30) as http:
            data = data_of(post_graphql(http, DASHBOARD))
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    # then the default local user, a healthy stand-in, the URL printed, and a clean exit
    assert data["viewer"] == {"userName": "alice@example.com", "authMode": "LOCAL"}
    assert data["health"] == {"status": "OK", "mode": "local"}
    assert f"http://127.0.0.1:{port}" in output
    # the bundle's scheduled jobs deployed to it, as `databricks bundle deploy` would
    assert (
        "bundle jobs in the local workspace: job_monitor_alert_dispatch, job_monitor_daily_report,"
        " job_monitor_data_sweep, job_monitor_monthly_report, job_monitor_weekly_report"
    ) in output
    # uvicorn shuts down gracefully on SIGTERM, then exits by that signal
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
