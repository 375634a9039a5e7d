"""SIGTERM stops the service within five seconds, whatever it is doing (issue 9, finding 1)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import httpx

from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import REPO_ROOT, unused_port

STOP_SECONDS = 5.0
ACTIVE_RUNS = '{"query": "{ activeRuns { __typename } }"}'


def test_sigterm_stops_the_service_within_five_seconds_while_a_request_hangs(
    local_workspace: LocalWorkspace, faults: Any
) -> None:
    # given the service as `job-monitor serve` runs it, with a request stuck upstream (every
    # Jobs API listing held for a minute, as a hung upstream holds it)
    faults({"routes": {"GET /api/2.2/jobs/runs/list": {"timeout": True, "hold_seconds": 60}}})
    port = unused_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JOB_MONITOR_"))}
    env |= {
        "DATABRICKS_HOST": local_workspace.host,
        "DATABRICKS_CLIENT_ID": SP_CLIENT_ID,
        "DATABRICKS_CLIENT_SECRET": SP_CLIENT_SECRET,
        "JOB_MONITOR_HTTP_TIMEOUT_SECONDS": "60",
        "JOB_MONITOR_RETRY_TIMEOUT_SECONDS": "120",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "job_monitor", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/api/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)

        def hang() -> None:
            # The server goes away under it: an error is expected.
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(
                    f"{url}/api/graphql",
                    content=ACTIVE_RUNS,
                    headers={"Content-Type": "application/json"},
                    timeout=90,
                )

        stuck = threading.Thread(target=hang, daemon=True)
        stuck.start()
        time.sleep(1.0)
        # when it is told to stop
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if server.poll() is None:
            server.kill()
    # then it is gone within five seconds
    assert took < STOP_SECONDS, took
