"""Job runs in the API: `jobRuns`, `jobRun`, `activeRuns` and the `JobRun` type.

Resolvers are thin: arguments become a domain `RunFilter`, the services answer with `RunRecord`s
(each wrapped by a `JobRun`), and nested fields (`job`, `tasks`, `errorMessage`, `message`,
`expectedSeconds`) go through the request's DataLoaders.

Live state comes from the Jobs API, history from the system tables. While the Jobs API cannot be
read, lists and lookups are answered from history alone, never failed: `liveStateAvailable` (of a
page, and of each run that may still be going) is then null with an error at its path carrying the
typed code (UPSTREAM_…). `activeRuns`, live data only, answers `UpstreamUnavailable`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from job_monitor.backend.domain.cursors import CursorSigner, RunCursor
from job_monitor.backend.domain.errors import (
    InvalidFilterError,
    NotFoundError,
    UpstreamUnavailableError,
)
from job_monitor.backend.domain.filters import RunFilter
from job_monitor.backend.domain.runs import RunPage, RunRecord, TaskRunRecord, is_failure
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.costs import RunCost
from job_monitor.backend.graphql.enums import (
    RunState,
    RunType,
    SlaStatus,
    TerminationType,
    Trigger,
    Window,
)
from job_monitor.backend.graphql.errors import ExpectedError, answer, nested, public_error
from job_monitor.backend.graphql.pagination import Connection, page_of, page_size
from job_monitor.backend.services import runs as run_service
from job_monitor.backend.services import sla as sla_service
from job_monitor.backend.services.runs import KnownRun, RunList
from job_monitor.backend.services.session import Session

if TYPE_CHECKING:
    from job_monitor.backend.graphql.jobs import Job

EXPECTED_DURATION_WINDOW = Window.LAST_30_DAYS
"""`expectedSeconds` is the job's p50 duration of successful runs over this window."""
LIVE_STATE = (
    "Null while the Jobs API cannot be read (throttled, failing or too slow), with an error at "
    "this field's path whose `extensions.code` says how (UPSTREAM_THROTTLED, UPSTREAM_FAILING, "
    "UPSTREAM_TIMEOUT): the answer then comes from history alone, and runs still going show their "
    "history state (RUNNING), not their live one."
)


def _live_state(missing: UpstreamUnavailableError | None) -> bool:
    """True, or the Jobs API's failure as a top-level error at the field's path."""
    if missing is not None:
        raise public_error(missing) from missing
    return True


def parse_id(raw: str, field: str) -> int:
    """A Databricks id from the API's `ID` (a decimal string); `InvalidFilterError` otherwise."""
    text = raw.strip()
    # ASCII only: "²" passes `isdigit` and then fails `int`.
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) <= 0:
        raise InvalidFilterError(field, f"{raw[:40]!r} is not a Databricks id (a positive integer)")
    return int(text)


@strawberry.input(description="Which runs: every condition given must hold; omitted means any.")
class JobRunFilter:
    job_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Runs of these jobs (at most 100)."
    )
    states: list[RunState] | None = strawberry.field(
        default=None, description="Runs in one of these states (at most 50)."
    )
    termination_codes: list[str] | None = strawberry.field(
        default=None,
        description="Runs that ended with one of these codes, e.g. RUN_EXECUTION_ERROR (max. 50).",
    )
    triggers: list[Trigger] | None = strawberry.field(
        default=None, description="Runs started by one of these triggers (at most 50)."
    )
    run_types: list[RunType] | None = strawberry.field(
        default=None, description="Runs of one of these types (at most 50)."
    )
    started_after: datetime | None = strawberry.field(
        default=None, description="Started at or after this time (UTC when no offset is given)."
    )
    started_before: datetime | None = strawberry.field(
        default=None, description="Started before this time (exclusive)."
    )
    min_duration_seconds: float | None = strawberry.field(
        default=None,
        description="Took at least this long (active runs: time elapsed so far). Inclusive.",
    )
    max_duration_seconds: float | None = strawberry.field(
        default=None, description="Took at most this long. Inclusive."
    )
    include_deleted: bool = strawberry.field(
        default=False,
        description=(
            "Runs of deleted jobs too (history only: an active run's job exists). By default "
            "only runs of jobs that exist now count, as in `jobs` and `overview`; only a viewer "
            "who sees every job gets deleted jobs' runs."
        ),
    )

    def to_domain(self) -> RunFilter:
        """The domain filter (validated: `InvalidFilterError`)."""
        return RunFilter(
            job_ids=tuple(parse_id(raw, "jobIds") for raw in self.job_ids or ()),
            states=tuple(self.states or ()),
            termination_codes=tuple(self.termination_codes or ()),
            triggers=tuple(self.triggers or ()),
            run_types=tuple(self.run_types or ()),
            started_after=self.started_after,
            started_before=self.started_before,
            min_duration_seconds=self.min_duration_seconds,
            max_duration_seconds=self.max_duration_seconds,
            include_deleted=self.include_deleted,
        )


