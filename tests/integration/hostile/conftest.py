"""A service of its own for the hostile-traffic tests, so their load ends with them."""

from __future__ import annotations

import pytest

from job_monitor.backend.app import RunningService
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import StartService, local_settings


@pytest.fixture(scope="module")
def hostile_service(local_workspace: LocalWorkspace, start_service: StartService) -> RunningService:
    return start_service(local_settings(local_workspace))
