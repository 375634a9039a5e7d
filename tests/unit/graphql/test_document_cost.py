"""The cost of a document, fragments expanded, in time linear in its size.

Timings are asserted with a generous bound (1 s) so a loaded machine cannot make them flaky: an
expanding measure would need hours for these documents, the linear one takes milliseconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from graphql import get_introspection_query, parse

from job_monitor.backend.graphql.document_cost import SATURATED, DocumentCost, measure_document
from job_monitor.backend.graphql.extensions import GraphQLLimits
from tests.unit.graphql.documents import (
    BODY_LIMIT_BYTES,
    THREE_SPREADS_24_LEVELS,
    TWO_SPREADS_20_LEVELS,
    chained_fragments,
    expanded_fields,
    longest_chain,
)

UI_DIR = Path(__file__).resolve().parents[3] / "ui"
GENEROUS_SECONDS = 1.0

PLAIN = "{ viewer { __typename ... on Viewer { userName groups } } health { status } }"
ALIASED_FRAGMENT = """
query Aliased { ...Both ...Both }
fragment Both on Query { a: health { status } b: health { s: status } }
"""
NESTED_THROUGH_FRAGMENTS = """
{ jobs { ...Page } }
fragment Page on JobConnection { nodes { ...JobFields } }
fragment JobFields on Job { health { lastRun { runId } } }
"""
CYCLE = """
{ ...A }
fragment A on Query { ...B viewer { __typename } }
fragment B on Query { ...A health { status } }
"""
SELF_SPREAD = "{ ...A } fragment A on Query { ...A viewer { __typename } }"
UNKNOWN_FRAGMENT = "{ ...Missing health { status } }"
TWO_OPERATIONS = "query One { health { status } } query Two { a: viewer { __typename } }"


def timed_measure(document: str) -> tuple[DocumentCost, float]:
    parsed = parse(document)
    started = time.perf_counter()
    cost = measure_document(parsed)
    return cost, time.perf_counter() - started


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (PLAIN, DocumentCost(fields=6, depth=1, aliases=0)),
        (ALIASED_FRAGMENT, DocumentCost(fields=8, depth=1, aliases=6)),
        (NESTED_THROUGH_FRAGMENTS, DocumentCost(fields=5, depth=4, aliases=0)),
        (TWO_OPERATIONS, DocumentCost(fields=4, depth=1, aliases=1)),
    ],
    ids=["plain", "aliases-in-a-fragment-used-twice", "depth-through-fragments", "two-operations"],
)
def test_fields_depth_and_aliases_are_counted_after_fragment_expansion(
    document: str, expected: DocumentCost
) -> None:
    assert measure_document(parse(document)) == expected


@pytest.mark.parametrize(
    ("document", "levels", "spreads"),
    [(TWO_SPREADS_20_LEVELS, 20, 2), (THREE_SPREADS_24_LEVELS, 24, 3)],
    ids=["2-spreads-20-levels", "3-spreads-24-levels"],
)
def test_chained_fragment_document_is_measured_in_linear_time(
    document: str, levels: int, spreads: int
) -> None:
    # given a document of a few hundred bytes that selects billions of fields once expanded
    assert len(document) < 1200
    # when it is measured
    cost, seconds = timed_measure(document)
    # then each fragment was costed once: the exact count, in milliseconds
    assert cost == DocumentCost(fields=expanded_fields(levels, spreads), depth=1, aliases=0)
    assert seconds < GENEROUS_SECONDS


def test_document_at_the_body_size_limit_is_measured_in_linear_time() -> None:
    # given a chain of fragments as long as a request body may be (~1,800 levels of 3 spreads)
    document = longest_chain(3, BODY_LIMIT_BYTES)
    assert len(document) > BODY_LIMIT_BYTES - 100
    # when it is measured (parsed without the token limit: the measure itself is under test)
    cost, seconds = timed_measure(document)
    # then the count saturates instead of growing into a huge integer, quickly
    assert cost.fields == SATURATED
    assert seconds < GENEROUS_SECONDS


def test_wide_document_at_the_body_size_limit_is_measured_in_linear_time() -> None:
    # given ~9,000 distinct aliased fields in one document
    count = BODY_LIMIT_BYTES // 11
    document = "{" + "".join(f" a{i:05d}: health" for i in range(count)) + " }"
    # when
    cost, seconds = timed_measure(document)
    # then
    assert cost == DocumentCost(fields=count, depth=0, aliases=count)
    assert seconds < GENEROUS_SECONDS


def test_a_chain_longer_than_the_recursion_limit_is_measured() -> None:
    # given 2,000 fragments each spreading the previous one (the measure keeps its own stack)
    document = chained_fragments(2000, 1)
    # when
    cost, _ = timed_measure(document)
    # then
    assert cost == DocumentCost(fields=2, depth=1, aliases=0)


def test_counts_saturate() -> None:
    cost, _ = timed_measure(chained_fragments(60, 3))
    assert cost.fields == SATURATED


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (CYCLE, DocumentCost(fields=4, depth=1, aliases=0)),
        (SELF_SPREAD, DocumentCost(fields=2, depth=1, aliases=0)),
        (UNKNOWN_FRAGMENT, DocumentCost(fields=2, depth=1, aliases=0)),
    ],
    ids=["cycle", "self-spread", "unknown-fragment"],
)
def test_fragment_cycles_and_unknown_fragments_count_nothing_and_end(
    document: str, expected: DocumentCost
) -> None:
    # A cycle or an unknown fragment is a validation error; measuring must end and count it as 0.
    assert measure_document(parse(document)) == expected


def test_introspection_fields_do_not_count_towards_depth() -> None:
    # given GraphiQL's schema query: nine `ofType` levels under `__schema { types { fields ...`
    document = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    # when
    cost = measure_document(parse(document))
    # then it passes the default limits (its fields still count)
    assert cost.depth == 0
    assert 200 < cost.fields < 300
    assert GraphQLLimits().refusal(cost) is None


def test_every_spa_document_passes_the_default_limits_comfortably() -> None:
    # given the SPA's own operations
    documents = sorted(p for p in UI_DIR.rglob("*.graphql") if "node_modules" not in p.parts)
    assert documents, f"no .graphql documents under {UI_DIR}"
    limits = GraphQLLimits()
    for path in documents:
        # when each is measured
        cost = measure_document(parse(path.read_text(), max_tokens=limits.max_tokens))
        # then it uses at most a quarter of each limit
        assert cost.fields * 4 <= limits.max_fields, (path, cost)
        assert cost.depth * 2 <= limits.max_depth, (path, cost)
        assert cost.aliases * 4 <= limits.max_aliases, (path, cost)


@pytest.mark.parametrize(
    ("document", "calls"),
    [
        ("{ jobRuns(first: 100) { ... on JobRunConnection { nodes { message attempt } } } }", 100),
        ("{ jobRuns { ... on JobRunConnection { nodes { message } } } }", 20),
        ('{ jobRun(runId: "1") { ... on JobRun { message attempt } } }', 1),
        ("{ activeRuns { ... on ActiveRuns { runs { message } } } }", 0),
        (
            "query($n: Int) { jobRuns(first: $n) {"
            " ... on JobRunConnection { nodes { attempt } } } }",
            100,
        ),
        (
            "{ jobs(first: 10) { ... on JobConnection { nodes { runs(first: 5) {"
            " ... on JobRunConnection { nodes { message } } } } } } }",
            50,
        ),
        (
            "{ a: jobRuns(first: 20) { ...R } b: jobRuns(first: 20) { ...R } }"
            " fragment R on JobRunsResult { ... on JobRunConnection { nodes { message } } }",
            40,
        ),
        (
            "{ jobRuns(first: 100) {"
            " ... on JobRunConnection { nodes { tasks { errorMessage } } } } }",
            0,
        ),
        (
            "query($n: Int) { costs(groupBy: TEAM, first: $n) {"
            " ... on CostBreakdown { groupCount } ... on Error { message } } }",
            0,
        ),
        (
            "{ jobRuns(first: 100) { ... on JobRunConnection { nodes { runId } } ...E } }"
            " fragment E on Error { message }",
            0,
        ),
    ],
    ids=[
        "page",
        "default-page",
        "one-run",
        "active-runs",
        "variable-page",
        "nested",
        "aliases",
        "errors",
        "error-message",
        "error-fragment",
    ],
)
def test_jobs_api_calls_a_document_asks_for_are_known_before_it_runs(
    document: str, calls: int
) -> None:
    assert measure_document(parse(document)).run_details == calls
