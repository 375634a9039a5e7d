"""`health`: the service and its dependencies, each checked live (bounded by a timeout)."""

from __future__ import annotations

from enum import Enum

import strawberry

from job_monitor.backend.data.workspace_checks import CheckResult, HealthReport
from job_monitor.backend.graphql.context import JMInfo


@strawberry.enum(description="How well something works.")
class HealthStatus(Enum):
    OK = strawberry.enum_value("OK", description="Working.")
    DEGRADED = strawberry.enum_value("DEGRADED", description="Working, but slowly or partly.")
    DOWN = strawberry.enum_value("DOWN", description="Not working.")


@strawberry.type(description="One dependency of the service, checked as the service principal.")
class HealthCheck:
    name: str = strawberry.field(description="`workspace` or `warehouse`.")
    status: HealthStatus = strawberry.field(description="The dependency's status.")
    latency_ms: float | None = strawberry.field(
        description="How long the check took, in milliseconds; null when it got no answer."
    )
    message: str | None = strawberry.field(description="Why the status is not OK.")

    @classmethod
    def from_result(cls, result: CheckResult) -> HealthCheck:
        return cls(
            name=result.name,
            status=HealthStatus(result.status.value),
            latency_ms=result.latency_ms,
            message=result.message,
        )


@strawberry.type(description="Whether Job Monitor and the things it depends on are working.")
class Health:
    status: HealthStatus = strawberry.field(
        description="DOWN when the workspace is down; DEGRADED when any check is not OK."
    )
    version: str = strawberry.field(description="Version of the service.")
    mode: str = strawberry.field(description="`apps` (a Databricks App) or `local`.")
    checks: list[HealthCheck] = strawberry.field(description="One entry per dependency.")

    @classmethod
    def from_report(cls, report: HealthReport) -> Health:
        return cls(
            status=HealthStatus(report.status.value),
            version=report.version,
            mode=report.mode,
            checks=[HealthCheck.from_result(c) for c in report.checks],
        )


@strawberry.type
class HealthQuery:
    @strawberry.field(description="Live status of the service and its dependencies.")
    async def health(self, info: JMInfo) -> Health:
        return Health.from_report(await info.context.health())
