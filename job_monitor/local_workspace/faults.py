"""Faults on demand: latency, 429 with Retry-After, 500/503, held requests, a cold warehouse,
and SQL statements that fail as a concurrent write or after writing.

Shares are applied deterministically (a share of 0.5 faults every second matching request), so
tests that count retries do not depend on chance.
"""

import asyncio
import re
import threading
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from job_monitor.local_workspace.auth import DatabricksHTTPError, LoopbackOnly
from job_monitor.local_workspace.stats import ADMIN_PREFIX
from job_monitor.local_workspace.warehouses import Warehouse, get_warehouse

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(default=0.0, ge=0.0)
    rate_429: Share = 0.0
    retry_after_seconds: int = Field(default=1, ge=0)
    status_500: Share = 0.0
    status_503: Share = 0.0
    timeout: bool = Field(default=False, description="hold the request until the client gives up")
    hold_seconds: float = Field(
        default=60.0, gt=0.0, description="how long a timeout holds at most"
    )
    times: int | None = Field(
        default=None, ge=1, description="fault only the first N matching requests"
    )


StatementError = Literal["CONCURRENT_WRITE", "FAILED_AFTER_WRITE"]


class StatementFaultRule(BaseModel):
    """CONCURRENT_WRITE fails a statement with Delta's conflict error before it runs;
    FAILED_AFTER_WRITE runs it, rolls its transaction back and fails it with an internal error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(description="a regular expression searched for in the statement text")
    error: StatementError
    times: int | None = Field(
        default=None, ge=1, description="fault only the first N matching statements"
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from error
        return pattern


class FaultSettings(FaultRule):
    """The global rule, rules per route pattern, rules per SQL statement, the warehouse's state.

    Route patterns are globs on the path (`/api/2.2/jobs/*`), optionally after a method
    (`POST /api/*`); the first matching pattern wins over the global rule. Of the statement rules,
    the first whose pattern the statement text matches decides.
    """

    routes: dict[str, FaultRule] = Field(default_factory=dict)
    statements: tuple[StatementFaultRule, ...] = ()
    warehouse_state: Literal["RUNNING", "STOPPED"] | None = None
    cold_start_seconds: float | None = Field(default=None, ge=0.0)


@dataclass(frozen=True)
class Fault:
    latency_seconds: float
    status: Literal[429, 500, 503] | None = None
    retry_after_seconds: int = 1
    hold_seconds: float | None = None


@dataclass
class _ActiveRule:
    rule: FaultRule
    applied: int = 0
    credits: dict[int, float] = field(default_factory=dict)

    def next_fault(self) -> Fault | None:
        if self.rule.times is not None and self.applied >= self.rule.times:
            return None
        self.applied += 1
        rule = self.rule
        if rule.timeout:
            return Fault(rule.latency_ms / 1000, hold_seconds=rule.hold_seconds)
        status: Literal[429, 500, 503]
        for status, share in ((429, rule.rate_429), (500, rule.status_500), (503, rule.status_503)):
            credit = self.credits.get(status, 0.0) + share
            # A small tolerance keeps shares like 0.1 exact after ten additions.
            if credit >= 1.0 - 1e-9:
                self.credits[status] = credit - 1.0
                return Fault(rule.latency_ms / 1000, status, rule.retry_after_seconds)
            self.credits[status] = credit
        return Fault(rule.latency_ms / 1000) if rule.latency_ms else None


@dataclass
class _ActiveStatementRule:
    rule: StatementFaultRule
    pattern: re.Pattern[str]
    applied: int = 0

    def next_error(self) -> StatementError | None:
        if self.rule.times is not None and self.applied >= self.rule.times:
            return None
        self.applied += 1
        return self.rule.error


class Faults:
    def __init__(self, settings: FaultSettings) -> None:
        self._lock = threading.Lock()
        self.replace(settings)

    def replace(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            self._global = _ActiveRule(settings)
            self._routes = {pattern: _ActiveRule(rule) for pattern, rule in settings.routes.items()}
            self._statements = [
                _ActiveStatementRule(rule, re.compile(rule.pattern)) for rule in settings.statements
            ]

    def statement_error(self, text: str) -> StatementError | None:
        with self._lock:
            for active in self._statements:
                if active.pattern.search(text):
                    return active.next_error()
            return None

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for pattern, active in self._routes.items():
                subject = f"{method} {path}" if " " in pattern else path
                if fnmatchcase(subject, pattern):
                    return active.next_fault()
            return self._global.next_fault()


def apply_warehouse_settings(settings: FaultSettings, warehouse: Warehouse) -> None:
    if settings.cold_start_seconds is not None:
        warehouse.cold_start_seconds = settings.cold_start_seconds
    if settings.warehouse_state is not None:
        warehouse.set_state(settings.warehouse_state)


_FAULT_ERRORS: dict[int, tuple[str, str]] = {
    429: ("REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again."),
    # Deliberately not "Unexpected error": the SDK retries 500s carrying that text.
    500: ("INTERNAL_ERROR", "Internal server error (injected fault)."),
    503: ("TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request was held past its deadline (injected fault)."),
}
_DISCONNECT_POLL_SECONDS = 0.05


def _fault_error(status: int, retry_after_seconds: int) -> DatabricksHTTPError:
    error_code, message = _FAULT_ERRORS[status]
    headers = {"Retry-After": str(retry_after_seconds)} if status == 429 else None
    return DatabricksHTTPError(status, error_code, message, headers=headers)


async def apply_faults(request: Request) -> None:
    """An app-wide dependency: it runs after routing, so stats count faulted requests by route."""
    if request.url.path.startswith(ADMIN_PREFIX):
        return
    faults: Faults = request.app.state.faults
    fault = faults.fault_for(request.method, request.url.path)
    if fault is None:
        return
    if fault.latency_seconds:
        await asyncio.sleep(fault.latency_seconds)
    if fault.hold_seconds is not None:
        # Hold without answering until the client gives up (or the hold runs out).
        deadline = time.monotonic() + fault.hold_seconds
        while time.monotonic() < deadline and not await request.is_disconnected():  # noqa: ASYNC110
            await asyncio.sleep(_DISCONNECT_POLL_SECONDS)
        raise _fault_error(504, 0)
    if fault.status is not None:
        raise _fault_error(fault.status, fault.retry_after_seconds)


def get_faults(request: Request) -> Faults:
    faults: Faults = request.app.state.faults
    return faults


router = APIRouter(prefix="/_local/faults", dependencies=[LoopbackOnly])


@router.get("")
async def read_faults(faults: Annotated[Faults, Depends(get_faults)]) -> dict[str, Any]:
    return faults.settings.model_dump()


@router.post("")
async def replace_faults(
    settings: FaultSettings,
    faults: Annotated[Faults, Depends(get_faults)],
    warehouse: Annotated[Warehouse, Depends(get_warehouse)],
) -> dict[str, Any]:
    """Replaces all faults (`{}` clears them) and applies the warehouse settings."""
    faults.replace(settings)
    apply_warehouse_settings(settings, warehouse)
    return faults.settings.model_dump()
