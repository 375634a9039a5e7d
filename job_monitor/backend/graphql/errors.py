"""Expected failures as typed data, and how the error types of `domain/errors.py` become them.

Root fields return `…Result` unions of the thing and these types; `as_error` maps each expected
failure the services and the data layer raise to one of them (`None`: not an expected failure, so
it propagates and is masked). Nested single-object fields (`Job.health`, `JobRun.job`,
`JobRun.tasks` …) are nullable instead of unions: a failure there is reported by `public_error` as a
top-level error with the same `code`, unmasked, and the field is null.

No upstream text reaches a client: every message here is ours.
"""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from job_monitor.backend.domain.errors import (
    BundleManagedJobError,
    InvalidFilterError,
    JobMonitorError,
    LimitExceededError,
    NotFoundError,
    PermissionDeniedError,
    StateWriteFailedError,
    UnauthenticatedError,
    UpstreamUnavailableError,
    WarehouseQueryFailedError,
    WarehouseUnavailableError,
)
from job_monitor.backend.graphql.enums import UpstreamProblem

T = TypeVar("T")


@strawberry.interface(description="An expected failure, returned as data.")
class Error:
    message: str = strawberry.field(description="What went wrong, for people.")
    code: str = strawberry.field(description="What went wrong, for programs (UPPER_SNAKE).")


