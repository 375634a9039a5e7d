"""SQL Statement Execution API 2.0 on DuckDB.

Statements run in a thread pool, each on its own cursor, so a slow one really is PENDING or RUNNING
while clients poll, and can be cancelled (DuckDB's interrupt). Results are encoded once, when the
statement finishes: every value a string or null, timestamps ISO-8601 with `Z`, complex values as
JSON text, split into chunks of about `result_chunk_bytes` each.

Writes (to the catalog `main`, see catalog.py) run in a transaction of their own, as each statement
is on Databricks, and answer as Databricks does: one row of BIGINT counts (`num_affected_rows` and,
for INSERT and MERGE, the counts per action). DDL answers a result of no columns and no chunks,
the shape of a statement without a result set (the exact DDL response of a real warehouse is
unconfirmed).
"""

import asyncio
import logging
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol, cast

import duckdb
import orjson
from duckdb.sqltypes import DuckDBPyType
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from job_monitor.local_workspace.auth import CurrentPrincipal, DatabricksHTTPError
from job_monitor.local_workspace.catalog import (
    ConcurrentWriteError,
    StateDirectoryInUseError,
    WritableCatalog,
)
from job_monitor.local_workspace.created_jobs import CreatedJobs
from job_monitor.local_workspace.faults import Faults
from job_monitor.local_workspace.grants import check_grants, check_table_grants
from job_monitor.local_workspace.principals import Principal
from job_monitor.local_workspace.sql_translate import (
    DEFAULT_CATALOG,
    DEFAULT_SCHEMA,
    WRITABLE_CATALOG,
    Parameter,
    SqlError,
    StatementKind,
    Translation,
    bind_parameters,
    translate,
)
from job_monitor.local_workspace.stats import Stats
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS
from job_monitor.local_workspace.warehouses import Warehouse, get_warehouse, require_warehouse

_log = logging.getLogger(__name__)

StatementState = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"]
_TERMINAL: frozenset[StatementState] = frozenset({"SUCCEEDED", "FAILED", "CANCELED"})

# Databricks keeps results for an hour after success.
_RESULT_LIFETIME_SECONDS = 3600.0
_STATEMENTS_PATH = "/api/2.0/sql/statements"
_WAIT_TIMEOUT = re.compile(r"(\d+)s")
_CANCEL_GRACE_SECONDS = 10.0
_CANCEL_RETRY_SECONDS = 0.02


class SqlDatabase(Protocol):
    """What the SQL engine needs from the synthetic workspace's database."""

    def cursor(self) -> duckdb.DuckDBPyConnection: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Column:
    name: str
    type_name: str
    type_text: str
    precision: int | None = None
    scale: int | None = None

    def manifest(self, position: int) -> dict[str, Any]:
        column: dict[str, Any] = {
            "name": self.name,
            "position": position,
            "type_name": self.type_name,
            "type_text": self.type_text,
        }
        if self.precision is not None:
            column["type_precision"] = self.precision
            column["type_scale"] = self.scale
        return column


Row = tuple[str | None, ...]


@dataclass(frozen=True)
class Chunk:
    index: int
    row_offset: int
    rows: list[Row]
    byte_count: int

    def manifest(self) -> dict[str, Any]:
        return {
            "chunk_index": self.index,
            "row_offset": self.row_offset,
            "row_count": len(self.rows),
            "byte_count": self.byte_count,
        }


@dataclass(frozen=True)
class StatementFailure:
    error_code: str
    message: str
    sql_state: str | None = None


@dataclass
class Statement:
    id: str
    principal: Principal
    sql: str
    parameters: tuple[Parameter, ...]
    row_limit: int | None
    catalog: str
    schema: str
    state: StatementState = "PENDING"
    failure: StatementFailure | None = None
    columns: list[Column] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    truncated: bool = False
    finished_at: float | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cursor: duckdb.DuckDBPyConnection | None = None
    future: "Future[None] | None" = None

    def finish(self, state: StatementState, failure: StatementFailure | None = None) -> None:
        with self.lock:
            self.state = state
            self.failure = failure
            self.finished_at = time.monotonic()
            self.cursor = None


