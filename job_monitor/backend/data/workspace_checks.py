"""The checks behind `health`: the workspace, the SQL warehouse and the Jobs API.

The workspace and the warehouse are pinged as the service principal (SCIM Me; the warehouse's
state). Each ping is bounded by `health_timeout_seconds` and they run concurrently, so `health`
answers within that time whatever the workspace does. The warehouse and the Jobs API are also
judged by the service's real calls to them (`RecentOutcomes`, recorded by `Warehouse` and
`JobsApi`): a warehouse that answers its ping while every statement fails is DEGRADED with
RECENT_FAILURES, and the Jobs API check is that record alone.

Concurrent callers share one round of checks (single flight) and its result is reused for
`health_cache_seconds`: a dashboard polled by many browsers must not multiply calls to the
workspace.

Every message is written here from what the service knows (the check, the HTTP status, the
warehouse's state); upstream text goes to the log only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from job_monitor import __version__
from job_monitor.backend.config import Settings
from job_monitor.backend.core import WorkspaceClients
from job_monitor.backend.data.cache import SingleFlight
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.reads import record_untracked
from job_monitor.backend.data.sdk_errors import could_not_connect, sign_in_failed, upstream_errors
from job_monitor.backend.domain.errors import (
    Upstream,
    UpstreamProblem,
    UpstreamUnavailableError,
    WarehouseUnavailableError,
)
from job_monitor.backend.domain.service_health import (
    RECENT_WINDOW_SECONDS,
    CheckCode,
    CheckResult,
    HealthReport,
    HealthStatus,
    RecentOutcomes,
    overall,
)

logger = logging.getLogger(__name__)

WORKSPACE = "workspace"
WAREHOUSE = "warehouse"
JOBS = "jobs"

Finding = tuple[HealthStatus, CheckCode, str]


def _failure(subject: str, error: UpstreamUnavailableError) -> Finding:
    """What an upstream failure means for one check, in the service's words."""
    status = error.upstream_status
    answered = f" (HTTP {status})" if status is not None else ""
    if sign_in_failed(error):
        if status in (400, 401, 403):
            return (
                HealthStatus.DOWN,
                CheckCode.AUTH_FAILED,
                f"The workspace refused the app's service principal{answered}: check its client "
                "id and secret.",
            )
        return (
            HealthStatus.DOWN,
            CheckCode.FAILING,
            f"The service principal could not sign in: the workspace's token endpoint is "
            f"failing{answered}.",
        )
    if status in (401, 403):
        return (
            HealthStatus.DOWN,
            CheckCode.AUTH_FAILED,
            f"{subject} refused the app's service principal{answered}.",
        )
    if error.problem is UpstreamProblem.THROTTLED:
        return (
            HealthStatus.DOWN,
            CheckCode.THROTTLED,
            f"{subject} is rate-limiting the app{answered}.",
        )
    if error.problem is UpstreamProblem.TIMEOUT:
        return HealthStatus.DOWN, CheckCode.TIMEOUT, f"{subject} did not answer in time."
    if could_not_connect(error):
        return HealthStatus.DOWN, CheckCode.UNREACHABLE, f"{subject} cannot be reached."
    if status is not None:
        return HealthStatus.DOWN, CheckCode.FAILING, f"{subject} is failing{answered}."
    return HealthStatus.DOWN, CheckCode.FAILING, f"{subject} gave no usable answer."


async def _pinged(
    name: str,
    subject: str,
    settings: Settings,
    probe: Callable[[], Awaitable[Finding]],
) -> CheckResult:
    """`probe` bounded by the health timeout and timed; any failure becomes a finding of ours."""
    started = time.perf_counter()
    try:
        with anyio.fail_after(settings.health_timeout_seconds):
            status, code, message = await probe()
    except TimeoutError:
        return CheckResult(
            name,
            HealthStatus.DOWN,
            CheckCode.TIMEOUT,
            None,
            f"{subject} gave no answer within {settings.health_timeout_seconds:g} s.",
        )
    except UpstreamUnavailableError as exc:
        logger.info("health check %s failed: %s", name, exc.detail or exc.message)
        status, code, message = _failure(subject, exc)
        return CheckResult(name, status, code, None, message)
    except Exception:
        logger.exception("health check %s failed unexpectedly", name)
        return CheckResult(
            name,
            HealthStatus.DOWN,
            CheckCode.CHECK_FAILED,
            None,
            "The check itself failed; the service's log has the details.",
        )
    latency = (time.perf_counter() - started) * 1000
    if status is HealthStatus.OK and latency > settings.health_slow_ms:
        status, code = HealthStatus.DEGRADED, CheckCode.SLOW
        message = f"Slow: answered in {latency:.0f} ms (over {settings.health_slow_ms:.0f} ms)."
    return CheckResult(name, status, code, latency, message)


