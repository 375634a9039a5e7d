"""What a job writes in the API: `Job.outputs` (`JobOutputs`), its tables, their writes and the
schema changes of the tables it reads and writes.

Resolvers are thin: the tables and their histories go through the request's DataLoader (one batch
per window for the jobs of a page), the rules are the domain's (`domain.outputs`).
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from job_monitor.backend.domain.outputs import (
    BASELINE_WRITES,
    DEFAULT_ROW_COUNT_ANOMALY_PERCENT,
    MIN_BASELINE_WRITES,
    JobOutputsRecord,
    SchemaChangeRecord,
    TableInputRecord,
    TableOutputRecord,
    TableWriteRecord,
)
from job_monitor.backend.graphql.enums import SchemaChangeKind, Window

DEFAULT_OUTPUTS_WINDOW = Window.LAST_7_DAYS
"""Recent writes: a week, as for health."""
ROWS = (
    "The rows a write changed, from its Delta version's operationMetrics: numOutputRows for an "
    "append or a table created from a query, inserted + updated + deleted for a MERGE (rows it "
    "copied unchanged are not counted), numDeletedRows for a DELETE, numUpdatedRows for an UPDATE."
)
BASELINE = (
    f"The baseline is the median of the rows of the job's previous writes to the table (at most "
    f"{BASELINE_WRITES}, at least {MIN_BASELINE_WRITES}, from the history read: the latest 200 "
    "versions of the table); a write is an anomaly when it is further from it than "
    f"`anomalyPercent` (default {DEFAULT_ROW_COUNT_ANOMALY_PERCENT:g}%, setting "
    "JOB_MONITOR_ROW_COUNT_ANOMALY_PERCENT), and a write of no rows is an empty run (always an "
    "anomaly)."
)


@strawberry.type(description=f"One of a job's writes to a table. {ROWS}")
class TableWrite:
    write: strawberry.Private[TableWriteRecord]

    @strawberry.field(description="The table version it committed.")
    def version(self) -> int:
        return self.write.version

    @strawberry.field(description="When it committed (the version's timestamp).")
    def committed_at(self) -> datetime:
        return self.write.committed_at

    @strawberry.field(description="The job run that wrote it (the version's job.jobRunId).")
    def run_id(self) -> strawberry.ID | None:
        run = self.write.job_run_id
        return strawberry.ID(str(run)) if run is not None else None

    @strawberry.field(description="The Delta operation: WRITE, MERGE, DELETE, …")
    def operation(self) -> str:
        return self.write.operation

    @strawberry.field(description="The rows it changed; null when its metrics do not say.")
    def rows(self) -> float | None:
        return _rows(self.write.rows)

    @strawberry.field(description="Rows inserted (appended), when the metrics say.")
    def rows_inserted(self) -> float | None:
        return _rows(self.write.rows_inserted)

    @strawberry.field(description="Rows updated, when the metrics say.")
    def rows_updated(self) -> float | None:
        return _rows(self.write.rows_updated)

    @strawberry.field(description="Rows deleted, when the metrics say.")
    def rows_deleted(self) -> float | None:
        return _rows(self.write.rows_deleted)

    @strawberry.field(description=f"The median of the previous writes' rows. {BASELINE}")
    def baseline_rows(self) -> float | None:
        return self.write.baseline_rows

    @strawberry.field(description="How far its rows are from the baseline, in percent (signed).")
    def delta_percent(self) -> float | None:
        return self.write.delta_percent

    @strawberry.field(description="Outside the baseline band, or empty.")
    def anomaly(self) -> bool:
        return self.write.anomaly

    @strawberry.field(description="It wrote no rows.")
    def empty_run(self) -> bool:
        return self.write.empty_run


def _rows(value: int | None) -> float | None:
    # Float: row counts pass 2^31 (GraphQL's Int is 32-bit).
    return float(value) if value is not None else None


@strawberry.type(
    description=(
        "A column added, dropped, renamed or retyped, with the table version and time of the "
        "change (from the table's Delta history)."
    )
)
class SchemaChange:
    change: strawberry.Private[SchemaChangeRecord]

    @strawberry.field(description="The table (catalog.schema.table).")
    def table(self) -> str:
        return self.change.table_name

    @strawberry.field(
        description=(
            "The version that changed it; null for a change found by comparing snapshots of "
            "information_schema.columns (no Delta operation named it: a table replaced with "
            "other columns, say)."
        )
    )
    def version(self) -> int | None:
        return self.change.version

    @strawberry.field(
        description=(
            "When: the version's time, or for a change found between snapshots when the app "
            "noticed it (it happened after `previousSnapshotAt`)."
        )
    )
    def changed_at(self) -> datetime:
        return self.change.changed_at

    @strawberry.field(description="For a change found between snapshots: the earlier snapshot.")
    def previous_snapshot_at(self) -> datetime | None:
        return self.change.previous_snapshot_at

    @strawberry.field(description="A dropped or retyped column's type before, when known.")
    def previous_type(self) -> str | None:
        return self.change.previous_type

    @strawberry.field(description="What happened to the column.")
    def kind(self) -> SchemaChangeKind:
        return self.change.kind

    @strawberry.field(description="The column (its old name, when renamed).")
    def column(self) -> str:
        return self.change.column

    @strawberry.field(description="A renamed column's new name.")
    def new_name(self) -> str | None:
        return self.change.new_name

    @strawberry.field(description="An added or retyped column's type, as the change spelled it.")
    def data_type(self) -> str | None:
        return self.change.data_type


def _changes(records: tuple[SchemaChangeRecord, ...]) -> list[SchemaChange]:
    return [SchemaChange(change=change) for change in records]


@strawberry.type(description="A table a job writes: its writes in the window, newest first.")
class TableOutput:
    table: strawberry.Private[TableOutputRecord]

    @strawberry.field(description="The table (catalog.schema.table).")
    def name(self) -> str:
        return self.table.table_name

    @strawberry.field(
        description=(
            "Whether its Delta history was read: false when the request's limit on tables "
            "(setting JOB_MONITOR_OUTPUTS_MAX_TABLES) was reached, or the warehouse refused it "
            "(the table was dropped, or the app may not read it); then it has no writes here."
        )
    )
    def history_read(self) -> bool:
        return self.table.history_read

    @strawberry.field(description="The job's writes in the window, newest first.")
    def writes(self) -> list[TableWrite]:
        return [TableWrite(write=write) for write in self.table.writes]

    @strawberry.field(description="The newest of them.")
    def latest_write(self) -> TableWrite | None:
        latest = self.table.latest_write
        return TableWrite(write=latest) if latest is not None else None

    @strawberry.field(description="The writes outside the baseline band, empty runs included.")
    def anomalous_writes(self) -> int:
        return self.table.anomalous_writes

    @strawberry.field(description="The writes of no rows.")
    def empty_runs(self) -> int:
        return self.table.empty_runs

    @strawberry.field(description="Its column changes in the window, newest first.")
    def schema_changes(self) -> list[SchemaChange]:
        return _changes(self.table.schema_changes)


@strawberry.type(description="A table a job reads (and does not write).")
class TableInput:
    table: strawberry.Private[TableInputRecord]

    @strawberry.field(description="The table (catalog.schema.table).")
    def name(self) -> str:
        return self.table.table_name

    @strawberry.field(description="Whether its Delta history was read (as `TableOutput`).")
    def history_read(self) -> bool:
        return self.table.history_read

    @strawberry.field(description="Its column changes in the window, newest first.")
    def schema_changes(self) -> list[SchemaChange]:
        return _changes(self.table.schema_changes)


@strawberry.type(
    description=(
        "What a job wrote and read over a window: the tables from system.access.table_lineage, "
        f"each write from the table's Delta history (DESCRIBE HISTORY). {ROWS} {BASELINE}"
    )
)
class JobOutputs:
    outputs: strawberry.Private[JobOutputsRecord]

    @strawberry.field(description="The window the writes cover.")
    def window(self) -> Window:
        return self.outputs.window

    @strawberry.field(description="The anomaly threshold in force, in percent of the baseline.")
    def anomaly_percent(self) -> float:
        return self.outputs.anomaly_percent

    @strawberry.field(description="The tables it wrote in the window.")
    def tables(self) -> list[TableOutput]:
        return [TableOutput(table=table) for table in self.outputs.targets]

    @strawberry.field(description="The tables it read in the window (and did not write).")
    def sources(self) -> list[TableInput]:
        return [TableInput(table=table) for table in self.outputs.sources]

    @strawberry.field(description="The column changes of every table it reads and writes.")
    def schema_changes(self) -> list[SchemaChange]:
        return _changes(self.outputs.schema_changes)
