"""Expected failures of the job-health API as typed data, and how exceptions become them.

Root fields return `…Result` unions of the thing and these types; `as_error` maps the exceptions
the services and the data layer raise to them (`None`: not an expected failure, so it propagates
and is masked). Nested single-object fields (`Job.health`, `JobRun.job`, `JobRun.tasks` …) are
nullable instead of unions: a failure there is reported by `public_error` as a top-level error with
the same `code`, unmasked, and the field is null.

No upstream text reaches a client: every message here is ours.
"""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import TypeVar

import strawberry

from job_monitor.backend.core import WorkspaceUnavailableError as ClientUnavailable
from job_monitor.backend.data import jobs_api
from job_monitor.backend.data import warehouse as wh
from job_monitor.backend.domain import filters
from job_monitor.backend.graphql.errors import (
    Error,
    PublicError,
    Unauthenticated,
    WorkspaceUnavailableError,
    unauthenticated,
)
from job_monitor.backend.services import session

T = TypeVar("T")


@strawberry.type(
    description="No such job or run — or one the viewer may not see (both read alike)."
)
class NotFound(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    pass


@strawberry.type(
    description="A filter, cursor or argument the API cannot accept; `field` names it."
)
class InvalidFilter(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    field: str = strawberry.field(description="The argument or input field, as spelt in the API.")


@strawberry.type(description="More than the API answers at once (a page size, a nested list).")
class LimitExceeded(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    field: str = strawberry.field(description="The argument or field over its limit.")


@strawberry.type(
    description=(
        "The SQL warehouse is stopped or still starting: history is warming up; try again shortly."
    )
)
class WarehouseUnavailable(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    state: str = strawberry.field(description="The warehouse's state (STOPPED, STARTING, …).")


@strawberry.enum(description="Why Databricks could not answer.")
class UpstreamProblem(Enum):
    THROTTLED = strawberry.enum_value("THROTTLED", description="Rate-limited (HTTP 429).")
    FAILING = strawberry.enum_value("FAILING", description="Errors (HTTP 5xx) or unreachable.")
    TIMEOUT = strawberry.enum_value("TIMEOUT", description="No answer in time.")


@strawberry.type(
    description=(
        "Databricks (the Jobs API, the SQL statement API or the workspace) is throttling, failing "
        "or too slow right now, after the service's own retries; try again shortly."
    )
)
class UpstreamUnavailable(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    service: str = strawberry.field(description="Which Databricks service did not answer.")
    problem: UpstreamProblem = strawberry.field(description="How it failed.")


def _upstream(service: str, problem: UpstreamProblem) -> UpstreamUnavailable:
    messages = {
        UpstreamProblem.THROTTLED: f"Databricks is rate-limiting the {service}; try again shortly.",
        UpstreamProblem.FAILING: f"The Databricks {service} is failing; try again shortly.",
        UpstreamProblem.TIMEOUT: f"The Databricks {service} did not answer in time; try again.",
    }
    return UpstreamUnavailable(
        message=messages[problem],
        code=f"UPSTREAM_{problem.value}",
        service=service,
        problem=problem,
    )


_PROBLEMS = {
    "throttled": UpstreamProblem.THROTTLED,
    "failing": UpstreamProblem.FAILING,
    "timeout": UpstreamProblem.TIMEOUT,
}

ExpectedError = (
    NotFound
    | InvalidFilter
    | LimitExceeded
    | WarehouseUnavailable
    | UpstreamUnavailable
    | Unauthenticated
)


def as_error(exc: BaseException) -> ExpectedError | None:
    """The typed answer for an expected failure; None for anything else."""
    if isinstance(exc, session.Unauthenticated):
        return unauthenticated()
    if isinstance(exc, session.NotFound):
        return NotFound(message=exc.message, code="NOT_FOUND")
    if isinstance(exc, jobs_api.NotFoundError):
        return NotFound(message=str(exc), code="NOT_FOUND")
    if isinstance(exc, filters.InvalidFilter):
        return InvalidFilter(message=exc.message, code="INVALID_FILTER", field=exc.field)
    if isinstance(exc, session.LimitExceeded):
        return LimitExceeded(message=exc.message, code="LIMIT_EXCEEDED", field=exc.field)
    if isinstance(exc, wh.WarehouseUnavailable):
        return WarehouseUnavailable(
            message=exc.message, code="WAREHOUSE_UNAVAILABLE", state=exc.state
        )
    if isinstance(exc, wh.QueryTimeout):
        return _upstream("SQL warehouse", UpstreamProblem.TIMEOUT)
    if isinstance(exc, wh.UpstreamUnavailable):
        return _upstream("SQL warehouse", _PROBLEMS[exc.reason])
    if isinstance(exc, jobs_api.UpstreamUnavailableError):
        return _upstream("Jobs API", _PROBLEMS[exc.reason])
    if isinstance(exc, ClientUnavailable | WorkspaceUnavailableError):
        # The workspace could not be reached to build a client or to confirm the viewer.
        return _upstream("workspace", UpstreamProblem.FAILING)
    return None


async def answer(call: Awaitable[T]) -> T | ExpectedError:
    """`call`'s result, or the typed answer for the expected failure it raised."""
    try:
        return await call
    except Exception as exc:
        error = as_error(exc)
        if error is None:
            raise
        return error


def public_error(exc: Exception) -> Exception:
    """For nested fields: an expected failure as an unmasked top-level error with its code;
    anything else unchanged (it is masked)."""
    error = as_error(exc)
    if error is None:
        return exc
    return PublicError(error.message, error.code)


async def nested(call: Awaitable[T]) -> T:
    """`call`'s result; an expected failure raised as `public_error`."""
    try:
        return await call
    except Exception as exc:
        error = public_error(exc)
        if error is exc:
            raise
        raise error from exc
