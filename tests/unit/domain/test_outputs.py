"""What a job writes: the rows of each write, its baseline and anomaly, empty runs, and the schema
changes read off a table's Delta history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from job_monitor.backend.domain.outputs import (
    JobOutputsRecord,
    SchemaChangeKind,
    SchemaChangeRecord,
    TableVersion,
    job_writes,
    rows_changed,
    schema_changes,
    table_input,
    table_output,
    with_observed,
)
from job_monitor.backend.domain.windows import Window

T0 = datetime(2026, 11, 1, tzinfo=UTC)
JOB, OTHER = 11, 22


def version(
    number: int,
    operation: str = "WRITE",
    *,
    job: int | None = JOB,
    metrics: dict[str, str] | None = None,
    parameters: dict[str, str] | None = None,
    rows: int | None = None,
) -> TableVersion:
    if metrics is None and rows is not None:
        metrics = {"numOutputRows": str(rows)}
    return TableVersion(
        version=number,
        committed_at=T0 + timedelta(days=number),
        operation=operation,
        parameters=parameters or {},
        metrics=metrics or {},
        job_id=job,
        job_run_id=1000 + number if job is not None else None,
    )


def test_the_rows_of_a_write_are_the_rows_it_changed_by_operation() -> None:
    assert rows_changed(version(1, rows=500)) == (500, 500, None, None)
    merge = {
        "numTargetRowsInserted": "10",
        "numTargetRowsUpdated": "5",
        "numTargetRowsDeleted": "1",
        "numTargetRowsCopied": "9000",
        "numOutputRows": "9015",
    }
    # a MERGE's copied rows are not its output
    assert rows_changed(version(1, "MERGE", metrics=merge)) == (16, 10, 5, 1)
    assert rows_changed(version(1, "DELETE", metrics={"numDeletedRows": "7"})) == (7, None, None, 7)
    assert rows_changed(version(1, "OPTIMIZE", metrics={"numAddedFiles": "3"}))[0] is None
    assert rows_changed(version(1, metrics={"numOutputRows": "many"}))[0] is None


def test_a_write_is_compared_with_the_median_of_the_jobs_previous_writes() -> None:
    versions = [version(n, rows=rows) for n, rows in enumerate([100, 120, 80, 100, 70], start=1)]
    # another job's write to the same table is not part of the baseline
    versions.append(version(9, rows=5, job=OTHER))
    writes = job_writes(JOB, versions, since=T0, anomaly_percent=20.0)
    assert [write.version for write in writes] == [5, 4, 3, 2, 1]
    latest = writes[0]
    assert latest.baseline_rows == 100  # median of 100, 120, 80, 100
    assert latest.delta_percent == pytest.approx(-30.0)
    assert latest.anomaly
    assert not latest.empty_run
    assert writes[1].baseline_rows == 100
    assert not writes[1].anomaly
    # fewer than three previous writes: no baseline, no anomaly
    assert [write.baseline_rows for write in writes[2:]] == [None, None, None]
    assert not any(write.anomaly for write in writes[2:])


def test_exactly_the_threshold_is_not_an_anomaly_and_past_it_is() -> None:
    versions = [version(n, rows=100) for n in range(1, 4)]
    at = job_writes(JOB, [*versions, version(4, rows=120)], since=T0, anomaly_percent=20.0)
    past = job_writes(JOB, [*versions, version(4, rows=121)], since=T0, anomaly_percent=20.0)
    assert not at[0].anomaly
    assert past[0].anomaly


def test_a_write_of_no_rows_is_an_empty_run_and_an_anomaly_even_without_a_baseline() -> None:
    (write,) = job_writes(JOB, [version(1, rows=0)], since=T0, anomaly_percent=20.0)
    assert write.empty_run
    assert write.anomaly
    assert write.baseline_rows is None


def test_only_writes_in_the_window_are_listed_but_earlier_ones_make_the_baseline() -> None:
    versions = [version(n, rows=100) for n in range(1, 6)]
    writes = job_writes(JOB, versions, since=T0 + timedelta(days=5), anomaly_percent=20.0)
    assert [write.version for write in writes] == [5]
    assert writes[0].baseline_rows == 100


def test_schema_changes_are_read_off_the_schema_changing_operations() -> None:
    added = json.dumps([{"column": {"name": "code", "type": "string", "nullable": True}}])
    versions = [
        version(1, rows=10),
        version(2, "ADD COLUMNS", job=None, parameters={"columns": added}),
        version(3, "SET TBLPROPERTIES", job=None, parameters={"properties": "{}"}),
        version(4, "DROP COLUMNS", job=None, parameters={"columns": '["legacy"]'}),
        version(
            5,
            "RENAME COLUMN",
            job=None,
            parameters={"oldColumnPath": "qty", "newColumnPath": "quantity"},
        ),
        version(6, "CHANGE COLUMN", job=None, parameters={"column": '{"name":"id","type":"long"}'}),
    ]
    changes = schema_changes("c.s.t", versions, since=T0)
    assert [(c.version, c.kind, c.column, c.new_name, c.data_type) for c in changes] == [
        (6, SchemaChangeKind.RETYPED, "id", None, "long"),
        (5, SchemaChangeKind.RENAMED, "qty", "quantity", None),
        (4, SchemaChangeKind.DROPPED, "legacy", None, None),
        (2, SchemaChangeKind.ADDED, "code", None, "string"),
    ]
    assert changes[0].changed_at == T0 + timedelta(days=6)
    assert schema_changes("c.s.t", versions, since=T0 + timedelta(days=5)) == changes[:2]


def test_a_change_column_that_keeps_the_type_is_not_a_retype() -> None:
    added = json.dumps([{"column": {"name": "note", "type": "string"}}])
    comment_only = json.dumps({"name": "note", "type": "string", "metadata": {"comment": "x"}})
    versions = [
        version(1, "ADD COLUMNS", job=None, parameters={"columns": added}),
        version(2, "CHANGE COLUMN", job=None, parameters={"column": comment_only}),
    ]
    assert [c.kind for c in schema_changes("c.s.t", versions, since=T0)] == [SchemaChangeKind.ADDED]


def test_unreadable_parameters_are_no_change() -> None:
    versions = [
        version(1, "ADD COLUMNS", job=None, parameters={"columns": "not json"}),
        version(2, "DROP COLUMNS", job=None, parameters={}),
        version(3, "RENAME COLUMN", job=None, parameters={"oldColumnPath": "a"}),
    ]
    assert schema_changes("c.s.t", versions, since=T0) == ()


def test_a_table_whose_history_was_not_read_says_so_and_has_no_writes() -> None:
    output = table_output(JOB, "c.s.t", None, since=T0, anomaly_percent=20.0)
    assert not output.history_read
    assert output.writes == ()
    assert output.latest_write is None
    assert not table_input("c.s.u", None, since=T0).history_read


def test_a_jobs_schema_changes_cover_the_tables_it_reads_and_writes_newest_first() -> None:
    dropped = version(4, "DROP COLUMNS", job=None, parameters={"columns": '["a"]'})
    also = version(2, "DROP COLUMNS", job=None, parameters={"columns": '["b"]'})
    outputs = JobOutputsRecord(
        job_id=JOB,
        window=Window.LAST_30_DAYS,
        targets=(table_output(JOB, "c.s.t", [also], since=T0, anomaly_percent=20.0),),
        sources=(table_input("c.s.u", [dropped], since=T0),),
        anomaly_percent=20.0,
    )
    assert [(c.table_name, c.column) for c in outputs.schema_changes] == [
        ("c.s.u", "a"),
        ("c.s.t", "b"),
    ]


def observed(
    kind: SchemaChangeKind, column: str, day: int, since_day: int = 0
) -> SchemaChangeRecord:
    return SchemaChangeRecord(
        table_name="c.s.t",
        version=None,
        changed_at=T0 + timedelta(days=day),
        kind=kind,
        column=column,
        previous_snapshot_at=T0 + timedelta(days=since_day),
    )


def test_a_change_found_between_snapshots_that_the_history_explains_is_shown_once() -> None:
    history = schema_changes(
        "c.s.t",
        [
            version(2, "DROP COLUMNS", job=None, parameters={"columns": '["a"]'}),
            version(
                3,
                "RENAME COLUMN",
                job=None,
                parameters={"oldColumnPath": "b", "newColumnPath": "c"},
            ),
        ],
        since=T0,
    )
    found = with_observed(
        history,
        [
            observed(SchemaChangeKind.DROPPED, "a", day=5),
            observed(SchemaChangeKind.DROPPED, "b", day=5),
            observed(SchemaChangeKind.ADDED, "c", day=5),
            # not explained: no operation dropped d, and a was dropped before this snapshot
            observed(SchemaChangeKind.DROPPED, "d", day=5),
            observed(SchemaChangeKind.DROPPED, "a", day=9, since_day=6),
        ],
    )
    assert [(c.kind, c.column, c.version) for c in found] == [
        (SchemaChangeKind.DROPPED, "a", None),
        (SchemaChangeKind.DROPPED, "d", None),
        (SchemaChangeKind.RENAMED, "b", 3),
        (SchemaChangeKind.DROPPED, "a", 2),
    ]


def test_a_table_whose_history_was_not_read_still_shows_the_changes_between_snapshots() -> None:
    change = observed(SchemaChangeKind.ADDED, "x", day=1)
    output = table_output(JOB, "c.s.t", None, since=T0, anomaly_percent=20.0, observed=[change])
    assert output.schema_changes == (change,)
    assert table_input("c.s.t", None, since=T0, observed=[change]).schema_changes == (change,)
