"""Job history from the system tables: the job catalog, health roll-ups, runs, task runs, overview
series, failures by termination code and job cost.

Every function runs one named query from `queries/` (the job catalog: two) on the warehouse of the
principal that runs SQL, always scoped to the workspace id, and caches the mapped result per
(principal scope, query, parameters) with single-flight. Nothing here knows the viewer: lists that
must be cut to a viewer's jobs take the job ids as a parameter (`JobScope`), so a cached result is
exactly the answer for those jobs and is shared only by callers asking for the same jobs.

Deleted jobs: the job catalog holds the jobs that exist (the latest row of each job, not deleted),
and the run lists, the daily series and the failures by termination code count only runs of those
jobs (`queries/_listed_jobs.sql`, the same rule in SQL) unless asked to include deleted jobs; then
the catalog adds the jobs deleted within the history kept, and the runs of deleted jobs count. The
health roll-ups cover every job: callers sum only the jobs they list.

Windows end "now", floored to the minute (`as_of`), so that requests within the same minute ask
the same statement and hit the cache; a run that started in the last minute shows up a minute
later (live runs come from the Jobs API meanwhile).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from job_monitor.backend.data.budget import spend_statements
from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.warehouse import (
    NULL_BIGINT,
    NULL_DOUBLE,
    NULL_STRING,
    NULL_TIMESTAMP,
    QueryParam,
    QueryRunner,
    Row,
    query_key,
)
from job_monitor.backend.domain.costs import (
    ANOMALY_BASELINE,
    ANOMALY_RATIO,
    CURRENCY,
    MIN_COST_BASELINE_RUNS,
    CostAnomalyFacts,
    CostGrouping,
    CostGroupRecord,
    GroupSpend,
    JobCostSummary,
    RunCostRecord,
    cost_groups,
    previous_window_kept,
)
from job_monitor.backend.domain.cursors import RunCursor
from job_monitor.backend.domain.filters import RunFilter
from job_monitor.backend.domain.health import MIN_BASELINE_RUNS, FinishedRun, HealthSummary
from job_monitor.backend.domain.jobs import (
    HealthRule,
    JobDefinition,
    TaskDefinition,
    TriggerSettings,
)
from job_monitor.backend.domain.outputs import TableAccess, TableVersion
from job_monitor.backend.domain.overview import TerminationCodeFailures
from job_monitor.backend.domain.runs import (
    RunPage,
    RunRecord,
    RunState,
    RunType,
    TaskRunRecord,
    TerminationType,
    Trigger,
    is_canceled,
    is_failure,
    is_not_run,
    is_success,
    state_from_system_table,
)
from job_monitor.backend.domain.sla import SlaCounts
from job_monitor.backend.domain.utilization import (
    ClusterShape,
    NodeType,
    OverProvisioningThresholds,
    PercentSpread,
    SharedClusterUse,
    UtilizationFacts,
    WorkerLoad,
)
from job_monitor.backend.domain.windows import DailyRuns, Window, daily_series

T = TypeVar("T")

RETENTION = timedelta(days=365)
"""How far back the system tables keep runs; also the default start of run lists."""
RUN_LOOKBACK = timedelta(days=2)
"""Slices read before a window's start. A run is in a window when it *started* in it, and its
start is its earliest slice: reading from the window start alone would take a run that started
earlier, and is still sliced inside the window, for a new one. Runs are sliced hourly without gaps,
so a look-back bounds the error to repairs made more than this long after the run's last slice."""

PAGE_SCAN_SPANS = (timedelta(days=3), timedelta(days=30))
"""Spans before the cursor a runs page reads first (then the whole range): at most three
statements for a page, and a recent page never scans a year."""

WINDOW_PARAMETERS = (
    "window_start",
    "scan_start",
    "start_date",
    "previous_start",
    "previous_start_date",
    "baseline_start",
    "baseline_start_date",
)
"""Parameters of a window ending now: they move every minute while the question stays the same."""

JobScope = Collection[int] | None
"""The jobs a query covers: the given ids, or None for every job of the workspace."""


# --- what history returns that the domain has no record for ------------------------------------


# --- parameters ---------------------------------------------------------------------------------


def as_of(now: datetime) -> datetime:
    """`now` in UTC floored to the minute: the end of every window, so statements repeat."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def _retention_start(now: datetime) -> datetime:
    # Floored to the day: this bound only prunes, and a daily value keeps batch keys stable.
    start = as_of(now) - RETENTION
    return start.replace(hour=0, minute=0)


def _id_list(ids: Iterable[int]) -> str:
    # Ids as strings, as the system tables hold them; sorted so equal sets share a cache key.
    return ",".join(str(job_id) for job_id in sorted(set(ids)))


def _scope_param(job_ids: JobScope) -> QueryParam:
    return NULL_STRING if job_ids is None else _id_list(job_ids)


def _target_list(targets: Mapping[int, int]) -> str:
    # `job_id:target_seconds` entries sorted by job id, so equal sets share a cache key.
    return ",".join(f"{job_id}:{targets[job_id]}" for job_id in sorted(targets))


def _raw_list(values: Iterable[str]) -> str:
    return ",".join(sorted(set(values)))


def _state_list(predicate: Callable[[RunState], bool]) -> str:
    """The raw result states of one outcome class, so the SQL follows the domain's rules."""
    return _raw_list(
        raw for state in RunState if predicate(state) for raw in state.system_result_states()
    )


def _outcome_params() -> dict[str, QueryParam]:
    return {
        "success_states": _state_list(is_success),
        "failure_states": _state_list(is_failure),
    }


