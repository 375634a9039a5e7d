"""Runs: history from the system tables merged with live state from the Jobs API.

A run is one `RunRecord` whichever source knows it, so it is never shown twice or in two states:

* the system tables know finished runs and, for runs still going, only that they started (slices
  without a result); the Jobs API's active runs say what those are doing now (queued, running,
  terminating …). A run both know takes the live state and keeps the history's start time, which is
  its position in every list;
* a run the Jobs API lists as active but the system tables do not have yet (ingestion lags; queued
  runs have no slices at all) comes from the Jobs API alone, at its place in start-time order;
* a run the system tables hold without a result that the Jobs API no longer lists as active has
  ended, but its outcome is not recorded yet: its state follows the domain's rule for a finished run
  without a result (the termination code if any, else UNKNOWN).

Lists merge both sources under the same filter and keyset cursor, so pages stay exact.

When the Jobs API cannot be read (throttled, failing, too slow: `UpstreamUnavailableError`), lists
and lookups are answered from history alone and say so (`live_missing`) instead of failing: runs
still going keep their history state (RUNNING: they started and have no result yet), since nobody
can say they ended, and runs only the Jobs API knows (queued, too new for the system tables) are
missing. Such an answer is never reused (`record_untracked`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from job_monitor.backend.data.reads import record_untracked
from job_monitor.backend.data.visibility import run_detail_for
from job_monitor.backend.domain.cursors import RunCursor
from job_monitor.backend.domain.errors import NotFoundError, UpstreamUnavailableError
from job_monitor.backend.domain.filters import RunFilter
from job_monitor.backend.domain.runs import (
    RunPage,
    RunRecord,
    TaskRunRecord,
    state_from_system_table,
)
from job_monitor.backend.services.session import Session


@dataclass(frozen=True, slots=True)
class LiveRuns:
    """The Jobs API's active runs the viewer may see, by id; or, when it could not be read, none
    and why (`missing`)."""

    by_id: Mapping[int, RunRecord] = field(default_factory=dict)
    missing: UpstreamUnavailableError | None = None


async def live_runs(session: Session) -> LiveRuns:
    """The viewer's active runs; a Jobs API outage is answered as `LiveRuns.missing`, not raised
    (history answers without it). The viewer is resolved first: a failure there is not the Jobs
    API's live state, and fails the answer as it fails its history."""
    await session.visible()
    try:
        runs = await session.active_runs()
    except UpstreamUnavailableError as exc:
        # No cache stands behind an answer without live state: it must not be reused once the
        # Jobs API answers again.
        record_untracked()
        return LiveRuns(missing=exc)
    return LiveRuns({run.run_id: run for run in runs})


@dataclass(frozen=True, slots=True)
class RunList:
    """A page of runs; `live_missing` when the Jobs API could not be read for it (the page is
    history alone: see the module docstring)."""

    page: RunPage
    live_missing: UpstreamUnavailableError | None = None


@dataclass(frozen=True, slots=True)
class KnownRun:
    """A run of the viewer's; `live_missing` when it may still be going and the Jobs API could not
    say what it is doing now (its state is then the history's)."""

    record: RunRecord
    live_missing: UpstreamUnavailableError | None = None


def merged(run: RunRecord, live: Mapping[int, RunRecord]) -> RunRecord:
    """One run from both sources (see the module docstring)."""
    if run.end_time is not None:
        return run
    current = live.get(run.run_id)
    if current is None:
        ended = state_from_system_table(None, run.termination_code, is_finished=True)
        return replace(run, state=ended)
    return replace(
        current,
        start_time=run.start_time,
        run_name=run.run_name or current.run_name,
        repair_count=max(run.repair_count, current.repair_count),
    )


