"""Databricks SQL to DuckDB: sqlglot plus the rewrites of local-workspace-sql.md section 2.4.

F1 drops the `system` catalog (DuckDB reserves the name; the tables live in schemas `lakeflow`,
`billing`, `compute`, `access`). F2 counts whole elapsed units in `timestampdiff`/`datediff(unit,
…)`. F3 maps `percentile` to the interpolating and `percentile_approx` to the discrete quantile
Databricks documents. F4 makes `unix_timestamp(ts)` work on timestamps. F5 keeps NULLs in
`max_by`/`min_by`. F6 (DECIMAL product overflow) is handled by the storage types (decimals at scale
10, see synth/schemas.py), not by a rewrite.

Beyond the reference, for the system-table queries Databricks publishes (collected in
tests/fixtures/databricks_published_queries): Spark's aggregate synonyms sqlglot does not know
(`mean`, `std`, `every`, `some`) become the aggregates they stand for; GROUP BY ALL counts the
columns a `t1.*` or `*` expands to; and a timestamp difference, a day-time interval in Databricks,
can be summed and cast to a number (whole seconds, as Spark casts an interval to its smallest
unit). The last two need the types and columns of every source, so they are read from a copy of
the query that sqlglot qualifies and annotates with the system tables' schemas.

Named parameters survive as DuckDB `$name` placeholders and are bound by their declared type.

Besides queries, the writable catalog `main` takes the statements an app keeps its state with:
CREATE SCHEMA, CREATE TABLE, ALTER TABLE … ADD COLUMNS, INSERT, UPDATE, DELETE and MERGE. Its
tables live in a DuckDB database attached under an alias of the stand-in's (DuckDB reserves `main`,
and stand-ins of one process on one data file share a DuckDB instance). What only Delta means is
dropped (USING DELTA, COMMENT, TBLPROPERTIES, CLUSTER BY, and primary and foreign keys,
which Databricks does not enforce); MERGE's by-name `UPDATE SET *` and `INSERT *` become DuckDB's
BY NAME forms, and MERGE returns each row's action so that its counts can be reported.

The tables jobs read and write (catalogs `prod`, `staging`, `dev`; see synth/tables.py) answer
`DESCRIBE HISTORY <table> [LIMIT n]`, alone or as a subquery, and `information_schema.columns`
(`<catalog>.` or `system.`): both become queries over the stand-in's own views. Which tables exist
and who may read them is data, so the statement names them (`history_tables`,
`reads_information_schema`) for grants.py to check when it runs.
"""

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeGuard

import sqlglot
from sqlglot import exp
from sqlglot.dialects.databricks import Databricks
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.optimizer.annotate_types import TypeAnnotator, annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS
from job_monitor.local_workspace.synth.tables import (
    COLUMNS_TABLE_KEY,
    COLUMNS_VIEW,
    DATA_CATALOGS,
    HISTORY_COLUMNS,
    HISTORY_TABLE_KEY,
    HISTORY_VIEW,
    INFORMATION_SCHEMA_COLUMNS,
)

SYSTEM_CATALOG = "system"
# Databricks' default Unity Catalog catalog: the one catalog statements may write.
WRITABLE_CATALOG = "main"
# What DuckDB knows the writable catalog by: it reserves `main` for its default schema.
WRITABLE_CATALOG_ALIAS = "uc_main"
# Without a `catalog` in the request, Databricks resolves two-part names in the workspace catalog.
DEFAULT_CATALOG = "workspace"
DEFAULT_SCHEMA = "default"
# Table functions a query may call; anything else (DuckDB's file readers above all) does not exist.
_TABLE_FUNCTIONS = frozenset({"range"})
# What sqlglot fills in for `unix_timestamp(x)` without a format argument.
_DEFAULT_UNIX_FORMAT = sqlglot.parse_one("unix_timestamp(x)", read="databricks").args.get("format")
# Spark aggregates sqlglot parses as unknown functions, by the aggregate each is a synonym of.
_AGGREGATE_SYNONYMS: dict[str, type[exp.AggFunc]] = {
    "mean": exp.Avg,
    "std": exp.Stddev,
    "every": exp.LogicalAnd,
    "some": exp.LogicalOr,
}
_TIMESTAMP_TYPES = (
    exp.DType.TIMESTAMP,
    exp.DType.TIMESTAMPTZ,
    exp.DType.TIMESTAMPLTZ,
    exp.DType.TIMESTAMPNTZ,
)
_MICROS_PER_SECOND = 1_000_000
# The key under which the nodes the typed copy answers for carry their number into the copy.
_NODE_KEY = "local_workspace_node"
# Marks the stand-in's own views in a rewritten statement, which no client may name.
_INTERNAL_KEY = "local_workspace_internal"
# The DuckDB variable holding the ids of the tables the statement's principal may read (grants.py).
READABLE_TABLES_VARIABLE = "local_readable_tables"
# `DESCRIBE HISTORY t LIMIT n`, which sqlglot does not parse: read as the query of its first rows.
_HISTORY_LIMIT = re.compile(
    r"\b(DESC(?:RIBE)?\s+(?:TABLE\s+)?HISTORY\s+[^\s();]+)\s+LIMIT\s+(\d+)", re.IGNORECASE
)


