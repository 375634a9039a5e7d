"""The system-table queries Databricks publishes, run as published through the real SDK.

Each fixture in tests/fixtures/databricks_published_queries (sources in its README) goes through
the SQL Statement Execution API of a local workspace whose system tables hold a small account
written out below. The answers are worked out here, in Python, from those same rows, the way the
Databricks SQL reference defines them: a timestamp difference is a day-time interval, its SUM an
interval, its CAST to LONG whole seconds with the fraction dropped; `mean` is `avg`; `percentile`
interpolates; GROUP BY ALL groups by every column a `t1.*` stands for; a date compared with a
timestamp is its midnight.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import StatementParameterListItem, StatementState

from job_monitor.local_workspace.principals import (
    ACCOUNT_ID,
    PROVISIONING_WORKSPACE_ID,
    WAREHOUSE_ID,
    WORKSPACE_ID,
)
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type
from tests.conftest import private_state
from tests.integration.local_workspace.conftest import user_client

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "databricks_published_queries"
TODAY = datetime.combine(datetime.now(UTC).date(), time(), UTC)
WORKSPACE_NAME = "analytics-prod"
WORKSPACE_URL = "https://analytics-prod.cloud.databricks.com/"
RUN_AS = {"101": "ana@example.com", "102": "ingest-sp", "103": "ml@example.com"}
SKU = {"101": "JOBS_COMPUTE", "102": "JOBS_SERVERLESS_COMPUTE", "103": "JOBS_COMPUTE"}
LATEST_NAME = {"101": "nightly-etl", "102": "hourly-ingest", "103": "ml-training"}


def at(days_ago: int, clock: str) -> datetime:
    """`clock` (HH:MM:SS.fff) on the day `days_ago` days before today, UTC."""
    return datetime.combine(
        (TODAY - timedelta(days=days_ago)).date(), time.fromisoformat(clock), UTC
    )


@dataclass(frozen=True)
class Slice:
    """One row of the run timeline, billed by one usage record over the same period."""

    job_id: str
    run_id: str
    start: datetime
    end: datetime
    result_state: str | None
    dbus: Decimal
    run_type: str = "JOB_RUN"
    run_name: str | None = None

    @property
    def record_id(self) -> str:
        return f"{self.run_id}@{self.start.isoformat()}"


SLICES = [
    Slice("101", "1001", at(3, "10:00:00.250"), at(3, "10:20:30.750"), "SUCCEEDED", Decimal("2.5")),
    # A run over three clock hours: only its last slice carries the result.
    Slice("101", "1002", at(2, "09:30:00.100"), at(2, "10:00:00"), None, Decimal("1.0")),
    Slice("101", "1002", at(2, "10:00:00"), at(2, "11:00:00"), None, Decimal("4.0")),
    Slice("101", "1002", at(2, "11:00:00"), at(2, "11:15:00.900"), "SUCCEEDED", Decimal("1.25")),
    Slice("101", "1004", at(10, "10:00:00"), at(10, "10:30:00"), "SUCCEEDED", Decimal("2.0")),
    Slice("101", "1003", at(45, "10:00:00"), at(45, "10:30:00"), "SUCCEEDED", Decimal("1.0")),
    # A failed run repaired within the hour: two results.
    Slice("102", "2001", at(1, "08:00:00"), at(1, "08:05:59.499"), "FAILED", Decimal("0.5")),
    Slice(
        "102", "2001", at(1, "08:30:00.500"), at(1, "08:40:10.250"), "SUCCEEDED", Decimal("0.75")
    ),
    Slice("102", "2002", at(1, "12:00:00"), at(1, "12:00:45.600"), "SUCCEEDED", Decimal("0.2")),
    Slice(
        "103", "3001", at(4, "14:10:00"), at(4, "15:00:00"), None, Decimal("3.0"),
        "SUBMIT_RUN", "adhoc-backfill",
    ),
    Slice(
        "103", "3001", at(4, "15:00:00"), at(4, "15:20:30.400"), "SUCCEEDED", Decimal("1.5"),
        "SUBMIT_RUN", "adhoc-backfill",
    ),
    Slice("103", "3002", at(20, "06:00:00"), at(20, "06:10:00"), "FAILED", Decimal("2.0")),
]  # fmt: skip
# (job_id, name, change_time): the SCD history of the jobs table.
JOB_VERSIONS = [
    ("101", "nightly-etl (draft)", at(40, "00:00:00")),
    ("101", "nightly-etl", at(5, "00:00:00")),
    ("102", "hourly-ingest", at(60, "00:00:00")),
    ("103", "ml-training", at(60, "00:00:00")),
]
# (job_id, task_key, depends_on_keys, change_time)
TASK_VERSIONS = [
    ("101", "extract", [], at(40, "00:00:00")),
    ("101", "load", ["extract"], at(40, "00:00:00")),
    ("101", "extract", [], at(5, "00:00:00")),
    ("102", "ingest", [], at(60, "00:00:00")),
    ("103", "train", [], at(60, "00:00:00")),
]
# (sku, price_start_time, price_end_time, USD per DBU): the jobs price changed 12 days ago.
PRICES = [
    ("JOBS_COMPUTE", at(400, "00:00:00"), at(12, "00:00:00"), Decimal("0.15")),
    ("JOBS_COMPUTE", at(12, "00:00:00"), None, Decimal("0.20")),
    ("JOBS_SERVERLESS_COMPUTE", at(400, "00:00:00"), None, Decimal("0.35")),
    ("STANDARD_ALL_PURPOSE_COMPUTE", at(400, "00:00:00"), None, Decimal("0.55")),
]
# An interactive cluster's usage, which no jobs query may count.
ALL_PURPOSE_USAGE = ("interactive", at(2, "09:00:00"), at(2, "10:00:00"), Decimal("10"))


def list_price(slice_: Slice) -> Decimal:
    """The price the dashboards join: valid at the usage's start and still at its end."""
    (price,) = [
        p
        for sku, start, end, p in PRICES
        if sku == SKU[slice_.job_id]
        and slice_.start >= start
        and (end is None or slice_.end <= end)
    ]
    return price