# --- Databricks types for a DuckDB result

_SIMPLE_TYPES: dict[str, tuple[str, str]] = {
    "boolean": ("BOOLEAN", "BOOLEAN"),
    "tinyint": ("BYTE", "TINYINT"),
    "smallint": ("SHORT", "SMALLINT"),
    "integer": ("INT", "INT"),
    "bigint": ("LONG", "BIGINT"),
    "utinyint": ("SHORT", "SMALLINT"),
    "usmallint": ("INT", "INT"),
    "uinteger": ("LONG", "BIGINT"),
    "float": ("FLOAT", "FLOAT"),
    "double": ("DOUBLE", "DOUBLE"),
    "varchar": ("STRING", "STRING"),
    "uuid": ("STRING", "STRING"),
    "date": ("DATE", "DATE"),
    "timestamp with time zone": ("TIMESTAMP", "TIMESTAMP"),
    # Databricks' TIMESTAMP_NTZ has no type_name of its own in the API's enum.
    "timestamp": ("TIMESTAMP", "TIMESTAMP_NTZ"),
    "timestamp_ms": ("TIMESTAMP", "TIMESTAMP_NTZ"),
    "timestamp_s": ("TIMESTAMP", "TIMESTAMP_NTZ"),
    "timestamp_ns": ("TIMESTAMP", "TIMESTAMP_NTZ"),
    "blob": ("BINARY", "BINARY"),
    # A timestamp difference, the only interval these queries make, is a day-time interval.
    "interval": ("INTERVAL", "INTERVAL DAY TO SECOND"),
    "null": ("NULL", "VOID"),
}


def _type_text(duck: DuckDBPyType) -> tuple[str, str]:
    kind = duck.id
    if kind in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind]
    if kind == "decimal":
        precision, scale = (value for _, value in duck.children)
        return "DECIMAL", f"DECIMAL({precision},{scale})"
    if kind in ("hugeint", "uhugeint", "ubigint"):
        return "DECIMAL", "DECIMAL(38,0)"
    # Children of nested types are (name, DuckDBPyType) pairs.
    children = [(name, cast(DuckDBPyType, child)) for name, child in duck.children]
    if kind in ("list", "array"):
        return "ARRAY", f"ARRAY<{_type_text(children[0][1])[1]}>"
    if kind == "map":
        key, value = (_type_text(child)[1] for _, child in children)
        return "MAP", f"MAP<{key}, {value}>"
    if kind == "struct":
        fields = ", ".join(f"{name}: {_type_text(child)[1]}" for name, child in children)
        return "STRUCT", f"STRUCT<{fields}>"
    return "STRING", "STRING"


_TYPE_NAME_OF_TEXT = {"BIGINT": "LONG", "SMALLINT": "SHORT", "TINYINT": "BYTE", "INTEGER": "INT"}


def _type_name_of(type_text: str) -> str:
    head = re.split(r"[<(]", type_text, maxsplit=1)[0].strip().upper()
    return _TYPE_NAME_OF_TEXT.get(head, head)


def _declared_types(tables: frozenset[str]) -> dict[str, set[str]]:
    declared: dict[str, set[str]] = {}
    for table in tables:
        for name, type_text in TABLE_SCHEMAS.get(table.removeprefix("system."), []):
            declared.setdefault(name, set()).add(type_text)
    return declared