class SqlError(Exception):
    """A statement failing as Databricks fails it: a message with error class and SQLSTATE."""

    def __init__(self, error_class: str, message: str, sql_state: str) -> None:
        super().__init__(f"[{error_class}] {message} SQLSTATE: {sql_state}")
        self.sql_state = sql_state


StatementKind = Literal[
    "QUERY", "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE_SCHEMA", "CREATE_TABLE", "ALTER_TABLE"
]


@dataclass(frozen=True)
class Translation:
    duckdb_sql: str
    parameter_names: tuple[str, ...]
    # Fully qualified (`system.lakeflow.jobs`), for Unity Catalog grants; a created table is not.
    tables: frozenset[str]
    kind: StatementKind = "QUERY"
    # What the statement creates or writes: `main.app.budgets`, or `main.app` for a new schema.
    target: str | None = None
    # Tables of the data catalogs whose Delta history the statement reads.
    history_tables: frozenset[str] = frozenset()
    # Whether it reads information_schema.columns, whose rows depend on who asks.
    reads_information_schema: bool = False

    @property
    def catalogs(self) -> frozenset[str]:
        names = self.tables | {self.target} if self.target else self.tables
        return frozenset(name.split(".")[0] for name in names)


def _whole_units_between(unit: str, start: exp.Expr, end: exp.Expr) -> exp.Expr:
    # DuckDB's DATE_SUB counts whole elapsed units, as Databricks' timestampdiff does (F2).
    return exp.Anonymous(this="DATE_SUB", expressions=[exp.Literal.string(unit), start, end])


def _epoch_seconds(value: exp.Expr) -> exp.Expr:
    timestamp = exp.cast(value, exp.DataType.build("TIMESTAMPTZ"))
    floored = exp.Floor(this=exp.Anonymous(this="EPOCH", expressions=[timestamp]))
    return exp.cast(floored, exp.DataType.build("BIGINT"))


def _system_schema() -> MappingSchema:
    tables: dict[str, dict[str, dict[str, str]]] = {}
    for table, columns in TABLE_SCHEMAS.items():
        database, name = table.split(".")
        tables.setdefault(database, {})[name] = dict(columns)
    return MappingSchema({SYSTEM_CATALOG: tables}, dialect="databricks")


_SYSTEM_SCHEMA = _system_schema()


def _annotate_difference(annotator: TypeAnnotator, node: exp.Sub) -> exp.Sub:
    # sqlglot types `ts - ts` as a timestamp; Databricks' result is a day-time interval.
    annotator._annotate_binary(node)
    if node.left.is_type(*_TIMESTAMP_TYPES) and node.right.is_type(*_TIMESTAMP_TYPES):
        annotator._set_type(node, exp.DType.INTERVAL)
    return node


_EXPRESSION_METADATA = {
    **Databricks.EXPRESSION_METADATA,
    exp.Sub: {"annotator": _annotate_difference},
}


@dataclass(frozen=True)
class _TypedFacts:
    """What a qualified, type-annotated copy of the query says about nodes of the original."""

    # Sums and casts (by node number) whose argument is a day-time interval.
    of_intervals: frozenset[int]
    # GROUP BY ALL selects (by node number): positions of their non-aggregate columns once stars
    # are expanded.
    grouping_positions: Mapping[int, tuple[int, ...]]


