"""`health`: the service and its dependencies, each checked live (bounded by a timeout)."""

from __future__ import annotations

import strawberry

from job_monitor.backend.domain.service_health import CheckResult, HealthReport
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import HealthStatus


@strawberry.type(description="One dependency of the service, checked as the service principal.")
class HealthCheck:
    result: strawberry.Private[CheckResult]

    @strawberry.field(description="`workspace` or `warehouse`.")
    def name(self) -> str:
        return self.result.name

    @strawberry.field(description="The dependency's status.")
    def status(self) -> HealthStatus:
        return self.result.status

    @strawberry.field(
        description="How long the check took, in milliseconds; null when it got no answer."
    )
    def latency_ms(self) -> float | None:
        return self.result.latency_ms

    @strawberry.field(description="Why the status is not OK.")
    def message(self) -> str | None:
        return self.result.message


@strawberry.type(description="Whether Job Monitor and the things it depends on are working.")
class Health:
    report: strawberry.Private[HealthReport]

    @strawberry.field(
        description="DOWN when the workspace is down; DEGRADED when any check is not OK."
    )
    def status(self) -> HealthStatus:
        return self.report.status

    @strawberry.field(description="Version of the service.")
    def version(self) -> str:
        return self.report.version

    @strawberry.field(description="`apps` (a Databricks App) or `local`.")
    def mode(self) -> str:
        return self.report.mode

    @strawberry.field(description="One entry per dependency.")
    def checks(self) -> list[HealthCheck]:
        return [HealthCheck(result=check) for check in self.report.checks]


@strawberry.type
class HealthQuery:
    @strawberry.field(description="Live status of the service and its dependencies.")
    async def health(self, info: JMInfo) -> Health:
        return Health(report=await info.context.session.health())