def _column(name: str, duck: DuckDBPyType, declared: dict[str, set[str]]) -> Column:
    type_name, type_text = _type_text(duck)
    # A column passed through from a system table reports the table's Databricks type (decimals are
    # stored at a different scale, timestamps under DuckDB names), as a real manifest would.
    candidates = declared.get(name, set())
    if len(candidates) == 1:
        (schema_text,) = candidates
        if _type_name_of(schema_text) == type_name:
            type_text = schema_text
    if type_name != "DECIMAL":
        return Column(name, type_name, type_text)
    precision, scale = (int(part) for part in re.findall(r"\d+", type_text)[:2])
    return Column(name, type_name, type_text, precision, scale)


# --- Encoding values as Databricks' JSON_ARRAY does


def _as_text(position: int, duck: DuckDBPyType) -> str:
    """SQL that renders result column `position` as Databricks' JSON_ARRAY text.

    DuckDB formats the values itself: converting every value to a Python object first (timestamps
    with time zones above all) costs several times the query on large results.
    """
    column = f"#{position}"
    kind = duck.id
    if kind == "timestamp with time zone":
        return f"strftime({column}, '%Y-%m-%dT%H:%M:%S.%gZ')"
    if kind.startswith("timestamp"):
        return f"strftime(CAST({column} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g')"
    if kind in ("float", "double"):
        return (
            f"CASE WHEN isnan({column}) THEN 'NaN' WHEN isinf({column}) AND {column} > 0 "
            f"THEN 'Infinity' WHEN isinf({column}) THEN '-Infinity' "
            f"ELSE CAST({column} AS VARCHAR) END"
        )
    if kind in ("list", "array", "map", "struct"):
        return f"CAST(to_json({column}) AS VARCHAR)"
    if kind == "blob":
        return f"base64({column})"
    if kind == "interval":
        return _day_time_interval_text(column)
    return f"CAST({column} AS VARCHAR)"


def _day_time_interval_text(column: str) -> str:
    """Spark's Hive-style text of a DAY TO SECOND interval: `[-]D HH:MM:SS.fffffffff`."""
    micros = f"abs(epoch_us({column}))"
    sign = f"CASE WHEN epoch_us({column}) < 0 THEN '-' ELSE '' END"
    return (
        f"printf('%s%d %02d:%02d:%02d.%09d', {sign}, {micros} // 86400000000, "
        f"{micros} % 86400000000 // 3600000000, "
        f"{micros} % 3600000000 // 60000000, {micros} % 60000000 // 1000000, "
        f"{micros} % 1000000 * 1000)"
    )


def _as_text_query(sql: str, types: Sequence[DuckDBPyType], row_limit: int | None) -> str:
    rendered = ", ".join(_as_text(i, duck) for i, duck in enumerate(types, start=1))
    # One row past the limit tells whether the limit cut the result.
    limit = "" if row_limit is None else f" LIMIT {row_limit + 1}"
    # `sql` is sqlglot's rendering of exactly one parsed query, so it nests as a subquery.
    return f"SELECT {rendered} FROM ({sql}) AS result{limit}"  # noqa: S608


def _split_into_chunks(rows: list[Row], chunk_bytes: int) -> list[Chunk]:
    """Cuts rows into chunks of about `chunk_bytes` of JSON each (at least one row per chunk)."""
    chunks: list[Chunk] = []
    start, size = 0, 0
    for i, row in enumerate(rows):
        # Quotes, commas and brackets cost about four bytes per value on the wire.
        row_size = sum(len(v) for v in row if v is not None) + 4 * len(row) + 2
        if size and size + row_size > chunk_bytes:
            chunks.append(Chunk(len(chunks), start, rows[start:i], size))
            start, size = i, 0
        size += row_size
    if size or not chunks:
        chunks.append(Chunk(len(chunks), start, rows[start:], size))
    return chunks


# --- Running statements


