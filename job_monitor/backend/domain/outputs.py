"""What each job writes: the rows of its writes against their baseline, empty runs, and the schema
changes of the tables it reads and writes.

The tables come from `system.access.table_lineage`; each write from the Delta history of its table
(`DESCRIBE HISTORY`): the version whose `job` names this job's run, and the rows its operation
metrics record. The rows of a write are the rows it changed: an append or a table (re)created
from a query wrote `numOutputRows`; a MERGE inserted, updated and deleted rows (the rows it copied
unchanged are not the job's output); a DELETE removed `numDeletedRows`. A write's *baseline* is the
median of the rows of the job's previous writes to that table (up to `BASELINE_WRITES` of them, at
least `MIN_BASELINE_WRITES`); it is an anomaly when it is further than the threshold from it, and a
write of no rows is an *empty run* (always an anomaly). Schema changes are read off the history's
schema-changing operations, with the version and time of each.

The rules are pure; the versions come from SQL (`data/queries/table_history.sql`).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from job_monitor.backend.domain.windows import Window

DEFAULT_ROW_COUNT_ANOMALY_PERCENT = 20.0
BASELINE_WRITES = 20
"""A write is compared with at most this many of the job's writes before it."""
MIN_BASELINE_WRITES = 3
"""Fewer previous writes give no baseline: two points are not a habit."""


@dataclass(frozen=True, slots=True)
class TableAccess:
    """A table a job wrote or read over a window, as the lineage records it."""

    job_id: int
    table_name: str
    writes: bool
    reads: bool
    runs: int
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class TableVersion:
    """One version of a Delta table, as DESCRIBE HISTORY shows it (what this module reads)."""

    version: int
    committed_at: datetime
    operation: str
    parameters: Mapping[str, str]
    metrics: Mapping[str, str]
    job_id: int | None
    job_run_id: int | None


@dataclass(frozen=True, slots=True)
class TableWriteRecord:
    """One of a job's writes to a table, against the writes before it."""

    version: int
    committed_at: datetime
    job_run_id: int | None
    operation: str
    rows: int | None
    """The rows it changed (see the module); None when its metrics do not say."""
    rows_inserted: int | None
    rows_updated: int | None
    rows_deleted: int | None
    baseline_rows: float | None
    """The median of the rows of the job's previous writes to the table; None without enough."""
    delta_percent: float | None
    anomaly: bool
    empty_run: bool


class SchemaChangeKind(StrEnum):
    ADDED = "ADDED"
    DROPPED = "DROPPED"
    RENAMED = "RENAMED"
    RETYPED = "RETYPED"


@dataclass(frozen=True, slots=True)
class SchemaChangeRecord:
    """A column added, dropped, renamed or retyped: read off the table version that did it, or
    found by comparing two snapshots of information_schema.columns (no version; it happened
    between `previous_snapshot_at` and `changed_at`, when the app noticed)."""

    table_name: str
    version: int | None
    changed_at: datetime
    kind: SchemaChangeKind
    column: str
    new_name: str | None = None
    """A renamed column's new name."""
    data_type: str | None = None
    """An added or retyped column's type, as the change spelled it."""
    previous_type: str | None = None
    """A retyped or dropped column's type before, when a snapshot knew it."""
    previous_snapshot_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TableOutputRecord:
    """A table a job writes: its writes in the window, and its schema changes."""

    table_name: str
    writes: tuple[TableWriteRecord, ...]
    """Newest first."""
    schema_changes: tuple[SchemaChangeRecord, ...]
    history_read: bool
    """False when the table's history was not read (the request's table limit, or it failed)."""

    @property
    def latest_write(self) -> TableWriteRecord | None:
        return self.writes[0] if self.writes else None

    @property
    def anomalous_writes(self) -> int:
        return sum(1 for write in self.writes if write.anomaly)

    @property
    def empty_runs(self) -> int:
        return sum(1 for write in self.writes if write.empty_run)


@dataclass(frozen=True, slots=True)
class TableInputRecord:
    """A table a job reads, and its schema changes in the window."""

    table_name: str
    schema_changes: tuple[SchemaChangeRecord, ...]
    history_read: bool


@dataclass(frozen=True, slots=True)
class JobOutputsRecord:
    """What one job wrote and read over a window."""

    job_id: int
    window: Window
    targets: tuple[TableOutputRecord, ...]
    sources: tuple[TableInputRecord, ...]
    anomaly_percent: float

    @property
    def schema_changes(self) -> tuple[SchemaChangeRecord, ...]:
        """Of every table it reads and writes, newest first."""
        changes = [change for table in self.targets for change in table.schema_changes]
        changes += [change for table in self.sources for change in table.schema_changes]
        return _newest_first(changes)


def _newest_first(changes: Iterable[SchemaChangeRecord]) -> tuple[SchemaChangeRecord, ...]:
    return tuple(
        sorted(changes, key=lambda change: (change.changed_at, change.version or -1), reverse=True)
    )