async def check_workspace(settings: Settings, clients: WorkspaceClients) -> CheckResult:
    """The service principal can sign in and call the workspace (SCIM Me of the SP)."""

    async def probe() -> Finding:
        with upstream_errors(Upstream.WORKSPACE):
            sp = await clients.sp.get()
            await call_sdk(sp.current_user.me)
        return (
            HealthStatus.OK,
            CheckCode.OK,
            "The app's service principal signed in and the workspace answered.",
        )

    return await _pinged(WORKSPACE, "The workspace", settings, probe)


async def check_warehouse(settings: Settings, clients: WorkspaceClients) -> CheckResult:
    """The configured SQL warehouse exists for the SP and is running (or can be started)."""
    warehouse_id = settings.warehouse_id
    subject = f"The SQL warehouse {warehouse_id}"

    async def probe() -> Finding:
        try:
            with upstream_errors(Upstream.SQL_WAREHOUSE, WarehouseUnavailableError("NOT_FOUND")):
                sp = await clients.sp.get()
                warehouse = await call_sdk(lambda: sp.warehouses.get(warehouse_id))
        except WarehouseUnavailableError:
            return (
                HealthStatus.DOWN,
                CheckCode.NOT_FOUND,
                f"{subject} does not exist, or the app's service principal may not use it: check "
                "the app's sql-warehouse resource.",
            )
        state = warehouse.state.value if warehouse.state else "UNKNOWN"
        if state == "RUNNING":
            return HealthStatus.OK, CheckCode.OK, f"{subject} is running."
        if state == "STARTING":
            return (
                HealthStatus.DEGRADED,
                CheckCode.STARTING,
                f"{subject} is starting; history answers once it runs.",
            )
        if state in ("STOPPED", "STOPPING"):
            return (
                HealthStatus.DEGRADED,
                CheckCode.STOPPED,
                f"{subject} is {state.lower()}; the next query starts it.",
            )
        if state in ("DELETED", "DELETING"):
            return (
                HealthStatus.DOWN,
                CheckCode.DELETED,
                f"{subject} is {state.lower()}: configure another warehouse.",
            )
        return HealthStatus.DOWN, CheckCode.UNKNOWN_STATE, f"{subject} reports no known state."

    return await _pinged(WAREHOUSE, subject, settings, probe)


def _recent(outcomes: RecentOutcomes, calls: str) -> tuple[bool, str]:
    """Whether recent `calls` have been failing, and what they did, in words."""
    summary = outcomes.summary()
    window = f"the last {RECENT_WINDOW_SECONDS / 60:g} minutes"
    if summary.total == 0:
        return False, f"No {calls} in {window}."
    return (
        summary.failing,
        f"{summary.failed} of the last {summary.total} {calls} in {window} failed.",
    )


def with_recent_outcomes(ping: CheckResult, outcomes: RecentOutcomes, calls: str) -> CheckResult:
    """A ping that got an answer, judged again by what the service's real calls did lately."""
    if ping.status is HealthStatus.DOWN or ping.code not in (CheckCode.OK, CheckCode.SLOW):
        return ping
    failing, words = _recent(outcomes, calls)
    if not failing:
        return ping
    return CheckResult(
        ping.name, HealthStatus.DEGRADED, CheckCode.RECENT_FAILURES, ping.latency_ms, words
    )


def check_jobs_api(outcomes: RecentOutcomes) -> CheckResult:
    """The Jobs API as the service's recent calls found it (no ping: those calls are the test)."""
    failing, words = _recent(outcomes, "Jobs API calls")
    if failing:
        return CheckResult(JOBS, HealthStatus.DEGRADED, CheckCode.RECENT_FAILURES, None, words)
    return CheckResult(JOBS, HealthStatus.OK, CheckCode.OK, None, words)


class HealthMonitor:
    def __init__(
        self,
        settings: Settings,
        clients: WorkspaceClients,
        *,
        warehouse_outcomes: RecentOutcomes,
        jobs_api_outcomes: RecentOutcomes,
    ) -> None:
        self._settings = settings
        self._clients = clients
        self._warehouse_outcomes = warehouse_outcomes
        self._jobs_api_outcomes = jobs_api_outcomes
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
        results: dict[str, CheckResult] = {}
        async with anyio.create_task_group() as tg:

            async def run(name: str, check: Callable[[], Awaitable[CheckResult]]) -> None:
                results[name] = await check()

            tg.start_soon(run, WORKSPACE, lambda: check_workspace(self._settings, self._clients))
            tg.start_soon(run, WAREHOUSE, lambda: check_warehouse(self._settings, self._clients))
        checks = (
            results[WORKSPACE],
            with_recent_outcomes(results[WAREHOUSE], self._warehouse_outcomes, "statements"),
            check_jobs_api(self._jobs_api_outcomes),
        )
        report = HealthReport(
            status=overall(checks),
            version=__version__,
            mode=self._settings.mode.value,
            checks=checks,
        )
        self._last = (report, time.monotonic())
        return report
