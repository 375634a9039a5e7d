"""What each job writes and reads: its target tables' writes against their baseline, empty runs,
and the schema changes of every table it touches, over exactly the viewer's jobs.

Statements: the lineage of the jobs asked about (a page's batch) is one statement per window, cut
to the jobs the viewer may see before it is read; then one DESCRIBE HISTORY per table, for the
tables of those jobs only (targets first, in the order the jobs were asked about), at most
`outputs_max_tables` per batch, each cached like every other statement. A table beyond the limit,
or whose history the warehouse refuses (dropped since, or not readable by the app), is listed with
`history_read` false. A table's history holds other jobs' writes too: only the asking job's are
shown.

Schema changes no Delta operation names (a table replaced with other columns, a change older
than the history) are found by comparing those tables' information_schema.columns with their last
snapshot in the app's state (one statement); when a table has none yet, or its columns differ,
the changes found and a new snapshot are written (two statements, by the service principal), and
the changes recorded in the window are read back (one statement, shared by replicas). A failed
snapshot write is logged and found again next time: the outputs are still answered. The rules are
the domain's (`domain.outputs`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from job_monitor.backend.data.history import as_of
from job_monitor.backend.domain.errors import StateWriteFailedError, WarehouseQueryFailedError
from job_monitor.backend.domain.outputs import (
    DataFindings,
    JobOutputsRecord,
    SchemaChangeRecord,
    TableAccess,
    TableVersion,
    findings_of,
    table_input,
    table_output,
)
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services.session import Session

logger = logging.getLogger(__name__)


ROW_COUNT_WINDOW = Window.LAST_7_DAYS
"""A sweep's writes: a row-count alert is about the last week's writes."""
SCHEMA_DRIFT_WINDOW = Window.LAST_30_DAYS
"""A sweep's column changes: a dropped column still breaks readers weeks later."""
SWEEP_AGE = timedelta(hours=1)
"""`make run` sweeps at start-up unless the last sweep is younger than this (the bundle's job
sweeps hourly)."""
SWEEP_CONCURRENCY = 4
"""Histories a sweep reads at once: a sweep is in no hurry, and shares the warehouse with people."""


async def outputs_by_job(
    session: Session, window: Window, job_ids: Collection[int]
) -> dict[int, JobOutputsRecord]:
    """These jobs' outputs over the window, in one batch; a job the viewer may not see is answered
    as one that touched no table (nothing of it is read)."""
    visible = await session.visible()
    mine = [job_id for job_id in dict.fromkeys(job_ids) if visible.contains(job_id)]
    found = await _outputs(session, window, mine, session.settings.outputs_max_tables)
    return {job_id: found.get(job_id) or _nothing(session, window, job_id) for job_id in job_ids}


async def sweep(session: Session) -> DataFindings:
    """Every job's writes over the last week and its tables' column changes over the last 30
    days, recorded in the state for alerts: run by the bundle's hourly job (`job-monitor data
    sweep`, as the app, over every job), never by a request. One history per table of every
    job."""
    catalog = await session.catalog()
    job_ids = sorted(catalog)
    recent = await _outputs(session, ROW_COUNT_WINDOW, job_ids, None)
    drift = await _outputs(session, SCHEMA_DRIFT_WINDOW, job_ids, None)
    jobs = {
        job_id: found
        for job_id in job_ids
        if job_id in recent
        and job_id in drift
        and (found := findings_of(job_id, recent[job_id], drift[job_id])) is not None
    }
    # Whole seconds: what every warehouse's TIMESTAMP keeps.
    findings = DataFindings(swept_at=session.now.replace(microsecond=0), jobs=jobs)
    await (await session.state()).record_data_findings(findings)
    return findings


async def recent_sweep(session: Session) -> DataFindings:
    """The last sweep, or a new one when it is older than `SWEEP_AGE` (or there is none)."""
    last = await (await session.state()).data_findings()
    if last is not None and session.now - last.swept_at < SWEEP_AGE:
        return last
    return await sweep(session)


def _nothing(session: Session, window: Window, job_id: int) -> JobOutputsRecord:
    return JobOutputsRecord(job_id, window, (), (), session.settings.row_count_anomaly_percent)


async def _outputs(
    session: Session, window: Window, job_ids: Sequence[int], limit: int | None
) -> dict[int, JobOutputsRecord]:
    """The outputs of these jobs (the caller's to see), reading at most `limit` tables' histories
    (None: every table, `SWEEP_CONCURRENCY` at a time)."""
    history = await session.history()
    accesses = await history.job_tables(window, session.now, job_ids)
    wanted = _tables_to_read(job_ids, accesses, limit)
    since = window.start(as_of(session.now))
    reading = asyncio.Semaphore(SWEEP_CONCURRENCY)

    async def read_one(table: str) -> tuple[TableVersion, ...] | None:
        async with reading:
            return await _history_or_none(session, table)

    read, observed = await asyncio.gather(
        asyncio.gather(*(read_one(table) for table in wanted)),
        _observed_changes(session, wanted, since),
    )
    versions = dict(zip(wanted, read, strict=True))
    percent = session.settings.row_count_anomaly_percent

    def outputs(job_id: int) -> JobOutputsRecord:
        touched = accesses.get(job_id, ())
        return JobOutputsRecord(
            job_id=job_id,
            window=window,
            targets=tuple(
                table_output(
                    job_id,
                    access.table_name,
                    versions.get(access.table_name),
                    since=since,
                    anomaly_percent=percent,
                    observed=observed.get(access.table_name, ()),
                )
                for access in touched
                if access.writes
            ),
            sources=tuple(
                table_input(
                    access.table_name,
                    versions.get(access.table_name),
                    since=since,
                    observed=observed.get(access.table_name, ()),
                )
                for access in touched
                if access.reads and not access.writes
            ),
            anomaly_percent=percent,
        )

    return {job_id: outputs(job_id) for job_id in job_ids}


def _tables_to_read(
    job_ids: Sequence[int], accesses: Mapping[int, tuple[TableAccess, ...]], limit: int | None
) -> list[str]:
    """The tables whose history the batch reads: every job's targets first, then its sources, in
    the order the jobs were asked about, each once, at most `limit` (None: all)."""
    targets = [a.table_name for job_id in job_ids for a in accesses.get(job_id, ()) if a.writes]
    sources = [a.table_name for job_id in job_ids for a in accesses.get(job_id, ()) if a.reads]
    return list(dict.fromkeys([*targets, *sources]))[:limit]


async def _history_or_none(session: Session, table_name: str) -> tuple[TableVersion, ...] | None:
    try:
        return await (await session.history()).table_history(table_name)
    except (WarehouseQueryFailedError, ValueError):
        # Dropped since the lineage saw it, not readable by the app, or not a table name the
        # warehouse can be asked about: listed without its history.
        return None


async def _observed_changes(
    session: Session, tables: Sequence[str], since: datetime
) -> Mapping[str, tuple[SchemaChangeRecord, ...]]:
    """The changes found between snapshots of these tables' columns, noticed in the window; the
    snapshots are brought up to date first."""
    # A comma would split the name in the statements' table lists.
    listed = [table for table in tables if "," not in table]
    if not listed:
        return {}
    state = await session.state()
    drift = await state.column_drift(listed)
    if drift.changed or drift.unrecorded:
        try:
            await state.record_column_snapshots(
                listed, session.now, with_changes=bool(drift.changed)
            )
        except StateWriteFailedError as error:
            logger.warning("column snapshot not recorded, found again next time: %s", error.message)
    return await state.column_changes(listed, since)
