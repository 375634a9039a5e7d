"""The service's own health: each dependency's check and the overall status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HealthStatus(StrEnum):
    OK = "OK"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: HealthStatus
    latency_ms: float | None
    message: str | None


@dataclass(frozen=True)
class HealthReport:
    status: HealthStatus
    version: str
    mode: str
    checks: tuple[CheckResult, ...]


def overall(checks: tuple[CheckResult, ...]) -> HealthStatus:
    """DOWN when the workspace itself is down; DEGRADED when anything else is not OK."""
    if any(c.name == "workspace" and c.status is HealthStatus.DOWN for c in checks):
        return HealthStatus.DOWN
    if all(c.status is HealthStatus.OK for c in checks):
        return HealthStatus.OK
    return HealthStatus.DEGRADED
