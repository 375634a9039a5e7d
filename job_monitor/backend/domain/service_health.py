"""The service's own health: each dependency's check, the overall status, and recent outcomes.

A check is a live ping (is the workspace answering the service principal, is the warehouse there
and running) and, for the warehouse and the Jobs API, what the service's real calls to them did
lately: a ping can succeed while every statement fails. `RecentOutcomes` keeps those outcomes — a
short window, bounded in time and in count — and `RecentOutcomes.failing` says when they make the
dependency DEGRADED.

Every message here is the service's own words; no upstream text reaches a check.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

RECENT_WINDOW_SECONDS = 300.0
"""Outcomes older than this (five minutes) no longer count."""
RECENT_MAX_OUTCOMES = 20
"""At most this many outcomes count: the newest."""
RECENT_MIN_OUTCOMES = 3
"""Fewer outcomes than this say nothing (one failed call is not a failing dependency)."""
RECENT_FAILING_SHARE = 0.5
"""A dependency whose counted outcomes failed at least this share of the time is DEGRADED."""


class HealthStatus(StrEnum):
    OK = "OK"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


class CheckCode(StrEnum):
    """Why a check has its status, for programs (the message says it for people)."""

    OK = "OK"
    SLOW = "SLOW"
    TIMEOUT = "TIMEOUT"
    UNREACHABLE = "UNREACHABLE"
    AUTH_FAILED = "AUTH_FAILED"
    THROTTLED = "THROTTLED"
    FAILING = "FAILING"
    NOT_FOUND = "NOT_FOUND"
    STOPPED = "STOPPED"
    STARTING = "STARTING"
    DELETED = "DELETED"
    UNKNOWN_STATE = "UNKNOWN_STATE"
    RECENT_FAILURES = "RECENT_FAILURES"
    CHECK_FAILED = "CHECK_FAILED"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: HealthStatus
    code: CheckCode
    latency_ms: float | None
    message: str


@dataclass(frozen=True)
class HealthReport:
    status: HealthStatus
    version: str
    mode: str
    checks: tuple[CheckResult, ...]

    def overall_only(self) -> HealthReport:
        """The report for a caller who is not a confirmed viewer: the overall status alone."""
        return replace(self, checks=())


def overall(checks: tuple[CheckResult, ...]) -> HealthStatus:
    """DOWN when the workspace itself is down; DEGRADED when anything else is not OK."""
    if any(c.name == "workspace" and c.status is HealthStatus.DOWN for c in checks):
        return HealthStatus.DOWN
    if all(c.status is HealthStatus.OK for c in checks):
        return HealthStatus.OK
    return HealthStatus.DEGRADED


@dataclass(frozen=True)
class OutcomeSummary:
    """The outcomes that count now: how many, and how many of them failed."""

    total: int
    failed: int

    @property
    def failing(self) -> bool:
        return (
            self.total >= RECENT_MIN_OUTCOMES and self.failed >= RECENT_FAILING_SHARE * self.total
        )


class RecentOutcomes:
    """Outcomes (succeeded or failed) of the service's real calls to one dependency.

    Bounded: the newest `RECENT_MAX_OUTCOMES` within `RECENT_WINDOW_SECONDS`. Recorded from the
    event loop and read by the health checks; a lock keeps it safe from worker threads too.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._outcomes: deque[tuple[float, bool]] = deque(maxlen=RECENT_MAX_OUTCOMES)
        self._lock = threading.Lock()

    def record(self, ok: bool) -> None:
        with self._lock:
            self._outcomes.append((self._clock(), ok))

    def summary(self) -> OutcomeSummary:
        oldest = self._clock() - RECENT_WINDOW_SECONDS
        with self._lock:
            counted = [ok for at, ok in self._outcomes if at >= oldest]
        return OutcomeSummary(total=len(counted), failed=counted.count(False))