_CONCURRENT_APPEND = StatementFailure(
    "BAD_REQUEST",
    "[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the "
    "table by a concurrent update. Please try the operation again. SQLSTATE: 2D521",
    "2D521",
)
_FAILED_AFTER_WRITE = StatementFailure(
    "INTERNAL_ERROR",
    "[INTERNAL_ERROR] The statement failed after writing (an injected fault); its transaction "
    "was rolled back. SQLSTATE: XX000",
    "XX000",
)
_MULTIPLE_SOURCE_ROWS = (
    "Cannot perform Merge as multiple source rows matched and attempted to modify the same target "
    "row in the Delta table in possibly conflicting ways. By SQL semantics of Merge, when multiple "
    "source rows match on the same target row, the result may be ambiguous as it is unclear which "
    "source row should be used to update or delete the matching target row. You can preprocess "
    "the source table to eliminate the possibility of multiple matches."
)
_NOT_NULL_COLUMN = re.compile(r"NOT NULL constraint failed: (?:\S+\.)?(\S+)")
# Catalog errors, by the Databricks error class of the same failure; anything else a catalog
# misses is a function.
_CATALOG_ERRORS = (
    (re.compile(r"Table with name \S+ does not exist"), "TABLE_OR_VIEW_NOT_FOUND", "42P01"),
    (re.compile(r"Schema with name \S+ does not exist"), "SCHEMA_NOT_FOUND", "42704"),
    (re.compile(r"Table with name \S+ already exists"), "TABLE_OR_VIEW_ALREADY_EXISTS", "42P07"),
    (re.compile(r"Schema with name \S+ already exists"), "SCHEMA_ALREADY_EXISTS", "42P06"),
    (re.compile(r"Column with name \S+ already exists"), "FIELD_ALREADY_EXISTS", "42710"),
)


def _failure(error_class: str, message: str, sql_state: str) -> StatementFailure:
    return StatementFailure(
        "BAD_REQUEST", f"[{error_class}] {message} SQLSTATE: {sql_state}", sql_state
    )


def _constraint_failure(text: str) -> StatementFailure:
    """Delta's error for a violated constraint: NOT NULL by its column, any other with the text."""
    not_null = _NOT_NULL_COLUMN.search(text)
    if not_null:
        return _failure(
            "DELTA_NOT_NULL_CONSTRAINT_VIOLATED",
            f"NOT NULL constraint violated for column: {not_null.group(1)}.",
            "23502",
        )
    return _failure("DELTA_VIOLATE_CONSTRAINT_WITH_VALUES", text, "23001")


def _duckdb_failure(error: duckdb.Error, writable_alias: str) -> StatementFailure:
    """DuckDB's error, under the Databricks error class a client would branch on."""
    # DuckDB's name of the writable catalog means nothing to a client.
    text = str(error).replace(writable_alias, WRITABLE_CATALOG)
    if isinstance(error, duckdb.TransactionException):
        # DuckDB's write-write conflict is Delta's conflict between concurrent commits.
        return _CONCURRENT_APPEND
    if isinstance(error, duckdb.ConstraintException):
        return _constraint_failure(text)
    if isinstance(error, duckdb.InvalidInputException) and "same target row" in text:
        return _failure(
            "DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE", _MULTIPLE_SOURCE_ROWS, "21506"
        )
    if isinstance(error, duckdb.BinderException) and "column" in text.lower():
        error_class, sql_state = "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", "42703"
    elif isinstance(error, duckdb.BinderException):
        # Mostly functions called with arguments of the wrong types.
        error_class, sql_state = "DATATYPE_MISMATCH", "42K09"
    elif isinstance(error, duckdb.CatalogException):
        error_class, sql_state = next(
            ((c, s) for pattern, c, s in _CATALOG_ERRORS if pattern.search(text)),
            ("UNRESOLVED_ROUTINE", "42883"),
        )
    elif isinstance(error, duckdb.ConversionException):
        error_class, sql_state = "CAST_INVALID_INPUT", "22018"
    elif isinstance(error, duckdb.OutOfRangeException):
        error_class, sql_state = "ARITHMETIC_OVERFLOW", "22003"
    elif isinstance(error, duckdb.ParserException):
        error_class, sql_state = "PARSE_SYNTAX_ERROR", "42601"
    else:
        error_class, sql_state = "INTERNAL_ERROR", "XX000"
    return _failure(error_class, text, sql_state)