@dataclass(frozen=True, slots=True)
class JobDataFindings:
    """What a sweep found about one job's data: the tables it writes with their writes off their
    baseline (and the latest write, anomalous or not), and the column changes of every table it
    reads and writes."""

    job_id: int
    tables: tuple[TableOutputRecord, ...]
    schema_changes: tuple[SchemaChangeRecord, ...]


@dataclass(frozen=True, slots=True)
class DataFindings:
    """The latest sweep over every job: only jobs with something to say."""

    swept_at: datetime
    jobs: Mapping[int, JobDataFindings]


def findings_of(
    job_id: int,
    recent: JobOutputsRecord,
    drift: JobOutputsRecord,
) -> JobDataFindings | None:
    """What to keep of a job's outputs over the row-count window (`recent`) and the drift window
    (`drift`): its anomalous writes and each table's latest, and the column changes; None when
    there is nothing to say."""
    tables = tuple(
        TableOutputRecord(
            table.table_name,
            tuple(write for write in table.writes if write.anomaly or write is table.latest_write),
            (),
            table.history_read,
        )
        for table in recent.targets
        if table.anomalous_writes
    )
    changes = drift.schema_changes
    if not tables and not changes:
        return None
    return JobDataFindings(job_id, tables, changes)


# --- reading a version ---------------------------------------------------------------------------


def _count(metrics: Mapping[str, str], key: str) -> int | None:
    value = metrics.get(key)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _sum(*values: int | None) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


WRITE_OPERATIONS = frozenset(
    {
        "WRITE",
        "STREAMING UPDATE",
        "CREATE TABLE AS SELECT",
        "REPLACE TABLE AS SELECT",
        "CREATE OR REPLACE TABLE AS SELECT",
        "COPY INTO",
    }
)


def rows_changed(version: TableVersion) -> tuple[int | None, int | None, int | None, int | None]:
    """(rows changed, inserted, updated, deleted) by one version, from its operation metrics."""
    metrics = version.metrics
    if version.operation in WRITE_OPERATIONS:
        written = _count(metrics, "numOutputRows")
        if written is None:
            written = _count(metrics, "numCopiedRows")
        return written, written, None, None
    if version.operation == "MERGE":
        inserted = _count(metrics, "numTargetRowsInserted")
        updated = _count(metrics, "numTargetRowsUpdated")
        deleted = _count(metrics, "numTargetRowsDeleted")
        return _sum(inserted, updated, deleted), inserted, updated, deleted
    if version.operation == "UPDATE":
        updated = _count(metrics, "numUpdatedRows")
        return updated, None, updated, None
    if version.operation == "DELETE":
        deleted = _count(metrics, "numDeletedRows")
        return deleted, None, None, deleted
    return None, None, None, None


# --- writes against their baseline --------------------------------------------------------------


def job_writes(
    job_id: int,
    versions: Iterable[TableVersion],
    *,
    since: datetime,
    anomaly_percent: float,
) -> tuple[TableWriteRecord, ...]:
    """The job's writes among a table's versions committed at or after `since`, newest first, each
    against the median of the job's writes before it (those before `since` included)."""
    mine = sorted(
        (
            version
            for version in versions
            if version.job_id == job_id and rows_changed(version)[0] is not None
        ),
        key=lambda version: version.version,
    )
    writes: list[TableWriteRecord] = []
    previous: list[int] = []
    for version in mine:
        rows, inserted, updated, deleted = rows_changed(version)
        assert rows is not None
        recent = previous[-BASELINE_WRITES:]
        baseline = statistics.median(recent) if len(recent) >= MIN_BASELINE_WRITES else None
        delta = (rows - baseline) / baseline * 100 if baseline else None
        if version.committed_at >= since:
            writes.append(
                TableWriteRecord(
                    version=version.version,
                    committed_at=version.committed_at,
                    job_run_id=version.job_run_id,
                    operation=version.operation,
                    rows=rows,
                    rows_inserted=inserted,
                    rows_updated=updated,
                    rows_deleted=deleted,
                    baseline_rows=baseline,
                    delta_percent=delta,
                    anomaly=rows == 0 or (delta is not None and abs(delta) > anomaly_percent),
                    empty_run=rows == 0,
                )
            )
        previous.append(rows)
    return tuple(reversed(writes))


# --- schema changes ------------------------------------------------------------------------------


def _loads(text: str | None) -> object:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _column(entry: object) -> tuple[str, str | None] | None:
    """(name, type) of a column as ADD COLUMNS / CHANGE COLUMN / REPLACE COLUMNS spell it."""
    if isinstance(entry, dict) and isinstance(entry.get("column"), dict):
        entry = entry["column"]
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return None
    kind = entry.get("type")
    return entry["name"], kind if isinstance(kind, str) else None


