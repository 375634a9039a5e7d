"""The production extensions refuse an over-limit document with a typed error before validation,
and validate long documents without holding the event loop."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
import strawberry
from graphql import get_introspection_query
from graphql.validation.rules import overlapping_fields_can_be_merged

from job_monitor.backend.graphql.extensions import (
    LOOP_DOCUMENT_CHARS,
    VALIDATION_WORK_BUDGET,
    GraphQLLimits,
    LeastRecentlyUsed,
    production_extensions,
)
from tests.unit.graphql.documents import chained_fragments, repeated_field


@strawberry.type
class Viewer:
    name: str = "alice"


@strawberry.type
class Health:
    status: str = "OK"


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self) -> Viewer:
        return Viewer()

    @strawberry.field
    def health(self) -> Health:
        return Health()


LIMITS = GraphQLLimits(max_depth=3, max_aliases=2, max_tokens=200, max_fields=20)
schema = strawberry.Schema(query=Query, extensions=production_extensions(LIMITS))
default_schema = strawberry.Schema(query=Query, extensions=production_extensions(GraphQLLimits()))

# Each also selects an unknown field: a refusal before validation reports only the limit.
TOO_MANY_FIELDS = chained_fragments(10, 2).replace("{ ...F10 }", "{ ...F10 nothing }")
TOO_DEEP = "{ nothing viewer { a { b { c { d } } } } }"
TOO_MANY_ALIASES = "{ nothing ...H ...H } fragment H on Query { a: health { s: status } }"
TOO_MANY_TOKENS = "{ nothing " + "viewer { name } " * 60 + "}"
ORDINARY = "{ viewer { name } health { status } }"


async def execute(document: str) -> dict[str, Any]:
    result = await schema.execute(document)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body


@pytest.mark.parametrize(
    ("document", "code", "limit", "measured"),
    [
        (TOO_MANY_FIELDS, "MAX_FIELDS_EXCEEDED", 20, 2**11 + 1),
        (TOO_DEEP, "MAX_DEPTH_EXCEEDED", 3, 4),
        (TOO_MANY_ALIASES, "MAX_ALIASES_EXCEEDED", 2, 4),
        (TOO_MANY_TOKENS, "MAX_TOKENS_EXCEEDED", 200, 201),
    ],
    ids=["fields", "depth", "aliases", "tokens"],
)
async def test_document_over_a_limit_is_refused_with_a_typed_error_before_validation(
    document: str, code: str, limit: int, measured: int
) -> None:
    # when
    body = await execute(document)
    # then one error, unmasked, naming the limit and the measure; nothing ran, nothing validated
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": code, "limit": limit, "measured": measured}
    assert "Cannot query field 'nothing'" not in str(body)


async def test_document_within_the_limits_runs() -> None:
    assert await execute(ORDINARY) == {
        "data": {"viewer": {"name": "alice"}, "health": {"status": "OK"}}
    }


async def test_long_document_is_validated_and_runs() -> None:
    # given documents longer than what is handled on the event loop
    padding = "#" + " " * LOOP_DOCUMENT_CHARS + "\n"
    # when
    valid = await execute(padding + ORDINARY)
    invalid = await execute(padding + "{ nothing }")
    broken = await execute(padding + "{ viewer {")
    # then they behave as short ones do
    assert valid == await execute(ORDINARY)
    assert "Cannot query field 'nothing'" in invalid["errors"][0]["message"]
    assert broken["errors"][0]["message"].startswith("Syntax Error")


async def test_graphiql_schema_query_passes_the_limits() -> None:
    # given the query GraphiQL sends for the schema (nine `ofType` levels, ~230 fields)
    document = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    # when
    result = await default_schema.execute(document)
    # then
    assert result.errors is None, result.errors
    assert result.data is not None
    assert result.data["__schema"]["queryType"]["name"] == "Query"


def test_cache_keeps_the_most_recently_used() -> None:
    cache: LeastRecentlyUsed[str, int] = LeastRecentlyUsed(maxsize=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now b is the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


async def test_validation_work_is_bounded() -> None:
    # given a document within the limits that graphql-core validates in quadratic time
    document = repeated_field(999)
    # when
    result = await default_schema.execute(document)
    # then graphql-core gave up at our budget, a tenth of its own
    assert overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET == VALIDATION_WORK_BUDGET
    assert result.errors is not None
    assert [error.message for error in result.errors] == ["Validation aborted."]


async def test_event_loop_keeps_running_while_a_long_document_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a document within the limits that graphql-core validates in quadratic time, and
    # graphql-core's own budget (validation then takes about a second)
    monkeypatch.setattr(overlapping_fields_can_be_merged, "MAX_COMPLEXITY_BUDGET", 500_000)
    document = repeated_field(900)
    assert len(document) > LOOP_DOCUMENT_CHARS
    ticks: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.005)

    # when it is validated while another task ticks
    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await default_schema.execute(document)
    ended = time.perf_counter()
    done.set()
    await ticker
    # then the ticker never waited for more than half of the validation
    moments = [started, *(t for t in ticks if started < t < ended), ended]
    longest_wait = max(later - earlier for earlier, later in itertools.pairwise(moments))
    assert longest_wait < (ended - started) / 2, (longest_wait, ended - started)