_NO_FACTS = _TypedFacts(frozenset(), {})


def _is_aggregate(projection: exp.Expr) -> bool:
    return projection.find(exp.AggFunc, exp.Window) is not None


def _typed_facts(tree: exp.Expr, catalog: str, schema: str) -> _TypedFacts:
    """Numbers the nodes that need types, then reads their types from a qualified copy.

    No facts when sqlglot cannot qualify the query: the rewrites that need them are skipped, and
    DuckDB's own resolution decides.
    """
    for number, wanted in enumerate(tree.find_all(exp.Sum, exp.Cast, exp.Select)):
        wanted.meta[_NODE_KEY] = number
    typed = tree.copy()
    try:
        qualify(
            typed,
            dialect="databricks",
            catalog=catalog,
            db=schema,
            schema=_SYSTEM_SCHEMA,
            # Spark resolves `alias.field` as a struct field when the alias has no such column.
            allow_partial_qualification=True,
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
        annotate_types(typed, schema=_SYSTEM_SCHEMA, expression_metadata=_EXPRESSION_METADATA)
    except (SqlglotError, AssertionError):
        # sqlglot's optimizer also asserts its way out of shapes it does not expect (a position
        # in ORDER BY that points at an unexpandable star).
        return _NO_FACTS
    of_intervals: set[int] = set()
    grouping_positions: dict[int, tuple[int, ...]] = {}
    for node in typed.find_all(exp.Sum, exp.Cast, exp.Select):
        key: int | None = node.meta.get(_NODE_KEY)
        if key is None:
            continue
        if isinstance(node, exp.Select):
            # A star left unexpanded reads a source of unknown columns (a table function).
            if not any(p.is_star for p in node.expressions):
                grouping_positions[key] = tuple(
                    i for i, p in enumerate(node.expressions, start=1) if not _is_aggregate(p)
                )
        elif node.this.is_type(exp.DType.INTERVAL):
            of_intervals.add(key)
    return _TypedFacts(frozenset(of_intervals), grouping_positions)


def _micros(interval: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="EPOCH_US", expressions=[interval])


def _interval_sum(summed: exp.Sum | exp.Window) -> exp.Expr:
    """DuckDB sums no intervals: sum their microseconds and make an interval of the total (a
    window's total too, so the cast goes around the window)."""
    total = summed.this if isinstance(summed, exp.Window) else summed
    total.set("this", _micros(total.this))
    as_micros = exp.cast(summed, exp.DType.BIGINT)
    return exp.Anonymous(this="TO_MICROSECONDS", expressions=[as_micros])


def _sums_intervals(node: exp.Expr, facts: _TypedFacts) -> TypeGuard[exp.Sum]:
    return isinstance(node, exp.Sum) and node.meta.get(_NODE_KEY) in facts.of_intervals


def _interval_as_number(node: exp.Cast) -> exp.Expr:
    """An interval cast to a number counts seconds, as Spark casts a DAY TO SECOND interval.

    Integral types drop the fraction toward zero (DuckDB's `//` truncates, as Java's `/`).
    """
    target = node.to
    if target.is_type(*exp.DataType.INTEGER_TYPES):
        seconds: exp.Expr = exp.IntDiv(
            this=_micros(node.this), expression=exp.Literal.number(_MICROS_PER_SECOND)
        )
    else:
        seconds = exp.Div(
            this=_micros(node.this), expression=exp.Literal.number(_MICROS_PER_SECOND)
        )
    return exp.Cast(this=seconds, to=target)


def _rewrite(
    node: exp.Expr, parameter_types: Mapping[str, str], facts: _TypedFacts
) -> exp.Expr | None:
    """The node's DuckDB replacement (the node itself when it needs none, None to drop it)."""
    if isinstance(node, exp.Table) and node.catalog.lower() == SYSTEM_CATALOG:
        node.set("catalog", None)  # F1
        return node
    if isinstance(node, exp.TimestampDiff) or (
        # `datediff(end, start)` parses like `datediff(DAY, start, end)`; the two-argument form
        # counts date boundaries, as DuckDB's DATE_DIFF does, so only other units are rewritten.
        isinstance(node, exp.DateDiff) and node.text("unit").upper() not in ("", "DAY")
    ):
        return _whole_units_between(node.text("unit").upper(), node.expression, node.this)  # F2
    # ApproxQuantile subclasses Quantile, so it is tested first (F3).
    if isinstance(node, exp.ApproxQuantile):
        return exp.Anonymous(this="QUANTILE_DISC", expressions=[node.this, node.args["quantile"]])
    if isinstance(node, exp.Quantile):
        return exp.Anonymous(this="QUANTILE_CONT", expressions=[node.this, node.args["quantile"]])
    if isinstance(node, exp.StrToUnix) and node.args.get("format") in (None, _DEFAULT_UNIX_FORMAT):
        return _epoch_seconds(node.this if node.this is not None else exp.CurrentTimestamp())  # F4
    if isinstance(node, exp.ArgMax | exp.ArgMin):
        name = "ARG_MAX_NULL" if isinstance(node, exp.ArgMax) else "ARG_MIN_NULL"
        return exp.Anonymous(this=name, expressions=[node.this, node.expression])  # F5
    if isinstance(node, exp.TsOrDsAdd):
        # `date_add`/`date_sub` return a DATE in Databricks; DuckDB's date + interval is not.
        days = exp.Interval(this=exp.paren(node.expression), unit=exp.var("DAY"))
        shifted = exp.Add(this=exp.cast(node.this, exp.DataType.build("DATE")), expression=days)
        return exp.cast(shifted, exp.DataType.build("DATE"))
    if _sums_intervals(node, facts) and not isinstance(node.parent, exp.Window):
        return _interval_sum(node)
    if isinstance(node, exp.Window) and _sums_intervals(node.this, facts):
        return _interval_sum(node)
    if (
        isinstance(node, exp.Cast)
        and node.meta.get(_NODE_KEY) in facts.of_intervals
        and node.to.is_type(*exp.DataType.NUMERIC_TYPES)
    ):
        return _interval_as_number(node)
    if isinstance(node, exp.Group) and node.args.get("all") and isinstance(node.parent, exp.Select):
        return _group_by_positions(node.parent, facts)
    if isinstance(node, exp.Placeholder) and node.name in parameter_types:
        # The declared type decides the type of the expression, also for NULL values.
        return exp.cast(node, _declared_type(parameter_types[node.name]))
    return node


def _group_by_positions(select: exp.Select, facts: _TypedFacts) -> exp.Group | None:
    """GROUP BY ALL as positions: DuckDB's own GROUP BY ALL fails on struct fields ordered by alias.

    A star stands for as many positions as it has columns, which only the typed copy knows; without
    it, DuckDB's own GROUP BY ALL expands the star. Only aggregates in the select list make it a
    global aggregate, with no GROUP BY at all.
    """
    if any(p.is_star for p in select.expressions):
        expanded = facts.grouping_positions.get(select.meta.get(_NODE_KEY, -1))
        if expanded is None:
            return exp.Group(all=True)
        positions = list(expanded)
    else:
        positions = [i for i, p in enumerate(select.expressions, start=1) if not _is_aggregate(p)]
    return exp.Group(expressions=[exp.Literal.number(i) for i in positions]) if positions else None


def _declared_type(type_text: str) -> exp.DataType:
    try:
        return exp.DataType.build(type_text, dialect="databricks")
    except (ParseError, ValueError) as error:
        raise SqlError(
            "UNSUPPORTED_DATATYPE", f'Unsupported data type "{type_text}".', "0A000"
        ) from error


def _name_aggregate_synonyms(tree: exp.Expr) -> None:
    """`mean(x)` and the like become the aggregate they stand for, before anything asks which
    columns are aggregates."""
    for function in list(tree.find_all(exp.Anonymous)):
        aggregate = _AGGREGATE_SYNONYMS.get(function.name.lower())
        if aggregate is not None and len(function.expressions) == 1:
            function.replace(aggregate(this=function.expressions[0]))


def _rewrite_tree(tree: exp.Expr, parameter_types: Mapping[str, str], facts: _TypedFacts) -> None:
    """Rewrites in place, children first, so the arguments of a rewritten node are rewritten too."""
    for node in reversed(list(tree.dfs())):
        rewritten = _rewrite(node, parameter_types, facts)
        if rewritten is None:
            node.pop()
        elif rewritten is not node:
            node.replace(rewritten)


def _routine_name(function: exp.Expr) -> str:
    return function.sql_name() if isinstance(function, exp.Func) else function.sql()


def table_not_found(parts: Sequence[str]) -> SqlError:
    shown = ".".join(f"`{part}`" for part in parts)
    return SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {shown} cannot be found. Verify the spelling and correctness of the "
        "schema and catalog.",
        "42P01",
    )


