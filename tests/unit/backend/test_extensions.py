"""Masking: unexpected errors become a generic message with the request id; expected ones stay."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from job_monitor.backend.graphql.errors import PublicError
from job_monitor.backend.graphql.extensions import (
    INTERNAL_ERROR_CODE,
    INTERNAL_ERROR_MESSAGE,
    MaskUnexpectedErrors,
)

BROKEN = "query { broken }"
REFUSED = "query { refused }"
INVALID = "query { nothing }"


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("database password is hunter2")

    @strawberry.field
    def refused(self) -> str:
        raise PublicError("The workspace did not answer.", "WORKSPACE_UNAVAILABLE")


schema = strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors])


@dataclass
class Context:
    request_id: str


async def test_unexpected_error_is_masked_with_the_request_id() -> None:
    # given a request id for this request
    context = Context(request_id="req-42")
    # when a resolver fails unexpectedly
    result = await schema.execute(BROKEN, context_value=context)
    # then
    assert result.errors is not None
    error = result.errors[0].formatted
    assert error["message"] == INTERNAL_ERROR_MESSAGE
    assert error["extensions"] == {"code": INTERNAL_ERROR_CODE, "requestId": "req-42"}
    assert "hunter2" not in str(error)


async def test_expected_errors_keep_their_message_and_code() -> None:
    result = await schema.execute(REFUSED)
    assert result.errors is not None
    error = result.errors[0].formatted
    assert error["message"] == "The workspace did not answer."
    assert error["extensions"] == {"code": "WORKSPACE_UNAVAILABLE"}


async def test_validation_errors_are_not_masked() -> None:
    result = await schema.execute(INVALID)
    assert result.errors is not None
    assert "Cannot query field 'nothing'" in result.errors[0].message