def _run_filter_params(run_filter: RunFilter, job_ids: JobScope) -> dict[str, QueryParam] | None:
    """The filter's parameters of the run lists (not its start bounds' scan); None when no run can
    match (no jobs left, or only states the system tables do not know)."""
    include_unfinished = RunState.RUNNING in run_filter.states
    result_states = [raw for state in run_filter.states for raw in state.system_result_states()]
    if (job_ids is not None and not job_ids) or (
        run_filter.states and not result_states and not include_unfinished
    ):
        return None
    return {
        "job_ids": _scope_param(job_ids),
        "started_before": run_filter.started_before or NULL_TIMESTAMP,
        "result_states": _raw_list(result_states) if run_filter.states else NULL_STRING,
        "include_unfinished": include_unfinished,
        "termination_codes": _raw_list(run_filter.termination_codes) or NULL_STRING,
        "trigger_types": (
            _raw_list(raw for trigger in run_filter.triggers for raw in trigger.raw_values())
            or NULL_STRING
        ),
        "run_types": (
            _raw_list(raw for kind in run_filter.run_types for raw in kind.raw_values())
            or NULL_STRING
        ),
        "min_duration_seconds": _opt_double(run_filter.min_duration_seconds),
        "max_duration_seconds": _opt_double(run_filter.max_duration_seconds),
    }


def effective_job_ids(requested: Collection[int], visible: JobScope) -> JobScope:
    """The jobs a run list covers: those requested (all when none are) cut to those visible."""
    if not requested:
        return visible
    if visible is None:
        return requested
    allowed = set(visible)
    return [job_id for job_id in requested if job_id in allowed]


# --- row mapping --------------------------------------------------------------------------------


def _id(row: Row, column: str) -> int:
    return int(row.text(column))


def _health_rules(row: Row) -> tuple[HealthRule, ...]:
    rules = row.json("health_rules")
    if not isinstance(rules, list):
        return ()
    parsed: list[HealthRule] = []
    for rule in rules:
        if isinstance(rule, dict):
            metric, operator, value = rule.get("metric"), rule.get("operator"), rule.get("value")
            # Struct fields arrive as JSON; a BIGINT may come quoted.
            if (
                isinstance(metric, str)
                and isinstance(operator, str)
                and isinstance(value, int | str)
                and str(value).lstrip("-").isdigit()
            ):
                parsed.append(HealthRule(metric, operator, int(value)))
    return tuple(parsed)


def _trigger(row: Row) -> TriggerSettings | None:
    raw_kind = row.opt_text("trigger_type")
    settings = row.json("trigger")
    if raw_kind is None and not isinstance(settings, dict):
        return None
    kind = Trigger.parse(raw_kind)
    schedule = settings.get("schedule") if isinstance(settings, dict) else None
    periodic = settings.get("periodic") if isinstance(settings, dict) else None
    cron = schedule.get("quartz_cron_expression") if isinstance(schedule, dict) else None
    zone = schedule.get("timezone_id") if isinstance(schedule, dict) else None
    interval = periodic.get("interval") if isinstance(periodic, dict) else None
    unit = periodic.get("unit") if isinstance(periodic, dict) else None
    return TriggerSettings(
        kind=kind,
        quartz_cron_expression=cron if isinstance(cron, str) else None,
        timezone_id=zone if isinstance(zone, str) else None,
        interval=int(interval)
        if isinstance(interval, int | str) and str(interval).isdigit()
        else None,
        interval_unit=unit if isinstance(unit, str) else None,
    )


def _definition(
    row: Row, tasks: Sequence[TaskDefinition], deleted_at: datetime | None = None
) -> JobDefinition:
    return JobDefinition(
        job_id=_id(row, "job_id"),
        name=row.opt_text("name") or "",
        owner=row.opt_text("creator_user_name"),
        run_as=row.opt_text("run_as_user_name"),
        tags=row.text_map("tags"),
        trigger=_trigger(row),
        paused=row.opt_flag("paused"),
        timeout_seconds=row.opt_integer("timeout_seconds"),
        health_rules=_health_rules(row),
        tasks=tuple(tasks),
        changed_at=row.timestamp("change_time"),
        deleted_at=deleted_at,
    )


def _catalog(jobs: Sequence[Row], tasks: Sequence[Row]) -> dict[int, JobDefinition]:
    tasks_by_job: dict[int, list[TaskDefinition]] = {}
    for row in tasks:
        task = TaskDefinition(row.text("task_key"), tuple(row.texts("depends_on_keys")))
        tasks_by_job.setdefault(_id(row, "job_id"), []).append(task)
    return {
        _id(row, "job_id"): _definition(row, tasks_by_job.get(_id(row, "job_id"), ()))
        for row in jobs
    }


def _deleted_catalog(rows: Sequence[Row]) -> dict[int, JobDefinition]:
    # Their tasks are deleted with them (job_tasks.sql drops deleted tasks): no DAG to show.
    return {_id(row, "job_id"): _definition(row, (), row.timestamp("delete_time")) for row in rows}


