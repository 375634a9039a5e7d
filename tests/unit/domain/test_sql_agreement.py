"""The domain's Python rules agree with the SQL the service runs for the same rules.

Both sides run in memory (DuckDB, no files, no network): `percentile_approx` against the
`QUANTILE_DISC` the local workspace translates Databricks' `percentile_approx` to, and
`NamePattern.matches` against `NamePattern.sql_like` in `lower(name) LIKE :p ESCAPE '!'` written in
Databricks SQL and transpiled as the local workspace does.
"""

from __future__ import annotations

import random

import duckdb
import sqlglot

from job_monitor.backend.domain.filters import NamePattern
from job_monitor.backend.domain.health import percentile_approx

NAMES = [
    "prod-sales-daily",
    "PROD-Sales-Daily",
    "prod-sales-daily-2",
    "prod--daily",
    "50%_done",
    "50xxdone",
    "50%xdone",
    "wow!",
    "wow!!",
    "etl-1",
    "etl-12",
    "a.b",
    "axb",
    "back\\slash",
    "émile-nightly",
    "ÉMILE-nightly",
    "",
]
PATTERNS = [
    "prod-*-daily",
    "*daily*",
    "etl-?",
    "50%_done",
    "50%?done",
    "wow!",
    "wow!*",
    "a.b",
    "back\\slash",
    "émile-*",
    "*",
    "?",
]


def test_filters_sql_like_pattern_agrees_with_the_python_predicate() -> None:
    # given the Databricks SQL of a name filter, transpiled to the local workspace's engine
    sql = sqlglot.transpile(
        "SELECT name FROM names WHERE lower(name) LIKE :name_pattern ESCAPE '!'",
        read="databricks",
        write="duckdb",
    )[0].replace("$name_pattern", "?")
    connection = duckdb.connect()
    connection.execute("CREATE TABLE names (name VARCHAR)")
    connection.executemany("INSERT INTO names VALUES (?)", [[name] for name in NAMES])
    for raw in PATTERNS:
        pattern = NamePattern(raw)
        # when both select names
        in_sql = {row[0] for row in connection.execute(sql, [pattern.sql_like]).fetchall()}
        in_python = {name for name in NAMES if pattern.matches(name)}
        # then they select the same ones
        assert in_sql == in_python, raw


def test_percentile_agrees_with_the_local_workspace_percentile_approx() -> None:
    # given 300 random samples, with ties and odd sizes
    generator = random.Random(4)
    connection = duckdb.connect()
    for _ in range(300):
        values = [generator.randint(0, 50) for _ in range(generator.randint(1, 40))]
        percentage = generator.choice([0.0, 0.1, 0.25, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0])
        # when both compute the percentile
        in_sql = connection.execute(
            "SELECT quantile_disc(v, ?) FROM unnest(?) AS t(v)", [percentage, values]
        ).fetchone()
        # then they agree
        assert in_sql is not None
        assert percentile_approx(values, percentage) == in_sql[0], (values, percentage)
