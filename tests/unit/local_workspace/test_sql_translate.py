"""Translation regression suite: each query shape, from Databricks SQL, against a DuckDB oracle.

The oracles are hand-written DuckDB SQL with Databricks' documented semantics (whole elapsed units,
interpolated and inverted-CDF percentiles, NULL-keeping max_by/min_by, DATE-valued date_add), over
data built to expose each difference: millisecond run boundaries, hourly slices with the result on
the last slice only, costs at real magnitudes. sqlglot is pinned because generator changes can
silently alter the meaning of its output; this suite is what notices.
"""

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from importlib.metadata import version
from typing import Any

import duckdb
import pytest

from job_monitor.local_workspace.sql_translate import (
    Parameter,
    SqlError,
    bind_parameters,
    parameter_value,
    translate,
)
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type

RUNS = 400
JOBS = 20


def _struct_literal(type_text: str, values: Mapping[str, str]) -> str:
    """A DuckDB struct literal with every field of `type_text`, NULL unless given."""
    fields = re.findall(r"(\w+): STRING", type_text)
    return "{" + ", ".join(f"'{f}': {values.get(f, 'NULL::VARCHAR')}" for f in fields) + "}"


def _build(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("SET TimeZone = 'UTC'")
    for table, columns in TABLE_SCHEMAS.items():
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
        ddl = ", ".join(f'"{name}" {duckdb_type(kind)}' for name, kind in columns)
        connection.execute(f"CREATE TABLE {table} ({ddl})")
    # SCD history: jobs have one to three versions, renamed each time.
    connection.execute(
        f"""
        INSERT INTO lakeflow.jobs (workspace_id, job_id, name, tags, change_time)
        SELECT 'w', CAST(j AS VARCHAR), 'job ' || j || ' v' || v,
               MAP {{'team': 'team-' || (j % 4)}},
               TIMESTAMPTZ '2026-01-01 00:00:00+00' + v * INTERVAL 1 DAY
        FROM range(1, {JOBS + 1}) AS a(j), range(0, 3) AS b(v)
        WHERE v <= j % 3
        """
    )
    # Runs start and end on odd milliseconds and last up to 2.5 hours, sliced by the hour.
    connection.execute(
        f"""
        CREATE TEMP TABLE runs AS
        SELECT r AS run_id, r % {JOBS} + 1 AS job_id, start_time,
               start_time + ((r * 7919) % 9000000 + 100) * INTERVAL 1 MILLISECOND AS end_time,
               CASE WHEN r % 7 = 0 THEN 'FAILED' WHEN r % 11 = 0 THEN 'CANCELLED'
                    ELSE 'SUCCEEDED' END AS result_state
        FROM (
            SELECT r, TIMESTAMPTZ '2026-02-01 00:00:00+00' + r * INTERVAL 37 MINUTE
                      + (r * 137 % 1000) * INTERVAL 1 MILLISECOND AS start_time
            FROM range({RUNS}) AS t(r)
        )
        """
    )
    connection.execute(
        """
        INSERT INTO lakeflow.job_run_timeline
            (workspace_id, job_id, run_id, period_start_time, period_end_time, result_state)
        SELECT 'w', CAST(job_id AS VARCHAR), CAST(run_id AS VARCHAR),
               greatest(start_time, h), least(end_time, h + INTERVAL 1 HOUR),
               CASE WHEN h + INTERVAL 1 HOUR >= end_time THEN result_state END
        FROM runs,
             unnest(range(date_trunc('hour', start_time), end_time, INTERVAL 1 HOUR)) AS s(h)
        """
    )
    usage_type = dict(TABLE_SCHEMAS["billing.usage"])["usage_metadata"]
    metadata = _struct_literal(
        usage_type,
        {"job_id": "CAST(job_id AS VARCHAR)", "job_run_id": "CAST(run_id AS VARCHAR)"},
    )
    # Hundreds to thousands of DBUs per run: sums of products reach the magnitudes that overflow
    # DuckDB's DECIMAL(38,36) when decimals are stored at Databricks' scale 18 (F6).
    connection.execute(
        f"""
        INSERT INTO billing.usage (record_id, sku_name, usage_start_time, usage_quantity,
                                   usage_metadata)
        SELECT CAST(run_id AS VARCHAR),
               CASE WHEN run_id % 2 = 0 THEN 'JOBS_COMPUTE' ELSE 'JOBS_SERVERLESS' END,
               start_time, (run_id % 50 + 1) * 123.456789, {metadata}
        FROM runs
        """
    )
    # A list price change inside the window; the current price is open-ended.
    connection.execute(
        """
        INSERT INTO billing.list_prices (price_start_time, price_end_time, sku_name, pricing)
        SELECT start_time, end_time, sku,
               {'default': price, 'promotional': {'default': price},
                'effective_list': {'default': price}}
        FROM (VALUES
            (TIMESTAMPTZ '2025-01-01 00:00:00+00', TIMESTAMPTZ '2026-02-05 00:00:00+00',
             'JOBS_COMPUTE', 0.15),
            (TIMESTAMPTZ '2026-02-05 00:00:00+00', NULL, 'JOBS_COMPUTE', 0.20),
            (TIMESTAMPTZ '2025-01-01 00:00:00+00', NULL, 'JOBS_SERVERLESS', 0.35)
        ) AS p(start_time, end_time, sku, price)
        """
    )


@pytest.fixture(scope="module")
def database() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    _build(connection)
    yield connection
    connection.close()


def run_translated(
    database: duckdb.DuckDBPyConnection,
    databricks_sql: str,
    parameters: tuple[Parameter, ...] = (),
) -> list[tuple[Any, ...]]:
    declared = tuple((p.name, p.type) for p in parameters if p.type)
    translation = translate(databricks_sql, "system", "default", declared)
    cursor = database.cursor()
    cursor.execute("SET TimeZone = 'UTC'")
    return cursor.execute(
        translation.duckdb_sql, bind_parameters(translation, parameters)
    ).fetchall()


def run_oracle(database: duckdb.DuckDBPyConnection, duckdb_sql: str) -> list[tuple[Any, ...]]:
    cursor = database.cursor()
    cursor.execute("SET TimeZone = 'UTC'")
    return cursor.execute(duckdb_sql).fetchall()


def test_sqlglot_is_the_pinned_version() -> None:
    # The rewrites below were checked against this generator; a new one must pass this suite first.
    assert version("sqlglot") == "30.30.0"


def test_latest_job_version_with_qualify_and_system_catalog(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given (F1: the `system` catalog)
    query = """
        SELECT job_id, name, tags['team'] AS team
        FROM system.lakeflow.jobs
        QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
        ORDER BY CAST(job_id AS BIGINT)
    """
    oracle = """
        SELECT job_id, name, tags['team']
        FROM (SELECT *, row_number() OVER (PARTITION BY job_id ORDER BY change_time DESC) AS rn
              FROM lakeflow.jobs)
        WHERE rn = 1
        ORDER BY CAST(job_id AS BIGINT)
    """

    # when / then
    result = run_translated(database, query)
    assert result == run_oracle(database, oracle)
    assert len(result) == JOBS


def test_run_durations_count_whole_elapsed_units(database: duckdb.DuckDBPyConnection) -> None:
    # given (F2): runs start and end on odd milliseconds, so counting crossed boundaries differs
    query = """
        SELECT run_id,
               timestampdiff(SECOND, min(period_start_time), max(period_end_time)) AS seconds,
               timestampdiff(MINUTE, min(period_start_time), max(period_end_time)) AS minutes,
               datediff(HOUR, min(period_start_time), max(period_end_time)) AS hours,
               datediff(max(period_end_time), min(period_start_time)) AS days_crossed
        FROM system.lakeflow.job_run_timeline
        GROUP BY run_id
        ORDER BY CAST(run_id AS BIGINT)
    """
    oracle = """
        SELECT run_id, elapsed_ms // 1000, elapsed_ms // 60000, elapsed_ms // 3600000,
               CAST(ended AS DATE) - CAST(started AS DATE)
        FROM (SELECT run_id, min(period_start_time) AS started, max(period_end_time) AS ended,
                     epoch_ms(max(period_end_time)) - epoch_ms(min(period_start_time)) AS elapsed_ms
              FROM lakeflow.job_run_timeline GROUP BY run_id)
        ORDER BY CAST(run_id AS BIGINT)
    """

    # when / then
    assert run_translated(database, query) == run_oracle(database, oracle)


def test_percentiles_interpolate_or_pick_an_actual_value(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given (F3): `percentile` interpolates; `percentile_approx` is the smallest value with at
    # least p of the values at or below it
    query = """
        WITH runs AS (
            SELECT job_id, run_id,
                   timestampdiff(SECOND, min(period_start_time), max(period_end_time)) AS seconds
            FROM system.lakeflow.job_run_timeline
            GROUP BY ALL
        )
        SELECT job_id, percentile(seconds, 0.5) AS p50, percentile_approx(seconds, 0.9) AS p90
        FROM runs
        GROUP BY job_id
        ORDER BY CAST(job_id AS BIGINT)
    """
    oracle = """
        WITH runs AS (
            SELECT job_id, run_id,
                   (epoch_ms(max(period_end_time)) - epoch_ms(min(period_start_time))) // 1000
                       AS seconds
            FROM lakeflow.job_run_timeline GROUP BY job_id, run_id
        ), ranked AS (
            SELECT job_id, seconds, row_number() OVER w - 1 AS i, cume_dist() OVER w AS share,
                   0.5 * (count(*) OVER (PARTITION BY job_id) - 1) AS middle
            FROM runs WINDOW w AS (PARTITION BY job_id ORDER BY seconds)
        )
        SELECT job_id,
               sum(CASE WHEN i = floor(middle) THEN seconds * (1 - (middle - floor(middle)))
                        WHEN i = floor(middle) + 1 THEN seconds * (middle - floor(middle))
                        ELSE 0 END) AS p50,
               min(seconds) FILTER (WHERE share >= 0.9) AS p90
        FROM ranked GROUP BY job_id ORDER BY CAST(job_id AS BIGINT)
    """

    # when
    result = run_translated(database, query)
    expected = run_oracle(database, oracle)

    # then
    assert [row[0] for row in result] == [row[0] for row in expected]
    assert [row[1] for row in result] == pytest.approx([float(row[1]) for row in expected])
    assert [row[2] for row in result] == [row[2] for row in expected]


def test_percentile_approx_with_several_percentages(database: duckdb.DuckDBPyConnection) -> None:
    # given the documented example: percentile_approx over 0..10 at 0.5, 0.4, 0.1
    query = """
        SELECT percentile_approx(col, array(0.5, 0.4, 0.1))
        FROM VALUES (0), (1), (2), (10) AS tab(col)
    """

    # when / then
    assert run_translated(database, query) == [([1, 1, 0],)]


def test_unix_timestamp_of_a_timestamp_and_of_a_string(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given (F4)
    query = """
        SELECT run_id, unix_timestamp(min(period_start_time)) AS started,
               unix_timestamp('2026-02-01 00:00:01') AS fixed
        FROM system.lakeflow.job_run_timeline
        GROUP BY run_id
        ORDER BY CAST(run_id AS BIGINT)
    """
    oracle = """
        SELECT run_id, epoch_ms(min(period_start_time)) // 1000, 1769904001
        FROM lakeflow.job_run_timeline GROUP BY run_id ORDER BY CAST(run_id AS BIGINT)
    """

    # when / then
    assert run_translated(database, query) == run_oracle(database, oracle)


def test_max_by_and_min_by_keep_null_values(database: duckdb.DuckDBPyConnection) -> None:
    # given (F5): the first slice of a long run carries no result; Databricks returns that NULL
    query = """
        SELECT run_id,
               max_by(result_state, period_end_time) AS final_state,
               min_by(result_state, period_start_time) AS first_slice_state
        FROM system.lakeflow.job_run_timeline
        GROUP BY run_id
        ORDER BY CAST(run_id AS BIGINT)
    """
    oracle = """
        SELECT run_id,
               max(result_state) FILTER (WHERE last_slice = 1),
               max(result_state) FILTER (WHERE first_slice = 1)
        FROM (SELECT *,
                     row_number() OVER (PARTITION BY run_id ORDER BY period_end_time DESC)
                         AS last_slice,
                     row_number() OVER (PARTITION BY run_id ORDER BY period_start_time)
                         AS first_slice
              FROM lakeflow.job_run_timeline)
        GROUP BY run_id ORDER BY CAST(run_id AS BIGINT)
    """

    # when
    result = run_translated(database, query)

    # then
    assert result == run_oracle(database, oracle)
    assert any(row[2] is None for row in result)


def test_cost_per_job_at_real_magnitudes(database: duckdb.DuckDBPyConnection) -> None:
    # given (F6): usage times the list price valid at the time, over a price change
    query = """
        SELECT u.usage_metadata.job_id AS job_id,
               round(sum(u.usage_quantity * p.pricing.default), 2) AS cost
        FROM system.billing.usage u
        JOIN system.billing.list_prices p
          ON u.sku_name = p.sku_name
         AND u.usage_start_time >= p.price_start_time
         AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
        WHERE u.usage_start_time >= :since
        GROUP BY ALL
        ORDER BY CAST(job_id AS BIGINT)
    """
    oracle = """
        SELECT u.usage_metadata.job_id AS job_id,
               sum(CAST(u.usage_quantity AS DOUBLE) * CAST(p.pricing."default" AS DOUBLE))
        FROM billing.usage u
        JOIN billing.list_prices p
          ON u.sku_name = p.sku_name
         AND u.usage_start_time >= p.price_start_time
         AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
        WHERE u.usage_start_time >= TIMESTAMPTZ '2026-02-02 00:00:00+00'
        GROUP BY 1 ORDER BY CAST(job_id AS BIGINT)
    """
    since = Parameter("since", "2026-02-02T00:00:00Z", "TIMESTAMP")

    # when
    result = run_translated(database, query, (since,))
    expected = run_oracle(database, oracle)

    # then
    assert [row[0] for row in result] == [row[0] for row in expected]
    assert [float(row[1]) for row in result] == pytest.approx(
        [row[1] for row in expected], abs=0.01
    )
    assert max(float(row[1]) for row in result) > 1000


def test_group_by_all_with_only_aggregates_is_a_global_aggregate(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given
    query = """
        SELECT count(*) AS slices, count(DISTINCT run_id) AS runs
        FROM system.lakeflow.job_run_timeline
        GROUP BY ALL
    """

    # when
    result = run_translated(database, query)

    # then
    assert result == run_oracle(
        database, "SELECT count(*), count(DISTINCT run_id) FROM lakeflow.job_run_timeline"
    )
    assert result[0][1] == RUNS


# Each run's whole elapsed seconds, as the oracles compute them.
_ORACLE_RUN_SECONDS = """
    SELECT job_id, run_id,
           (epoch_ms(max(period_end_time)) - epoch_ms(min(period_start_time))) // 1000 AS seconds
    FROM lakeflow.job_run_timeline GROUP BY job_id, run_id
"""


@pytest.mark.parametrize(
    ("synonym", "argument", "aggregate"),
    [
        ("mean", "seconds", "avg"),
        ("std", "seconds", "stddev_samp"),
        ("every", "seconds > 3600", "bool_and"),
        ("some", "seconds > 7200", "bool_or"),
    ],
)
def test_spark_aggregate_synonyms_aggregate_also_under_group_by_all(
    database: duckdb.DuckDBPyConnection, synonym: str, argument: str, aggregate: str
) -> None:
    # given a synonym sqlglot does not know, where GROUP BY ALL must not group by it
    query = f"""
        WITH runs AS (
            SELECT job_id, run_id,
                   timestampdiff(SECOND, min(period_start_time), max(period_end_time)) AS seconds
            FROM system.lakeflow.job_run_timeline
            GROUP BY ALL
        )
        SELECT job_id, {synonym}({argument}) AS value
        FROM runs
        GROUP BY ALL
        ORDER BY CAST(job_id AS BIGINT)
    """
    oracle = f"""
        SELECT job_id, {aggregate}({argument}) FROM ({_ORACLE_RUN_SECONDS})
        GROUP BY job_id ORDER BY CAST(job_id AS BIGINT)
    """

    # when
    result = run_translated(database, query)
    expected = run_oracle(database, oracle)

    # then one row per job, the value its aggregate gives
    assert [row[0] for row in result] == [row[0] for row in expected]
    assert [row[1] for row in result] == pytest.approx([row[1] for row in expected])
    assert len(result) == JOBS


def test_group_by_all_groups_by_every_column_a_star_stands_for(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given `t1.*` over a CTE and a bare `*` over a subquery, beside an aggregate
    qualified_star = """
        WITH runs AS (SELECT job_id, run_id FROM system.lakeflow.job_run_timeline)
        SELECT r.*, count(*) AS slices
        FROM runs r
        GROUP BY ALL
        ORDER BY CAST(run_id AS BIGINT)
    """
    bare_star = """
        SELECT *, count(*) AS slices
        FROM (SELECT job_id, result_state FROM system.lakeflow.job_run_timeline)
        GROUP BY ALL
        ORDER BY CAST(job_id AS BIGINT), result_state NULLS FIRST
    """

    # when / then
    assert run_translated(database, qualified_star) == run_oracle(
        database,
        "SELECT job_id, run_id, count(*) FROM lakeflow.job_run_timeline "
        "GROUP BY job_id, run_id ORDER BY CAST(run_id AS BIGINT)",
    )
    assert run_translated(database, bare_star) == run_oracle(
        database,
        "SELECT job_id, result_state, count(*) FROM lakeflow.job_run_timeline "
        "GROUP BY job_id, result_state ORDER BY CAST(job_id AS BIGINT), result_state NULLS FIRST",
    )


def test_a_star_of_unknown_columns_is_grouped_by_duckdb(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given a table function, whose columns only DuckDB knows
    query = "SELECT r.*, count(*) AS n FROM range(3) AS r GROUP BY ALL"

    # when / then
    assert sorted(run_translated(database, query)) == [(0, 1), (1, 1), (2, 1)]


def test_a_query_sqlglot_cannot_qualify_is_left_to_duckdb(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given queries sqlglot's optimizer gives up on: a position pointing at an unexpandable star,
    # and a star of an alias no source has
    ordered_by_position = "SELECT r.*, count(*) AS n FROM range(3) AS r GROUP BY ALL ORDER BY 1"
    unknown_alias = "SELECT x.*, count(*) FROM system.lakeflow.jobs AS j GROUP BY ALL"

    # when / then the translation stands, and DuckDB answers as it would without the rewrites
    assert run_translated(database, ordered_by_position) == [(0, 1), (1, 1), (2, 1)]
    with pytest.raises(duckdb.BinderException):
        run_translated(database, unknown_alias)


def test_timestamp_differences_sum_to_an_interval_and_cast_to_whole_seconds(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given runs sliced by the hour, on odd milliseconds
    query = """
        SELECT run_id,
               SUM(period_end_time - period_start_time) AS elapsed,
               CAST(SUM(period_end_time - period_start_time) AS LONG) AS seconds,
               CAST(SUM(period_end_time - period_start_time) AS DOUBLE) AS exact_seconds,
               CAST(max(period_end_time) - min(period_start_time) AS INT) AS span_seconds
        FROM system.lakeflow.job_run_timeline
        GROUP BY ALL
        ORDER BY CAST(run_id AS BIGINT)
    """
    oracle = """
        SELECT run_id, sum(epoch_ms(period_end_time) - epoch_ms(period_start_time)) AS ms
        FROM lakeflow.job_run_timeline GROUP BY run_id ORDER BY CAST(run_id AS BIGINT)
    """

    # when
    result = run_translated(database, query)
    expected = run_oracle(database, oracle)

    # then the interval is the sum, and casts count seconds, the integral ones dropping the
    # fraction (slices tile each run, so the span is the sum)
    assert [row[0] for row in result] == [row[0] for row in expected]
    assert [row[1] for row in result] == [dt.timedelta(milliseconds=ms) for _, ms in expected]
    assert [row[2] for row in result] == [ms // 1000 for _, ms in expected]
    assert [row[3] for row in result] == pytest.approx([ms / 1000 for _, ms in expected])
    assert [row[4] for row in result] == [ms // 1000 for _, ms in expected]
    assert any(ms % 1000 >= 500 for _, ms in expected)


def test_a_running_total_of_timestamp_differences_is_an_interval(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given each run's elapsed time so far, slice by slice
    query = """
        SELECT run_id, period_end_time,
               SUM(period_end_time - period_start_time)
                   OVER (PARTITION BY run_id ORDER BY period_end_time) AS so_far
        FROM system.lakeflow.job_run_timeline
        ORDER BY CAST(run_id AS BIGINT), period_end_time
    """
    oracle = """
        SELECT run_id, period_end_time,
               to_milliseconds(sum(epoch_ms(period_end_time) - epoch_ms(period_start_time))
                   OVER (PARTITION BY run_id ORDER BY period_end_time))
        FROM lakeflow.job_run_timeline
        ORDER BY CAST(run_id AS BIGINT), period_end_time
    """

    # when / then
    assert run_translated(database, query) == run_oracle(database, oracle)


def test_a_negative_interval_casts_toward_zero(database: duckdb.DuckDBPyConnection) -> None:
    # given
    query = """
        SELECT CAST(TIMESTAMP '2026-01-01 00:00:00' - TIMESTAMP '2026-01-01 00:00:30.750'
                    AS LONG) AS backwards,
               CAST(TIMESTAMP '2026-01-01 00:00:30.750' - TIMESTAMP '2026-01-01 00:00:00'
                    AS DECIMAL(10, 3)) AS exact
    """

    # when / then
    assert run_translated(database, query) == [(-30, Decimal("30.750"))]


def test_date_add_returns_a_date(database: duckdb.DuckDBPyConnection) -> None:
    # given
    query = (
        "SELECT date_add(to_date('2026-01-31'), 1) AS next_day, date_sub('2026-03-01', 1) AS eve"
    )

    # when / then
    assert run_translated(database, query) == [(dt.date(2026, 2, 1), dt.date(2026, 2, 28))]


def test_parameters_keep_their_declared_type_in_arithmetic(
    database: duckdb.DuckDBPyConnection,
) -> None:
    # given
    query = """
        SELECT count(*) AS runs, max(CAST(run_id AS BIGINT)) + :offset AS shifted
        FROM system.lakeflow.job_run_timeline
        WHERE job_id = :job_id AND period_start_time < :before
    """
    parameters = (
        Parameter("offset", "1000000000000", "BIGINT"),
        Parameter("job_id", "3", None),
        Parameter("before", "2026-02-02 00:00:00", "TIMESTAMP"),
    )
    oracle = """
        SELECT count(*), max(CAST(run_id AS BIGINT)) + 1000000000000
        FROM lakeflow.job_run_timeline
        WHERE job_id = '3' AND period_start_time < TIMESTAMPTZ '2026-02-02 00:00:00+00'
    """

    # when / then
    assert run_translated(database, query, parameters) == run_oracle(database, oracle)


def test_translation_is_cached_by_text() -> None:
    # given
    query = "SELECT job_id FROM system.lakeflow.jobs"

    # when / then
    assert translate(query) is translate(query)


@pytest.mark.parametrize(
    ("query", "error_class"),
    [
        ("SELEC job_id", "PARSE_SYNTAX_ERROR"),
        ("SELECT 1 FROM", "PARSE_SYNTAX_ERROR"),
        ("SELECT 1; SELECT 2", "UNSUPPORTED_FEATURE"),
        ("DROP TABLE system.lakeflow.jobs", "UNSUPPORTED_FEATURE"),
        ("SELECT * FROM lakeflow.jobs", "TABLE_OR_VIEW_NOT_FOUND"),
        ("SELECT * FROM system.local.meta", "TABLE_OR_VIEW_NOT_FOUND"),
        ("SELECT * FROM read_parquet('/tmp/x.parquet')", "UNRESOLVED_ROUTINE"),
    ],
)
def test_queries_the_workspace_does_not_serve_fail_with_databricks_error_classes(
    query: str, error_class: str
) -> None:
    # when / then
    with pytest.raises(SqlError, match=rf"^\[{error_class}\]"):
        translate(query)


def test_cte_names_are_not_tables() -> None:
    # when
    translation = translate(
        "WITH recent AS (SELECT * FROM system.lakeflow.jobs) SELECT job_id FROM recent"
    )

    # then
    assert translation.tables == frozenset({"system.lakeflow.jobs"})


def test_unbound_parameter_is_an_error() -> None:
    # given
    translation = translate("SELECT :job_id AS v")

    # when / then
    with pytest.raises(SqlError, match=r"^\[UNBOUND_SQL_PARAMETER\]"):
        bind_parameters(translation, ())


@pytest.mark.parametrize(
    ("value", "type_text", "expected"),
    [
        ("x", None, "x"),
        ("12", "BIGINT", 12),
        ("1.50", "DECIMAL(10,2)", Decimal("1.50")),
        ("TRUE", "BOOLEAN", True),
        ("2026-01-31", "DATE", dt.date(2026, 1, 31)),
        ("2026-01-31T10:00:00Z", "TIMESTAMP", dt.datetime(2026, 1, 31, 10, tzinfo=dt.UTC)),
        ("2026-01-31 10:00:00", "TIMESTAMP", dt.datetime(2026, 1, 31, 10, tzinfo=dt.UTC)),
        ("2026-01-31T10:00:00+02:00", "TIMESTAMP_NTZ", dt.datetime(2026, 1, 31, 8)),
        (None, "BIGINT", None),
    ],
)
def test_parameter_values_convert_by_declared_type(
    value: str | None, type_text: str | None, expected: object
) -> None:
    # when / then
    assert parameter_value(value, type_text) == expected


@pytest.mark.parametrize(
    ("value", "type_text", "error_class"),
    [
        ("twelve", "BIGINT", "CAST_INVALID_INPUT"),
        ("yes", "BOOLEAN", "CAST_INVALID_INPUT"),
        ("31/01/2026", "DATE", "CAST_INVALID_INPUT"),
        ("x", "GEOGRAPHY", "UNSUPPORTED_DATATYPE"),
    ],
)
def test_malformed_parameter_values_are_errors(
    value: str, type_text: str, error_class: str
) -> None:
    # when / then
    with pytest.raises(SqlError, match=rf"^\[{error_class}\]"):
        parameter_value(value, type_text)
