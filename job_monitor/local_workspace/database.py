"""The local workspace's data: a DuckDB file built once from a seed, then opened read-only.

Staleness: the data is generated for an `anchor` (the build time, floored to the hour) and cached on
disk, so a database built yesterday would show nothing running now. Instead of rebuilding, every
timestamp is stored relative to the anchor and shifted forward by whole hours when read: the
system-table views add `getvariable('local_shift')`, which `cursor()` sets, and the Jobs API adds
the same `shift()`. Whole hours keep the hourly slice boundaries and cron start times exactly where
Databricks would put them; the price is that the workspace's clock (`now()`) trails the wall clock
by less than an hour — runs that were active at the anchor stay active, their elapsed time growing
with the real clock until the next hour boundary.

`compute.node_timeline` is the exception to "a view over one table": a row per node per minute is
too many rows to store, so its view expands stored node spans when read (`node_timeline_query`),
applying the same shift inside.
"""

import fcntl
import os
import shutil
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import duckdb
import sqlglot
from sqlglot import exp

from job_monitor.local_workspace.synth.generate import (
    GENERATOR_VERSION,
    generate,
    node_timeline_query,
)
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type

__all__ = ["TABLE_SCHEMAS", "WorkspaceDatabase"]

SHIFT_VARIABLE: Final = "local_shift"
# Measured: 10,000 jobs x 365 days builds with a 4.3 GB peak under this limit (~20 GB without it).
_BUILD_MEMORY_LIMIT: Final = "4GB"

# Where each system table's rows are stored (anchored) and the derived expressions of its date
# columns.
_BASE_TABLES: Final = {
    "lakeflow.jobs": "local.jobs_scd",
    "lakeflow.job_tasks": "local.job_tasks_scd",
    "lakeflow.job_run_timeline": "local.job_run_timeline",
    "lakeflow.job_task_run_timeline": "local.job_task_run_timeline",
    "billing.usage": "local.usage",
    "billing.list_prices": "local.list_prices",
    "compute.clusters": "local.clusters",
    "compute.node_types": "local.node_types",
    "access.workspaces_latest": "local.workspaces",
    # A view over the Delta history of the tables jobs write (synth/tables.py).
    "access.table_lineage": "local.table_lineage",
}
_DATE_SOURCES: Final = {
    "usage_date": "usage_start_time",
    "ingestion_date": "ingestion_time",
    "change_date": "change_time",
    "event_date": "event_time",
}


def _view_sql(table: str) -> str:
    shift = f"getvariable('{SHIFT_VARIABLE}')"
    if table == "compute.node_timeline":
        return f"CREATE VIEW {table} AS {node_timeline_query(shift)}"
    columns = []
    for name, type_text in TABLE_SCHEMAS[table]:
        if type_text == "TIMESTAMP":
            expr = f"{name} + {shift}"
        elif type_text == "DATE":
            expr = f"CAST({_DATE_SOURCES[name]} + {shift} AS DATE)"
        else:
            expr = name
        columns.append(f'CAST({expr} AS {duckdb_type(type_text)}) AS "{name}"')
    select = ", ".join(columns)
    return f"CREATE VIEW {table} AS SELECT {select} FROM {_BASE_TABLES[table]}"  # noqa: S608


def _build(path: Path, *, seed: int, jobs: int, days: int) -> None:
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # Generating in memory and copying once is several times faster than generating into the file.
    # Bounded, spilling to disk past the limit: unbounded, the scale size peaked at ~20 GB RSS.
    spill = path.parent / f"{path.name}.spill"
    con = duckdb.connect(config={"memory_limit": _BUILD_MEMORY_LIMIT, "temp_directory": str(spill)})
    try:
        generate(con, seed=seed, jobs=jobs, days=days, anchor=anchor)
        con.execute(
            "CREATE TABLE local.meta AS SELECT ?::TIMESTAMPTZ AS anchor, ? AS seed, ? AS jobs, "
            "? AS days, "
            "? AS generator_version",
            [anchor.isoformat(), seed, jobs, days, GENERATOR_VERSION],
        )
        con.execute("ATTACH ? AS target", [str(path)])
        con.execute("COPY FROM DATABASE memory TO target")
        con.execute("USE target")
        for schema in sorted({table.split(".")[0] for table in TABLE_SCHEMAS}):
            con.execute(f"CREATE SCHEMA {schema}")
        for table in TABLE_SCHEMAS:
            con.execute(_view_sql(table))
        con.execute("CHECKPOINT target")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


_HEALTH_RULES_TYPE: Final = 'STRUCT(metric VARCHAR, "operator" VARCHAR, "value" BIGINT)[]'


def _changed_row(job_id: int, changed_at: datetime, seconds: int | None) -> str:
    """A new SCD row of `lakeflow.jobs`: the job's latest row with the edited health rules."""
    rule = f"{{'metric': 'RUN_DURATION_SECONDS', 'operator': 'GREATER_THAN', 'value': {seconds}}}"
    rules = f"[{rule}]" if seconds is not None else "[]"
    return (
        "SELECT * REPLACE ("  # noqa: S608 (our own integers and timestamp)
        f"TIMESTAMPTZ '{changed_at.isoformat()}' AS change_time, "
        f"CAST({rules} AS {_HEALTH_RULES_TYPE}) AS health_rules) "
        f"FROM (SELECT * FROM lakeflow.jobs WHERE job_id = '{int(job_id)}' "
        "ORDER BY change_time DESC LIMIT 1)"
    )


