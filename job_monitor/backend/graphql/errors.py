"""Expected failures are typed data (`…Result` unions of the thing and types implementing `Error`).

Failures that cannot be a union member (the workspace is down while a field is resolved) are raised
as `PublicError`: they reach the client with their message and `code`, unmasked. Everything else is
unexpected and masked (see `extensions.py`).
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError


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


def unauthenticated() -> Unauthenticated:
    return Unauthenticated(
        message="Sign-in required: no valid user token reached the service.",
        code="UNAUTHENTICATED",
    )


class PublicError(GraphQLError):
    """An expected top-level error: kept as it is by the masking extension."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


class WorkspaceUnavailableError(PublicError):
    def __init__(self) -> None:
        super().__init__(
            "The Databricks workspace did not answer; try again shortly.", "WORKSPACE_UNAVAILABLE"
        )
