"""Named SQL queries on a SQL warehouse through the Statement Execution API.

`Warehouse.query(name, params)` loads `queries/<name>.sql` (with its `-- include: _fragment` lines
expanded), submits it with typed parameters, waits, polls, walks every result chunk and decodes the
JSON_ARRAY strings by the manifest's column types. Expected failures come out as typed errors the
GraphQL layer turns into union members (`domain/errors.py`): `WarehouseUnavailableError` (stopped or
still starting), `WarehouseQueryFailedError` (the statement FAILED), `StatementTimeoutError` (no
answer before the deadline; the statement is cancelled) and `UpstreamUnavailableError`
(429/5xx/timeouts after the SDK's own retries).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache, partial
from pathlib import Path
from typing import Protocol, TypeVar

import orjson
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import (
    ColumnInfo,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    ResultData,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
)

from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.sdk_errors import upstream_errors
from job_monitor.backend.domain.errors import (
    JobMonitorError,
    StatementTimeoutError,
    Upstream,
    UpstreamUnavailableError,
    WarehouseQueryFailedError,
    WarehouseUnavailableError,
)
from job_monitor.backend.domain.service_health import RecentOutcomes

logger = logging.getLogger(__name__)

T = TypeVar("T")

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
SqlValue = JsonValue | datetime | date


@dataclass(frozen=True)
class SqlNull:
    """A typed SQL NULL: `:x IS NULL OR col >= :x` needs `:x` to have the column's type."""

    sql_type: str


NULL_STRING = SqlNull("STRING")
NULL_BIGINT = SqlNull("BIGINT")
NULL_DOUBLE = SqlNull("DOUBLE")
NULL_TIMESTAMP = SqlNull("TIMESTAMP")

QueryParam = bool | int | float | str | datetime | date | SqlNull
QueryParams = Mapping[str, QueryParam]


# --- rows ---------------------------------------------------------------------------------------


class Row:
    """A decoded row; typed getters fail loudly when a column's type drifts from the SQL."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, SqlValue]) -> None:
        self._values = values

    def __getitem__(self, column: str) -> SqlValue:
        return self._values[column]

    def __repr__(self) -> str:
        return f"Row({self._values!r})"

    def _drift(self, column: str, expected: str) -> TypeError:
        value = self._values[column]
        return TypeError(f"column {column!r}: expected {expected}, got {value!r:.80}")

    def opt_text(self, column: str) -> str | None:
        value = self._values[column]
        if value is None or isinstance(value, str):
            return value
        raise self._drift(column, "string")

    def text(self, column: str) -> str:
        value = self.opt_text(column)
        if value is None:
            raise self._drift(column, "non-null string")
        return value

    def opt_integer(self, column: str) -> int | None:
        value = self._values[column]
        # bool is an int subclass; an integer column must not accept True.
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self._drift(column, "integer")

    def integer(self, column: str) -> int:
        value = self.opt_integer(column)
        if value is None:
            raise self._drift(column, "non-null integer")
        return value

    def opt_number(self, column: str) -> float | None:
        value = self._values[column]
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise self._drift(column, "number")

    def number(self, column: str) -> float:
        value = self.opt_number(column)
        if value is None:
            raise self._drift(column, "non-null number")
        return value

    def opt_flag(self, column: str) -> bool | None:
        value = self._values[column]
        if value is None or isinstance(value, bool):
            return value
        raise self._drift(column, "boolean")

    def opt_timestamp(self, column: str) -> datetime | None:
        value = self._values[column]
        if value is None or isinstance(value, datetime):
            return value
        raise self._drift(column, "timestamp")

    def timestamp(self, column: str) -> datetime:
        value = self.opt_timestamp(column)
        if value is None:
            raise self._drift(column, "non-null timestamp")
        return value

    def opt_day(self, column: str) -> date | None:
        return None if self._values[column] is None else self.day(column)

    def day(self, column: str) -> date:
        value = self._values[column]
        # datetime is a date subclass; a DATE column must decode to a plain date.
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        raise self._drift(column, "date")

    def texts(self, column: str) -> list[str]:
        """An array<string>; NULL reads as empty."""
        value = self._values[column]
        if value is None:
            return []
        if isinstance(value, list):
            items = [item for item in value if isinstance(item, str)]
            if len(items) == len(value):
                return items
        raise self._drift(column, "array<string>")

    def text_map(self, column: str) -> dict[str, str]:
        """A map<string,string>; NULL reads as empty."""
        value = self._values[column]
        if value is None:
            return {}
        if isinstance(value, dict):
            return {key: item for key, item in value.items() if isinstance(item, str)}
        raise self._drift(column, "map<string,string>")

    def json(self, column: str) -> JsonValue:
        value = self._values[column]
        if isinstance(value, datetime | date):
            raise self._drift(column, "a JSON value")
        return value


# --- decoding -----------------------------------------------------------------------------------


def _parse_timestamp(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    # Databricks TIMESTAMP is an instant; text without an offset is UTC (the session time zone).
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _parse_json(text: str) -> JsonValue:
    value: JsonValue = orjson.loads(text)
    return value


Decoder = Callable[[str], SqlValue]

_DECODERS: dict[str, Decoder] = {
    "BYTE": int,
    "SHORT": int,
    "INT": int,
    "INTEGER": int,
    "LONG": int,
    "BIGINT": int,
    "SMALLINT": int,
    "TINYINT": int,
    "FLOAT": float,
    "DOUBLE": float,
    "REAL": float,
    # Money and DBUs are shown to cents; float is exact enough and keeps the API's Float type.
    "DECIMAL": float,
    "BOOLEAN": _parse_boolean,
    "TIMESTAMP": _parse_timestamp,
    "TIMESTAMP_NTZ": _parse_timestamp,
    "DATE": date.fromisoformat,
    "ARRAY": _parse_json,
    "MAP": _parse_json,
    "STRUCT": _parse_json,
}


def column_type(column: ColumnInfo) -> str:
    """A column's base type, `type_text` first: the SDK turns unknown `type_name`s into None."""
    text = (column.type_text or "").strip().upper()
    if text:
        return re.split(r"[<(\s]", text, maxsplit=1)[0]
    return column.type_name.value if column.type_name else "STRING"