def _qualify(table: exp.Table, parts: Sequence[str]) -> None:
    """Writes the catalog and schema into a name, so that DuckDB never resolves by default."""
    if not table.args.get("db"):
        table.set("db", exp.to_identifier(parts[1]))
    if not table.args.get("catalog"):
        table.set("catalog", exp.to_identifier(parts[0]))


def _referenced_tables(
    tree: exp.Expr, catalog: str, schema: str, created: exp.Table | None = None
) -> frozenset[str]:
    """Checks and fully qualifies every table the statement names, except the one it creates."""
    cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    tables: set[str] = set()
    for table in tree.find_all(exp.Table):
        function = table.this
        if table is created or table.meta.get(_INTERNAL_KEY):
            continue
        if not isinstance(function, exp.Identifier):
            allowed = isinstance(function, exp.Explode | exp.Unnest) or (
                isinstance(function, exp.Anonymous) and function.name.lower() in _TABLE_FUNCTIONS
            )
            if not allowed:
                raise SqlError(
                    "UNRESOLVED_ROUTINE",
                    f"Cannot resolve routine `{_routine_name(function)}` on search path "
                    "[`system`.`builtin`].",
                    "42883",
                )
            continue
        if not table.db and table.name.lower() in cte_names:
            continue
        parts = (table.catalog or catalog, table.db or schema, table.name)
        qualified = ".".join(part.lower() for part in parts)
        in_system = parts[0].lower() == SYSTEM_CATALOG
        known = in_system and qualified.removeprefix(f"{SYSTEM_CATALOG}.") in TABLE_SCHEMAS
        # The writable catalog's tables are DuckDB's to find (or not) when the statement runs.
        if not known and parts[0].lower() != WRITABLE_CATALOG:
            raise table_not_found(parts)
        _qualify(table, parts)
        tables.add(qualified)
    return frozenset(tables)