@strawberry.type(
    description=(
        "There is no usable user token: none was sent, or the workspace did not accept it. "
        "Sign in again."
    )
)
class Unauthenticated(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    pass


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


@strawberry.type(
    description=(
        "The SQL warehouse ran the query and reported an error (a SQL error, or a permission the "
        "app's principal lacks, such as SELECT on a system table). Retrying will not help until "
        "the cause is fixed; quote `errorCode` to the workspace admin."
    )
)
class WarehouseQueryFailed(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    error_code: str = strawberry.field(
        description="The warehouse's error code (e.g. BAD_REQUEST, PERMISSION_DENIED)."
    )


@strawberry.type(
    description=(
        "Databricks (the Jobs API, the SQL statement API or the workspace) is throttling, failing "
        "or too slow right now, after the service's own retries; try again shortly."
    )
)
class UpstreamUnavailable(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    service: str = strawberry.field(description="Which Databricks service did not answer.")
    problem: UpstreamProblem = strawberry.field(description="How it failed.")
    upstream_status: int | None = strawberry.field(
        description=(
            "The HTTP status Databricks answered with (401: the app's service principal was "
            "refused, 429: throttled, 503: unavailable …); null when no answer came (a timeout, "
            "a workspace that cannot be reached)."
        )
    )


@strawberry.enum(description="Whose permission a refused change lacks.")
class PermissionSubject(Enum):
    VIEWER = strawberry.enum_value("VIEWER", description="The person asking.")
    APP = strawberry.enum_value(
        "APP", description="The app's service principal, which makes the change on their behalf."
    )


@strawberry.type(
    description=(
        "A change the viewer, or the app's own service principal, may not make. `principal` says "
        "whose permission is missing, `requiredPermissions` which job permission levels would do, "
        "and `grant` what a job manager should grant (for the app: CAN_MANAGE, never IS_OWNER)."
    )
)
class PermissionDenied(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    principal: PermissionSubject = strawberry.field(description="Whose permission is missing.")
    required_permissions: list[str] = strawberry.field(
        description="Job permission levels, any one of which allows the change."
    )
    grant: str | None = strawberry.field(
        description="The permission level to grant, when granting it is the remedy."
    )


@strawberry.type(
    description=(
        "The job is deployed by a Databricks Asset Bundle (`deployment.kind = BUNDLE`): its next "
        "deploy resets the job's settings and would silently erase a value written here, so "
        "nothing was written. Set it in the bundle's job configuration and deploy."
    )
)
class BundleManagedJob(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    bundle_metadata_path: str | None = strawberry.field(
        description="Where the deploying bundle keeps its state in the workspace, when known."
    )


@strawberry.enum(description="Why the app's own state was not written.")
class StateWriteProblem(Enum):
    CONFLICT = strawberry.enum_value(
        "CONFLICT", description="Other writers to the same table kept winning, after retries."
    )
    PERMISSION = strawberry.enum_value(
        "PERMISSION",
        description="The app's service principal may not write its state schema (MODIFY).",
    )
    FAILED = strawberry.enum_value("FAILED", description="The SQL warehouse failed the write.")
    UNAVAILABLE = strawberry.enum_value(
        "UNAVAILABLE", description="The SQL warehouse did not answer (stopped, throttled, down)."
    )


@strawberry.type(
    description=(
        "The app's own state (a budget, an acknowledgement) was not written: nothing of the "
        "change was kept, and trying again is safe."
    )
)
class StateWriteFailed(Error):  # noqa: N818 (GraphQL type name fixed by the API contract)
    problem: StateWriteProblem = strawberry.field(description="Why.")


ExpectedError = (
    NotFound
    | InvalidFilter
    | LimitExceeded
    | WarehouseUnavailable
    | WarehouseQueryFailed
    | UpstreamUnavailable
    | Unauthenticated
)


class PublicError(GraphQLError):
    """An expected top-level error: kept as it is by the masking extension."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> Unauthenticated:
    error = UnauthenticatedError()
    return Unauthenticated(message=error.message, code=error.code)


def as_error(exc: BaseException) -> ExpectedError | None:
    """The typed answer for an expected failure; None for anything else."""
    if not isinstance(exc, JobMonitorError):
        return None
    message, code = exc.message, exc.code
    if isinstance(exc, UnauthenticatedError):
        return Unauthenticated(message=message, code=code)
    if isinstance(exc, NotFoundError):
        return NotFound(message=message, code=code)
    if isinstance(exc, InvalidFilterError):
        return InvalidFilter(message=message, code=code, field=exc.field)
    if isinstance(exc, LimitExceededError):
        return LimitExceeded(message=message, code=code, field=exc.field)
    if isinstance(exc, WarehouseUnavailableError):
        return WarehouseUnavailable(message=message, code=code, state=exc.state)
    if isinstance(exc, WarehouseQueryFailedError):
        return WarehouseQueryFailed(message=message, code=code, error_code=exc.error_code)
    if isinstance(exc, UpstreamUnavailableError):
        return upstream_unavailable(exc)
    return None


ChangeError = ExpectedError | PermissionDenied | BundleManagedJob
StateChangeError = ExpectedError | PermissionDenied | StateWriteFailed


def as_change_error(exc: BaseException) -> ChangeError | None:
    """`as_error`, and the failures only a change meets (refused permissions, bundle jobs)."""
    if isinstance(exc, PermissionDeniedError):
        return _permission_denied(exc)
    if isinstance(exc, BundleManagedJobError):
        return BundleManagedJob(
            message=exc.message, code=exc.code, bundle_metadata_path=exc.metadata_file_path
        )
    return as_error(exc)


def as_state_change_error(exc: BaseException) -> StateChangeError | None:
    """`as_error`, a refused permission, and a write of the app's own state that did not
    happen."""
    if isinstance(exc, PermissionDeniedError):
        return _permission_denied(exc)
    if isinstance(exc, StateWriteFailedError):
        return StateWriteFailed(
            message=exc.message, code=exc.code, problem=StateWriteProblem[exc.reason]
        )
    return as_error(exc)


def _permission_denied(exc: PermissionDeniedError) -> PermissionDenied:
    return PermissionDenied(
        message=exc.message,
        code=exc.code,
        principal=PermissionSubject[exc.principal],
        required_permissions=list(exc.required),
        grant=exc.grant,
    )


async def answer_change(call: Awaitable[T]) -> T | ChangeError:
    """A mutation's result, or the typed answer for the expected failure it raised."""
    try:
        return await call
    except Exception as exc:
        error = as_change_error(exc)
        if error is None:
            raise
        return error


async def answer_state_change(call: Awaitable[T]) -> T | StateChangeError:
    """`answer_change` for a mutation of the app's own state."""
    try:
        return await call
    except Exception as exc:
        error = as_state_change_error(exc)
        if error is None:
            raise
        return error


def upstream_unavailable(exc: UpstreamUnavailableError) -> UpstreamUnavailable:
    return UpstreamUnavailable(
        message=exc.message,
        code=f"UPSTREAM_{exc.problem.value}",
        service=exc.service.value,
        problem=exc.problem,
        upstream_status=exc.upstream_status,
    )


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
