"""The app's own state in Unity Catalog: budgets, alert acknowledgements, deliveries sent, and
the snapshots of the columns of the tables jobs read and write with the changes found between them.

Tables live in a schema the app owns (`Settings.state_schema`, created by the bundle and granted to
the app's service principal alone) and are read and written through the SQL warehouse with
Statement Execution, the path of every other query. The service principal writes, after the
service has checked the viewer's permission; users' tokens have no grant there.

- Migrations: `state_bootstrap.sql`, then each `state_schema_v<N>.sql` newer than the version row,
  then the version row. Idempotent DDL, so two replicas starting together both succeed. Run once
  per process, on first use (a workspace that is down at start-up must not stop the service), and
  retried on the next use after a failure.
- Writes: one statement per change (a MERGE for upserts), so a failed write leaves nothing half
  written; retried with backoff on Delta's concurrent-write conflict (SQLSTATE 2D521), which two
  replicas writing the same table at once can meet. A write that still fails is
  `StateWriteFailedError`.
- Reads are short (a few hundred rows) and kept `STATE_READ_SECONDS`; this process's writes clear
  them at once, another replica's show within that time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from job_monitor.backend.data.cache import SingleFlight, TtlCache
from job_monitor.backend.data.warehouse import NULL_STRING, QueryParam, Row, Warehouse
from job_monitor.backend.domain.alerts import Acknowledgement
from job_monitor.backend.domain.budgets import BudgetScope, BudgetScopeKind, BudgetSetting
from job_monitor.backend.domain.errors import (
    StateWriteFailedError,
    UpstreamUnavailableError,
    WarehouseQueryFailedError,
    WarehouseUnavailableError,
)
from job_monitor.backend.domain.outputs import (
    DataFindings,
    JobDataFindings,
    SchemaChangeKind,
    SchemaChangeRecord,
    TableOutputRecord,
    TableWriteRecord,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS: Final = (
    (1, "state_schema_v1", "budgets, acknowledgements, deliveries"),
    (2, "state_schema_v2", "table column snapshots and the changes found between them"),
    (3, "state_schema_v3", "the latest sweep of what jobs write"),
)
"""(version, script, what it adds), oldest first: a new version is a new script at the end."""
STATE_READ_SECONDS = 5.0
SNAPSHOT_SECONDS = 300.0
"""Tables' columns are compared with their snapshots at most this often per set of tables: a
schema change is news for days, not seconds, and the comparison reads information_schema."""
WRITE_ATTEMPTS = 6
WRITE_BACKOFF_SECONDS = 0.05
_CONFLICT_MARKERS = ("SQLSTATE: 2D521", "DELTA_CONCURRENT", "ConcurrentAppendException")
_PERMISSION_MARKERS = ("INSUFFICIENT_PERMISSIONS", "PERMISSION_DENIED", "SQLSTATE: 42501")


def quoted_schema(state_schema: str) -> str:
    """`catalog.schema` as backquoted SQL (the setting's pattern admits no backquote)."""
    return ".".join(f"`{part}`" for part in state_schema.split("."))


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One item (an alert episode, a report) on one channel."""

    item: str
    channel: str
    state: str
    attempts: int
    claimed_at: datetime
    finished_at: datetime | None
    detail: str | None


class StateStore:
    """Budgets, acknowledgements and deliveries of one workspace, in the app's state schema."""

    def __init__(self, warehouse: Warehouse, workspace_id: str, state_schema: str) -> None:
        self._warehouse = warehouse
        self._workspace_id = workspace_id
        self.schema = state_schema
        self._ready = False
        self._migration = SingleFlight[str, int]("state migration")
        self._reads = TtlCache(STATE_READ_SECONDS, max_entries=8)
        self._snapshots = TtlCache(SNAPSHOT_SECONDS, max_entries=64)

    async def migrate(self) -> int:
        """Creates or migrates the state tables (once per process); the version now."""
        return await self._migration.run("migrate", self._migrate)

    async def _migrate(self) -> int:
        await self._warehouse.run_script("state_bootstrap")
        rows = await self._warehouse.query("state_version", {})
        version = (rows[0].opt_integer("version") if rows else None) or 0
        for number, script, description in MIGRATIONS:
            if number <= version:
                continue
            await self._warehouse.run_script(script)
            await self._warehouse.query(
                "state_record_version",
                {"version": number, "description": description, "applied_at": datetime.now(UTC)},
            )
            logger.info("state schema %s migrated to version %d", self.schema, number)
            version = number
        self._ready = True
        return version

    async def _ensure_ready(self) -> None:
        if not self._ready:
            await self.migrate()

    # --- reads

    async def _read(
        self, name: str, params: Mapping[str, QueryParam], cache: TtlCache | None = None
    ) -> Sequence[Row]:
        """A read of this workspace's state, kept in `cache` (default: `STATE_READ_SECONDS`)."""
        await self._ensure_ready()
        scoped = {"workspace_id": self._workspace_id, **params}

        async def load() -> Sequence[Row]:
            return await self._warehouse.query(name, scoped)

        kept = self._reads if cache is None else cache
        return await kept.get_or_load((name, tuple(sorted(params.items()))), load)

    def forget_reads(self) -> None:
        self._reads.clear()
        self._snapshots.clear()

    async def acknowledgements(self, now: datetime) -> dict[str, Acknowledgement]:
        """The acknowledgements not yet run out, by alert id."""
        # On the minute, so that reads within a minute share one statement.
        minute = now.replace(second=0, microsecond=0)
        rows = await self._read("acknowledgements", {"now": minute})
        return {
            row.text("alert_id"): Acknowledgement(
                alert_id=row.text("alert_id"),
                by=row.text("acknowledged_by"),
                at=row.timestamp("acknowledged_at"),
                until=row.timestamp("until"),
                magnitude=row.number("magnitude"),
            )
            for row in rows
            if row.timestamp("until") > now
        }

    async def budgets(self) -> dict[BudgetScope, BudgetSetting]:
        """Every budget of the workspace, by scope."""
        rows = await self._read("budgets", {})
        found: dict[BudgetScope, BudgetSetting] = {}
        for row in rows:
            scope = BudgetScope(BudgetScopeKind(row.text("scope_kind")), row.text("scope_key"))
            found[scope] = BudgetSetting(
                scope=scope,
                monthly_usd=row.number("monthly_usd"),
                set_by=row.text("set_by"),
                set_at=row.timestamp("set_at"),
            )
        return found

    async def deliveries(self, since: datetime) -> list[DeliveryRecord]:
        """What was sent or tried since `since`, newest first (never cached: dispatch decides on
        it)."""
        await self._ensure_ready()
        rows = await self._warehouse.query(
            "deliveries", {"workspace_id": self._workspace_id, "since": since}
        )
        return [
            DeliveryRecord(
                item=row.text("item"),
                channel=row.text("channel"),
                state=row.text("state"),
                attempts=row.integer("attempts"),
                claimed_at=row.timestamp("claimed_at"),
                finished_at=row.opt_timestamp("finished_at"),
                detail=row.opt_text("detail"),
            )
            for row in rows
        ]

    async def column_drift(self, tables: Sequence[str]) -> ColumnDrift:
        """These tables' columns now (information_schema.columns) against their snapshots, kept
        `SNAPSHOT_SECONDS` (a snapshot written clears it)."""
        rows = await self._read("column_drift", {"tables": _table_list(tables)}, self._snapshots)
        return ColumnDrift(
            changed=frozenset(row.text("table_name") for row in rows if row.opt_text("change")),
            unrecorded=frozenset(
                row.text("table_name") for row in rows if not row.opt_text("change")
            ),
        )

    async def column_changes(
        self, tables: Sequence[str], since: datetime
    ) -> dict[str, tuple[SchemaChangeRecord, ...]]:
        """The changes found between snapshots of these tables, noticed at or after `since`, by
        table, newest first."""
        # The window's start floored to the hour: reads within the hour share one statement.
        hour = since.replace(minute=0, second=0, microsecond=0)
        listed = _table_list(tables)
        rows = await self._read(
            "column_changes", {"tables": listed, "since": hour}, self._snapshots
        )
        found: dict[str, list[SchemaChangeRecord]] = {}
        for row in rows:
            change = SchemaChangeRecord(
                table_name=row.text("table_name"),
                version=None,
                changed_at=row.timestamp("detected_at"),
                kind=SchemaChangeKind(row.text("change")),
                column=row.text("column_name"),
                data_type=row.opt_text("data_type"),
                previous_type=row.opt_text("previous_type"),
                previous_snapshot_at=row.timestamp("since"),
            )
            if change.changed_at >= since:
                found.setdefault(change.table_name, []).append(change)
        return {table: tuple(changes) for table, changes in found.items()}

    async def data_findings(self) -> DataFindings | None:
        """The latest sweep of what jobs write; None before the first."""
        rows = await self._read("data_findings", {})
        if not rows:
            return None
        return _findings_from_json(rows[0].timestamp("swept_at"), rows[0].text("findings"))

    # --- writes

    async def record_data_findings(self, findings: DataFindings) -> None:
        await self._write(
            "data findings",
            "record_data_findings",
            {"swept_at": findings.swept_at, "findings": _findings_to_json(findings)},
        )

    async def record_column_snapshots(
        self, tables: Sequence[str], now: datetime, *, with_changes: bool
    ) -> None:
        """Records the changes found against these tables' snapshots (when `with_changes`), then
        takes new snapshots: two statements, in that order, so that a failure between them finds
        the same changes again next time (recorded once: the first statement is idempotent).
        Then compares again, so that the next comparison is answered from the cache."""
        listed = _table_list(tables)
        try:
            if with_changes:
                await self._write(
                    "column changes",
                    "record_column_changes",
                    {"tables": listed, "detected_at": now},
                )
            await self._write(
                "column snapshot", "record_table_columns", {"tables": listed, "observed_at": now}
            )
        finally:
            self._snapshots.clear()
        await self.column_drift(tables)

    async def acknowledge(self, ack: Acknowledgement) -> None:
        await self._write(
            "alert acknowledgement",
            "acknowledge_alert",
            {
                "alert_id": ack.alert_id,
                "acknowledged_by": ack.by,
                "acknowledged_at": ack.at,
                "until": ack.until,
                "magnitude": ack.magnitude,
            },
        )

    async def unacknowledge(self, alert_id: str) -> bool:
        """Removes the alert's acknowledgement; False when it had none."""
        rows = await self._write(
            "alert acknowledgement", "unacknowledge_alert", {"alert_id": alert_id}
        )
        return _affected(rows) > 0

    async def set_budget(self, budget: BudgetSetting) -> None:
        await self._write(
            "budget",
            "set_budget",
            {
                **_scope_params(budget.scope),
                "monthly_usd": budget.monthly_usd,
                "set_by": budget.set_by,
                "set_at": budget.set_at,
            },
        )

    async def clear_budget(self, scope: BudgetScope) -> bool:
        """Removes the budget; False when there was none."""
        rows = await self._write("budget", "clear_budget", _scope_params(scope))
        return _affected(rows) > 0

    async def claim_delivery(
        self, item: str, channel: str, claimed_at: datetime, stale_before: datetime
    ) -> bool:
        """Claims `item` on `channel` for sending; False when it is sent or another sender holds
        it (see `claim_delivery.sql`)."""
        rows = await self._write(
            "delivery record",
            "claim_delivery",
            {
                "item": item,
                "channel": channel,
                "claimed_at": claimed_at,
                "stale_before": stale_before,
            },
        )
        return _affected(rows) > 0

    async def finish_delivery(
        self,
        item: str,
        channel: str,
        claimed_at: datetime,
        *,
        sent: bool,
        attempts: int,
        finished_at: datetime,
        detail: str | None,
    ) -> None:
        await self._write(
            "delivery record",
            "finish_delivery",
            {
                "item": item,
                "channel": channel,
                "claimed_at": claimed_at,
                "state": "SENT" if sent else "FAILED",
                "attempts": attempts,
                "finished_at": finished_at,
                "detail": detail if detail is not None else NULL_STRING,
            },
        )

    async def _write(self, what: str, name: str, params: Mapping[str, QueryParam]) -> list[Row]:
        """Runs one write statement, retrying Delta's concurrent-write conflicts with backoff."""
        scoped = {"workspace_id": self._workspace_id, **params}
        try:
            await self._ensure_ready()
            rows = await _retrying_conflicts(lambda: self._warehouse.query(name, scoped))
        except WarehouseQueryFailedError as error:
            reason = (
                "CONFLICT"
                if _is_conflict(error)
                else "PERMISSION"
                if any(marker in error.detail for marker in _PERMISSION_MARKERS)
                else "FAILED"
            )
            raise StateWriteFailedError(what, reason, self.schema, error.detail) from error
        except (UpstreamUnavailableError, WarehouseUnavailableError) as error:
            raise StateWriteFailedError(what, "UNAVAILABLE", self.schema, error.message) from error
        finally:
            self._reads.clear()
        return rows


def _findings_to_json(findings: DataFindings) -> str:
    def change(record: SchemaChangeRecord) -> dict[str, object]:
        return {
            "table": record.table_name,
            "version": record.version,
            "at": record.changed_at.isoformat(),
            "kind": record.kind.value,
            "column": record.column,
            "new_name": record.new_name,
            "data_type": record.data_type,
            "previous_type": record.previous_type,
            "previous_snapshot_at": (
                record.previous_snapshot_at.isoformat() if record.previous_snapshot_at else None
            ),
        }

    def write(record: TableWriteRecord) -> dict[str, object]:
        return {
            "version": record.version,
            "at": record.committed_at.isoformat(),
            "run": record.job_run_id,
            "operation": record.operation,
            "rows": record.rows,
            "inserted": record.rows_inserted,
            "updated": record.rows_updated,
            "deleted": record.rows_deleted,
            "baseline": record.baseline_rows,
            "delta": record.delta_percent,
            "anomaly": record.anomaly,
            "empty": record.empty_run,
        }

    return json.dumps(
        [
            {
                "job_id": job.job_id,
                "tables": [
                    {
                        "name": table.table_name,
                        "read": table.history_read,
                        "writes": [write(w) for w in table.writes],
                        "changes": [change(c) for c in table.schema_changes],
                    }
                    for table in job.tables
                ],
                "changes": [change(c) for c in job.schema_changes],
            }
            for job in findings.jobs.values()
        ],
        separators=(",", ":"),
    )


def _findings_from_json(swept_at: datetime, text: str) -> DataFindings:
    def at(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    def change(item: dict[str, Any]) -> SchemaChangeRecord:
        return SchemaChangeRecord(
            table_name=item["table"],
            version=item["version"],
            changed_at=datetime.fromisoformat(item["at"]),
            kind=SchemaChangeKind(item["kind"]),
            column=item["column"],
            new_name=item["new_name"],
            data_type=item["data_type"],
            previous_type=item["previous_type"],
            previous_snapshot_at=at(item["previous_snapshot_at"]),
        )

    def write(item: dict[str, Any]) -> TableWriteRecord:
        return TableWriteRecord(
            version=item["version"],
            committed_at=datetime.fromisoformat(item["at"]),
            job_run_id=item["run"],
            operation=item["operation"],
            rows=item["rows"],
            rows_inserted=item["inserted"],
            rows_updated=item["updated"],
            rows_deleted=item["deleted"],
            baseline_rows=item["baseline"],
            delta_percent=item["delta"],
            anomaly=item["anomaly"],
            empty_run=item["empty"],
        )

    jobs = {
        item["job_id"]: JobDataFindings(
            job_id=item["job_id"],
            tables=tuple(
                TableOutputRecord(
                    table["name"],
                    tuple(write(w) for w in table["writes"]),
                    tuple(change(c) for c in table["changes"]),
                    history_read=table["read"],
                )
                for table in item["tables"]
            ),
            schema_changes=tuple(change(c) for c in item["changes"]),
        )
        for item in json.loads(text)
    }
    return DataFindings(swept_at=swept_at, jobs=jobs)


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    """Which tables' columns differ from their snapshot, and which have none yet."""

    changed: frozenset[str]
    unrecorded: frozenset[str]


def _table_list(tables: Sequence[str]) -> str:
    # Sorted, so that the same tables share a cached read.
    return ",".join(sorted(set(tables)))


def _scope_params(scope: BudgetScope) -> dict[str, QueryParam]:
    return {"scope_kind": scope.kind.value, "scope_key": scope.key}


def _affected(rows: Sequence[Row]) -> int:
    return (rows[0].opt_integer("num_affected_rows") or 0) if rows else 0


def _is_conflict(error: WarehouseQueryFailedError) -> bool:
    return any(marker in error.detail for marker in _CONFLICT_MARKERS)


async def _retrying_conflicts(write: Callable[[], Awaitable[T]]) -> T:
    attempt = 0
    while True:
        try:
            return await write()
        except WarehouseQueryFailedError as error:
            attempt += 1
            if not _is_conflict(error) or attempt >= WRITE_ATTEMPTS:
                raise
            # Full jitter: two replicas that collided must not collide again in step.
            await asyncio.sleep(random.uniform(0, WRITE_BACKOFF_SECONDS * 2**attempt))  # noqa: S311