def _health(row: Row) -> HealthSummary:
    baseline = row.opt_number("baseline_p50_seconds")
    last_run: FinishedRun | None = None
    last_start, last_end = (
        row.opt_timestamp("last_run_start_time"),
        row.opt_timestamp("last_run_end_time"),
    )
    if last_start is not None and last_end is not None:
        last_run = FinishedRun(
            run_id=_id(row, "last_run_id"),
            start_time=last_start,
            end_time=last_end,
            duration_seconds=max(0.0, row.opt_number("last_run_duration_seconds") or 0.0),
            state=state_from_system_table(
                row.opt_text("last_run_result_state"),
                row.opt_text("last_run_termination_code"),
                is_finished=True,
            ),
            is_retry=bool(row.opt_flag("last_run_is_retry")),
            repair_count=max(0, row.opt_integer("last_run_repair_count") or 0),
            termination_code=row.opt_text("last_run_termination_code"),
        )
    return HealthSummary(
        runs=row.integer("runs"),
        succeeded=row.integer("succeeded"),
        failed=row.integer("failed"),
        canceled=row.integer("canceled"),
        not_run=row.integer("not_run"),
        failure_streak=row.integer("failure_streak"),
        duration_p50_seconds=row.opt_number("duration_p50_seconds"),
        duration_p90_seconds=row.opt_number("duration_p90_seconds"),
        latest_duration_seconds=row.opt_number("latest_duration_seconds"),
        duration_baseline_seconds=(
            baseline if row.integer("baseline_runs") >= MIN_BASELINE_RUNS else None
        ),
        retries=row.integer("retries"),
        repairs=row.opt_integer("repairs") or 0,
        last_run=last_run,
        failure_streak_started_at=row.opt_timestamp("failure_streak_started_at"),
        latest_failure_code=row.opt_text("latest_failure_code"),
        latest_failure_run_id=(
            _id(row, "latest_failure_run_id")
            if row.opt_text("latest_failure_run_id") is not None
            else None
        ),
    )


def _run(row: Row) -> RunRecord:
    result_state, code = row.opt_text("result_state"), row.opt_text("termination_code")
    queue = row.opt_number("queue_seconds")
    return RunRecord(
        run_id=_id(row, "run_id"),
        job_id=_id(row, "job_id"),
        # Without a result the run is still going as far as the system tables know.
        state=state_from_system_table(result_state, code, is_finished=False),
        termination_code=code,
        termination_type=TerminationType.parse(row.opt_text("termination_type")),
        start_time=row.timestamp("start_time"),
        end_time=row.opt_timestamp("end_time"),
        duration_seconds=row.opt_number("duration_seconds"),
        queue_seconds=queue,
        trigger=Trigger.parse(row.opt_text("trigger_type")),
        run_type=RunType.parse(row.opt_text("run_type")),
        run_name=row.opt_text("run_name"),
        repair_count=max(0, row.integer("result_slices") - 1),
    )


def _task_runs(rows: Sequence[Row]) -> dict[int, tuple[TaskRunRecord, ...]]:
    # (start time, task run id) of each kept task: the system tables always know a task's start.
    latest: dict[tuple[int, str], tuple[tuple[datetime, int], TaskRunRecord]] = {}
    for row in rows:
        result_state, code = row.opt_text("result_state"), row.opt_text("termination_code")
        start = row.timestamp("start_time")
        task = TaskRunRecord(
            job_run_id=_id(row, "job_run_id"),
            task_run_id=_id(row, "run_id"),
            task_key=row.text("task_key"),
            state=state_from_system_table(result_state, code, is_finished=False),
            termination_code=code,
            termination_type=TerminationType.parse(row.opt_text("termination_type")),
            start_time=start,
            end_time=row.opt_timestamp("end_time"),
            duration_seconds=row.opt_number("duration_seconds"),
        )
        key = (task.job_run_id, task.task_key)
        current = latest.get(key)
        # A repair reruns the task as a new task run: the latest attempt is the task's state.
        if current is None or (start, task.task_run_id) > current[0]:
            latest[key] = ((start, task.task_run_id), task)
    by_run: dict[int, list[TaskRunRecord]] = {}
    for _, task in sorted(latest.values(), key=lambda kept: (kept[0][0], kept[1].task_key)):
        by_run.setdefault(task.job_run_id, []).append(task)
    return {run_id: tuple(tasks) for run_id, tasks in by_run.items()}


def _spread(row: Row, prefix: str) -> PercentSpread | None:
    p50, p90, peak = (row.opt_number(f"{prefix}_{part}") for part in ("p50", "p90", "peak"))
    if p50 is None or p90 is None or peak is None:
        return None
    return PercentSpread(p50=p50, p90=p90, peak=peak)


def _utilization(row: Row) -> UtilizationFacts:
    shape_minutes = row.opt_integer("shape_minutes")
    cluster = (
        ClusterShape(
            driver_node_type=row.opt_text("driver_node_type"),
            worker_node_type=row.opt_text("worker_node_type"),
            workers=row.opt_integer("worker_count"),
            min_workers=row.opt_integer("min_autoscale_workers"),
            max_workers=row.opt_integer("max_autoscale_workers"),
        )
        if shape_minutes
        else None
    )
    peak_cpu, peak_memory = row.opt_number("peak_worker_cpu"), row.opt_number("peak_worker_memory")
    load = (
        WorkerLoad(
            minutes=shape_minutes,
            peak_cpu_percent=peak_cpu,
            peak_memory_percent=peak_memory,
            peak_busy_workers=row.opt_number("peak_busy_workers") or 0.0,
            peak_memory_workers=row.opt_number("peak_memory_workers") or 0.0,
            average_workers=row.opt_number("average_workers") or 0.0,
            most_workers=row.opt_integer("most_workers") or 0,
            minutes_at_minimum=row.opt_integer("minutes_at_minimum") or 0,
            minutes_at_maximum=row.opt_integer("minutes_at_maximum") or 0,
        )
        # A shape without worker minutes (single node) has no worker load.
        if shape_minutes and peak_cpu is not None and peak_memory is not None
        else None
    )
    return UtilizationFacts(
        job_id=_id(row, "job_id"),
        runs=row.integer("runs"),
        serverless_runs=row.integer("serverless_runs"),
        shared_cluster_runs=row.integer("shared_cluster_runs"),
        runs_observed=row.integer("runs_observed"),
        minutes_observed=row.integer("minutes_observed"),
        first_observed_at=row.opt_timestamp("first_observed_at"),
        driver_cpu=_spread(row, "driver_cpu"),
        driver_memory=_spread(row, "driver_memory"),
        worker_cpu=_spread(row, "worker_cpu"),
        worker_memory=_spread(row, "worker_memory"),
        worker_minutes=row.integer("worker_minutes"),
        underused_minutes=row.integer("underused_minutes"),
        cluster=cluster,
        load=load,
    )


