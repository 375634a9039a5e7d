"""Benchmark of the local workspace: build, open, main query shapes through the SDK vs raw DuckDB.

Run: `.venv/bin/python benchmarks/local_workspace.py` (demo 300 x 90 and scale 10,000 x 365;
`--sizes demo` for the demo only). Each size is built fresh in a temporary directory, so build time
is real; open time and RSS are measured in a fresh process. Query latency is the p50 of `--repeat`
runs of each Databricks SQL query through `statement_execution` (HTTP, JSON encoding, chunks) beside
the same translated query run directly on DuckDB; the overhead column is the difference relative to
raw DuckDB.
"""

import argparse
import functools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.service.sql import StatementParameterListItem, StatementState

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import (
    SP_CLIENT_ID,
    SP_CLIENT_SECRET,
    WAREHOUSE_ID,
    WORKSPACE_ID,
)
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from job_monitor.local_workspace.sql_translate import translate

SIZES = {"demo": (300, 90), "scale": (10_000, 365)}
SEED = 7

RUN_ROLLUP_30D = """
WITH runs AS (
  SELECT job_id, run_id, MIN(period_start_time) AS start_time, MAX(period_end_time) AS end_time,
    MAX_BY(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id AND period_end_time >= current_timestamp() - INTERVAL 32 DAYS
  GROUP BY job_id, run_id
)
SELECT job_id, COUNT(*) AS runs,
  COUNT_IF(result_state = 'SUCCEEDED') AS succeeded,
  COUNT_IF(result_state IN ('FAILED', 'TIMED_OUT', 'ERROR')) AS failed,
  TRY_DIVIDE(COUNT_IF(result_state = 'SUCCEEDED'), COUNT(*)) AS success_rate,
  PERCENTILE_APPROX(UNIX_TIMESTAMP(end_time) - UNIX_TIMESTAMP(start_time), 0.9) AS p90_seconds
FROM runs
WHERE start_time >= current_timestamp() - INTERVAL 30 DAYS AND result_state IS NOT NULL
GROUP BY job_id
"""

FAILURES_24H = """
WITH jobs AS (
  SELECT job_id, name FROM system.lakeflow.jobs WHERE workspace_id = :workspace_id
  QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
)
SELECT t.job_id, j.name, t.run_id, t.result_state, t.termination_code,
  CAST(UNIX_TIMESTAMP(t.period_end_time) AS BIGINT) AS ended_at
FROM system.lakeflow.job_run_timeline t LEFT JOIN jobs j ON j.job_id = t.job_id
WHERE t.workspace_id = :workspace_id AND t.period_end_time >= current_timestamp() - INTERVAL 24
  HOURS
  AND t.result_state IN ('FAILED', 'TIMED_OUT', 'ERROR')
ORDER BY ended_at DESC
"""

COST_PER_JOB_30D = """
SELECT u.usage_metadata.job_id AS job_id,
  ROUND(SUM(u.usage_quantity * p.pricing.effective_list.default), 2) AS list_cost_usd,
  ROUND(SUM(u.usage_quantity), 2) AS dbus
FROM system.billing.usage u
JOIN system.billing.list_prices p
  ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.usage_unit = u.usage_unit
  AND u.usage_end_time > p.price_start_time
  AND (p.price_end_time IS NULL OR u.usage_end_time <= p.price_end_time)
WHERE u.workspace_id = :workspace_id AND u.usage_metadata.job_id IS NOT NULL
  AND u.usage_date >= DATE_SUB(CURRENT_DATE(), 30)
GROUP BY u.usage_metadata.job_id
"""

QUERIES = {
    "run roll-up, 30 days, all jobs": RUN_ROLLUP_30D,
    "failures in 24 h": FAILURES_24H,
    "cost per job, 30 days": COST_PER_JOB_30D,
}