_ZERO_SCALE = re.compile(r"DECIMAL\(\s*\d+\s*,\s*0\s*\)")


def decoder_for(column: ColumnInfo) -> Decoder:
    """Strings stay strings, so do INTERVAL and BINARY, which this service never selects."""
    kind = column_type(column)
    # A decimal without a fractional part is a whole number (counts summed as DECIMAL(38,0)).
    text = (column.type_text or "").upper()
    if kind == "DECIMAL" and (column.type_scale == 0 or _ZERO_SCALE.fullmatch(text.strip())):
        return int
    return _DECODERS.get(kind, str)


def decode_rows(columns: Sequence[ColumnInfo], data: Sequence[Sequence[str | None]]) -> list[Row]:
    names = [column.name or f"_{index}" for index, column in enumerate(columns)]
    decoders = [decoder_for(column) for column in columns]
    fields = list(zip(names, decoders, strict=True))
    return [
        Row(
            {
                name: None if text is None else decode(text)
                for (name, decode), text in zip(fields, values, strict=True)
            }
        )
        for values in data
    ]


# --- parameters ---------------------------------------------------------------------------------


def _parameter(name: str, value: QueryParam) -> StatementParameterListItem:
    if isinstance(value, SqlNull):
        return StatementParameterListItem(name=name, type=value.sql_type)
    # bool before int: bool is an int subclass and must stay BOOLEAN.
    if isinstance(value, bool):
        return StatementParameterListItem(name=name, type="BOOLEAN", value=str(value).lower())
    if isinstance(value, int):
        return StatementParameterListItem(name=name, type="BIGINT", value=str(value))
    if isinstance(value, float):
        return StatementParameterListItem(name=name, type="DOUBLE", value=repr(value))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"parameter {name!r}: timestamps must be timezone-aware")
        return StatementParameterListItem(
            name=name, type="TIMESTAMP", value=value.astimezone(UTC).isoformat()
        )
    if isinstance(value, date):
        return StatementParameterListItem(name=name, type="DATE", value=value.isoformat())
    return StatementParameterListItem(name=name, type="STRING", value=value)


