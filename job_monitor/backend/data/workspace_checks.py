"""Dependency checks behind `health`: the workspace and the SQL warehouse, as the service principal.

Each check is bounded by `health_timeout_seconds` and the checks run concurrently, so `health`
answers within that time whatever the workspace does. Concurrent callers share one round of checks
(single flight) and its result is reused for `health_cache_seconds`: a dashboard polled by many
browsers must not multiply calls to the workspace.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio

from job_monitor import __version__
from job_monitor.backend.config import Settings
from job_monitor.backend.core import WorkspaceClients
from job_monitor.backend.data.cache import SingleFlight
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.reads import record_untracked
from job_monitor.backend.data.sdk_errors import describe_failure
from job_monitor.backend.domain.errors import UpstreamUnavailableError
from job_monitor.backend.domain.service_health import (
    CheckResult,
    HealthReport,
    HealthStatus,
    overall,
)

# Warehouse states that will serve a query once it has started (reference 4: the first statement
# starts a stopped serverless or pro warehouse).
_WAREHOUSE_STARTABLE = {"STARTING", "STOPPED", "STOPPING"}


async def _timed(
    name: str,
    settings: Settings,
    probe: Callable[[], Awaitable[tuple[HealthStatus, str | None]]],
) -> CheckResult:
    started = time.perf_counter()
    try:
        with anyio.fail_after(settings.health_timeout_seconds):
            status, message = await probe()
    except TimeoutError:
        return CheckResult(
            name,
            HealthStatus.DOWN,
            None,
            f"no answer within {settings.health_timeout_seconds:g} s",
        )
    except UpstreamUnavailableError as exc:
        return CheckResult(name, HealthStatus.DOWN, None, exc.detail or exc.message)
    except Exception as exc:  # any SDK or network failure is this dependency being down
        latency = (time.perf_counter() - started) * 1000
        return CheckResult(name, HealthStatus.DOWN, latency, describe_failure(exc))
    latency = (time.perf_counter() - started) * 1000
    if status is HealthStatus.OK and latency > settings.health_slow_ms:
        status, message = HealthStatus.DEGRADED, f"slow: {latency:.0f} ms"
    return CheckResult(name, status, latency, message)


async def check_workspace(settings: Settings, clients: WorkspaceClients) -> CheckResult:
    """The service principal can authenticate and call the workspace (SCIM Me of the SP)."""

    async def probe() -> tuple[HealthStatus, str | None]:
        sp = await clients.sp.get()
        await call_sdk(sp.current_user.me)
        return HealthStatus.OK, None

    return await _timed("workspace", settings, probe)


async def check_warehouse(settings: Settings, clients: WorkspaceClients) -> CheckResult:
    """The configured SQL warehouse exists for the SP and is running (or can be started)."""

    async def probe() -> tuple[HealthStatus, str | None]:
        sp = await clients.sp.get()
        warehouse = await call_sdk(lambda: sp.warehouses.get(settings.warehouse_id))
        state = warehouse.state.value if warehouse.state else "UNKNOWN"
        if state == "RUNNING":
            return HealthStatus.OK, None
        if state in _WAREHOUSE_STARTABLE:
            return HealthStatus.DEGRADED, f"warehouse {settings.warehouse_id} is {state}"
        return HealthStatus.DOWN, f"warehouse {settings.warehouse_id} is {state}"

    return await _timed("warehouse", settings, probe)


class HealthMonitor:
    def __init__(self, settings: Settings, clients: WorkspaceClients) -> None:
        self._settings = settings
        self._clients = clients
        self._last: tuple[HealthReport, float] | None = None
        self._rounds = SingleFlight[str, HealthReport]("health checks")

    async def report(self) -> HealthReport:
        # Health is a live reading, never an answer to reuse.
        record_untracked()
        now = time.monotonic()
        if self._last is not None and now - self._last[1] < self._settings.health_cache_seconds:
            return self._last[0]
        return await self._rounds.run("checks", self._check)

    async def _check(self) -> HealthReport:
        async with anyio.create_task_group() as tg:
            results: dict[str, CheckResult] = {}

            async def run(name: str, check: Callable[[], Awaitable[CheckResult]]) -> None:
                results[name] = await check()

            tg.start_soon(run, "workspace", lambda: check_workspace(self._settings, self._clients))
            tg.start_soon(run, "warehouse", lambda: check_warehouse(self._settings, self._clients))
        checks = (results["workspace"], results["warehouse"])
        report = HealthReport(
            status=overall(checks),
            version=__version__,
            mode=self._settings.mode.value,
            checks=checks,
        )
        self._last = (report, time.monotonic())
        return report