# --- the repository -----------------------------------------------------------------------------


class History:
    """Repository over the system tables for one workspace, through one principal's warehouse."""

    def __init__(self, warehouse: QueryRunner, workspace_id: str, cache: TtlCache) -> None:
        self._warehouse = warehouse
        self._workspace_id = workspace_id
        self._cache = cache
        # The catalog with the deleted jobs, and the two cached results it was merged from: one
        # mapping per pair, so callers may key on its identity (as `JobRankings` does).
        self._with_deleted: tuple[object, object, Mapping[int, JobDefinition]] | None = None

    async def _cached(
        self,
        name: str,
        params: Mapping[str, QueryParam],
        build: Callable[[Sequence[Row]], T],
        *,
        rolling: Collection[str] = (),
        variant: str = "",
    ) -> T:
        """Runs the query, maps the rows and caches the mapped result: a warm answer costs a
        dictionary lookup, not a re-mapping of rows.

        `rolling` names the parameters that move with the clock (a window's start): the same query
        a minute later may be answered with this one's result while its own loads (bounded by the
        cache's staleness). `variant` tells apart families whose rolling values differ in kind.
        """
        scoped = self._scoped(params)

        async def load() -> T:
            return build(await self._warehouse.query(name, scoped))

        scope = self._warehouse.scope
        family = None
        if rolling:
            fixed = {key: value for key, value in scoped.items() if key not in rolling}
            family = query_key(scope, f"{name}{variant}", fixed)
        return await self._cache.get_or_load(
            query_key(scope, name, scoped), load, family=family, charge=lambda: spend_statements(1)
        )

    async def _cached_over(
        self,
        window: Window,
        name: str,
        params: Mapping[str, QueryParam],
        build: Callable[[Sequence[Row]], T],
    ) -> T:
        """`_cached` for a query over a window ending now: the next minute's window is the same
        question (one family per window length)."""
        return await self._cached(
            name, params, build, rolling=WINDOW_PARAMETERS, variant=f"@{window}"
        )

    def _scoped(self, params: Mapping[str, QueryParam]) -> dict[str, QueryParam]:
        # Every query filters on the workspace: the lakeflow tables hold the whole region.
        return {"workspace_id": self._workspace_id, **params}

    # job catalog

    async def job_catalog(
        self, *, include_deleted: bool = False, now: datetime | None = None
    ) -> Mapping[int, JobDefinition]:
        """Every job of the workspace that is not deleted, by job id (two statements); with
        `include_deleted`, also every job deleted within the history kept before `now` (one more
        statement), with its last definition and `deleted_at`."""
        if not include_deleted:
            return await self._live_jobs()
        live, deleted = await asyncio.gather(
            self._live_jobs(), self._deleted_jobs(now or datetime.now(UTC))
        )
        known = self._with_deleted
        if known is not None and known[0] is live and known[1] is deleted:
            return known[2]
        # Two statements read at different moments: a job deleted in between is deleted.
        merged: Mapping[int, JobDefinition] = {**live, **deleted}
        self._with_deleted = (live, deleted, merged)
        return merged

    async def _deleted_jobs(self, now: datetime) -> Mapping[int, JobDefinition]:
        params: dict[str, QueryParam] = {"deleted_since": _retention_start(now)}
        # The bound moves once a day; a new day's list is answered from the last one meanwhile.
        return await self._cached(
            "deleted_jobs", params, _deleted_catalog, rolling=("deleted_since",)
        )

    async def _live_jobs(self) -> Mapping[int, JobDefinition]:
        scoped = self._scoped({})

        async def load() -> Mapping[int, JobDefinition]:
            jobs, tasks = await asyncio.gather(
                self._warehouse.query("jobs_catalog", scoped),
                self._warehouse.query("job_tasks", scoped),
            )
            return _catalog(jobs, tasks)

        key = query_key(self._warehouse.scope, "jobs_catalog+job_tasks", scoped)
        return await self._cache.get_or_load(key, load, charge=lambda: spend_statements(2))

    # health

    async def job_health(self, window: Window, now: datetime) -> Mapping[int, HealthSummary]:
        """Health of every job with finished runs in the window, by job id. A job absent from the
        answer had no finished run in the window (`HealthSummary.from_runs(())` describes it)."""
        params: dict[str, QueryParam] = {
            **_window_scan(window, as_of(now)),
            "retry_triggers": _raw_list(Trigger.RETRY.raw_values()),
            "canceled_states": _state_list(is_canceled),
            "not_run_states": _state_list(is_not_run),
            **_outcome_params(),
        }
        return await self._cached_over(
            window,
            "job_run_rollups",
            params,
            lambda rows: {_id(row, "job_id"): _health(row) for row in rows},
        )

    # runs

    async def runs_page(
        self,
        run_filter: RunFilter,
        *,
        visible_job_ids: JobScope,
        first: int,
        after: RunCursor | None,
        now: datetime,
    ) -> RunPage:
        """Runs matching the filter among the visible jobs, newest first, after the cursor: runs of
        jobs that exist, and of deleted jobs too when the filter says `include_deleted`.

        Only RUNNING among the active states is known to the system tables (a run with slices but
        no result); the other active states (queued, pending …) exist only in the Jobs API.
        """
        if first < 1:
            raise ValueError("first must be at least 1")
        job_ids = effective_job_ids(run_filter.job_ids, visible_job_ids)
        filters = _run_filter_params(run_filter, job_ids)
        if filters is None:
            return RunPage((), has_next_page=False)
        started_after = run_filter.started_after or _retention_start(now)
        params: dict[str, QueryParam] = {
            **filters,
            "after_start_time": after.start_time if after else NULL_TIMESTAMP,
            "after_run_id": after.run_id if after else NULL_BIGINT,
            "include_deleted": run_filter.include_deleted,
            # One more than asked tells whether another page follows.
            "page_size": first + 1,
        }
        # Newest first: the page usually lies in the last days before the cursor, so recent spans
        # are scanned first and widened only when they hold too few runs. Runs outside a span are
        # all older than those in it, so a span with more than `first` runs holds the exact page.
        anchor = after.start_time if after else (run_filter.started_before or as_of(now))
        rolls_with_clock = after is None and run_filter.started_before is None
        runs: tuple[RunRecord, ...] = ()
        for span in (*PAGE_SCAN_SPANS, None):
            lower = started_after if span is None else max(started_after, anchor - span)
            span_params = {**params, "started_after": lower, "scan_start": lower - RUN_LOOKBACK}
            runs = await self._cached(
                "job_runs_page",
                span_params,
                lambda rows: tuple(_run(row) for row in rows),
                # Without a cursor or an upper bound, a span ends now and moves with the clock.
                rolling=("started_after", "scan_start") if rolls_with_clock else (),
                variant=f"@{span}@{run_filter.started_after}",
            )
            if len(runs) > first or lower == started_after:
                break
        return RunPage(runs[:first], has_next_page=len(runs) > first)

    async def latest_runs(
        self, run_filter: RunFilter, *, job_ids: Collection[int], per_job: int, now: datetime
    ) -> Mapping[int, RunPage]:
        """The first page of each job's runs matching the filter (its `job_ids` and
        `include_deleted` aside: these jobs are listed, deleted or not), newest first: `per_job`
        runs per job, by job id, in one statement. The caller passes only jobs the viewer may see;
        a job without matching runs is absent."""
        if per_job < 1:
            raise ValueError("per_job must be at least 1")
        filters = _run_filter_params(run_filter, job_ids)
        if not job_ids or filters is None:
            return {}
        # The whole range, not spans as for one page: a span wide enough for every job at once
        # is the whole range for a job that seldom runs.
        started_after = run_filter.started_after or _retention_start(now)
        params: dict[str, QueryParam] = {
            **filters,
            "started_after": started_after,
            "scan_start": started_after - RUN_LOOKBACK,
            "per_job": per_job,
        }

        def pages(rows: Sequence[Row]) -> dict[int, RunPage]:
            by_job: dict[int, list[RunRecord]] = {}
            for row in rows:
                by_job.setdefault(_id(row, "job_id"), []).append(_run(row))
            return {
                job_id: RunPage(tuple(runs[:per_job]), has_next_page=len(runs) > per_job)
                for job_id, runs in by_job.items()
            }

        return await self._cached("job_runs_latest_per_job", params, pages)

    async def runs_by_id(
        self, run_ids: Collection[int], now: datetime, *, earliest_start: datetime | None = None
    ) -> Mapping[int, RunRecord]:
        """The runs with these ids that the system tables hold (one statement per batch). The
        caller drops runs of jobs the viewer may not see. `earliest_start`, the earliest start
        of these runs when the caller knows it, narrows the scan from a year to the days since."""
        if not run_ids:
            return {}
        params: dict[str, QueryParam] = {
            "run_ids": _id_list(run_ids),
            "since": _since(now, earliest_start),
        }
        return await self._cached(
            "job_runs_by_id", params, lambda rows: {_id(row, "run_id"): _run(row) for row in rows}
        )

    async def task_runs(
        self,
        job_run_ids: Collection[int],
        now: datetime,
        *,
        earliest_start: datetime | None = None,
    ) -> Mapping[int, tuple[TaskRunRecord, ...]]:
        """The latest run of each task of these job runs, by job run id (one statement per batch);
        job runs without task runs are absent.

        `earliest_start`, the earliest start time of these job runs when the caller knows it,
        narrows the scan from a year of task slices to the days the runs span.
        """
        if not job_run_ids:
            return {}
        params: dict[str, QueryParam] = {
            "job_run_ids": _id_list(job_run_ids),
            # Task runs start with or after their job run.
            "since": _since(now, earliest_start),
        }
        return await self._cached("task_runs", params, _task_runs)

    # overview

    async def daily_runs(
        self, window: Window, now: datetime, job_ids: JobScope, *, include_deleted: bool = False
    ) -> list[DailyRuns]:
        """Finished runs per UTC day over the window for these jobs (of jobs that exist, or also of
        deleted ones with `include_deleted`), one entry per day (zeros included), oldest first."""
        end = as_of(now)
        if job_ids is not None and not job_ids:
            return daily_series(window, end, ())
        params: dict[str, QueryParam] = {
            **_window_scan(window, end),
            "job_ids": _scope_param(job_ids),
            "include_deleted": include_deleted,
            **_outcome_params(),
        }
        days = await self._cached_over(
            window,
            "daily_run_counts",
            params,
            lambda rows: tuple(
                DailyRuns(
                    day=row.day("day"),
                    runs=row.integer("runs"),
                    succeeded=row.integer("succeeded"),
                    failed=row.integer("failed"),
                )
                for row in rows
            ),
        )
        return daily_series(window, end, days)

    async def failures_by_termination_code(
        self, window: Window, now: datetime, job_ids: JobScope, *, include_deleted: bool = False
    ) -> Sequence[TerminationCodeFailures]:
        """Failed runs over the window per termination code for these jobs (of jobs that exist, or
        also of deleted ones with `include_deleted`), most frequent first."""
        if job_ids is not None and not job_ids:
            return ()
        params: dict[str, QueryParam] = {
            **_window_scan(window, as_of(now)),
            "job_ids": _scope_param(job_ids),
            "include_deleted": include_deleted,
            "failure_states": _state_list(is_failure),
        }
        return await self._cached_over(
            window,
            "failures_by_termination_code",
            params,
            lambda rows: tuple(
                TerminationCodeFailures(
                    termination_code=row.opt_text("termination_code"),
                    failed=row.integer("failed"),
                    jobs=row.integer("jobs"),
                )
                for row in rows
            ),
        )

    # SLA

    async def sla_counts(
        self, window: Window, now: datetime, targets: Mapping[int, int]
    ) -> Mapping[int, SlaCounts]:
        """Finished runs over the window and, of those, the runs over target, per job of
        `targets` (job id → target seconds), in one statement; a job without finished runs in the
        window is absent. The caller passes only jobs the viewer may see."""
        if not targets:
            return {}
        params: dict[str, QueryParam] = {
            **_window_scan(window, as_of(now)),
            "job_targets": _target_list(targets),
        }
        return await self._cached_over(
            window,
            "sla_counts",
            params,
            lambda rows: {
                _id(row, "job_id"): SlaCounts(
                    finished=row.integer("finished"), breaches=row.integer("breaches")
                )
                for row in rows
            },
        )

    async def sla_breaches(
        self, window: Window, now: datetime, targets: Mapping[int, int], *, per_job: int
    ) -> Mapping[int, tuple[RunRecord, ...]]:
        """The runs over target started in the window, newest first, at most `per_job` per job of
        `targets` (job id → target seconds), in one statement; a job without any is absent. The
        caller passes only jobs the viewer may see."""
        if per_job < 1:
            raise ValueError("per_job must be at least 1")
        if not targets:
            return {}
        params: dict[str, QueryParam] = {
            **_window_scan(window, as_of(now)),
            "job_targets": _target_list(targets),
            "per_job": per_job,
        }

        def by_job(rows: Sequence[Row]) -> dict[int, tuple[RunRecord, ...]]:
            runs: dict[int, list[RunRecord]] = {}
            for row in rows:
                runs.setdefault(_id(row, "job_id"), []).append(_run(row))
            return {job_id: tuple(listed) for job_id, listed in runs.items()}

        return await self._cached_over(window, "sla_breaches", params, by_job)

    # cost

    async def job_costs(self, window: Window, now: datetime) -> Mapping[int, JobCostSummary]:
        """Spend of every job billed in the window (and the window before), by job id, in one
        statement; a job without job usage in either is absent. The caller keeps the viewer's."""
        params: dict[str, QueryParam] = {
            **_spend_window(window, as_of(now)),
            "scan_start": window.start(as_of(now)) - RUN_LOOKBACK,
            "success_states": _state_list(is_success),
            "wasted_states": _state_list(lambda state: is_failure(state) or is_canceled(state)),
        }
        previous_known = previous_window_kept(window)

        def summaries(rows: Sequence[Row]) -> dict[int, JobCostSummary]:
            return {
                _id(row, "job_id"): JobCostSummary(
                    job_id=_id(row, "job_id"),
                    dbus=row.number("dbus"),
                    list_cost_usd=row.number("list_cost_usd"),
                    runs=row.integer("runs"),
                    successful_runs=row.integer("successful_runs"),
                    wasted_usd=row.number("wasted_usd"),
                    p90_run_cost_usd=row.opt_number("p90_run_cost_usd"),
                    previous_list_cost_usd=(
                        row.number("previous_list_cost_usd") if previous_known else None
                    ),
                    longest_run_seconds=row.opt_number("longest_run_seconds"),
                    unpriced_records=row.integer("unpriced_records"),
                )
                for row in rows
            }

        return await self._cached_over(window, "job_costs", params, summaries)

    async def costs_by_group(
        self,
        window: Window,
        now: datetime,
        grouping: CostGrouping,
        job_ids: JobScope,
        *,
        team_tag: str,
    ) -> tuple[CostGroupRecord, ...]:
        """Spend billed to these jobs (None: every job) grouped by `grouping`, most first, each
        with its daily series and the window before, in one statement."""
        end = as_of(now)
        if job_ids is not None and not job_ids:
            return ()
        params: dict[str, QueryParam] = {
            **_spend_window(window, end),
            "group_by": grouping.value,
            "team_tag": team_tag,
            "job_ids": _scope_param(job_ids),
        }
        return await self._cached_over(
            window, "cost_by_group", params, _groups_of(window, end, attributable=True)
        )

    async def unattributed_costs(
        self, window: Window, now: datetime
    ) -> tuple[CostGroupRecord, ...]:
        """Spend of jobs' kind that no job can be tied to, by compute type (`ComputeType`): JOBS
        usage without a job, all-purpose clusters that job tasks ran on; one statement."""
        end = as_of(now)
        return await self._cached_over(
            window,
            "unattributed_costs",
            _spend_window(window, end),
            _groups_of(window, end, attributable=False),
        )

    async def run_costs(
        self, run_ids: Collection[int], earliest_start: datetime
    ) -> Mapping[int, RunCostRecord]:
        """The spend of these runs so far, by run id (one statement per batch): runs without any
        usage and never on all-purpose compute are absent. `earliest_start`, the earliest start of
        these runs, bounds the usage read (floored to the day, for stable keys)."""
        if not run_ids:
            return {}
        since = earliest_start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        params: dict[str, QueryParam] = {
            "run_ids": _id_list(run_ids),
            "since": since,
            "since_date": since.date(),
            "currency": CURRENCY,
        }

        def costs(rows: Sequence[Row]) -> dict[int, RunCostRecord]:
            return {
                _id(row, "run_id"): RunCostRecord(
                    run_id=_id(row, "run_id"),
                    job_id=_id(row, "job_id"),
                    dbus=row.number("dbus"),
                    list_cost_usd=row.number("list_cost_usd"),
                    serverless=bool(row.opt_flag("serverless")),
                    skus=_skus(row.opt_text("skus")),
                    shared_compute=bool(row.opt_flag("shared_compute")),
                    unpriced_records=row.integer("unpriced_records"),
                )
                for row in rows
            }

        return await self._cached("run_costs", params, costs)

    async def cost_anomalies(
        self, window: Window, now: datetime, *, limit: int
    ) -> tuple[CostAnomalyFacts, ...]:
        """Runs started in the window that cost more than `ANOMALY_RATIO` times their job's p90
        over the `ANOMALY_BASELINE` before the window, with the facts behind their likely cause,
        largest excess first, at most `limit`, over every job (one statement)."""
        start = window.start(as_of(now))
        baseline_start = start - ANOMALY_BASELINE
        params: dict[str, QueryParam] = {
            "window_start": start,
            "baseline_start": baseline_start,
            "baseline_start_date": baseline_start.date(),
            "scan_start": baseline_start - RUN_LOOKBACK,
            "currency": CURRENCY,
            "ratio": ANOMALY_RATIO,
            "min_baseline_runs": MIN_COST_BASELINE_RUNS,
            "row_limit": limit,
        }

        def anomalies(rows: Sequence[Row]) -> tuple[CostAnomalyFacts, ...]:
            return tuple(
                CostAnomalyFacts(
                    job_id=_id(row, "job_id"),
                    run_id=_id(row, "run_id"),
                    start_time=row.timestamp("start_time"),
                    list_cost_usd=row.number("list_cost_usd"),
                    dbus=row.number("dbus"),
                    baseline_p90_cost_usd=row.number("baseline_p90_cost_usd"),
                    baseline_runs=row.integer("baseline_runs"),
                    duration_seconds=row.opt_number("duration_seconds"),
                    baseline_p90_duration_seconds=row.opt_number("baseline_p90_duration_seconds"),
                    repair_count=max(0, row.opt_integer("repair_count") or 0),
                    baseline_max_repairs=max(0, row.opt_integer("baseline_max_repairs") or 0),
                    trigger=Trigger.parse(row.opt_text("trigger_type")),
                    skus=_skus(row.opt_text("skus")),
                    baseline_skus=_skus(row.opt_text("baseline_skus")),
                    serverless=bool(row.opt_flag("serverless")),
                    baseline_serverless=bool(row.opt_flag("baseline_serverless")),
                    definition_changed_at=row.opt_timestamp("definition_changed_at"),
                )
                for row in rows
            )

        return await self._cached_over(window, "cost_anomalies", params, anomalies)

    async def month_spend_by_job(self, month_start: datetime) -> Mapping[int, float]:
        """Each job's list-price spend since `month_start` (budgets' month so far), one statement
        for every job; a job without usage this month is absent."""
        return await self._cached(
            "month_spend_by_job",
            {
                "month_start": month_start,
                "month_start_date": month_start.date(),
                "currency": CURRENCY,
            },
            lambda rows: {
                row.integer("job_id"): row.opt_number("list_cost_usd") or 0.0 for row in rows
            },
        )

    async def billing_data_through(self, now: datetime) -> datetime | None:
        """The end of the latest usage hour billing has recorded for the workspace (read over the
        last three days: usage lands within hours); None when nothing landed in it."""
        since = (as_of(now) - BILLING_FRESHNESS_SCAN).date()
        return await self._cached(
            "billing_data_through",
            {"since_date": since},
            lambda rows: rows[0].opt_timestamp("data_through") if rows else None,
            rolling=("since_date",),
        )

    # utilisation

    async def utilization(
        self,
        window: Window,
        now: datetime,
        job_ids: JobScope,
        thresholds: OverProvisioningThresholds,
    ) -> Mapping[int, UtilizationFacts]:
        """CPU and memory of these jobs' job clusters over the window (None: every job), by job
        id, in one statement; a job without task runs in the window is absent. The caller passes
        only jobs the viewer may see."""
        if job_ids is not None and not job_ids:
            return {}
        params: dict[str, QueryParam] = {
            **_window_scan(window, as_of(now)),
            "job_ids": _scope_param(job_ids),
            "cpu_percent": float(thresholds.cpu_percent),
            "memory_percent": float(thresholds.memory_percent),
        }
        return await self._cached_over(
            window,
            "job_utilization",
            params,
            lambda rows: {_id(row, "job_id"): _utilization(row) for row in rows},
        )

    async def shared_cluster_use(
        self, window: Window, now: datetime, job_ids: Collection[int]
    ) -> Mapping[int, SharedClusterUse]:
        """The all-purpose clusters these jobs' runs held in the window, with those hours' cost at
        the all-purpose and the job-compute price, by job id, in one statement; a job that held
        none is absent. The caller passes only jobs the viewer may see."""
        if not job_ids:
            return {}
        end = as_of(now)
        start = window.start(end)
        params: dict[str, QueryParam] = {
            **_window_scan(window, end),
            "start_date": start.date(),
            "job_ids": _id_list(job_ids),
            "currency": CURRENCY,
        }
        return await self._cached_over(
            window,
            "shared_cluster_use",
            params,
            lambda rows: {
                _id(row, "job_id"): SharedClusterUse(
                    job_id=_id(row, "job_id"),
                    cluster_ids=tuple(filter(None, (row.opt_text("cluster_ids") or "").split(","))),
                    hours=row.opt_number("hours") or 0.0,
                    all_purpose_usd=row.opt_number("all_purpose_usd"),
                    job_compute_usd=row.opt_number("job_compute_usd"),
                )
                for row in rows
            },
        )

    async def node_types(self) -> Mapping[str, NodeType]:
        """The node types the workspace's account may use now, by name (one statement)."""
        return await self._cached(
            "node_types",
            {},
            lambda rows: {
                row.text("node_type"): NodeType(
                    node_type=row.text("node_type"),
                    cores=row.number("core_count"),
                    memory_mb=row.integer("memory_mb"),
                    gpus=row.opt_integer("gpu_count") or 0,
                )
                for row in rows
            },
        )

    # what jobs read and write

    async def job_tables(
        self, window: Window, now: datetime, job_ids: Collection[int]
    ) -> Mapping[int, tuple[TableAccess, ...]]:
        """The tables these jobs wrote and read over the window, from the lineage, by job id (one
        statement); a job with no lineage in the window is absent. The caller passes only jobs
        the viewer may see."""
        if not job_ids:
            return {}
        params: dict[str, QueryParam] = {
            "window_start": window.start(as_of(now)),
            "job_ids": _id_list(job_ids),
        }

        def build(rows: Sequence[Row]) -> dict[int, tuple[TableAccess, ...]]:
            found: dict[int, list[TableAccess]] = {}
            for row in rows:
                access = TableAccess(
                    job_id=_id(row, "job_id"),
                    table_name=row.text("table_name"),
                    writes=bool(row.opt_flag("writes")),
                    reads=bool(row.opt_flag("reads")),
                    runs=row.integer("runs"),
                    last_seen_at=row.timestamp("last_seen_at"),
                )
                found.setdefault(access.job_id, []).append(access)
            return {job_id: tuple(accesses) for job_id, accesses in found.items()}

        return await self._cached_over(window, "job_tables", params, build)

    async def table_history(self, table_name: str) -> tuple[TableVersion, ...]:
        """The latest versions of one table (`catalog.schema.table`), newest first (one
        statement, cached like every other)."""
        scoped_name = f"table_history:{table_name}"

        async def load() -> tuple[TableVersion, ...]:
            rows = await self._warehouse.query_table("table_history", table_name, {})
            return tuple(_table_version(row) for row in rows)

        key = query_key(self._warehouse.scope, scoped_name, {})
        return await self._cache.get_or_load(key, load, charge=lambda: spend_statements(1))