@strawberry.type(description="The latest run of one task within a job run.")
class JobRunTask:
    record: strawberry.Private[TaskRunRecord]

    @strawberry.field(description="The task run's id.")
    def task_run_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.task_run_id))

    @strawberry.field(description="The task's key within its job.")
    def task_key(self) -> str:
        return self.record.task_key

    @strawberry.field(description="The task run's state.")
    def state(self) -> RunState:
        return self.record.state

    @strawberry.field(description="How it ended, when it has.")
    def termination_code(self) -> str | None:
        return self.record.termination_code

    @strawberry.field(description="When it started (UTC); null while it waits to start.")
    def start_time(self) -> datetime | None:
        return self.record.start_time

    @strawberry.field(description="When it ended; null while running.")
    def end_time(self) -> datetime | None:
        return self.record.end_time

    @strawberry.field(description="How long it ran.")
    def duration_seconds(self) -> float | None:
        return self.record.duration_seconds

    @strawberry.field(
        description="Task keys it depends on, from the job's current definition (the DAG)."
    )
    def depends_on(self) -> list[str]:
        return list(self.record.depends_on)

    @strawberry.field(
        description=(
            "The error text of a failed task (from the Jobs API's runs/get-output, first 4,000 "
            "characters); null for other tasks or when the Jobs API no longer keeps the run."
        )
    )
    async def error_message(self, info: JMInfo) -> str | None:
        if not is_failure(self.record.state):
            return None
        return await nested(
            info.context.loaders.error_message_by_task_run.load(self.record.task_run_id)
        )


