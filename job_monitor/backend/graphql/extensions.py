"""Production extensions, passed to the schema as classes or factories (never shared instances:
an instance would share `execution_context` across concurrent requests)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from job_monitor.backend.core import request_id_var
from job_monitor.backend.graphql.errors import PublicError

logger = logging.getLogger("job_monitor.graphql")

INTERNAL_ERROR_MESSAGE = "Unexpected error. Quote the request id when you report it."
INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR"


@dataclass(frozen=True)
class GraphQLLimits:
    """The knobs of the extensions, from `Settings`; part of the schema, so fixed per process."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_page_size: int = 100
    cache_size: int = 256


def is_unexpected(error: GraphQLError) -> bool:
    """Mask errors raised by our own code or libraries; keep syntax, validation and limit errors
    (graphql-core raises those without an original error) and our `PublicError`s."""
    original = error.original_error
    return original is not None and not isinstance(original, PublicError)


class MaskUnexpectedErrors(MaskErrors):
    """`MaskErrors` whose masked errors carry the request id, to match a report to the log."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=INTERNAL_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": INTERNAL_ERROR_CODE, "requestId": request_id_var.get()},
        )


def log_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None) -> None:
    """Unexpected errors with their traceback at ERROR; expected ones (a bad query) at INFO."""
    for error in errors:
        if is_unexpected(error):
            logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
        else:
            logger.info("request error: %s", error.message)


def production_extensions(
    limits: GraphQLLimits,
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    return [
        # Tokens first: the parser stops early on an oversized document.
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: ParserCache(maxsize=limits.cache_size),
        lambda: ValidationCache(maxsize=limits.cache_size),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        MaskUnexpectedErrors,
    ]
