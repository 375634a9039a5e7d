"""Production extensions, passed to the schema as classes or factories (never shared instances:
an instance would share `execution_context` across concurrent requests).

A document goes through, in order:

1. `DocumentCostLimiter` (parse): parsed with graphql-core's token limit, then measured
   (`document_cost.measure_document`: fields after fragment expansion, depth, aliases, in time
   linear in the document) and refused with a typed error (`MAX_TOKENS_EXCEEDED`,
   `MAX_FIELDS_EXCEEDED`, `MAX_DEPTH_EXCEEDED`, `MAX_ALIASES_EXCEEDED`, with `limit` and
   `measured`) before any validation rule reads it. The parse and its measure are cached together
   by document text.
2. `ValidationOffTheEventLoop` (validate): graphql-core's rules, cached. Some of them are quadratic
   in the document: `OverlappingFieldsCanBeMergedRule` compares same-named fields and fragment
   spreads pairwise, so a 4,000-token document within every limit took over a second to
   validate. graphql-core meters that rule's work and aborts validation ("Validation aborted.")
   past a budget; `VALIDATION_WORK_BUDGET` lowers it tenfold.
3. `MaskUnexpectedErrors`.

Documents longer than `LOOP_DOCUMENT_CHARS` are parsed, measured and validated in a worker thread
(at most `DOCUMENT_WORKERS` at a time), so no document, however built, holds the event loop for
long: the SPA's documents are shorter and never wait behind someone else's large one.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar, TypeVarTuple

import anyio.to_thread
from anyio import CapacityLimiter
from graphql import DocumentNode, GraphQLError, GraphQLSchema, GraphQLSyntaxError, parse
from graphql.validation import ASTValidationRule
from graphql.validation.rules import overlapping_fields_can_be_merged
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from job_monitor.backend.graphql.document_cost import DocumentCost, measure_document
from job_monitor.backend.graphql.errors import PublicError

logger = logging.getLogger("job_monitor.graphql")

INTERNAL_ERROR_MESSAGE = "Unexpected error. Quote the request id when you report it."
INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR"

# graphql-core's budget for OverlappingFieldsCanBeMergedRule (its default: 500,000). The SPA's
# documents and GraphiQL's schema query spend none of it; 30 fragments spread on one object, all
# selecting the same fields, about 8,000.
VALIDATION_WORK_BUDGET = 50_000
# Longer documents are parsed, measured and validated in a worker thread. The SPA's are about
# 1,000 characters; a 2,000-character document validates within a few tens of milliseconds
# whatever its shape.
LOOP_DOCUMENT_CHARS = 2_000
# Worker threads for long documents; few, since the work is CPU-bound and shares the GIL with the
# event loop.
DOCUMENT_WORKERS = 1
_document_workers = CapacityLimiter(DOCUMENT_WORKERS)


@dataclass(frozen=True)
class GraphQLLimits:
    """The knobs of the extensions, from `Settings`; part of the schema, so fixed per process."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_fields: int = 2000
    max_page_size: int = 100
    max_jobs_api_calls: int = 100
    cache_size: int = 256

    def refusal(self, cost: DocumentCost) -> DocumentLimitExceededError | None:
        """The first limit `cost` passes (depth, fields, aliases), or None."""
        if cost.depth > self.max_depth:
            return DocumentLimitExceededError(
                f"The document exceeds maximum operation depth of {self.max_depth}: its fields "
                f"nest {cost.depth} deep once fragments are expanded.",
                "MAX_DEPTH_EXCEEDED",
                limit=self.max_depth,
                measured=cost.depth,
            )
        if cost.fields > self.max_fields:
            return DocumentLimitExceededError(
                f"The document selects {cost.fields} fields once fragments are expanded. "
                f"Allowed: {self.max_fields}",
                "MAX_FIELDS_EXCEEDED",
                limit=self.max_fields,
                measured=cost.fields,
            )
        if cost.run_details > self.max_jobs_api_calls:
            return DocumentLimitExceededError(
                f"The document asks for the message or attempt of up to {cost.run_details} runs, "
                f"a Jobs API call each; a request may make {self.max_jobs_api_calls}. Ask for "
                "fewer runs (smaller `first`) or leave out message and attempt.",
                "LIMIT_EXCEEDED",
                limit=self.max_jobs_api_calls,
                measured=cost.run_details,
            )
        if cost.aliases > self.max_aliases:
            return DocumentLimitExceededError(
                f"{cost.aliases} aliases found once fragments are expanded. "
                f"Allowed: {self.max_aliases}",
                "MAX_ALIASES_EXCEEDED",
                limit=self.max_aliases,
                measured=cost.aliases,
            )
        return None


class DocumentLimitExceededError(PublicError):
    """A document refused before validation. `extensions`: `code` names the limit, `limit` is its
    value and `measured` what the document came to (for tokens: the count at which parsing
    stopped, one past the limit)."""

    def __init__(self, message: str, code: str, *, limit: int, measured: int) -> None:
        super().__init__(message, code)
        self.extensions = {"code": code, "limit": limit, "measured": measured}


def too_many_tokens(max_tokens: int) -> DocumentLimitExceededError:
    return DocumentLimitExceededError(
        f"The document contains more than {max_tokens} tokens. Parsing aborted.",
        "MAX_TOKENS_EXCEEDED",
        limit=max_tokens,
        measured=max_tokens + 1,
    )