_OPEN_AND_MEASURE = """
import json, sys, time
from pathlib import Path
t = time.perf_counter()
from job_monitor.local_workspace.database import WorkspaceDatabase
imported = time.perf_counter()
db = WorkspaceDatabase.build_or_open(Path(sys.argv[1]), seed=int(sys.argv[2]),
  jobs=int(sys.argv[3]),
                                     days=int(sys.argv[4]))
opened = time.perf_counter()
db.cursor().execute("SELECT count(*) FROM lakeflow.job_run_timeline").fetchone()
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
print(json.dumps({"open_s": opened - imported, "rss_mb": int(status["VmRSS"].split()[0]) / 1024}))
"""


def _p50(action: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Median wall time in ms of `action` (after one warm-up run) and the row count it returned."""
    rows = action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def _through_sdk(client: WorkspaceClient, sql: str) -> int:
    response = client.statement_execution.execute_statement(
        statement=sql,
        warehouse_id=WAREHOUSE_ID,
        parameters=[StatementParameterListItem(name="workspace_id", value=WORKSPACE_ID)],
        wait_timeout="50s",
    )
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED, response
    assert response.statement_id is not None
    assert response.result is not None
    rows = len(response.result.data_array or [])
    chunk = response.result.next_chunk_index
    while chunk is not None:
        part = client.statement_execution.get_statement_result_chunk_n(response.statement_id, chunk)
        rows += len(part.data_array or [])
        chunk = part.next_chunk_index
    return rows


def _raw_duckdb(database: WorkspaceDatabase, sql: str) -> int:
    translation = translate(sql)
    params = dict.fromkeys(translation.parameter_names, WORKSPACE_ID)
    return len(database.cursor().execute(translation.duckdb_sql, params).fetchall())


def _measure(size: str, repeat: int) -> None:
    jobs, days = SIZES[size]
    with tempfile.TemporaryDirectory(prefix=f"lw-bench-{size}-") as directory:
        data_dir = Path(directory)
        started = time.perf_counter()
        database = WorkspaceDatabase.build_or_open(data_dir, seed=SEED, jobs=jobs, days=days)
        build_s = time.perf_counter() - started
        counts = {
            table: database.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in (
                "lakeflow.job_run_timeline",
                "lakeflow.job_task_run_timeline",
                "billing.usage",
            )
        }
        child = subprocess.run(
            [sys.executable, "-c", _OPEN_AND_MEASURE, directory, str(SEED), str(jobs), str(days)],
            capture_output=True,
            text=True,
            check=True,
        )
        opened = json.loads(child.stdout)
        print(f"\n== {size}: {jobs} jobs x {days} days ==")
        print(
            f"build {build_s:.1f} s, file {database.path.stat().st_size / 1e6:.0f} MB, "
            f"open {opened['open_s'] * 1000:.0f} ms, RSS after open + first query "
            f"{opened['rss_mb']:.0f} MB"
        )
        print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
        options = LocalWorkspaceOptions(seed=SEED, jobs=jobs, days=days, data_dir=data_dir)
        with LocalWorkspace(options, database=lambda: database) as workspace:
            client = WorkspaceClient(
                config=Config(
                    host=workspace.host,
                    client_id=SP_CLIENT_ID,
                    client_secret=SP_CLIENT_SECRET,
                    auth_type="oauth-m2m",
                )
            )
            print(
                f"{'query':34} {'rows':>7} {'raw DuckDB p50':>15} {'SDK p50':>10} {'overhead':>9}"
            )
            for name, sql in QUERIES.items():
                raw_ms, raw_rows = _p50(functools.partial(_raw_duckdb, database, sql), repeat)
                sdk_ms, sdk_rows = _p50(functools.partial(_through_sdk, client, sql), repeat)
                assert raw_rows == sdk_rows, (name, raw_rows, sdk_rows)
                overhead = (sdk_ms - raw_ms) / raw_ms * 100
                print(
                    f"{name:34} {sdk_rows:>7,} {raw_ms:>12.0f} ms {sdk_ms:>7.0f} ms "
                    f"{overhead:>8.0f}%"
                )
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["demo", "scale"])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for size in args.sizes:
        _measure(size, args.repeat)


if __name__ == "__main__":
    main()