# The counts Databricks answers a write with, one BIGINT column each.
_COUNT_COLUMNS: dict[StatementKind, tuple[str, ...]] = {
    "INSERT": ("num_affected_rows", "num_inserted_rows"),
    "UPDATE": ("num_affected_rows",),
    "DELETE": ("num_affected_rows",),
    "MERGE": ("num_affected_rows", "num_updated_rows", "num_deleted_rows", "num_inserted_rows"),
}


def _counts(kind: StatementKind, rows: list[tuple[Any, ...]]) -> tuple[int, ...]:
    if kind == "MERGE":
        # One row per changed row, holding its action (RETURNING merge_action).
        actions = Counter(str(action) for (action,) in rows)
        updated, deleted, inserted = actions["UPDATE"], actions["DELETE"], actions["INSERT"]
        return updated + deleted + inserted, updated, deleted, inserted
    # DuckDB answers INSERT, UPDATE and DELETE with one row: the count.
    count = int(rows[0][0])
    return (count,) * len(_COUNT_COLUMNS[kind])


def _roll_back_quietly(cursor: duckdb.DuckDBPyConnection) -> None:
    try:
        cursor.execute("ROLLBACK")
    except duckdb.Error:
        # DuckDB has already ended a transaction whose commit failed.
        _log.debug("nothing to roll back", exc_info=True)


def _interrupt_until_stopped(statement: Statement) -> None:
    """Interrupts until the statement stops: DuckDB drops interrupts that land between queries."""
    deadline = time.monotonic() + _CANCEL_GRACE_SECONDS
    while time.monotonic() < deadline:
        with statement.lock:
            if statement.state in _TERMINAL:
                return
            if statement.cursor is not None:
                statement.cursor.interrupt()
        time.sleep(_CANCEL_RETRY_SECONDS)


