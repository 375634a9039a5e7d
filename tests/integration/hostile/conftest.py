"""A service of its own for the hostile-traffic tests, so their load ends with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings


@pytest.fixture(scope="module")
def hostile_service(local_workspace: LocalWorkspace, start_service: StartService) -> RunningService:
    return start_service(local_settings(local_workspace))


@pytest.fixture
def faults(local_workspace: LocalWorkspace) -> Iterator[Any]:
    """Sets the stand-in's faults for one test (`POST /_local/faults`) and clears them after."""
    with httpx.Client(base_url=local_workspace.host, timeout=30) as http:

        def set_faults(config: dict[str, Any]) -> None:
            http.post("/_local/faults", json=config).raise_for_status()

        yield set_faults
        set_faults({"warehouse_state": "RUNNING"})