@strawberry.type(description="One run of a job, from history and live state merged.")
class JobRun(relay.Node):
    record: strawberry.Private[RunRecord]
    live_missing: strawberry.Private[UpstreamUnavailableError | None] = None

    @classmethod
    def of(cls, known: KnownRun) -> JobRun:
        return cls(record=known.record, live_missing=known.live_missing)

    @classmethod
    def resolve_id(cls, root: JobRun, *, info: JMInfo) -> str:
        return str(root.record.run_id)

    @strawberry.field(description="The Databricks run id.")
    def run_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.run_id))

    @strawberry.field(description="The job's id; null for one-time runs/submit runs.")
    def job_id(self) -> strawberry.ID | None:
        job_id = self.record.job_id
        return strawberry.ID(str(job_id)) if job_id is not None else None

    @strawberry.field(description="The run's name.")
    def run_name(self) -> str | None:
        return self.record.run_name

    @strawberry.field(description="The run's state (never fails: UNKNOWN).")
    def state(self) -> RunState:
        return self.record.state

    @strawberry.field(
        description="Why it ended (RUN_EXECUTION_ERROR, USER_CANCELED, …); null while running."
    )
    def termination_code(self) -> str | None:
        return self.record.termination_code

    @strawberry.field(description="Who ended it.")
    def termination_type(self) -> TerminationType:
        return self.record.termination_type

    @strawberry.field(description="When it started (UTC).")
    def start_time(self) -> datetime:
        return self.record.start_time

    @strawberry.field(description="When it ended; null while active.")
    def end_time(self) -> datetime | None:
        return self.record.end_time

    @strawberry.field(description="How long it ran (repairs included); null while active.")
    def duration_seconds(self) -> float | None:
        return self.record.duration_seconds

    @strawberry.field(description="Time spent queued, when known.")
    def queue_seconds(self) -> float | None:
        return self.record.queue_seconds

    @strawberry.field(description="What started it.")
    def trigger(self) -> Trigger:
        return self.record.trigger

    @strawberry.field(description="The kind of run.")
    def run_type(self) -> RunType:
        return self.record.run_type

    @strawberry.field(description="How many times it was repaired.")
    def repair_count(self) -> int:
        return self.record.repair_count

    @strawberry.field(
        description=(
            "Queued or running now, as the Jobs API says (the state is then its live one); false "
            "too when the Jobs API could not be read (see `liveStateAvailable`)."
        )
    )
    def is_active(self) -> bool:
        return self.record.live

    @strawberry.field(
        description=(
            "True when the run's state is as current as Databricks knows it: it has ended, or the "
            "Jobs API said what it is doing now. " + LIVE_STATE
        )
    )
    def live_state_available(self) -> bool | None:
        return _live_state(self.live_missing)

    @strawberry.field(
        description=(
            "The run's job (a deleted one has `deleted: true`); null for runs/submit runs and jobs "
            "the system tables do not know yet."
        )
    )
    async def job(
        self, info: JMInfo
    ) -> Annotated[Job, strawberry.lazy("job_monitor.backend.graphql.jobs")] | None:
        from job_monitor.backend.graphql.jobs import Job

        if self.record.job_id is None:
            return None
        job = await nested(info.context.loaders.job_by_id.load(self.record.job_id))
        return Job(definition=job) if job is not None else None

    @strawberry.field(description="The latest run of each of its tasks, in start order.")
    async def tasks(self, info: JMInfo) -> list[JobRunTask]:
        key = (self.record.run_id, self.record.job_id)
        tasks = await nested(info.context.loaders.tasks_by_run.load(key))
        return [JobRunTask(record=task) for task in tasks]

    @strawberry.field(
        description=(
            "The Jobs API's message on how it ended or what it waits for; null when not kept "
            "(the Jobs API keeps about 60 days). Costs a Jobs API call per run outside active "
            "lists."
        )
    )
    async def message(self, info: JMInfo) -> str | None:
        if self.record.message is not None or self.record.live:
            return self.record.message
        live = await nested(info.context.loaders.live_run_by_id.load(self.record.run_id))
        return live.message if live is not None else None

    @strawberry.field(
        description=(
            "0 for the first attempt, incremented on each automatic retry; null when the Jobs API "
            "no longer keeps the run. Costs a Jobs API call per run outside active lists."
        )
    )
    async def attempt(self, info: JMInfo) -> int | None:
        if self.record.attempt is not None:
            return self.record.attempt
        live = await nested(info.context.loaders.live_run_by_id.load(self.record.run_id))
        return live.attempt if live is not None else None

    @strawberry.field(description="The run's page in the Databricks UI.")
    def url(self, info: JMInfo) -> str:
        return info.context.session.run_url(self.record)

    @strawberry.field(description="Seconds since it started, while active; else null.")
    def elapsed_seconds(self, info: JMInfo) -> float | None:
        return self.record.elapsed_seconds(info.context.session.now)

    @strawberry.field(
        description=(
            "How long the job usually takes: the p50 duration of its successful runs over the last "
            "30 days (null without any), to compare with `elapsedSeconds`."
        )
    )
    async def expected_seconds(self, info: JMInfo) -> float | None:
        if self.record.job_id is None:
            return None
        key = (self.record.job_id, EXPECTED_DURATION_WINDOW)
        health = await nested(info.context.loaders.health_by_job.load(key))
        return health.duration_p50_seconds

    @strawberry.field(
        description=(
            "Where the run stands against its job's duration target: NO_TARGET without a target "
            "(or a job), BREACHED when it finished over the target or is going past it, AT_RISK "
            "while going past 80% of it, else MET. Null for a run that ended whose duration is "
            "not recorded yet."
        )
    )
    async def sla_status(self, info: JMInfo) -> SlaStatus | None:
        job = None
        if self.record.job_id is not None:
            job = await nested(info.context.loaders.job_by_id.load(self.record.job_id))
        return sla_service.status_of(self.record, job, info.context.session.now)

    @strawberry.field(
        description=(
            "What the run has cost so far, at list price (batched with the other runs of the "
            "request in one statement)."
        )
    )
    async def cost(self, info: JMInfo) -> RunCost:
        return RunCost(view=await nested(info.context.loaders.cost_by_run.load(self.record)))


@strawberry.type(
    description=(
        "A page of runs, newest first (start time, then run id). Cursors are keyset positions: a "
        "page boundary never skips or repeats a run, even while new runs arrive."
    )
)
class JobRunConnection(Connection[JobRun]):
    live_missing: strawberry.Private[UpstreamUnavailableError | None] = None

    @strawberry.field(
        description=(
            "True when the page merges the Jobs API's live state: runs going now show what they "
            "are doing, and runs queued or too new for the system tables are listed. Null when "
            "the Jobs API could not be read: those runs are then missing from the page, and runs "
            "still going show their history state (RUNNING); an error at this field's path says "
            "why (`extensions.code` UPSTREAM_THROTTLED, UPSTREAM_FAILING or UPSTREAM_TIMEOUT)."
        )
    )
    def live_state_available(self) -> bool | None:
        return _live_state(self.live_missing)


def run_connection(runs: RunList, signer: CursorSigner) -> JobRunConnection:
    page, missing = runs.page, runs.live_missing
    edges, info = page_of(
        [
            (
                run.cursor.encode(signer),
                JobRun(record=run, live_missing=missing if run.end_time is None else None),
            )
            for run in page.runs
        ],
        has_next=page.has_next_page,
        has_previous=page.has_previous_page,
    )
    return JobRunConnection(edges=edges, page_info=info, live_missing=missing)