class StatementService:
    def __init__(
        self,
        database: Callable[[], SqlDatabase],
        warehouse: Warehouse,
        stats: Stats,
        *,
        catalog: WritableCatalog,
        faults: Faults,
        created_jobs: CreatedJobs,
        chunk_bytes: int,
        workers: int,
    ) -> None:
        self._database = database
        self._created_jobs = created_jobs
        self._warehouse = warehouse
        self._stats = stats
        self._catalog = catalog
        self._faults = faults
        self._chunk_bytes = chunk_bytes
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sql-statement")
        self._lock = threading.Lock()
        self._statements: dict[str, Statement] = {}

    def submit(
        self,
        principal: Principal,
        sql: str,
        parameters: Sequence[Parameter],
        *,
        row_limit: int | None,
        catalog: str,
        schema: str,
    ) -> Statement:
        statement = Statement(
            id=str(uuid.uuid4()),
            principal=principal,
            sql=sql,
            parameters=tuple(parameters),
            row_limit=row_limit,
            catalog=catalog,
            schema=schema,
        )
        self._stats.count_statement(sql)
        # The warehouse starts on the first statement, as a stopped Databricks warehouse does.
        self._warehouse.start()
        with self._lock:
            self._forget_expired()
            self._statements[statement.id] = statement
        statement.future = self._executor.submit(self._run, statement)
        return statement

    def _forget_expired(self) -> None:
        now = time.monotonic()
        expired = [
            key
            for key, s in self._statements.items()
            if s.finished_at is not None and now - s.finished_at > _RESULT_LIFETIME_SECONDS
        ]
        for key in expired:
            del self._statements[key]

    def find(self, principal: Principal, statement_id: str) -> Statement:
        with self._lock:
            statement = self._statements.get(statement_id)
        # Another principal's statement is as invisible as one that never existed.
        if statement is None or statement.principal != principal:
            raise DatabricksHTTPError(
                404, "RESOURCE_DOES_NOT_EXIST", f"Statement {statement_id} does not exist."
            )
        return statement

    def cancel(self, statement: Statement) -> None:
        statement.cancel_requested.set()
        if statement.future is not None and statement.future.cancel():
            statement.finish("CANCELED")
            return
        threading.Thread(
            target=_interrupt_until_stopped, args=(statement,), name="sql-cancel", daemon=True
        ).start()

    async def wait(self, statement: Statement, timeout_seconds: float) -> bool:
        """True when the statement finished within the timeout; never blocks the event loop."""
        if statement.future is None:
            return True
        try:
            await asyncio.wait_for(
                asyncio.shield(asyncio.wrap_future(statement.future)), timeout_seconds
            )
        except TimeoutError:
            return False
        return True

    def shutdown(self) -> None:
        with self._lock:
            running = [s for s in self._statements.values() if s.state not in _TERMINAL]
        for statement in running:
            self.cancel(statement)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, statement: Statement) -> None:
        try:
            self._execute(statement)
        except Exception as error:
            # A fault of the stand-in itself, reported as Databricks reports its own failures.
            _log.exception("statement %s failed inside the local workspace", statement.id)
            failure = StatementFailure("INTERNAL_ERROR", f"[INTERNAL_ERROR] {error!r}")
            statement.finish("FAILED", failure)

    def _execute(self, statement: Statement) -> None:
        if not self._warehouse.wait_until_running(statement.cancel_requested):
            statement.finish("CANCELED")
            return
        try:
            declared = tuple((p.name, p.type) for p in statement.parameters if p.type)
            translation = translate(
                statement.sql, statement.catalog, statement.schema, declared, self._catalog.alias
            )
            check_grants(statement.principal, translation)
            parameters = bind_parameters(translation, statement.parameters)
        except SqlError as error:
            statement.finish("FAILED", StatementFailure("BAD_REQUEST", str(error), error.sql_state))
            return
        injected = self._faults.statement_error(statement.sql)
        if injected == "CONCURRENT_WRITE":
            statement.finish("FAILED", _CONCURRENT_APPEND)
            return
        database = self._database()
        cursor = database.cursor()
        # Jobs edited through jobs/update, or created, have new SCD rows held over the file.
        with_job_changes = getattr(database, "with_job_changes", None)
        duckdb_sql = (
            with_job_changes(translation.duckdb_sql, self._created_jobs.system_rows())
            if callable(with_job_changes) and translation.kind == "QUERY"
            else translation.duckdb_sql
        )
        try:
            if WRITABLE_CATALOG in translation.catalogs:
                self._catalog.attach(cursor)
            cursor.execute("SET TimeZone = 'UTC'")
            check_table_grants(cursor, statement.principal, translation)
            with statement.lock:
                cancelled = statement.cancel_requested.is_set()
                if not cancelled:
                    statement.state = "RUNNING"
                    statement.cursor = cursor
            if cancelled:
                statement.finish("CANCELED")
            elif translation.kind == "QUERY" and injected is None:
                self._read(statement, translation, cursor, duckdb_sql, parameters)
            else:
                self._write(
                    statement,
                    translation,
                    cursor,
                    duckdb_sql,
                    parameters,
                    roll_back=injected == "FAILED_AFTER_WRITE",
                )
        except duckdb.InterruptException:
            statement.finish("CANCELED")
        except duckdb.Error as error:
            if statement.cancel_requested.is_set():
                statement.finish("CANCELED")
            else:
                statement.finish("FAILED", _duckdb_failure(error, self._catalog.alias))
        except SqlError as error:
            statement.finish("FAILED", StatementFailure("BAD_REQUEST", str(error), error.sql_state))
        except ConcurrentWriteError:
            statement.finish("FAILED", _CONCURRENT_APPEND)
        except StateDirectoryInUseError as error:
            statement.finish(
                "FAILED", StatementFailure("INTERNAL_ERROR", f"[INTERNAL_ERROR] {error}")
            )
        finally:
            cursor.close()

    def _read(
        self,
        statement: Statement,
        translation: Translation,
        cursor: duckdb.DuckDBPyConnection,
        duckdb_sql: str,
        parameters: Mapping[str, object],
    ) -> None:
        # Binding alone (no execution) tells the result's column types.
        result = cursor.sql(duckdb_sql, params=parameters)
        names, types = result.columns, result.types
        as_text = _as_text_query(duckdb_sql, types, statement.row_limit)
        rows: list[Row] = cursor.execute(as_text, parameters).fetchall()
        if statement.row_limit is not None:
            statement.truncated = len(rows) > statement.row_limit
            rows = rows[: statement.row_limit]
        table_types = _declared_types(translation.tables)
        statement.columns = [
            _column(name, duck, table_types) for name, duck in zip(names, types, strict=True)
        ]
        statement.chunks = _split_into_chunks(rows, self._chunk_bytes)
        statement.finish("SUCCEEDED")

    def _write(
        self,
        statement: Statement,
        translation: Translation,
        cursor: duckdb.DuckDBPyConnection,
        duckdb_sql: str,
        parameters: Mapping[str, object],
        *,
        roll_back: bool,
    ) -> None:
        """Runs the statement in a transaction of its own: a failed one leaves nothing behind."""
        with self._catalog.serialized(translation):
            snapshot = self._catalog.snapshot(translation)
            cursor.execute("BEGIN TRANSACTION")
            try:
                # ALTER TABLE … ADD COLUMNS is several DuckDB statements, which take no parameters.
                rows = cursor.execute(duckdb_sql, parameters or None).fetchall()
                if roll_back:
                    cursor.execute("ROLLBACK")
                    statement.finish("FAILED", _FAILED_AFTER_WRITE)
                    return
                self._catalog.commit(cursor, snapshot)
            except BaseException:
                _roll_back_quietly(cursor)
                raise
        names = _COUNT_COLUMNS.get(translation.kind, ())
        if names:
            counts = tuple(str(count) for count in _counts(translation.kind, rows))
            statement.columns = [Column(name, "LONG", "BIGINT") for name in names]
            statement.chunks = _split_into_chunks([counts], self._chunk_bytes)
        statement.finish("SUCCEEDED")


