"""Alerts about what jobs write: a row-count anomaly (P2 while the latest write is off, P3 after),
an empty run, and schema drift (P2 when a column broke, P3 when columns were only added)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from job_monitor.backend.domain.alerts import (
    AlertKind,
    AlertSeverity,
    row_count_alert,
    schema_drift_alert,
)
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.outputs import (
    JobOutputsRecord,
    SchemaChangeKind,
    SchemaChangeRecord,
    TableOutputRecord,
    TableWriteRecord,
    findings_of,
)
from job_monitor.backend.domain.windows import Window

T0 = datetime(2026, 11, 20, tzinfo=UTC)
JOB = JobDefinition(
    job_id=7,
    name="nightly-orders",
    owner=None,
    run_as=None,
    tags={},
    trigger=None,
    paused=None,
    timeout_seconds=None,
    health_rules=(),
    tasks=(),
    changed_at=T0,
)


def write(day: int, rows: int, baseline: float | None = 10_000.0) -> TableWriteRecord:
    delta = (rows - baseline) / baseline * 100 if baseline else None
    return TableWriteRecord(
        version=100 + day,
        committed_at=T0 + timedelta(days=day),
        job_run_id=500 + day,
        operation="WRITE",
        rows=rows,
        rows_inserted=rows,
        rows_updated=None,
        rows_deleted=None,
        baseline_rows=baseline,
        delta_percent=delta,
        anomaly=rows == 0 or (delta is not None and abs(delta) > 20),
        empty_run=rows == 0,
    )


def table(*writes: TableWriteRecord, name: str = "prod.sales.orders_gold") -> TableOutputRecord:
    newest_first = tuple(sorted(writes, key=lambda w: w.version, reverse=True))
    return TableOutputRecord(name, newest_first, (), history_read=True)


def test_a_latest_write_far_below_its_baseline_is_a_p2_naming_the_run_and_the_drop() -> None:
    alert = row_count_alert(JOB, (table(write(1, 10_000), write(2, 3_000)),), Window.LAST_7_DAYS)
    assert alert is not None
    assert (alert.kind, alert.severity, alert.run_id) == (
        AlertKind.ROW_COUNT_ANOMALY,
        AlertSeverity.P2,
        502,
    )
    assert alert.title == (
        "nightly-orders: run 502 wrote 3,000 rows to orders_gold, 70 % below the median of its "
        "previous writes (10,000)"
    )
    assert "Compare run 502's input with the previous runs'" in alert.remediation
    assert alert.first_seen_at == T0 + timedelta(days=2)
    assert alert.magnitude == 1


def test_an_earlier_empty_run_followed_by_good_writes_is_a_p3_that_says_so() -> None:
    alert = row_count_alert(
        JOB, (table(write(1, 0), write(2, 10_100), write(3, 9_900)),), Window.LAST_7_DAYS
    )
    assert alert is not None
    assert alert.severity is AlertSeverity.P3
    assert alert.title == "nightly-orders: run 501 wrote no rows to orders_gold"
    assert "input had arrived" in alert.remediation


def test_a_write_far_above_its_baseline_points_at_duplicates() -> None:
    alert = row_count_alert(JOB, (table(write(1, 20_000)),), Window.LAST_7_DAYS)
    assert alert is not None
    assert "100 % above the median" in alert.title
    assert "duplicates" in alert.remediation


def test_writes_within_the_band_raise_nothing() -> None:
    assert (
        row_count_alert(JOB, (table(write(1, 11_000), write(2, 9_000)),), Window.LAST_7_DAYS)
        is None
    )
    assert row_count_alert(JOB, (), Window.LAST_7_DAYS) is None


def change(
    kind: SchemaChangeKind, column: str, day: int, data_type: str | None = None
) -> SchemaChangeRecord:
    at = T0 + timedelta(days=day)
    return SchemaChangeRecord(
        "prod.sales.orders_gold", 200 + day, at, kind, column, data_type=data_type
    )


def test_a_dropped_or_retyped_column_is_a_p2_listing_each_change_with_its_version() -> None:
    changes = (
        change(SchemaChangeKind.RETYPED, "quantity", 3, data_type="long"),
        change(SchemaChangeKind.DROPPED, "legacy_status", 2),
        change(SchemaChangeKind.ADDED, "discount_code", 1, data_type="string"),
    )
    alert = schema_drift_alert(JOB, changes, Window.LAST_30_DAYS)
    assert alert is not None
    assert (alert.kind, alert.severity, alert.magnitude) == (
        AlertKind.SCHEMA_DRIFT,
        AlertSeverity.P2,
        3,
    )
    assert alert.title == "nightly-orders: 3 column changes in orders_gold"
    assert alert.detail == (
        "In the last 30 days: `discount_code` of orders_gold added (string) (version 201); "
        "`legacy_status` of orders_gold dropped (version 202); `quantity` of orders_gold retyped "
        "to long (version 203)."
    )
    assert "fails a SELECT" in alert.remediation
    assert alert.first_seen_at == T0 + timedelta(days=1)


def test_columns_only_added_are_a_p3_and_a_change_found_between_snapshots_says_when() -> None:
    found = SchemaChangeRecord(
        "prod.sales.orders_gold",
        None,
        T0,
        SchemaChangeKind.ADDED,
        "coupon",
        data_type="string",
    )
    alert = schema_drift_alert(JOB, (found,), Window.LAST_30_DAYS)
    assert alert is not None
    assert alert.severity is AlertSeverity.P3
    assert "(found 2026-11-20)" in alert.detail
    assert schema_drift_alert(JOB, (), Window.LAST_30_DAYS) is None


def test_a_sweep_keeps_a_jobs_anomalous_writes_with_each_tables_latest_and_its_changes() -> None:
    off = table(write(1, 10_000), write(2, 9_500), write(3, 3_000))
    fine = table(write(1, 10_000), name="prod.sales.orders_daily")
    drift = (change(SchemaChangeKind.DROPPED, "a", 1),)
    recent = JobOutputsRecord(7, Window.LAST_7_DAYS, (off, fine), (), 20.0)
    month = JobOutputsRecord(7, Window.LAST_30_DAYS, (), (), 20.0)
    kept = findings_of(7, recent, month)
    assert kept is not None
    assert [(t.table_name, [w.version for w in t.writes]) for t in kept.tables] == [
        ("prod.sales.orders_gold", [103])
    ]
    assert kept.schema_changes == ()
    quiet = JobOutputsRecord(7, Window.LAST_7_DAYS, (fine,), (), 20.0)
    assert findings_of(7, quiet, month) is None
    with_drift = JobOutputsRecord(
        7,
        Window.LAST_30_DAYS,
        (TableOutputRecord("prod.sales.orders_gold", (), drift, True),),
        (),
        20.0,
    )
    assert findings_of(7, quiet, with_drift) is not None