BILLING_FRESHNESS_SCAN = timedelta(days=3)


def _spend_window(window: Window, end: datetime) -> dict[str, QueryParam]:
    """A spend window's start and the start of the window of the same length before it."""
    start = window.start(end)
    previous = start - window.duration
    return {
        "window_start": start,
        "previous_start": previous,
        "previous_start_date": previous.date(),
        "currency": CURRENCY,
    }


def _skus(text: str | None) -> tuple[str, ...]:
    return tuple(sku for sku in (text or "").split(",") if sku)


def _groups_of(
    window: Window, end: datetime, *, attributable: bool
) -> Callable[[Sequence[Row]], tuple[CostGroupRecord, ...]]:
    def build(rows: Sequence[Row]) -> tuple[CostGroupRecord, ...]:
        entries = (
            GroupSpend(
                key=row.opt_text("group_key"),
                day=row.opt_day("day"),
                dbus=row.opt_number("dbus") or 0.0,
                list_cost_usd=row.number("list_cost_usd"),
            )
            for row in rows
        )
        return cost_groups(
            entries,
            window.start(end).date(),
            end.date(),
            previous_known=previous_window_kept(window),
            attributable=attributable,
        )

    return build


def _since(now: datetime, earliest_start: datetime | None) -> datetime:
    """Where a read of runs known to start at or after `earliest_start` begins: that day
    (floored, for stable keys), never before the history kept."""
    since = _retention_start(now)
    if earliest_start is None:
        return since
    day = earliest_start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(since, day)


def _window_scan(window: Window, end: datetime) -> dict[str, QueryParam]:
    """A window's start, and where to start reading slices so that runs are seen whole."""
    start = window.start(end)
    return {"window_start": start, "scan_start": start - RUN_LOOKBACK}


def _table_version(row: Row) -> TableVersion:
    job = row.json("job")
    job_id = _opt_id(job.get("jobId")) if isinstance(job, dict) else None
    job_run_id = _opt_id(job.get("jobRunId")) if isinstance(job, dict) else None
    return TableVersion(
        version=row.integer("version"),
        committed_at=row.timestamp("timestamp"),
        operation=row.opt_text("operation") or "",
        parameters=row.text_map("operationParameters"),
        metrics=row.text_map("operationMetrics"),
        job_id=job_id,
        job_run_id=job_run_id,
    )


def _opt_id(value: object) -> int | None:
    # Delta writes the ids as strings in the commit's `job`.
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _opt_double(value: float | None) -> QueryParam:
    return NULL_DOUBLE if value is None else float(value)