def _internal(view: str) -> exp.Table:
    table = exp.to_table(view)
    table.meta[_INTERNAL_KEY] = True
    return table


def _history_query(describe: exp.Describe, catalog: str, schema: str) -> tuple[exp.Select, str]:
    """DESCRIBE HISTORY of one table as a query on the history view, newest version first."""
    table = describe.this
    parts = (table.catalog or catalog, table.db or schema, table.name)
    if parts[0].lower() in (SYSTEM_CATALOG, WRITABLE_CATALOG):
        raise _unsupported("DESCRIBE HISTORY reads the tables jobs write, not this catalog's.")
    if parts[0].lower() not in DATA_CATALOGS:
        raise table_not_found(parts)
    name = ".".join(part.lower() for part in parts)
    query = (
        exp.select(*(exp.column(column, quoted=True) for column in HISTORY_COLUMNS))
        .from_(_internal(HISTORY_VIEW))
        .where(exp.column(HISTORY_TABLE_KEY).eq(exp.Literal.string(name)))
        .order_by(exp.Ordered(this=exp.column("version", quoted=True), desc=True))
    )
    return query, name


def _lists_columns(table: exp.Table, catalog: str) -> str | None:
    """The catalog `information_schema.columns` lists (`system`'s lists all), or None when the
    table is another one."""
    if table.meta.get(_INTERNAL_KEY) or not isinstance(table.this, exp.Identifier):
        return None
    if (table.db.lower(), table.name.lower()) != ("information_schema", "columns"):
        return None
    listed = (table.catalog or catalog).lower()
    return listed if listed in (*DATA_CATALOGS, SYSTEM_CATALOG) else None


def _columns_query(listed: str) -> exp.Select:
    """information_schema.columns of one catalog (all for `system`), readable tables only."""
    readable = exp.func(
        "list_contains",
        exp.func("getvariable", exp.Literal.string(READABLE_TABLES_VARIABLE)),
        exp.column(COLUMNS_TABLE_KEY),
    )
    query = (
        exp.select(*(exp.column(column, quoted=True) for column in INFORMATION_SCHEMA_COLUMNS))
        .from_(_internal(COLUMNS_VIEW))
        .where(readable)
    )
    if listed != SYSTEM_CATALOG:
        query = query.where(exp.column("table_catalog").eq(exp.Literal.string(listed)))
    return query