def list_cost(slice_: Slice) -> Decimal:
    return slice_.dbus * list_price(slice_)


def seconds(interval: timedelta) -> int:
    """Spark's CAST of a DAY TO SECOND interval to LONG: whole seconds, fraction dropped."""
    micros = interval // timedelta(microseconds=1)
    return int(micros / 1_000_000)


def percentile(values: Sequence[float], share: float) -> float:
    """Databricks' exact `percentile`: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def runs_of(job_id: str, since: datetime) -> dict[str, list[Slice]]:
    runs: dict[str, list[Slice]] = {}
    for slice_ in SLICES:
        if slice_.job_id == job_id and slice_.start > since:
            runs.setdefault(slice_.run_id, []).append(slice_)
    return runs


def struct(table: str, column: str, values: dict[str, Any]) -> dict[str, Any]:
    """A value for a struct column: every field of the table's type, NULL unless given."""
    text = dict(TABLE_SCHEMAS[table])[column]
    fields = [part.split(":")[0].strip() for part in text[len("STRUCT<") : -1].split(",")]
    return {field: values.get(field) for field in fields}


class PublishedQueriesDatabase:
    """Every system table, holding exactly the account written out above."""

    def __init__(self) -> None:
        self._connection = duckdb.connect()
        con = self._connection
        con.execute("SET TimeZone = 'UTC'")
        for table, columns in TABLE_SCHEMAS.items():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
            ddl = ", ".join(f'"{name}" {duckdb_type(kind)}' for name, kind in columns)
            con.execute(f"CREATE TABLE {table} ({ddl})")
        con.executemany(
            "INSERT INTO access.workspaces_latest VALUES (?, ?, ?, ?, ?, ?)",
            [
                (ACCOUNT_ID, WORKSPACE_ID, WORKSPACE_NAME, WORKSPACE_URL, at(900, "08:00:00"),
                 "RUNNING"),
                (ACCOUNT_ID, PROVISIONING_WORKSPACE_ID, "sandbox",
                 "https://sandbox.cloud.databricks.com/", at(0, "00:00:00"), "PROVISIONING"),
            ],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO lakeflow.jobs (account_id, workspace_id, job_id, name, tags, change_time,"
            " run_as) VALUES (?, ?, ?, ?, MAP {'team': 'data'}, ?, ?)",
            [(ACCOUNT_ID, WORKSPACE_ID, j, n, t, RUN_AS[j]) for j, n, t in JOB_VERSIONS],
        )
        con.executemany(
            "INSERT INTO lakeflow.job_tasks (account_id, workspace_id, job_id, task_key,"
            " depends_on_keys, change_time) VALUES (?, ?, ?, ?, ?, ?)",
            [(ACCOUNT_ID, WORKSPACE_ID, j, k, d, t) for j, k, d, t in TASK_VERSIONS],
        )
        con.executemany(
            "INSERT INTO lakeflow.job_run_timeline (account_id, workspace_id, job_id, run_id,"
            " period_start_time, period_end_time, trigger_type, run_type, run_name, compute_ids,"
            " result_state) VALUES (?, ?, ?, ?, ?, ?, 'PERIODIC', ?, ?, [], ?)",
            [
                (ACCOUNT_ID, WORKSPACE_ID, s.job_id, s.run_id, s.start, s.end, s.run_type,
                 s.run_name, s.result_state)
                for s in SLICES
            ],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO billing.list_prices (account_id, price_start_time, price_end_time,"
            " sku_name, cloud, currency_code, usage_unit, pricing) VALUES"
            " (?, ?, ?, ?, 'AWS', 'USD', 'DBU', ?)",
            [
                (ACCOUNT_ID, start, end, sku,
                 {"default": price, "promotional": {"default": price},
                  "effective_list": {"default": price}})
                for sku, start, end, price in PRICES
            ],
        )  # fmt: skip
        jobs_usage = [
            (s.record_id, SKU[s.job_id], s.start, s.end, s.dbus, "JOBS",
             {"job_id": s.job_id, "job_run_id": s.run_id}, RUN_AS[s.job_id],
             SKU[s.job_id] == "JOBS_SERVERLESS_COMPUTE")
            for s in SLICES
        ]  # fmt: skip
        record, start, end, dbus = ALL_PURPOSE_USAGE
        interactive = (
            record, "STANDARD_ALL_PURPOSE_COMPUTE", start, end, dbus, "ALL_PURPOSE",
            {"cluster_id": "0101-interactive"}, "ana@example.com", False,
        )  # fmt: skip
        con.executemany(
            "INSERT INTO billing.usage (record_id, account_id, workspace_id, sku_name, cloud,"
            " usage_start_time, usage_end_time, usage_date, custom_tags, usage_unit,"
            " usage_quantity, billing_origin_product, usage_metadata, identity_metadata,"
            " product_features, usage_type) VALUES (?, ?, ?, ?, 'AWS', ?, ?, CAST(? AS DATE),"
            " MAP {'team': 'data'}, 'DBU', ?, ?, ?, ?, ?, 'COMPUTE_TIME')",
            [
                (r, ACCOUNT_ID, WORKSPACE_ID, sku, start, end, start, dbus, origin,
                 struct("billing.usage", "usage_metadata", metadata),
                 struct("billing.usage", "identity_metadata", {"run_as": run_as}),
                 struct("billing.usage", "product_features", {"is_serverless": serverless}))
                for r, sku, start, end, dbus, origin, metadata, run_as, serverless
                in [*jobs_usage, interactive]
            ],
        )  # fmt: skip

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._connection.cursor()

    def close(self) -> None:
        self._connection.close()


@pytest.fixture(scope="module")
def analyst() -> Iterator[WorkspaceClient]:
    with LocalWorkspace(
        LocalWorkspaceOptions(state_dir=private_state()), database=PublishedQueriesDatabase
    ) as workspace:
        _ = workspace.state.database
        yield user_client(workspace, "local-alice")


@dataclass(frozen=True)
class Answer:
    names: list[str]
    type_texts: list[str]
    rows: list[list[str | None]]

    def records(self) -> list[dict[str, str | None]]:
        return [dict(zip(self.names, row, strict=True)) for row in self.rows]


def run(client: WorkspaceClient, fixture: str, **parameters: tuple[str, str]) -> Answer:
    """Runs a fixture as published, with parameters given as (value, type)."""
    response = client.statement_execution.execute_statement(
        statement=(FIXTURES / fixture).read_text(),
        warehouse_id=WAREHOUSE_ID,
        wait_timeout="30s",
        parameters=[
            StatementParameterListItem(name=name, value=value, type=kind)
            for name, (value, kind) in parameters.items()
        ],
    )
    assert response.status is not None
    error = response.status.error.message if response.status.error else None
    assert response.status.state == StatementState.SUCCEEDED, error
    assert response.manifest is not None
    assert response.manifest.schema is not None
    assert response.result is not None
    assert response.manifest.total_chunk_count == 1
    columns = response.manifest.schema.columns or []
    return Answer(
        [c.name or "" for c in columns],
        [c.type_text or "" for c in columns],
        [[*row] for row in response.result.data_array or []],
    )


def timestamp(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def number(text: str | None) -> Decimal:
    assert text is not None
    return Decimal(text)


def test_every_fixture_is_exercised_here() -> None:
    # given the fixtures and the tests below, which name each one they run
    source = Path(__file__).read_text()

    # then no fixture goes untested
    assert sorted(f.name for f in FIXTURES.glob("*.sql") if f'"{f.name}"' not in source) == []


def test_most_recent_version_of_each_job(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "jobs_most_recent_version.sql")

    # then every column of the table, then the row number
    assert answer.names == [name for name, _ in TABLE_SCHEMAS["lakeflow.jobs"]] + ["rn"]
    assert sorted((r["job_id"], r["name"], r["rn"]) for r in answer.records()) == [
        (job_id, name, "1") for job_id, name in sorted(LATEST_NAME.items())
    ]


def test_most_recent_task_version_of_each_job(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "job_tasks_most_recent_version.sql")

    # then one row per job (the query partitions by job, not by task): its latest change
    latest: dict[str, tuple[str, datetime]] = {}
    for job_id, task_key, _, changed in TASK_VERSIONS:
        if job_id not in latest or changed > latest[job_id][1]:
            latest[job_id] = (task_key, changed)
    assert sorted(
        (r["job_id"], r["task_key"], timestamp(r["change_time"])) for r in answer.records()
    ) == [(job_id, key, changed) for job_id, (key, changed) in sorted(latest.items())]


def test_daily_job_count(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "daily_job_count.sql")

    # then runs counted once per day they have a slice in, over the last 7 days
    since = datetime.now(UTC) - timedelta(days=7)
    days: dict[date, set[str]] = {}
    for s in SLICES:
        if s.start > since:
            days.setdefault(s.start.date(), set()).add(s.run_id)
    assert sorted((r["workspace_id"], r["date"], r["job_count"]) for r in answer.records()) == [
        (WORKSPACE_ID, day.isoformat(), str(len(runs))) for day, runs in sorted(days.items())
    ]


def test_daily_job_count_by_result_state(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "daily_job_count_by_result_state.sql")

    # then a repaired run counts under each of its results
    since = datetime.now(UTC) - timedelta(days=7)
    days: dict[tuple[str, str], set[str]] = {}
    for s in SLICES:
        if s.start > since and s.result_state:
            days.setdefault((s.start.date().isoformat(), s.result_state), set()).add(s.run_id)
    assert sorted((r["date"], r["result_state"], r["job_count"]) for r in answer.records()) == [
        (day, state, str(len(runs))) for (day, state), runs in sorted(days.items())
    ]


def test_run_durations_sum_slices_and_cast_to_whole_seconds(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "job_run_duration_percentiles.sql")

    # then each run lasts the whole seconds of its summed slices; mean is avg
    since = datetime.now(UTC) - timedelta(days=7)
    expected = []
    for job_id in sorted(RUN_AS):
        durations = [
            seconds(sum((s.end - s.start for s in run_slices), timedelta()))
            for run_slices in runs_of(job_id, since).values()
        ]
        mean = sum(durations) / len(durations)
        expected.append(
            (job_id, str(len(durations)), mean, mean, percentile(durations, 0.9),
             percentile(durations, 0.95))
        )  # fmt: skip
    expected.sort(key=lambda row: -row[2])
    assert answer.names == [
        "workspace_id", "job_id", "runs", "mean_seconds", "avg_seconds", "p90_seconds",
        "p95_seconds",
    ]  # fmt: skip
    assert [(r[1], r[2], *(float(number(v)) for v in r[3:])) for r in answer.rows] == [
        pytest.approx(row) for row in expected
    ]
    # run 2001's slices last 359.499 s and 609.750 s: 969 s together, 968 s truncated apart
    repaired = runs_of("102", since)["2001"]
    assert seconds(sum((s.end - s.start for s in repaired), timedelta())) == 969


def test_submit_run_runtime_is_an_interval(analyst: WorkspaceClient) -> None:
    # given
    run_name = ("adhoc-backfill", "STRING")

    # when
    answer = run(analyst, "submit_run_runtime_by_run_name.sql", run_name=run_name)

    # then the summed slices of the one-time run: 50 min and 20 min 30.4 s
    assert answer.type_texts[2] == "INTERVAL DAY TO SECOND"
    assert answer.rows == [[WORKSPACE_ID, "3001", "0 01:10:30.400000000"]]


def test_retried_job_runs(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "retried_job_runs.sql")

    # then the run with two results was retried once
    assert answer.rows == [[WORKSPACE_ID, "102", "2001", "1"]]


def test_billing_records_enriched_with_the_slices_of_their_hours(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "billing_with_job_run_metadata.sql")

    # then both tables' columns, names repeated as Databricks repeats them, and a record joins
    # every slice of its run within the slice's clock hours
    usage_columns = [name for name, _ in TABLE_SCHEMAS["billing.usage"]]
    timeline_columns = [name for name, _ in TABLE_SCHEMAS["lakeflow.job_run_timeline"]]
    assert answer.names == usage_columns + timeline_columns

    def hour(moment: datetime) -> datetime:
        return moment.replace(minute=0, second=0, microsecond=0)

    expected = sorted(
        (record.record_id, joined.run_id, joined.start)
        for record in SLICES
        for joined in SLICES
        if joined.run_id == record.run_id
        and hour(joined.start) <= record.start < hour(joined.end) + timedelta(hours=1)
    )
    record_id = usage_columns.index("record_id")
    start = len(usage_columns) + timeline_columns.index("period_start_time")
    run_id = len(usage_columns) + timeline_columns.index("run_id")
    assert sorted((r[record_id], r[run_id], timestamp(r[start])) for r in answer.rows) == expected
    assert len(expected) > len(SLICES)


def test_cost_per_job_run_groups_by_every_column_of_the_star(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "cost_per_job_run.sql")

    # then `t1.*` stands for the seven columns of the aggregated usage
    assert answer.names == [
        "workspace_id", "job_id", "run_id", "run_as", "sku_name", "usage_usd", "usage_quantity",
        "run_start_time", "run_end_time", "result_state",
    ]  # fmt: skip
    runs: dict[str, list[Slice]] = {}
    for s in SLICES:
        runs.setdefault(s.run_id, []).append(s)
    rows = {str(r["run_id"]): r for r in answer.records()}
    assert sorted(rows) == sorted(runs)
    for run_id, run_slices in runs.items():
        row = rows[run_id]
        assert row["job_id"] == run_slices[0].job_id
        assert row["run_as"] == RUN_AS[run_slices[0].job_id]
        assert number(row["usage_usd"]) == sum(list_cost(s) for s in run_slices)
        assert number(row["usage_quantity"]) == sum(s.dbus for s in run_slices)
        assert timestamp(row["run_start_time"]) == min(s.start for s in run_slices)
        assert timestamp(row["run_end_time"]) == max(s.end for s in run_slices)
        assert row["result_state"] in {s.result_state for s in run_slices if s.result_state}
    costs = [number(r["usage_usd"]) for r in answer.records()]
    assert costs == sorted(costs, reverse=True)


def test_most_expensive_jobs_over_30_days(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "most_expensive_jobs_30_days.sql")

    # then
    since = TODAY - timedelta(days=30)
    expected = []
    for job_id in RUN_AS:
        billed = [s for s in SLICES if s.job_id == job_id and s.start >= since]
        expected.append(
            (LATEST_NAME[job_id], job_id, WORKSPACE_ID, str(len({s.run_id for s in billed})),
             RUN_AS[job_id], sum(list_cost(s) for s in billed), max(s.end for s in billed))
        )  # fmt: skip
    expected.sort(key=lambda row: -row[5])
    assert [(*r[:5], number(r[5]), timestamp(r[6])) for r in answer.rows] == expected


def test_most_expensive_job_runs_over_30_days(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "most_expensive_job_runs_30_days.sql")

    # then
    since = TODAY - timedelta(days=30)
    runs: dict[str, list[Slice]] = {}
    for s in SLICES:
        if s.start >= since:
            runs.setdefault(s.run_id, []).append(s)
    assert {
        r["run_id"]: (r["job_id"], r["name"], r["run_as"], number(r["list_cost"]),
                      timestamp(r["last_seen_date"]))
        for r in answer.records()
    } == {
        run_id: (ss[0].job_id, LATEST_NAME[ss[0].job_id], RUN_AS[ss[0].job_id],
                 sum(list_cost(s) for s in ss), max(s.end for s in ss))
        for run_id, ss in runs.items()
    }  # fmt: skip


def test_jobs_with_the_highest_change_in_spend(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "highest_change_jobs_7_14_days.sql")

    # then a date bound is its midnight: yesterday's usage falls in neither week
    def spend(job_id: str, first: datetime, last: datetime) -> Decimal:
        return sum(
            (list_cost(s) for s in SLICES if s.job_id == job_id and first <= s.end <= last),
            Decimal(0),
        )

    expected = []
    for job_id in RUN_AS:
        last_7 = spend(job_id, TODAY - timedelta(days=8), TODAY - timedelta(days=1))
        last_14 = spend(job_id, TODAY - timedelta(days=15), TODAY - timedelta(days=8))
        growth_pct = None if last_14 == 0 else float((last_7 - last_14) / last_14 * 100)
        expected.append(
            (LATEST_NAME[job_id], job_id, SKU[job_id], RUN_AS[job_id], last_7, last_14,
             last_7 - last_14, growth_pct)
        )  # fmt: skip
    expected.sort(key=lambda row: -row[6])
    assert [
        (r["name"], r["job_id"], r["sku_name"], r["run_as"], number(r["Last7DaySpend"]),
         number(r["Last14DaySpend"]), number(r["Last7DayGrowth"]),
         None if r["Last7DayGrowthPct"] is None else float(number(r["Last7DayGrowthPct"])))
        for r in answer.records()
    ] == expected  # fmt: skip


def test_jobs_with_the_most_failures(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "highest_failure_jobs_30_days.sql")

    # then counted over each result of the last 30 days; the failures' cost is known where a
    # failed run's usage joins no other slice
    since = TODAY - timedelta(days=30)
    rows = {str(r["job_id"]): r for r in answer.records()}
    assert sorted(rows) == sorted(RUN_AS)
    for job_id in RUN_AS:
        results = [s for s in SLICES if s.job_id == job_id and s.result_state and s.end >= since]
        failures = sum(s.result_state == "FAILED" for s in results)
        row = rows[job_id]
        assert row["name"] == LATEST_NAME[job_id]
        assert (row["runs"], row["failures"]) == (str(len(results)), str(failures))
        assert float(number(row["success_ratio"])) == pytest.approx(
            (1 - failures / len(results)) * 100
        )
        assert row["run_as"] == (RUN_AS[job_id] if failures else None)
        assert timestamp(row["last_seen_date"]) == max(s.end for s in results)
    (failed_alone,) = [s for s in SLICES if s.run_id == "3002"]
    assert number(rows["103"]["failure_list_cost"]) == list_cost(failed_alone)
    assert rows["101"]["failure_list_cost"] is None


def test_most_retried_runs_repair_time_is_whole_seconds(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "most_retried_job_runs_30_days.sql")

    # then the repair took from the first result (08:05:59.499) to the successful one
    # (08:40:10.250): 2050.751 s, cast to LONG as 2050
    failed, repaired = [s for s in SLICES if s.run_id == "2001"]
    assert seconds(repaired.end - failed.end) == 2050
    assert [
        (r["name"], r["job_id"], r["run_id"], r["run_as"], r["repairs"], r["repair_time_seconds"])
        for r in answer.records()
    ] == [("hourly-ingest", "102", "2001", RUN_AS["102"], "1", "2050")]
    assert answer.type_texts[answer.names.index("repair_time_seconds")] == "BIGINT"


def test_running_workspaces(analyst: WorkspaceClient) -> None:
    # when
    answer = run(analyst, "running_workspaces.sql")

    # then only the running one of the account's two
    assert [(*r[:3], timestamp(r[3])) for r in answer.rows] == [
        (WORKSPACE_ID, WORKSPACE_NAME, WORKSPACE_URL, at(900, "08:00:00"))
    ]


def test_top_jobs_by_list_cost_link_their_workspace(analyst: WorkspaceClient) -> None:
    # given the dashboard's default filters over the last 30 days
    first_day = (TODAY - timedelta(days=30)).date()
    parameters = {
        "param_start_date": (first_day.isoformat(), "DATE"),
        "param_end_date": (TODAY.date().isoformat(), "DATE"),
        "param_workspace": ("<ALL WORKSPACES>", "STRING"),
        "param_run_as": ("<ALL USERS>", "STRING"),
        "param_cluster_type": ("<ALL CLUSTER TYPES>", "STRING"),
        "param_object_type": ("Jobs", "STRING"),
        "param_tag_entries": ("<ANY>", "STRING"),
        "param_single_tag_key": ("<USE TAG FILTER>", "STRING"),
        "param_top_n": ("10", "INT"),
    }

    # when
    answer = run(analyst, "top_n_jobs_list_cost.sql", **parameters)

    # then the output's columns, then the workspace's from `system.access.workspaces_latest`
    assert answer.names == [
        "workspace", "entity_url", "workspace_id", "entity_type", "name", "entity_id", "runs",
        "run_as", "list_cost", "last_seen_date", "account_id", "workspace_name", "workspace_url",
        "create_time", "status",
    ]  # fmt: skip
    expected = []
    for job_id in RUN_AS:
        billed = [s for s in SLICES if s.job_id == job_id and s.start.date() >= first_day]
        serverless = SKU[job_id] == "JOBS_SERVERLESS_COMPUTE"
        expected.append(
            (f"<a href='{WORKSPACE_URL}' target='_blank'>{WORKSPACE_NAME}</a>",
             f"<a href='{WORKSPACE_URL}/jobs/{job_id}' target='_blank'>{LATEST_NAME[job_id]}</a>",
             WORKSPACE_ID, "SERVERLESS JOB" if serverless else " JOB", LATEST_NAME[job_id],
             job_id, str(len({s.run_id for s in billed})), RUN_AS[job_id],
             sum(list_cost(s) for s in billed), max(s.end for s in billed), ACCOUNT_ID,
             WORKSPACE_NAME, WORKSPACE_URL, "RUNNING")
        )  # fmt: skip
    expected.sort(key=lambda row: -row[8])
    assert [
        (*r[:8], number(r[8]), timestamp(r[9]), *r[10:13], r[14]) for r in answer.rows
    ] == expected
