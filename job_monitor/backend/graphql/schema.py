"""THE schema: domain Query classes merged, production extensions on, built once per process.

A type with a relay `node()` field cannot take part in a second `Schema`, so there is exactly one;
its limits come from `Settings` at the first (and only) construction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from job_monitor.backend.graphql.alerts import AlertQueries
from job_monitor.backend.graphql.budgets import BudgetQueries
from job_monitor.backend.graphql.context import Context
from job_monitor.backend.graphql.cost_queries import CostQueries
from job_monitor.backend.graphql.extensions import (
    GraphQLLimits,
    log_errors,
    parse_document,
    production_extensions,
)
from job_monitor.backend.graphql.health import HealthQuery
from job_monitor.backend.graphql.jobs import JobQueries
from job_monitor.backend.graphql.mutations import Mutation
from job_monitor.backend.graphql.overview import OverviewQueries
from job_monitor.backend.graphql.reports import ReportQueries
from job_monitor.backend.graphql.runs import RunQueries
from job_monitor.backend.graphql.utilization_queries import UtilizationQueries
from job_monitor.backend.graphql.viewer import ViewerQuery

Query = merge_types(
    "Query",
    (
        HealthQuery,
        ViewerQuery,
        JobQueries,
        RunQueries,
        OverviewQueries,
        CostQueries,
        UtilizationQueries,
        AlertQueries,
        BudgetQueries,
        ReportQueries,
    ),
)

SDL_PATH = Path(__file__).resolve().parents[3] / "schema.graphql"


def _variables_key(variables: dict[str, Any] | None) -> bytes:
    return orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)


class JobMonitorSchema(strawberry.Schema):
    def __init__(self, limits: GraphQLLimits, **schema: Any) -> None:
        super().__init__(**schema)
        self.limits = limits

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """A query's answer is reused, for the same viewer, while every value it was computed from
        is unchanged (`Session.reused_or_computed`): executing a warm page costs more than its
        data."""
        execute = super().execute

        async def compute() -> ExecutionResult:
            return await execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )

        if not isinstance(context_value, Context):
            return await compute()
        with context_value.session.spending():
            return await self._answer(
                context_value, query, operation_name, variable_values, compute
            )

    async def _answer(
        self,
        context: Context,
        query: str | None,
        operation_name: str | None,
        variable_values: dict[str, Any] | None,
        compute: Callable[[], Awaitable[ExecutionResult]],
    ) -> ExecutionResult:
        if not await self._is_query(query, operation_name):
            return await compute()
        question = (query, _variables_key(variable_values), operation_name)
        return await context.session.reused_or_computed(
            question, compute, keep=lambda result: result.errors is None
        )

    async def _is_query(self, query: str | None, operation_name: str | None) -> bool:
        """Only queries are answers to reuse. The document comes from the extensions' own parse
        cache (long ones parsed off the event loop); one that does not parse or passes the token
        limit is left to `execute` to refuse."""
        if query is None:
            return False
        try:
            document, _ = await parse_document(query, self.limits)
            return get_operation_type(document, operation_name) is OperationType.QUERY
        except (GraphQLError, RuntimeError):
            return False

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error with a traceback; a bad query is not a service fault.
        log_errors(errors, execution_context)


_built: tuple[GraphQLLimits, JobMonitorSchema] | None = None


def get_schema(limits: GraphQLLimits | None = None) -> JobMonitorSchema:
    """The process's schema; `limits` only matter at the first call (None: the defaults)."""
    global _built
    wanted = limits or GraphQLLimits()
    if _built is None:
        schema = JobMonitorSchema(
            wanted,
            query=Query,
            mutation=Mutation,
            extensions=production_extensions(wanted),
            config=StrawberryConfig(relay_max_results=wanted.max_page_size),
        )
        _built = (wanted, schema)
    elif limits is not None and limits != _built[0]:
        raise RuntimeError("the GraphQL schema is built once per process; its limits are fixed")
    return _built[1]


def sdl() -> str:
    """The schema as checked in to `schema.graphql`."""
    return get_schema().as_str() + "\n"