def parameter_key(value: QueryParam) -> tuple[str, str | None]:
    """A hashable, normalised form of a parameter (its SQL type and wire text) for cache keys."""
    item = _parameter("_", value)
    return (item.type or "STRING", item.value)


CacheKey = tuple[str, str, tuple[tuple[str, tuple[str, str | None]], ...]]


def query_key(scope: str, name: str, params: QueryParams) -> CacheKey:
    """The key of a query's result: principal scope, name and each parameter's SQL type and text."""
    return (scope, name, tuple((key, parameter_key(params[key])) for key in sorted(params)))


# --- query files --------------------------------------------------------------------------------

# Strings, quoted identifiers and comments are removed before looking for `:name` markers;
# `::type` casts are not markers.
_NOT_CODE = re.compile(r"'(?:[^'\\]|\\.)*'|`[^`]*`|--[^\n]*|/\*.*?\*/", re.DOTALL)
_MARKER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_QUERY_NAME = re.compile(r"[a-z][a-z0-9_]*")
# A line `-- include: _fragment` stands for `queries/_fragment.sql`: SQL shared by several queries
# (fragments start with `_`, so they cannot be run as queries themselves).
_INCLUDE = re.compile(r"^[ \t]*--[ \t]*include:(.*)$", re.MULTILINE)
_FRAGMENT_NAME = re.compile(r"_[a-z][a-z0-9_]*")
_QUERIES_DIR = Path(__file__).parent / "queries"
# `${name}` in a query: an identifier the warehouse was configured with (see `Warehouse`).
_IDENTIFIER = re.compile(r"\$\{([a-z_]+)\}")
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class QueryFile:
    name: str
    text: str
    parameters: frozenset[str]


@cache
def _fragment(name: str) -> str:
    path = _QUERIES_DIR / f"{name}.sql"
    if not _FRAGMENT_NAME.fullmatch(name) or not path.is_file():
        raise ValueError(f"unknown include {name!r}")
    text = path.read_text(encoding="utf-8").rstrip()
    if _INCLUDE.search(text):
        # One level keeps every expansion one file away from its query.
        raise ValueError(f"include {name!r} includes another fragment")
    return text


def expand_includes(text: str) -> str:
    """The query text with every `-- include: _fragment` line replaced by that fragment."""
    return _INCLUDE.sub(lambda include: _fragment(include[1].strip()), text)


