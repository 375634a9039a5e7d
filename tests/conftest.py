"""Shared fixtures: the local workspace, a running service pointed at it, an HTTP client.

Everything runs over real HTTP on loopback: the stand-in speaks the Databricks wire protocol and the
real databricks-sdk talks to it, so nothing of the Databricks layer is stubbed.
"""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from job_monitor.backend.app import RunningService, create_app, run_in_thread
from job_monitor.backend.config import Settings
from job_monitor.cli import with_local_workspace
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / ".local-workspace"

StartService = Callable[..., RunningService]


@pytest.fixture(scope="session")
def local_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWorkspace]:
    """The demo workspace (seed 7, 300 jobs, 90 days), one per test process.

    Test processes share DATA_DIR, but DuckDB lets one process write a file: each process keeps
    its writable catalog in a state directory of its own.
    """
    options = LocalWorkspaceOptions(
        seed=7, jobs=300, days=90, data_dir=DATA_DIR, state_dir=tmp_path_factory.mktemp("state")
    )
    workspace = LocalWorkspace(options)
    workspace.start()
    # Its warehouse is STARTING until the database is built: tests begin against a running one.
    _ = workspace.state.database
    yield workspace
    workspace.stop()


def private_state() -> Path:
    """A state directory of its own for a stand-in (its writable catalog): DuckDB lets one process
    write a file, and test processes share DATA_DIR."""
    return Path(tempfile.mkdtemp(prefix="job-monitor-state-"))


def local_settings(workspace: LocalWorkspace, **overrides: Any) -> Settings:
    """Local-mode settings pointed at `workspace` as `job-monitor serve` makes them (its host and
    well-known service principal); `overrides` by field name."""
    return with_local_workspace(Settings(**{"mode": "local", **overrides}), workspace.host)


def state_prepared(service: RunningService, timeout: float = 30) -> RunningService:
    """`service` once its start-up migration of the state tables is over (it runs behind the first
    requests): for tests that count the statements of a request."""
    app = service.server.config.app
    assert isinstance(app, FastAPI)
    services = app.state.job_services
    deadline = time.monotonic() + timeout
    while not services.state_prepared and time.monotonic() < deadline:
        time.sleep(0.02)
    return service


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
    return state_prepared(start_service(local_settings(local_workspace)))


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