def _expand_table_metadata(
    tree: exp.Expr, catalog: str, schema: str
) -> tuple[exp.Expr, frozenset[str], bool]:
    """DESCRIBE HISTORY and information_schema.columns as queries on the stand-in's views:
    (the statement, the tables whose history it reads, whether it lists columns)."""
    history: set[str] = set()
    for describe in list(tree.find_all(exp.Describe)):
        if str(describe.args.get("style") or "").upper() != "HISTORY":
            continue
        query, name = _history_query(describe, catalog, schema)
        history.add(name)
        if describe is tree:
            tree = query
        else:
            describe.replace(query)
    lists_columns = False
    for table in list(tree.find_all(exp.Table)):
        listed = _lists_columns(table, catalog)
        if listed is None:
            continue
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
        table.replace(exp.Subquery(this=_columns_query(listed), alias=alias))
        lists_columns = True
    return tree, frozenset(history), lists_columns


def _unsupported(what: str) -> SqlError:
    return SqlError(
        "UNSUPPORTED_FEATURE",
        f"{what} The local workspace runs one statement per request: a query (SELECT, WITH, set "
        "operation, DESCRIBE HISTORY), INSERT, UPDATE, DELETE, MERGE, CREATE SCHEMA, CREATE TABLE "
        "or ALTER TABLE … ADD COLUMNS.",
        "0A000",
    )


def _kind_of(tree: exp.Expr) -> StatementKind:
    if isinstance(tree, exp.Query):
        return "QUERY"
    if isinstance(tree, exp.Insert) and not tree.args.get("overwrite"):
        return "INSERT"
    if isinstance(tree, exp.Update):
        return "UPDATE"
    if isinstance(tree, exp.Delete):
        return "DELETE"
    if isinstance(tree, exp.Merge):
        return "MERGE"
    if isinstance(tree, exp.Create) and tree.kind in ("SCHEMA", "DATABASE"):
        return "CREATE_SCHEMA"
    if isinstance(tree, exp.Create) and tree.kind == "TABLE" and not tree.expression:
        return "CREATE_TABLE"
    if isinstance(tree, exp.Alter) and tree.kind == "TABLE" and _added_columns(tree):
        return "ALTER_TABLE"
    raise _unsupported("This statement is not supported.")


def _added_columns(alter: exp.Alter) -> list[exp.ColumnDef]:
    """The columns `ALTER TABLE … ADD COLUMN[S]` adds; empty for any other change."""
    columns: list[exp.ColumnDef] = []
    for action in alter.args.get("actions") or []:
        added = action.expressions if isinstance(action, exp.Schema) else [action]
        if not all(isinstance(column, exp.ColumnDef) for column in added):
            return []
        columns.extend(added)
    return columns


def _written_table(tree: exp.Expr) -> exp.Table | None:
    if isinstance(tree, exp.Query):
        return None
    # INSERT and CREATE TABLE wrap the table in a Schema when they list columns.
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    return target if isinstance(target, exp.Table) else None


def _created_schema(tree: exp.Create, catalog: str) -> str:
    """`catalog.schema` of CREATE SCHEMA (CREATE DATABASE names its schema as a table)."""
    node = tree.this
    if tree.kind == "DATABASE":
        parts = (node.db or catalog, node.name)
        node.set("this", None)
        node.set("db", exp.to_identifier(parts[1]))
        # Databricks' synonym; DuckDB has no CREATE DATABASE.
        tree.set("kind", "SCHEMA")
    else:
        parts = (node.catalog or catalog, node.db)
    node.set("catalog", exp.to_identifier(parts[0]))
    _require_catalog(parts[0])
    return ".".join(part.lower() for part in parts)


def _require_catalog(name: str) -> None:
    if name.lower() not in (SYSTEM_CATALOG, WRITABLE_CATALOG):
        raise SqlError(
            "NO_SUCH_CATALOG_EXCEPTION",
            f"Catalog '{name}' was not found. Please verify the catalog name and then retry the "
            "query or command again.",
            "42704",
        )