def _matches(run_filter: RunFilter, view: RunRecord, now: datetime) -> bool:
    """The filter on one run in memory; an active run's duration is the time elapsed so far."""
    if view.job_id is None and run_filter.job_ids:
        return False
    return run_filter.matches(
        # `runs/submit` runs belong to no job; only viewers who see everything get them.
        job_id=view.job_id or 0,
        state=view.state,
        termination_code=view.termination_code,
        trigger=view.trigger,
        run_type=view.run_type,
        start_time=view.start_time,
        duration_seconds=view.elapsed_seconds(now) if view.live else view.duration_seconds,
    )


def _merged(run: RunRecord, live: LiveRuns) -> RunRecord:
    """`merged`, or the history's run as it is when the live state is missing."""
    return run if live.missing is not None else merged(run, live.by_id)


async def list_runs(
    session: Session, run_filter: RunFilter, first: int, after: RunCursor | None
) -> RunList:
    """The viewer's runs matching the filter, newest first, `first` after the cursor."""
    history = await session.history()
    scope = await session.scope()
    page, live = await asyncio.gather(
        history.runs_page(
            run_filter, visible_job_ids=scope, first=first, after=after, now=session.now
        ),
        live_runs(session),
    )
    return RunList(_with_live(run_filter, page, live, first, after, session.now), live.missing)


async def latest_runs(
    session: Session, run_filter: RunFilter, job_ids: Collection[int], first: int
) -> dict[int, RunList]:
    """The first page of each of these jobs' runs matching the filter (its `job_ids` aside), by
    job id, in one statement for them all; a job the viewer may not see has none."""
    history = await session.history()
    visible = await session.visible()
    mine = [job_id for job_id in job_ids if visible.contains(job_id)]
    pages, live = await asyncio.gather(
        history.latest_runs(run_filter, job_ids=mine, per_job=first, now=session.now),
        live_runs(session),
    )
    answer = {job_id: RunList(RunPage((), has_next_page=False)) for job_id in job_ids}
    for job_id in mine:
        page = pages.get(job_id, RunPage((), has_next_page=False))
        of_job = replace(run_filter, job_ids=(job_id,))
        answer[job_id] = RunList(
            _with_live(of_job, page, live, first, None, session.now), live.missing
        )
    return answer


def _with_live(
    run_filter: RunFilter,
    page: RunPage,
    live: LiveRuns,
    first: int,
    after: RunCursor | None,
    now: datetime,
) -> RunPage:
    """A history page with the live runs merged in: live state for runs still going, and active
    runs the history does not hold yet placed at their start among the page's runs."""
    views = {run.run_id: _merged(run, live) for run in page.runs}
    if page.runs and page.has_next_page:
        # History runs past this page sort after its last one; live runs are placed among them.
        floor: RunCursor | None = page.runs[-1].cursor
    else:
        floor = None
    for view in live.by_id.values():
        if view.run_id in views or not _matches(run_filter, view, now):
            continue
        if after is not None and not after.precedes(view.start_time, view.run_id):
            continue
        if floor is not None and floor.precedes(view.start_time, view.run_id):
            continue
        views[view.run_id] = view
    ordered = sorted(views.values(), key=lambda v: (v.start_time, v.run_id), reverse=True)
    # States filtered in SQL by the history's state: a live state may no longer match.
    ordered = [view for view in ordered if _state_matches(run_filter, view)]
    return RunPage(
        runs=tuple(ordered[:first]),
        has_next_page=len(ordered) > first or page.has_next_page,
        has_previous_page=after is not None,
    )


def _state_matches(run_filter: RunFilter, view: RunRecord) -> bool:
    return not run_filter.states or view.state in run_filter.states


