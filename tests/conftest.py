"""Shared fixtures: the local workspace, a running service pointed at it, an HTTP client.

Everything runs over real HTTP on loopback: the stand-in speaks the Databricks wire protocol and the
real databricks-sdk talks to it, so nothing of the Databricks layer is stubbed.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from job_monitor.backend.app import RunningService, create_app, run_in_thread
from job_monitor.backend.config import Settings
from job_monitor.cli import with_local_workspace
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / ".local-workspace"

StartService = Callable[..., RunningService]


@pytest.fixture(scope="session")
def local_workspace() -> Iterator[LocalWorkspace]:
    """The demo workspace (seed 7, 300 jobs, 90 days), one per test process."""
    workspace = LocalWorkspace(LocalWorkspaceOptions(seed=7, jobs=300, days=90, data_dir=DATA_DIR))
    workspace.start()
    # Its warehouse is STARTING until the database is built: tests begin against a running one.
    _ = workspace.state.database
    yield workspace
    workspace.stop()


def local_settings(workspace: LocalWorkspace, **overrides: Any) -> Settings:
    """Local-mode settings pointed at `workspace` as `job-monitor serve` makes them (its host and
    well-known service principal); `overrides` by field name."""
    return with_local_workspace(Settings(**{"mode": "local", **overrides}), workspace.host)


@pytest.fixture(scope="session")
def start_service() -> Iterator[StartService]:
    """Starts `create_app(settings)` on a free loopback port; all are stopped at the end."""
    running: list[RunningService] = []

    def start(settings: Settings) -> RunningService:
        service = run_in_thread(create_app(settings))
        running.append(service)
        return service

    yield start
    for service in running:
        service.stop()


@pytest.fixture(scope="session")
def service(local_workspace: LocalWorkspace, start_service: StartService) -> RunningService:
    """The service in local mode against the session's local workspace."""
    return start_service(local_settings(local_workspace))


@pytest.fixture
def client(service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=30) as http:
        yield http


@pytest.fixture
def faults(local_workspace: LocalWorkspace) -> Iterator[Any]:
    """Sets the stand-in's faults for one test (`POST /_local/faults`) and clears them after."""
    with httpx.Client(base_url=local_workspace.host, timeout=30) as http:

        def set_faults(config: dict[str, Any]) -> None:
            http.post("/_local/faults", json=config).raise_for_status()

        yield set_faults
        set_faults({"warehouse_state": "RUNNING"})


def unused_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