# --- The API


class StatementParameterBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    value: str | None = None
    type: str | None = None


class ExecuteStatementBody(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    statement: str = Field(min_length=1)
    warehouse_id: str
    catalog: str | None = None
    schema_name: str | None = Field(default=None, alias="schema")
    parameters: list[StatementParameterBody] = Field(default_factory=list)
    wait_timeout: str = "10s"
    on_wait_timeout: Literal["CONTINUE", "CANCEL"] = "CONTINUE"
    disposition: str = "INLINE"
    format: str = "JSON_ARRAY"
    row_limit: int | None = Field(default=None, ge=0)


def _invalid(message: str) -> DatabricksHTTPError:
    return DatabricksHTTPError(400, "INVALID_PARAMETER_VALUE", message)


def _wait_seconds(wait_timeout: str) -> int:
    match = _WAIT_TIMEOUT.fullmatch(wait_timeout.strip())
    seconds = int(match.group(1)) if match else -1
    if seconds != 0 and not 5 <= seconds <= 50:
        raise _invalid(
            f"wait_timeout must be 0 seconds (asynchronous) or between 5 and 50 seconds, "
            f"got '{wait_timeout}'."
        )
    return seconds


def _chunk_body(statement: Statement, chunk: Chunk) -> dict[str, Any]:
    body = chunk.manifest()
    if chunk.rows:
        body["data_array"] = chunk.rows
    if chunk.index + 1 < len(statement.chunks):
        body["next_chunk_index"] = chunk.index + 1
        body["next_chunk_internal_link"] = (
            f"{_STATEMENTS_PATH}/{statement.id}/result/chunks/{chunk.index + 1}"
        )
    return body


def statement_body(statement: Statement) -> dict[str, Any]:
    with statement.lock:
        state, failure = statement.state, statement.failure
    status: dict[str, Any] = {"state": state}
    if failure is not None:
        status["error"] = {"error_code": failure.error_code, "message": failure.message}
        if failure.sql_state:
            status["sql_state"] = failure.sql_state
    body: dict[str, Any] = {"statement_id": statement.id, "status": status}
    if state == "SUCCEEDED":
        chunks = statement.chunks
        body["manifest"] = {
            "format": "JSON_ARRAY",
            "schema": {
                "column_count": len(statement.columns),
                "columns": [c.manifest(i) for i, c in enumerate(statement.columns)],
            },
            "total_chunk_count": len(chunks),
            "total_row_count": sum(len(c.rows) for c in chunks),
            "total_byte_count": sum(c.byte_count for c in chunks),
            "truncated": statement.truncated,
        }
        # DDL has no result set at all: no chunks, no result.
        if chunks:
            body["manifest"]["chunks"] = [c.manifest() for c in chunks]
            body["result"] = _chunk_body(statement, chunks[0])
    return body


def _json(body: dict[str, Any]) -> Response:
    # orjson: result chunks are large, and the standard encoder would dominate the response time.
    return Response(orjson.dumps(body), media_type="application/json")


def get_statements(request: Request) -> StatementService:
    service: StatementService = request.app.state.statements
    return service


Statements = Annotated[StatementService, Depends(get_statements)]
router = APIRouter(prefix=_STATEMENTS_PATH)


@router.post("")
async def execute_statement(
    body: ExecuteStatementBody,
    principal: CurrentPrincipal,
    service: Statements,
    warehouse: Annotated[Warehouse, Depends(get_warehouse)],
) -> Response:
    require_warehouse(warehouse, body.warehouse_id)
    wait_seconds = _wait_seconds(body.wait_timeout)
    if body.disposition != "INLINE":
        raise _invalid("The local workspace supports only the INLINE disposition.")
    if body.format != "JSON_ARRAY":
        raise _invalid("INLINE disposition supports only the JSON_ARRAY format.")
    statement = service.submit(
        principal,
        body.statement,
        [Parameter(p.name, p.value, p.type) for p in body.parameters],
        row_limit=body.row_limit,
        catalog=body.catalog or DEFAULT_CATALOG,
        schema=body.schema_name or DEFAULT_SCHEMA,
    )
    finished = not wait_seconds or await service.wait(statement, wait_seconds)
    if not finished and body.on_wait_timeout == "CANCEL":
        service.cancel(statement)
        await service.wait(statement, wait_seconds)
    return _json(statement_body(statement))


@router.get("/{statement_id}")
async def get_statement(
    statement_id: str, principal: CurrentPrincipal, service: Statements
) -> Response:
    return _json(statement_body(service.find(principal, statement_id)))


@router.get("/{statement_id}/result/chunks/{chunk_index}")
async def get_statement_result_chunk(
    statement_id: str, chunk_index: int, principal: CurrentPrincipal, service: Statements
) -> Response:
    statement = service.find(principal, statement_id)
    if statement.state != "SUCCEEDED":
        raise DatabricksHTTPError(
            400, "BAD_REQUEST", f"Statement {statement_id} has no result: it is {statement.state}."
        )
    if not 0 <= chunk_index < len(statement.chunks):
        raise _invalid(
            f"chunk_index {chunk_index} is out of range: the result has "
            f"{len(statement.chunks)} chunks."
        )
    return _json(_chunk_body(statement, statement.chunks[chunk_index]))


@router.post("/{statement_id}/cancel")
async def cancel_statement(
    statement_id: str, principal: CurrentPrincipal, service: Statements
) -> Response:
    service.cancel(service.find(principal, statement_id))
    return _json({})
