"""THE schema: domain Query classes merged, production extensions on, built once per process.

A type with a relay `node()` field cannot take part in a second `Schema`, so there is exactly one;
its limits come from `Settings` at the first (and only) construction.
"""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from job_monitor.backend.graphql.extensions import GraphQLLimits, log_errors, production_extensions
from job_monitor.backend.graphql.health import HealthQuery
from job_monitor.backend.graphql.jobs import JobQueries
from job_monitor.backend.graphql.overview import OverviewQueries
from job_monitor.backend.graphql.runs import RunQueries
from job_monitor.backend.graphql.viewer import ViewerQuery

Query = merge_types("Query", (HealthQuery, ViewerQuery, JobQueries, RunQueries, OverviewQueries))

SDL_PATH = Path(__file__).resolve().parents[3] / "schema.graphql"


class JobMonitorSchema(strawberry.Schema):
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
            query=Query,
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