def parse_and_measure(
    query: str, max_tokens: int, largest_page: int = 100
) -> tuple[DocumentNode, DocumentCost]:
    """The document and its cost; a document over `max_tokens` (comments count) is refused by
    the parser as soon as it reads one token too many."""
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLSyntaxError as error:
        if f"Document contains more than {max_tokens} tokens." in error.message:
            raise too_many_tokens(max_tokens) from None
        raise
    return document, measure_document(document, largest_page)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Args = TypeVarTuple("Args")


class LeastRecentlyUsed(Generic[K, V]):
    """A bounded cache that can be read without computing anything (a hit never waits for a
    worker thread). Shared by every request's extension instance, as Strawberry's caches are, and
    safe across threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    async def get_or_compute(
        self, key: K, on_the_loop: bool, compute: Callable[[*Args], V], *args: *Args
    ) -> V:
        """The cached value, else `compute(*args)`: on the event loop when `on_the_loop`, else in
        the document worker (the caller may give up waiting; the thread then finishes on its own).
        An exception is not cached."""
        found = self.get(key)
        if found is not None:
            return found
        if on_the_loop:
            value = compute(*args)
        else:
            value = await anyio.to_thread.run_sync(
                compute, *args, limiter=_document_workers, abandon_on_cancel=True
            )
        self.put(key, value)
        return value


Rules = tuple[type[ASTValidationRule], ...]
Parsed = tuple[DocumentNode, DocumentCost]


@functools.cache
def _parsed_documents(maxsize: int) -> LeastRecentlyUsed[tuple[str, int], Parsed]:
    return LeastRecentlyUsed(maxsize)


@functools.cache
def _validations(
    maxsize: int,
) -> LeastRecentlyUsed[tuple[GraphQLSchema, str | DocumentNode, Rules], list[GraphQLError]]:
    return LeastRecentlyUsed(maxsize)


def _is_short(query: str | None) -> bool:
    return query is not None and len(query) <= LOOP_DOCUMENT_CHARS


async def parse_document(query: str, limits: GraphQLLimits) -> Parsed:
    """`query` parsed and measured, from the shared cache or else here (short) or in the document
    worker (long). Raises `DocumentLimitExceededError` over the token limit, `GraphQLSyntaxError`
    when it does not parse. For any code that needs the document before the extensions run, so
    that it is parsed once and never on the event loop when long."""
    return await _parsed_documents(limits.cache_size).get_or_compute(
        (query, limits.max_tokens),
        _is_short(query),
        parse_and_measure,
        query,
        limits.max_tokens,
        limits.max_page_size,
    )


class DocumentCostLimiter(SchemaExtension):
    """Parses the document (cached by its text, graphql-core's token limit) and refuses it with a
    typed error when its fields, depth or aliases, fragments expanded, pass a limit — before any
    validation rule reads it. Replaces Strawberry's `ParserCache`, `MaxTokensLimiter`,
    `QueryDepthLimiter` and `MaxAliasesLimiter` (the last two expand every fragment spread again
    at each use: exponential in the document's nesting)."""

    def __init__(self, limits: GraphQLLimits) -> None:
        super().__init__()
        self.limits = limits

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            document, cost = await parse_document(context.query, self.limits)
        elif context.graphql_document is not None:  # given by another extension
            document = context.graphql_document
            cost = measure_document(document, self.limits.max_page_size)
        else:  # no document at all: Strawberry reports it
            yield
            return
        # Raised, not set as `pre_execution_errors`: nothing after this hook reads the document.
        refusal = self.limits.refusal(cost)
        if refusal is not None:
            raise refusal
        context.graphql_document = document
        yield


class ValidationOffTheEventLoop(SchemaExtension):
    """Strawberry's `ValidationCache`, with long documents validated in the document worker."""

    def __init__(self, cache_size: int) -> None:
        super().__init__()
        self._validations = _validations(cache_size)

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema, rules = context.schema._schema, context.validation_rules
            # The text names the document it was parsed into, and its hash is cheap; a document's
            # hash walks the whole tree.
            text_or_document = context.query or document
            context.pre_execution_errors = await self._validations.get_or_compute(
                (schema, text_or_document, rules),
                _is_short(context.query),
                validate_document,
                schema,
                document,
                rules,
            )
        yield


def is_unexpected(error: GraphQLError) -> bool:
    """Mask errors raised by our own code or libraries; keep syntax, validation and limit errors
    (graphql-core raises those without an original error, or, for a variable that cannot be
    coerced to its type, with the coercion's own GraphQLError) and our `PublicError`s."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """`MaskErrors` whose masked errors carry the request id, to match a report to the log."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=INTERNAL_ERROR_MESSAGE)

    def _request_id(self) -> str | None:
        request_id = getattr(self.execution_context.context, "request_id", None)
        return request_id if isinstance(request_id, str) else None

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": INTERNAL_ERROR_CODE, "requestId": self._request_id()},
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
    # Read by graphql-core when the rule starts on a document; one schema per process.
    overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = VALIDATION_WORK_BUDGET
    return [
        lambda: DocumentCostLimiter(limits),
        lambda: ValidationOffTheEventLoop(limits.cache_size),
        MaskUnexpectedErrors,
    ]