def _created(tree: exp.Expr, catalog: str, schema: str) -> tuple[exp.Table | None, str | None]:
    """The schema or table a CREATE statement makes, qualified, and its name."""
    node = _written_table(tree)
    if not isinstance(tree, exp.Create) or node is None:
        return None, None
    if tree.kind != "TABLE":
        return node, _created_schema(tree, catalog)
    parts = (node.catalog or catalog, node.db or schema, node.name)
    _require_catalog(parts[0])
    _qualify(node, parts)
    return node, ".".join(part.lower() for part in parts)


# Delta-only parts of a table definition: file format, comments, properties, clustering, and the
# primary and foreign keys Databricks records but does not enforce.
_DELTA_ONLY = (
    exp.Properties,
    exp.CommentColumnConstraint,
    exp.PrimaryKey,
    exp.ForeignKey,
    exp.PrimaryKeyColumnConstraint,
)


def _drop_delta_only(tree: exp.Expr) -> None:
    for node in list(tree.find_all(*_DELTA_ONLY)):
        # A constraint goes with its wrapper (`CONSTRAINT fk FOREIGN KEY …`, a column's COMMENT).
        wrapper = node.parent
        if isinstance(wrapper, exp.ColumnConstraint | exp.Constraint):
            wrapper.pop()
        else:
            node.pop()


def _unqualify_assignments(tree: exp.Expr) -> None:
    """`SET t.n = …` as `SET n = …`: DuckDB takes no qualified column in an assignment."""
    for update in tree.find_all(exp.Update):
        for assignment in update.expressions:
            column = assignment.this if isinstance(assignment, exp.EQ) else None
            if isinstance(column, exp.Column):
                for qualifier in ("table", "db", "catalog"):
                    column.set(qualifier, None)


def _merge_stars_by_name(merge: exp.Merge) -> None:
    """Databricks' `UPDATE SET *` and `INSERT *` match columns by name, DuckDB's by position."""
    for when in merge.find_all(exp.When):
        then = when.args.get("then")
        if isinstance(then, exp.Update) and any(e.is_star for e in then.expressions):
            when.set("then", exp.var("UPDATE BY NAME"))
        elif isinstance(then, exp.Insert) and isinstance(then.this, exp.Star):
            when.set("then", exp.var("INSERT BY NAME"))


def _alias_writable_catalog(tree: exp.Expr, alias: str) -> None:
    for table in tree.find_all(exp.Table):
        if table.catalog.lower() == WRITABLE_CATALOG:
            table.set("catalog", exp.to_identifier(alias))


def _duckdb_sql(tree: exp.Expr) -> str:
    if isinstance(tree, exp.Alter):
        # DuckDB adds one column per statement; the statements run in one transaction.
        table = tree.this.sql(dialect="duckdb")
        return "; ".join(
            f"ALTER TABLE {table} ADD COLUMN {column.sql(dialect='duckdb')}"
            for column in _added_columns(tree)
        )
    duckdb_sql = tree.sql(dialect="duckdb")
    # Each changed row's action, from which Databricks' MERGE counts are made.
    return f"{duckdb_sql} RETURNING merge_action" if isinstance(tree, exp.Merge) else duckdb_sql