@strawberry.type(description="The runs queued or running now, from the Jobs API.")
class ActiveRuns:
    runs: list[JobRun] = strawberry.field(description="Newest first, at most `first` of them.")
    total_count: int = strawberry.field(description="Active runs matching the filter, all told.")
    as_of: datetime = strawberry.field(description="When this request looked (UTC).")


JobRunsResult = Annotated[
    JobRunConnection | ExpectedError,
    strawberry.union("JobRunsResult", description="A page of runs, or why there is none."),
]
JobRunResult = Annotated[
    JobRun | ExpectedError,
    strawberry.union("JobRunResult", description="The run, or why there is none."),
]
ActiveRunsResult = Annotated[
    ActiveRuns | ExpectedError,
    strawberry.union("ActiveRunsResult", description="The active runs, or why there are none."),
]


async def runs_connection(
    session: Session,
    run_filter: JobRunFilter | None,
    first: int | None,
    after: str | None,
    *,
    job_id: int | None = None,
) -> JobRunConnection:
    """The page the arguments ask for (shared by `jobRuns` and `Job.runs`)."""
    size = page_size(first, session.settings.max_page_size)
    domain_filter = (run_filter or JobRunFilter()).to_domain()
    if job_id is not None:
        if _names_other_jobs(domain_filter, job_id):
            return run_connection(
                RunList(RunPage((), False, after is not None)), session.cursor_signer
            )
        # The runs of a job the viewer already has, deleted or not.
        domain_filter = replace(domain_filter, job_ids=(job_id,), include_deleted=True)
    cursor = RunCursor.decode(after, session.cursor_signer) if after is not None else None
    return run_connection(
        await run_service.list_runs(session, domain_filter, size, cursor), session.cursor_signer
    )


async def latest_runs_connection(
    info: JMInfo, run_filter: JobRunFilter | None, first: int | None, job_id: int
) -> JobRunConnection:
    """`Job.runs` without a cursor: the first page of the job's runs, batched with those of the
    other jobs of the request (one statement for them all)."""
    session = info.context.session
    size = page_size(first, session.settings.max_page_size)
    domain_filter = (run_filter or JobRunFilter()).to_domain()
    if _names_other_jobs(domain_filter, job_id):
        return run_connection(RunList(RunPage((), has_next_page=False)), session.cursor_signer)
    key = (replace(domain_filter, job_ids=(), include_deleted=True), size, job_id)
    return run_connection(
        await info.context.loaders.latest_runs_by_job.load(key), session.cursor_signer
    )


def _names_other_jobs(run_filter: RunFilter, job_id: int) -> bool:
    # Job.runs with a filter that names other jobs only: none of this job's runs match.
    return bool(run_filter.job_ids) and job_id not in run_filter.job_ids


async def _run(session: Session, run_id: str) -> JobRun:
    try:
        parsed = parse_id(run_id, "runId")
    except InvalidFilterError:
        raise NotFoundError("run", run_id[:40]) from None
    return JobRun.of(await run_service.get_run(session, parsed))


async def _active(
    session: Session, run_filter: JobRunFilter | None, first: int | None
) -> ActiveRuns:
    ceiling = session.settings.max_page_size
    # Unlike the paged lists, "what is running now" defaults to as many as a page may hold.
    size = page_size(ceiling if first is None else first, ceiling)
    domain_filter = (run_filter or JobRunFilter()).to_domain()
    runs = await run_service.active_runs(session, domain_filter)
    return ActiveRuns(
        runs=[JobRun(record=run) for run in runs[:size]],
        total_count=len(runs),
        as_of=session.now,
    )


@strawberry.type
class RunQueries:
    @strawberry.field(
        description=(
            "The viewer's job runs, newest first: history from the system tables (up to 365 days) "
            "merged with live state from the Jobs API, each run once. Runs of jobs that exist "
            "now; deleted jobs' runs too with `filter.includeDeleted`."
        )
    )
    async def job_runs(
        self,
        info: JMInfo,
        filter: JobRunFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> JobRunsResult:
        return await answer(runs_connection(info.context.session, filter, first, after))

    @strawberry.field(
        description=(
            "One run of the viewer's jobs, a deleted job's included (a lookup by id, not a list); "
            "`NotFound` for others."
        )
    )
    async def job_run(self, info: JMInfo, run_id: strawberry.ID) -> JobRunResult:
        return await answer(_run(info.context.session, run_id))

    @strawberry.field(
        description=(
            "Runs queued or running now (Jobs API), newest first, each with `elapsedSeconds` and "
            "`expectedSeconds`; at most `first` (default and ceiling: the page size limit)."
        )
    )
    async def active_runs(
        self,
        info: JMInfo,
        filter: JobRunFilter | None = None,
        first: int | None = None,
    ) -> ActiveRunsResult:
        return await answer(_active(info.context.session, filter, first))
