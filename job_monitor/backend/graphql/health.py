"""`health`: the service and its dependencies, each checked live (bounded by a timeout) and judged
by the service's recent real calls; the checks only for a confirmed viewer."""

from __future__ import annotations

import strawberry

from job_monitor.backend.domain.service_health import CheckResult, HealthReport
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import HealthStatus


@strawberry.type(
    description=(
        "One dependency of the service: pinged as the service principal (`workspace`, "
        "`warehouse`) and judged by the service's recent real calls (`warehouse`, `jobs`)."
    )
)
class HealthCheck:
    result: strawberry.Private[CheckResult]

    @strawberry.field(
        description=(
            "`workspace` (the service principal signs in and the workspace answers), `warehouse` "
            "(the SQL warehouse exists, runs, and recent statements succeed) or `jobs` (recent "
            "Jobs API calls succeed)."
        )
    )
    def name(self) -> str:
        return self.result.name

    @strawberry.field(description="The dependency's status.")
    def status(self) -> HealthStatus:
        return self.result.status

    @strawberry.field(
        description=(
            "Why the check has its status, for programs (UPPER_SNAKE): OK, SLOW, TIMEOUT, "
            "UNREACHABLE, AUTH_FAILED (the workspace refused the app's service principal), "
            "THROTTLED, FAILING, NOT_FOUND (no such warehouse, or the app may not use it), "
            "STOPPED, STARTING, DELETED, UNKNOWN_STATE, RECENT_FAILURES (at least 3 of the "
            "service's calls in the last 5 minutes, of the last 20, and at least half of them "
            "failed) or CHECK_FAILED."
        )
    )
    def code(self) -> str:
        return self.result.code.value

    @strawberry.field(
        description="How long the ping took, in milliseconds; null when it got no answer or the "
        "check is judged by recent calls alone (`jobs`)."
    )
    def latency_ms(self) -> float | None:
        return self.result.latency_ms

    @strawberry.field(
        description=(
            "What the check found, for people, in the service's own words (never a message of "
            "Databricks passed on)."
        )
    )
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

    @strawberry.field(
        description=(
            "One entry per dependency, for a confirmed viewer only: empty when the request has "
            "no user token, or the workspace did not accept it (or could not be asked)."
        )
    )
    def checks(self) -> list[HealthCheck]:
        return [HealthCheck(result=check) for check in self.report.checks]


@strawberry.type
class HealthQuery:
    @strawberry.field(
        description=(
            "Live status of the service and its dependencies. Anyone gets the overall status; a "
            "confirmed viewer also gets each check, with its code and the reason in words."
        )
    )
    async def health(self, info: JMInfo) -> Health:
        return Health(report=await info.context.session.health())