def _names(value: object) -> list[str]:
    return [name for name in value if isinstance(name, str)] if isinstance(value, list) else []


def version_schema_changes(
    table_name: str, version: TableVersion
) -> tuple[SchemaChangeRecord, ...]:
    """The column changes one version made, read off its operation and its parameters."""

    def change(
        kind: SchemaChangeKind,
        column: str,
        *,
        new_name: str | None = None,
        data_type: str | None = None,
    ) -> SchemaChangeRecord:
        at = version.committed_at
        return SchemaChangeRecord(
            table_name, version.version, at, kind, column, new_name=new_name, data_type=data_type
        )

    parameters = version.parameters
    operation = version.operation
    if operation == "ADD COLUMNS":
        added = _loads(parameters.get("columns"))
        columns = [column for entry in _list(added) if (column := _column(entry)) is not None]
        return tuple(change(SchemaChangeKind.ADDED, name, data_type=kind) for name, kind in columns)
    if operation == "DROP COLUMNS":
        dropped = _names(_loads(parameters.get("columns")))
        return tuple(change(SchemaChangeKind.DROPPED, name) for name in dropped)
    if operation == "RENAME COLUMN":
        old, new = parameters.get("oldColumnPath"), parameters.get("newColumnPath")
        if old and new:
            return (change(SchemaChangeKind.RENAMED, old, new_name=new),)
        return ()
    if operation == "CHANGE COLUMN":
        column = _column(_loads(parameters.get("column")))
        if column is None or column[1] is None:
            return ()
        return (change(SchemaChangeKind.RETYPED, column[0], data_type=column[1]),)
    return ()


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def schema_changes(
    table_name: str, versions: Iterable[TableVersion], *, since: datetime
) -> tuple[SchemaChangeRecord, ...]:
    """The column changes of a table's versions committed at or after `since`, newest first.

    A CHANGE COLUMN that restates a column's type (a comment changed, say) is not a retype: it is
    kept only when the column's type differs from the one it had before, as the previous changes
    in the history show it; when the history does not show the previous type, it is kept."""
    ordered = sorted(versions, key=lambda version: version.version)
    known_types: dict[str, str] = {}
    found: list[SchemaChangeRecord] = []
    for version in ordered:
        for change in version_schema_changes(table_name, version):
            if change.kind is SchemaChangeKind.RETYPED and change.data_type is not None:
                unchanged = known_types.get(change.column) == change.data_type
                known_types[change.column] = change.data_type
                if unchanged:
                    continue
            elif change.kind is SchemaChangeKind.ADDED and change.data_type is not None:
                known_types[change.column] = change.data_type
            if version.committed_at >= since:
                found.append(change)
    return tuple(reversed(found))


def with_observed(
    from_history: Iterable[SchemaChangeRecord], observed: Iterable[SchemaChangeRecord]
) -> tuple[SchemaChangeRecord, ...]:
    """A table's changes from its history and those found between snapshots, newest first; a
    snapshot change the history already explains (the same column changed the same way between
    the two snapshots; a rename shows in snapshots as a drop and an add) is left out."""
    known = list(from_history)
    explained: list[tuple[str, SchemaChangeKind, datetime]] = []
    for change in known:
        if change.kind is SchemaChangeKind.RENAMED and change.new_name is not None:
            explained.append((change.column, SchemaChangeKind.DROPPED, change.changed_at))
            explained.append((change.new_name, SchemaChangeKind.ADDED, change.changed_at))
        else:
            explained.append((change.column, change.kind, change.changed_at))

    def is_explained(change: SchemaChangeRecord) -> bool:
        start = change.previous_snapshot_at
        return any(
            column == change.column
            and kind is change.kind
            and (start is None or start < at)
            and at <= change.changed_at
            for column, kind, at in explained
        )

    return _newest_first([*known, *(change for change in observed if not is_explained(change))])


def table_output(
    job_id: int,
    table_name: str,
    versions: Sequence[TableVersion] | None,
    *,
    since: datetime,
    anomaly_percent: float,
    observed: Iterable[SchemaChangeRecord] = (),
) -> TableOutputRecord:
    """A table the job writes; `versions` None when its history was not read; `observed`: its
    changes found between snapshots."""
    if versions is None:
        return TableOutputRecord(table_name, (), with_observed((), observed), history_read=False)
    return TableOutputRecord(
        table_name,
        job_writes(job_id, versions, since=since, anomaly_percent=anomaly_percent),
        with_observed(schema_changes(table_name, versions, since=since), observed),
        history_read=True,
    )


def table_input(
    table_name: str,
    versions: Sequence[TableVersion] | None,
    *,
    since: datetime,
    observed: Iterable[SchemaChangeRecord] = (),
) -> TableInputRecord:
    """A table the job reads; `versions` None when its history was not read."""
    found = schema_changes(table_name, versions, since=since) if versions is not None else ()
    return TableInputRecord(table_name, with_observed(found, observed), versions is not None)