def _remove_stale(data_dir: Path) -> None:
    """Deletes databases of other generator or DuckDB versions (no code can open them again) and the
    leftovers of builds whose process died. Open files stay readable on POSIX until closed."""
    current = f"workspace-g{GENERATOR_VERSION}-duckdb{duckdb.__version__}-"
    for file in data_dir.glob("workspace-g*"):
        if not file.name.startswith(current):
            file.unlink(missing_ok=True)
    for file in data_dir.glob(".workspace-g*.partial*"):
        pid = file.name.split(".partial")[0].rsplit(".", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            if file.is_dir():  # the directory a killed build spilled to
                shutil.rmtree(file, ignore_errors=True)
            else:
                file.unlink(missing_ok=True)


class WorkspaceDatabase:
    """One read-only synthetic workspace, shared by every request of the stand-in process."""

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self._connection = connection
        anchor_ms, seed, jobs, days = connection.execute(
            "SELECT epoch_ms(anchor), seed, jobs, days FROM local.meta"
        ).fetchone()  # type: ignore[misc]
        self.anchor: datetime = datetime.fromtimestamp(anchor_ms / 1000, UTC)
        self.seed: int = seed
        self.jobs: int = jobs
        self.days: int = days
        # Jobs API state that jobs/update and jobs/reset change: in memory, over the read-only file.
        self._health_overrides: dict[int, int | None] = {}
        self._job_changes: list[tuple[int, datetime, int | None]] = []
        self._lock = threading.Lock()

    @classmethod
    def build_or_open(
        cls, data_dir: Path, *, seed: int, jobs: int, days: int
    ) -> "WorkspaceDatabase":
        """Opens the cached database for these knobs, building it first if no process has yet.

        Safe when several processes (pytest-xdist workers) start at once: one builds into a
        temporary file under an exclusive file lock and renames it into place; the others wait on
        the lock and then open it.
        """
        data_dir.mkdir(parents=True, exist_ok=True)
        name = f"workspace-g{GENERATOR_VERSION}-duckdb{duckdb.__version__}-s{seed}-j{jobs}-d{days}"
        path = data_dir / f"{name}.duckdb"
        if not path.exists():
            with open(data_dir / f"{name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not path.exists():
                    partial = data_dir / f".{name}.{os.getpid()}.partial"
                    partial.unlink(missing_ok=True)
                    try:
                        _build(partial, seed=seed, jobs=jobs, days=days)
                        os.replace(partial, path)
                    finally:
                        partial.unlink(missing_ok=True)
                        Path(f"{partial}.wal").unlink(missing_ok=True)
                    _remove_stale(data_dir)
        return cls(path, duckdb.connect(str(path), read_only=True))

    def shift(self, now: datetime | None = None) -> timedelta:
        """How far the stored data moves forward to meet the wall clock: whole hours."""
        elapsed = (now or datetime.now(UTC)) - self.anchor
        return timedelta(hours=max(0, elapsed // timedelta(hours=1)))

    def now(self) -> datetime:
        """The workspace's clock: anchor + `shift()`, less than an hour behind the wall clock."""
        return self.anchor + self.shift()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor (one per thread or statement) whose system-table views read at `now()`."""
        cursor = self._connection.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        hours = int(self.shift() / timedelta(hours=1))
        cursor.execute(f"SET VARIABLE {SHIFT_VARIABLE} = to_hours(?::BIGINT)", [hours])
        return cursor

    def health_duration_override(self, job_id: int) -> tuple[bool, int | None]:
        """(overridden?, RUN_DURATION_SECONDS threshold or None) from jobs/update or jobs/reset."""
        with self._lock:
            if job_id in self._health_overrides:
                return True, self._health_overrides[job_id]
            return False, None

    def set_health_duration(self, job_id: int, seconds: int | None) -> None:
        """Records a health-rule edit: the Jobs API answers it at once, and `system.lakeflow.jobs`
        gains a new SCD row (the job's latest row with the new rules and `change_time` now), as
        Databricks writes one per edit."""
        with self._lock:
            self._health_overrides[job_id] = seconds
            self._job_changes.append((job_id, datetime.now(UTC), seconds))

    def with_job_changes(
        self, duckdb_sql: str, created: Mapping[str, Sequence[str]] | None = None
    ) -> str:
        """`duckdb_sql` reading `lakeflow.jobs` with the SCD rows of this process's edits added
        (the file is read-only and shared by processes: edits live in memory, over it), and
        `lakeflow.<table>` with the `created` rows of jobs created through the Jobs API."""
        with self._lock:
            changes = list(self._job_changes)
        overlays = {table: list(rows) for table, rows in (created or {}).items() if rows}
        if changes:
            overlays.setdefault("jobs", []).extend(_changed_row(*change) for change in changes)
        lowered = duckdb_sql.lower()
        overlays = {t: rows for t, rows in overlays.items() if f"lakeflow.{t}" in lowered}
        if not overlays:
            return duckdb_sql
        tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
        for table in list(tree.find_all(exp.Table)):
            name = table.name.lower()
            if name not in overlays or table.db.lower() != "lakeflow" or table.catalog:
                continue
            rows = " UNION ALL ".join([f"SELECT * FROM lakeflow.{name}", *overlays[name]])  # noqa: S608 (our own text)
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name))
            table.replace(exp.Subquery(this=sqlglot.parse_one(rows, read="duckdb"), alias=alias))
        return tree.sql(dialect="duckdb")

    def close(self) -> None:
        self._connection.close()