@functools.lru_cache(maxsize=1024)
def translate(
    sql: str,
    catalog: str = DEFAULT_CATALOG,
    schema: str = DEFAULT_SCHEMA,
    parameter_types: tuple[tuple[str, str], ...] = (),
    writable_alias: str = WRITABLE_CATALOG_ALIAS,
) -> Translation:
    """Parses, checks and rewrites one statement; `writable_alias` is DuckDB's name of `main`.

    Cached by text and parameter types, because clients repeat the same few query shapes.
    """
    text = _HISTORY_LIMIT.sub(r"SELECT * FROM (\1) LIMIT \2", sql)
    try:
        statements = [s for s in sqlglot.parse(text, read="databricks") if s is not None]
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        near = detail.get("highlight") or "end of input"
        raise SqlError(
            "PARSE_SYNTAX_ERROR", f"Syntax error at or near '{near}'.", "42601"
        ) from error
    if len(statements) == 1 and isinstance(statements[0], exp.Condition | exp.Alias):
        # Text that is no statement at all parses as a bare expression.
        raise SqlError(
            "PARSE_SYNTAX_ERROR", f"Syntax error at or near '{sql.strip()[:40]}'.", "42601"
        )
    if len(statements) != 1:
        raise _unsupported("Found several statements.")
    tree, history_tables, reads_columns = _expand_table_metadata(statements[0], catalog, schema)
    kind = _kind_of(tree)
    created, target = _created(tree, catalog, schema)
    if kind in ("CREATE_SCHEMA", "CREATE_TABLE", "ALTER_TABLE"):
        _drop_delta_only(tree)
    tables = _referenced_tables(tree, catalog, schema, created)
    written = _written_table(tree)
    if target is None and written is not None:
        target = ".".join(part.lower() for part in (written.catalog, written.db, written.name))
    names = tuple(dict.fromkeys(p.name for p in tree.find_all(exp.Placeholder) if p.name))
    _name_aggregate_synonyms(tree)
    _unqualify_assignments(tree)
    if isinstance(tree, exp.Merge):
        _merge_stars_by_name(tree)
    # Only a query gets the typed copy: sqlglot's optimizer expects one.
    facts = _typed_facts(tree, catalog, schema) if kind == "QUERY" else _NO_FACTS
    _rewrite_tree(tree, dict(parameter_types), facts)
    _alias_writable_catalog(tree, writable_alias)
    return Translation(
        _duckdb_sql(tree), names, tables, kind, target, history_tables, reads_columns
    )


_DECIMAL_TYPE = re.compile(r"DECIMAL(\(\s*\d+\s*(,\s*\d+\s*)?\))?")
_INTEGER_TYPES = frozenset(
    {"BIGINT", "LONG", "INT", "INTEGER", "SMALLINT", "SHORT", "TINYINT", "BYTE"}
)


@dataclass(frozen=True)
class Parameter:
    name: str
    value: str | None
    type: str | None


def _cast_error(value: str, type_name: str) -> SqlError:
    return SqlError(
        "CAST_INVALID_INPUT",
        f'The value \'{value}\' of the type "STRING" cannot be cast to "{type_name}" because it is '
        "malformed. Correct the value as per the syntax, or change its target type.",
        "22018",
    )


def _timestamp(value: str, *, with_time_zone: bool) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if with_time_zone:
        # The warehouse session time zone is UTC, so a local time means UTC.
        return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parameter_value(value: str | None, type_text: str | None) -> object:
    """The Python value DuckDB binds for a parameter sent as (value, type); no type is STRING."""
    type_name = (type_text or "STRING").strip().upper()
    if value is None or type_name == "VOID":
        return None
    try:
        if type_name == "STRING":
            return value
        if type_name in _INTEGER_TYPES:
            return int(value)
        if type_name in ("DOUBLE", "FLOAT"):
            return float(value)
        if _DECIMAL_TYPE.fullmatch(type_name):
            return Decimal(value)
        if type_name == "BOOLEAN":
            lowered = value.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError(value)
            return lowered == "true"
        if type_name == "DATE":
            return dt.date.fromisoformat(value)
        if type_name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
            return _timestamp(value, with_time_zone=True)
        if type_name == "TIMESTAMP_NTZ":
            return _timestamp(value, with_time_zone=False)
    except (ValueError, InvalidOperation) as error:
        raise _cast_error(value, type_name) from error
    raise SqlError("UNSUPPORTED_DATATYPE", f'Unsupported data type "{type_name}".', "0A000")


def bind_parameters(
    translation: Translation, parameters: Sequence[Parameter]
) -> Mapping[str, object]:
    """Exactly the parameters the query uses (DuckDB rejects extra ones), by declared type."""
    given = {p.name: p for p in parameters}
    bound: dict[str, object] = {}
    for name in translation.parameter_names:
        parameter = given.get(name)
        if parameter is None:
            raise SqlError(
                "UNBOUND_SQL_PARAMETER",
                f"Found the unbound parameter: {name}. Please, fix `args` and provide a mapping "
                "of the parameter to either a SQL literal or collection constructor functions "
                "such as `map()`, `array()`, `struct()`.",
                "42P02",
            )
        bound[name] = parameter_value(parameter.value, parameter.type)
    return bound