async def runs_by_id(
    session: Session, run_ids: Collection[int], *, earliest_start: datetime | None = None
) -> dict[int, KnownRun | UpstreamUnavailableError]:
    """Those of these runs the viewer may see, by id (one statement for the batch); absent:
    missing or hidden, alike. `earliest_start`, when the caller knows when the earliest of them
    started, narrows the history read from a year to the days since. While the Jobs API cannot
    be read, a run the history does not hold is answered with the Jobs API's error (it may be
    active, too new for the system tables), and one the history holds without a result with
    `live_missing`."""
    visible = await session.visible()
    history = await session.history()
    records, live = await asyncio.gather(
        history.runs_by_id(run_ids, session.now, earliest_start=earliest_start),
        live_runs(session),
    )
    views: dict[int, KnownRun | UpstreamUnavailableError] = {}
    for run_id in run_ids:
        record = records.get(run_id)
        if record is not None:
            if visible.contains(record.job_id):
                going = live.missing if record.end_time is None else None
                views[run_id] = KnownRun(_merged(record, live), going)
        elif live.missing is not None:
            views[run_id] = live.missing
        elif run_id in live.by_id:
            # Active runs are already cut to the viewer's jobs.
            views[run_id] = KnownRun(live.by_id[run_id])
    return views


async def get_run(session: Session, run_id: int) -> KnownRun:
    """One run of the viewer's, or `NotFoundError` (also for a run of a job they may not see).

    A run neither the system tables nor the active list know may be too new for the system tables
    and already finished: the Jobs API is asked last (while it cannot be read, the answer is its
    `UpstreamUnavailableError`). A hidden run and a missing one take different paths upstream, so
    "not found" is answered no sooner than `not_found_seconds` after the question: how long the
    answer took must not tell that a hidden run exists."""
    started = time.monotonic()
    found = (await runs_by_id(session, [run_id])).get(run_id)
    if isinstance(found, KnownRun):
        return found
    visible = await session.visible()
    try:
        return KnownRun(await run_detail_for(visible, session.services.jobs_api, run_id))
    except NotFoundError:
        floor = session.settings.not_found_seconds
        await asyncio.sleep(max(0.0, floor - (time.monotonic() - started)))
        raise


async def active_runs(session: Session, run_filter: RunFilter) -> tuple[RunRecord, ...]:
    """Runs queued or running now that the viewer may see and the filter keeps, newest first."""
    runs = await session.active_runs()
    kept = [run for run in runs if _matches(run_filter, run, session.now)]
    return tuple(sorted(kept, key=lambda v: (v.start_time, v.run_id), reverse=True))


async def tasks_by_run(
    session: Session, runs: Mapping[int, int | None]
) -> dict[int, tuple[TaskRunRecord, ...]]:
    """The tasks of these job runs (run id → its job id), one statement for the batch, each with
    its dependencies from the job's current definition. The runs must already be the viewer's
    (they come from a visible run)."""
    history = await session.history()
    records = await history.task_runs(list(runs), session.now)
    catalog = await session.catalog()
    answer: dict[int, tuple[TaskRunRecord, ...]] = {}
    for run_id, job_id in runs.items():
        job = catalog.get(job_id) if job_id is not None else None
        edges = {task.task_key: task.depends_on for task in job.tasks} if job else {}
        answer[run_id] = tuple(
            replace(task, depends_on=edges.get(task.task_key, ()))
            for task in records.get(run_id, ())
        )
    return answer


async def task_error_messages(session: Session, task_run_ids: Iterable[int]) -> dict[int, str]:
    """Error text of failed task runs (`runs/get-output`, bounded concurrency). The task runs must
    belong to runs the viewer may see (they come from a visible run's tasks)."""
    return await session.services.jobs_api.task_error_messages(task_run_ids)


async def live_details(session: Session, run_ids: Collection[int]) -> dict[int, RunRecord]:
    """The Jobs API's view of runs the viewer may see (for message, attempt and the run page);
    runs the Jobs API no longer keeps (about 60 days) are absent."""
    jobs_api = session.services.jobs_api

    async def one(run_id: int) -> RunRecord | None:
        try:
            return await jobs_api.run_detail(run_id)
        except NotFoundError:
            return None

    found = await asyncio.gather(*(one(run_id) for run_id in run_ids))
    return {run.run_id: run for run in found if run is not None}