@cache
def load_query(name: str) -> QueryFile:
    """Reads `queries/<name>.sql` once per process, with its includes expanded."""
    if not _QUERY_NAME.fullmatch(name):
        raise ValueError(f"bad query name {name!r}")
    text = expand_includes((_QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    markers = frozenset(_MARKER.findall(_NOT_CODE.sub(" ", text)))
    return QueryFile(name=name, text=text, parameters=markers)


@cache
def load_script(name: str) -> tuple[str, ...]:
    """The statements of `queries/<name>.sql`, each ending with `;` at the end of a line."""
    if not _QUERY_NAME.fullmatch(name):
        raise ValueError(f"bad script name {name!r}")
    text = (_QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
    statements = (part.strip() for part in _STATEMENT_END.split(text))
    return tuple(statement for statement in statements if _NOT_CODE.sub(" ", statement).strip())


# --- statement counting -------------------------------------------------------------------------


@dataclass
class StatementCounter:
    """Statements issued while it is the current counter (one per GraphQL request)."""

    statements: int = 0
    by_query: dict[str, int] = field(default_factory=dict)

    def add(self, query: str) -> None:
        self.statements += 1
        self.by_query[query] = self.by_query.get(query, 0) + 1


_current_counter: ContextVar[StatementCounter | None] = ContextVar(
    "job_monitor_statement_counter", default=None
)


@contextmanager
def counting_statements() -> Iterator[StatementCounter]:
    """Counts the statements issued inside the block, including in tasks it starts."""
    counter = StatementCounter()
    token = _current_counter.set(counter)
    try:
        yield counter
    finally:
        _current_counter.reset(token)


# --- the warehouse ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarehouseSettings:
    # The server-side wait of the submit call (0 or 5..50 s): most statements finish inside it.
    # Clearly below the SDK's HTTP timeout (10 s by default), so the call is never cut off while
    # the warehouse is still answering it.
    wait_timeout_seconds: int = 5
    # The whole statement, polls included; beyond it the statement is cancelled.
    statement_timeout_seconds: float = 50.0
    first_poll_seconds: float = 0.1
    max_poll_seconds: float = 2.0
    # The warehouse's state is read before statements and kept this long: a stopped warehouse is
    # answered "warming up" at once instead of after the submit call's wait.
    state_seconds: float = 5.0
    # A submit still held this long is checked against the warehouse's state read again (at most
    # this often): a warehouse that stopped since its state was read would hold it the whole wait.
    recheck_seconds: float = 1.0

    def __post_init__(self) -> None:
        if not (self.wait_timeout_seconds == 0 or 5 <= self.wait_timeout_seconds <= 50):
            raise ValueError("wait_timeout_seconds must be 0 or between 5 and 50")


class QueryRunner(Protocol):
    """What repositories need: the `Warehouse` itself or a cache in front of it."""

    @property
    def scope(self) -> str: ...

    async def query(self, name: str, params: QueryParams) -> Sequence[Row]: ...

    async def query_table(self, name: str, table: str, params: QueryParams) -> Sequence[Row]: ...


def quoted_table_name(name: str) -> str:
    """A three-part table name (`catalog.schema.table`, as the lineage spells it) as SQL text:
    each part in backticks, a backtick inside doubled. ValueError for anything else."""
    parts = name.split(".")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        raise ValueError(f"not a three-part table name: {name!r}")
    return ".".join("`" + part.replace("`", "``") + "`" for part in parts)


_RUNNING = (StatementState.PENDING, StatementState.RUNNING)
# Time allowed for the calls that clean up or explain a failure (cancel, warehouse state).
_GRACE_SECONDS = 5.0
_MIN_CALL_SECONDS = 1.0


class Warehouse:
    """Runs the service's named queries on one SQL warehouse with one client.

    Which client runs SQL (the app's service principal by default, the user's when configured) is
    the caller's choice; `scope` names that principal so caches never share results across them.
    """

    def __init__(
        self,
        client: WorkspaceClient | Callable[[], Awaitable[WorkspaceClient]],
        warehouse_id: str,
        settings: WarehouseSettings | None = None,
        *,
        scope: str = "service-principal",
        outcomes: RecentOutcomes | None = None,
        identifiers: Mapping[str, str] | None = None,
    ) -> None:
        """`outcomes`: where each statement's outcome is recorded (for `health`). `identifiers`:
        the text each `${name}` in a query stands for (a schema's quoted name: SQL parameters
        cannot name a table), validated by whoever configures them."""
        self._client_source = client
        self._identifiers = dict(identifiers or {})
        self._outcomes = outcomes if outcomes is not None else RecentOutcomes()
        self._warehouse_id = warehouse_id
        self._settings = settings or WarehouseSettings()
        self._scope = scope
        self.statements_issued = 0
        self._state = TtlCache(self._settings.state_seconds, max_entries=1)
        self._recheck = TtlCache(self._settings.recheck_seconds, max_entries=1)
        self._abandoned: set[asyncio.Task[None]] = set()

    @property
    def scope(self) -> str:
        return self._scope

    async def query(self, name: str, params: QueryParams) -> list[Row]:
        return await self.run(load_query(name), params)

    async def query_table(self, name: str, table: str, params: QueryParams) -> list[Row]:
        """A named query about one table, whose `${table}` stands for `table` quoted: statements
        such as DESCRIBE HISTORY take no parameter for the table they describe."""
        query = load_query(name)
        text = query.text.replace("${table}", quoted_table_name(table))
        return await self.run(QueryFile(name, text, query.parameters), params)

    async def run_script(self, name: str) -> None:
        """Runs each statement of `queries/<name>.sql` in order (statements end with `;` at the
        end of a line; none takes parameters): a migration's DDL."""
        for number, statement in enumerate(load_script(name), start=1):
            await self.run(QueryFile(f"{name}#{number}", statement, frozenset()), {})

    async def run(self, query: QueryFile, params: QueryParams) -> list[Row]:
        name = query.name
        query = self._with_identifiers(query)
        given = frozenset(params)
        if given != query.parameters:
            # A programming error, caught before a statement is spent on it.
            raise ValueError(
                f"query {name}: parameters {sorted(given)} do not match markers "
                f"{sorted(query.parameters)}"
            )
        parameters = [_parameter(key, value) for key, value in sorted(params.items())]
        started = time.monotonic()
        self._count(name)
        try:
            rows = await self._run(query, parameters, started)
        except JobMonitorError as error:
            # A statement the warehouse failed, or no answer: a failure. A stopped or starting
            # warehouse is not (the warehouse's own check reports its state).
            if isinstance(error, WarehouseQueryFailedError | UpstreamUnavailableError):
                self._outcomes.record(False)
            logger.warning(
                "query %s failed after %.0f ms: %s",
                name,
                (time.monotonic() - started) * 1000,
                getattr(error, "detail", None) or error.message,
            )
            raise
        self._outcomes.record(True)
        logger.debug(
            "query %s: %d rows in %.0f ms", name, len(rows), (time.monotonic() - started) * 1000
        )
        return rows

    def _with_identifiers(self, query: QueryFile) -> QueryFile:
        text = _IDENTIFIER.sub(lambda marker: self._identifiers[marker[1]], query.text)
        return QueryFile(query.name, text, query.parameters)

    def _count(self, name: str) -> None:
        self.statements_issued += 1
        counter = _current_counter.get()
        if counter is not None:
            counter.add(name)

    async def _run(
        self,
        query: QueryFile,
        parameters: list[StatementParameterListItem],
        started: float,
    ) -> list[Row]:
        settings = self._settings
        deadline = started + settings.statement_timeout_seconds
        client = await self._client()
        running = await self._warehouse_state(client) == "RUNNING"
        # A warehouse that is not running is started by a statement; without waiting for it, the
        # statement's PENDING state then answers "warming up" below.
        wait = settings.wait_timeout_seconds if running else 0
        submit = asyncio.ensure_future(
            self._sdk(
                lambda: client.statement_execution.execute_statement(
                    statement=query.text,
                    warehouse_id=self._warehouse_id,
                    parameters=parameters,
                    format=Format.JSON_ARRAY,
                    wait_timeout=f"{wait}s",
                    on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
                ),
                deadline,
            )
        )
        try:
            if wait:
                await self._fail_if_stopped_while_held(client, submit)
            response = await submit
        finally:
            if not submit.done():
                # Abandoned (a stopped warehouse, a cancelled request): its statement is cancelled
                # once the submit answers with its id.
                submit.add_done_callback(partial(self._cancel_when_submitted, client, query.name))
        statement_id = response.statement_id or ""
        pause = settings.first_poll_seconds
        warehouse_checked = False
        while (state := _state(response)) in _RUNNING:
            out_of_time = time.monotonic() >= deadline
            if state is StatementState.PENDING and (not warehouse_checked or out_of_time):
                # Still queued after the server-side wait: a cold or stopped warehouse answers
                # "warming up" now instead of after the whole deadline.
                warehouse_checked = True
                await self._fail_if_warehouse_down(client, query.name, statement_id)
            if out_of_time:
                await self._cancel(client, query.name, statement_id)
                raise StatementTimeoutError(
                    query.name, settings.statement_timeout_seconds, statement_id
                )
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, settings.max_poll_seconds)
            response = await self._sdk(
                lambda: client.statement_execution.get_statement(statement_id), deadline
            )
        if state is not StatementState.SUCCEEDED:
            error = response.status.error if response.status else None
            if error and error.error_code:
                code = error.error_code.value
            else:
                code = state.value if state else "UNKNOWN"
            detail = (error.message if error else None) or ""
            raise WarehouseQueryFailedError(query.name, code, detail)
        return await self._rows(client, response, deadline)

    async def _rows(
        self, client: WorkspaceClient, response: StatementResponse, deadline: float
    ) -> list[Row]:
        manifest = response.manifest
        columns = (manifest.schema.columns if manifest and manifest.schema else None) or []
        statement_id = response.statement_id or ""
        chunk_n = client.statement_execution.get_statement_result_chunk_n
        rows: list[Row] = []
        chunk: ResultData | None = response.result
        while chunk is not None:
            rows.extend(decode_rows(columns, chunk.data_array or []))
            next_index = chunk.next_chunk_index
            if next_index is None:
                break
            chunk = await self._sdk(partial(chunk_n, statement_id, next_index), deadline)
        return rows

    async def _warehouse_state(self, client: WorkspaceClient) -> str:
        """The warehouse's state, read at most every `state_seconds`."""
        return await self._state.get_or_load("state", partial(self._read_state, client))

    async def _read_state(self, client: WorkspaceClient) -> str:
        """The warehouse's state now; a warehouse that does not exist (or that the principal may
        not use) is `WarehouseUnavailableError` NOT_FOUND."""
        missing = WarehouseUnavailableError("NOT_FOUND")
        with upstream_errors(Upstream.SQL_WAREHOUSE, missing):
            async with asyncio.timeout(_GRACE_SECONDS):
                info = await call_sdk(lambda: client.warehouses.get(self._warehouse_id))
        return info.state.value if info.state else "UNKNOWN"

    async def _fail_if_stopped_while_held(
        self, client: WorkspaceClient, submit: asyncio.Future[StatementResponse]
    ) -> None:
        """`WarehouseUnavailableError` when the submit is still held after `recheck_seconds` and
        the warehouse, read again, is not running. Many statements take that long on a running
        warehouse, and they go on; so does one whose warehouse cannot be read now (the statement's
        own outcome tells)."""
        await asyncio.wait({submit}, timeout=self._settings.recheck_seconds)
        if submit.done():
            return
        try:
            state = await self._recheck.get_or_load("state", partial(self._read_state, client))
        except UpstreamUnavailableError:
            return
        if state != "RUNNING":
            self._state.clear()
            raise WarehouseUnavailableError(state)

    def _cancel_when_submitted(
        self, client: WorkspaceClient, name: str, submit: asyncio.Future[StatementResponse]
    ) -> None:
        """Cancels an abandoned statement once its submit answers with its id."""
        if submit.cancelled() or submit.exception() is not None:
            return
        response = submit.result()
        if response.statement_id and _state(response) in _RUNNING:
            task = asyncio.ensure_future(self._cancel(client, name, response.statement_id))
            self._abandoned.add(task)
            task.add_done_callback(self._abandoned.discard)

    async def _fail_if_warehouse_down(
        self, client: WorkspaceClient, name: str, statement_id: str
    ) -> None:
        self._state.clear()
        state = await self._warehouse_state(client)
        if state != "RUNNING":
            await self._cancel(client, name, statement_id)
            raise WarehouseUnavailableError(state)

    async def _cancel(self, client: WorkspaceClient, name: str, statement_id: str) -> None:
        try:
            await self._sdk(
                lambda: client.statement_execution.cancel_execution(statement_id),
                time.monotonic() + _GRACE_SECONDS,
            )
        except UpstreamUnavailableError:
            # Best effort: the statement is abandoned anyway and the caller's error matters more.
            logger.warning("could not cancel statement %s of query %s", statement_id, name)

    async def _client(self) -> WorkspaceClient:
        if isinstance(self._client_source, WorkspaceClient):
            return self._client_source
        return await self._client_source()

    @staticmethod
    async def _sdk(call: Callable[[], T], deadline: float) -> T:
        """One SDK call off the event loop, bounded by the deadline (a server that holds the
        request must not hold the page), with transient upstream failures made typed."""
        with upstream_errors(Upstream.SQL_WAREHOUSE):
            # Even at the deadline a call gets a moment: the last poll may bring the result.
            async with asyncio.timeout(max(_MIN_CALL_SECONDS, deadline - time.monotonic())):
                return await call_sdk(call)


def _state(response: StatementResponse) -> StatementState | None:
    return response.status.state if response.status else None
