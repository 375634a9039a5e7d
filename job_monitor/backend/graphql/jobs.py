"""Jobs in the API: `jobs`, `job`, `node` and the `Job` and `JobHealth` types.

Resolvers are thin: arguments become a service `JobQuery`, the services answer with the viewer's
job definitions, and `health`/`lastRun` go through the request's DataLoaders.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from job_monitor.backend.data.history import JobDefinition
from job_monitor.backend.data.history import JobTrigger as JobTriggerRecord
from job_monitor.backend.data.visibility import IndexState
from job_monitor.backend.domain import health as rules
from job_monitor.backend.domain.filters import InvalidFilter, NamePattern
from job_monitor.backend.domain.health import JobHealth as JobHealthRecord
from job_monitor.backend.domain.health import Priority
from job_monitor.backend.domain.runs import Trigger
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.pagination import PageInfo, page_size
from job_monitor.backend.graphql.results import ExpectedError, LimitExceeded, answer, nested
from job_monitor.backend.graphql.runs import (
    JobRun,
    JobRunFilter,
    JobRunsResult,
    latest_runs_connection,
    parse_id,
    runs_connection,
)
from job_monitor.backend.services import jobs as job_service
from job_monitor.backend.services import runs as run_service
from job_monitor.backend.services.jobs import JobOrderField, JobQuery, OrderDirection, TagFilter
from job_monitor.backend.services.session import NotFound as NotFoundError
from job_monitor.backend.services.session import Session

DEFAULT_HEALTH_WINDOW = Window.LAST_7_DAYS
PERMISSIONS_COMPLETE = (
    "False while the service is still reading job permissions after a start: the answer then "
    "covers only the jobs whose permissions are known (never a job the viewer may not see)."
)
MAX_NESTED_RUN_LISTS = 5
"""`Job.runs` with a cursor (a later page of one job's runs) costs statements per job, so a request
may ask for later pages of at most this many jobs; first pages are batched (one statement)."""

strawberry.enum(
    Window,
    name="Window",
    description="A rolling window ending now: the last 24 hours, 7, 30, 90 or 365 days.",
)
strawberry.enum(
    Priority,
    name="Priority",
    description=(
        "How urgently a job needs attention; the first rule that holds wins. "
        f"P1: a failure streak of {rules.P1_FAILURE_STREAK} or more. "
        f"P2: a success rate below {float(rules.P2_SUCCESS_RATE_BELOW):.0%} (exactly 90% is not), "
        "or a flagged duration regression (`JobHealth.durationRegressed`). "
        "P3: a single failure (the latest run that succeeded or failed, failed). "
        "Null: healthy. The failure streak counts consecutive failures ending at the latest run "
        "that succeeded or failed; canceled and not-run runs are passed over."
    ),
)
strawberry.enum(JobOrderField, name="JobOrderField", description="What to order jobs by.")
strawberry.enum(OrderDirection, name="OrderDirection", description="ASC or DESC.")


@strawberry.type(description="A job tag.")
class JobTag:
    key: str = strawberry.field(description="The tag's key.")
    value: str = strawberry.field(description="Its value (empty for a key-only tag).")


@strawberry.type(description="A cron schedule.")
class JobSchedule:
    quartz_cron_expression: str | None = strawberry.field(description="Quartz cron expression.")
    timezone_id: str | None = strawberry.field(description="Time zone of the expression.")


@strawberry.type(description="What starts a job.")
class JobTrigger:
    kind: Trigger = strawberry.field(description="The trigger kind (PERIODIC for schedules).")
    schedule: JobSchedule | None = strawberry.field(description="The cron schedule, if any.")
    interval: int | None = strawberry.field(description="Periodic trigger: every `interval` …")
    interval_unit: str | None = strawberry.field(description="… of these units (HOURS, DAYS …).")

    @classmethod
    def of(cls, trigger: JobTriggerRecord) -> JobTrigger:
        has_schedule = trigger.quartz_cron_expression is not None
        return cls(
            kind=trigger.kind,
            schedule=JobSchedule(
                quartz_cron_expression=trigger.quartz_cron_expression,
                timezone_id=trigger.timezone_id,
            )
            if has_schedule
            else None,
            interval=trigger.interval,
            interval_unit=trigger.interval_unit,
        )


@strawberry.type(description="A task of the job's current definition: a node of its DAG.")
class JobTask:
    task_key: str = strawberry.field(description="The task's key.")
    depends_on: list[str] = strawberry.field(description="Keys of the tasks it waits for.")


@strawberry.type(
    description=(
        "A job's health over one window of finished runs (started in the window). Successes: "
        "SUCCEEDED and SUCCEEDED_WITH_FAILURES; failures: FAILED, TIMED_OUT, INTERNAL_ERROR; "
        "canceled and not-run runs count in `runs` only."
    )
)
class JobHealth:
    job_id: strawberry.Private[int]
    last_run_id: strawberry.Private[int | None]
    window: Window = strawberry.field(description="The window these figures cover.")
    runs: int = strawberry.field(description="Finished runs in the window, every state.")
    succeeded: int = strawberry.field(description="Runs that succeeded.")
    failed: int = strawberry.field(description="Runs that failed.")
    canceled: int = strawberry.field(description="Runs canceled by a person or the platform.")
    not_run: int = strawberry.field(description="Runs that ended without running (skipped …).")
    success_rate: float | None = strawberry.field(
        description="succeeded / (succeeded + failed), 0 to 1; null without such runs."
    )
    failure_streak: int = strawberry.field(
        description=(
            "Consecutive failures ending at the latest run that succeeded or failed (canceled "
            "and not-run runs neither end nor extend it)."
        )
    )
    priority: Priority | None = strawberry.field(
        description="P1, P2, P3 by the rules of `Priority`; null when healthy."
    )
    duration_p50_seconds: float | None = strawberry.field(
        description="Median duration of the successful runs (percentile_approx semantics)."
    )
    duration_p90_seconds: float | None = strawberry.field(
        description="90th percentile duration of the successful runs."
    )
    latest_duration_seconds: float | None = strawberry.field(
        description="Duration of the latest run that succeeded or failed."
    )
    duration_baseline_seconds: float | None = strawberry.field(
        description=(
            "The job's usual duration: p50 of its successful runs in the window before the latest "
            f"one; null with fewer than {rules.MIN_BASELINE_RUNS} of them."
        )
    )
    duration_regression: float | None = strawberry.field(
        description="latestDurationSeconds / durationBaselineSeconds; null without a baseline."
    )
    duration_regressed: bool = strawberry.field(
        description=(
            "The latest run took more than "
            f"{float(rules.REGRESSION_RATIO):g}x the baseline and at least "
            f"{rules.REGRESSION_MIN_EXTRA_SECONDS:g} s more (a flagged regression: P2)."
        )
    )
    retries: int = strawberry.field(description="Runs that were automatic retries.")
    repairs: int = strawberry.field(description="Repairs, summed over the runs.")

    @classmethod
    def of(cls, job_id: int, window: Window, health: JobHealthRecord) -> JobHealth:
        return cls(
            job_id=job_id,
            last_run_id=health.last_run.run_id if health.last_run is not None else None,
            window=window,
            runs=health.runs,
            succeeded=health.succeeded,
            failed=health.failed,
            canceled=health.canceled,
            not_run=health.not_run,
            success_rate=health.success_rate,
            failure_streak=health.failure_streak,
            priority=health.priority,
            duration_p50_seconds=health.duration_p50_seconds,
            duration_p90_seconds=health.duration_p90_seconds,
            latest_duration_seconds=health.latest_duration_seconds,
            duration_baseline_seconds=health.duration_baseline_seconds,
            duration_regression=health.duration_regression,
            duration_regressed=health.duration_regressed,
            retries=health.retries,
            repairs=health.repairs,
        )

    @strawberry.field(description="The latest finished run in the window, whatever its state.")
    async def last_run(self, info: JMInfo) -> JobRun | None:
        if self.last_run_id is None:
            return None
        run = await nested(info.context.loaders.run_by_id.load(self.last_run_id))
        return JobRun.of(run) if run is not None else None


@strawberry.type(description="A Lakeflow job the viewer may see.")
class Job(relay.Node):
    definition: strawberry.Private[JobDefinition]
    job_id: strawberry.ID = strawberry.field(description="The Databricks job id.")
    name: str = strawberry.field(description="The job's name.")
    owner: str | None = strawberry.field(description="Its creator's user name.")
    run_as: str | None = strawberry.field(description="The identity its runs use.")
    tags: list[JobTag] = strawberry.field(description="Its tags.")
    team: str | None = strawberry.field(description="The value of its `team` tag.")
    trigger: JobTrigger | None = strawberry.field(description="What starts it; null: unknown.")
    paused: bool | None = strawberry.field(description="Its schedule is paused; null: unknown.")
    tasks: list[JobTask] = strawberry.field(description="Its tasks and their dependencies (DAG).")
    url: str = strawberry.field(description="The job's page in the Databricks UI.")
    duration_target_seconds: int | None = strawberry.field(
        description="Its own SLA: the RUN_DURATION_SECONDS health rule, when it has one."
    )

    @classmethod
    def of(cls, job: JobDefinition, session: Session) -> Job:
        return cls(
            definition=job,
            job_id=strawberry.ID(str(job.job_id)),
            name=job.name,
            owner=job.owner,
            run_as=job.run_as,
            tags=[JobTag(key=key, value=value) for key, value in sorted(job.tags.items())],
            team=job.team,
            trigger=JobTrigger.of(job.trigger) if job.trigger is not None else None,
            paused=job.paused,
            tasks=[JobTask(task_key=t.task_key, depends_on=list(t.depends_on)) for t in job.tasks],
            url=session.services.job_url(job.job_id),
            duration_target_seconds=job.duration_target_seconds,
        )

    @classmethod
    def resolve_id(cls, root: Job, *, info: JMInfo) -> str:
        return str(root.definition.job_id)

    @strawberry.field(description="Its health over a window (default: the last 7 days).")
    async def health(
        self, info: JMInfo, window: Window = DEFAULT_HEALTH_WINDOW
    ) -> JobHealth | None:
        job_id = self.definition.job_id
        health = await nested(info.context.loaders.health_by_job.load((job_id, window)))
        return JobHealth.of(job_id, window, health)

    @strawberry.field(
        description=(
            "Its runs, newest first (as `jobRuns` for this job). The first page (no `after`) "
            "comes with the other jobs' first pages in one batch, for any number of jobs; later "
            f"pages of at most {MAX_NESTED_RUN_LISTS} jobs per request (`LimitExceeded` beyond): "
            "use `jobRuns(filter: {jobIds})` to page through more."
        )
    )
    async def runs(
        self,
        info: JMInfo,
        filter: JobRunFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> JobRunsResult:
        job_id = self.definition.job_id
        if after is None:
            return await answer(latest_runs_connection(info, filter, first, job_id))
        session = info.context.job_session
        session.nested_run_lists += 1
        if session.nested_run_lists > MAX_NESTED_RUN_LISTS:
            return LimitExceeded(
                message=(
                    f"runs: later pages (after) listed for at most {MAX_NESTED_RUN_LISTS} jobs "
                    "per request; use jobRuns(filter: {jobIds: [...]}) for more"
                ),
                code="LIMIT_EXCEEDED",
                field="runs",
            )
        return await answer(runs_connection(session, filter, first, after, job_id=job_id))


@strawberry.type(description="A job and its cursor.")
class JobEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this job.")
    node: Job = strawberry.field(description="The job.")


@strawberry.type(description="A page of the viewer's jobs.")
class JobConnection:
    edges: list[JobEdge] = strawberry.field(description="The jobs with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="Jobs matching the filter, on every page.")
    permissions_complete: bool = strawberry.field(description=PERMISSIONS_COMPLETE)

    @strawberry.field(description="The jobs alone.")
    def nodes(self) -> list[Job]:
        return [edge.node for edge in self.edges]


@strawberry.input(description="A tag a job must carry (with any value when `value` is omitted).")
class JobTagFilter:
    key: str = strawberry.field(description="The tag key (case-insensitive).")
    value: str | None = strawberry.field(default=None, description="The value (case-insensitive).")


@strawberry.input(description="Which jobs: every condition given must hold; omitted means any.")
class JobFilter:
    name_pattern: str | None = strawberry.field(
        default=None,
        description=(
            "The whole name, case-insensitive, with wildcards: * any run of characters, ? one "
            "character (e.g. prod-*-daily)."
        ),
    )
    tags: list[JobTagFilter] | None = strawberry.field(
        default=None, description="Tags the job must carry (at most 20)."
    )
    team: str | None = strawberry.field(default=None, description="Its `team` tag.")
    owner: str | None = strawberry.field(default=None, description="Its creator's user name.")
    run_as: str | None = strawberry.field(default=None, description="The identity its runs use.")
    priority: list[Priority] | None = strawberry.field(
        default=None, description="Its priority over the list's `window` is one of these."
    )


@strawberry.input(description="The order of a job list; ties by job id. Jobs without a value last.")
class JobOrder:
    field: JobOrderField = strawberry.field(
        default=JobOrderField.NAME, description="What to order by (health over `window`)."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="ASC/DESC."
    )


JobsResult = Annotated[
    JobConnection | ExpectedError,
    strawberry.union("JobsResult", description="A page of jobs, or why there is none."),
]
JobResult = Annotated[
    Job | ExpectedError,
    strawberry.union("JobResult", description="The job, or why there is none."),
]


def _query(job_filter: JobFilter | None, order: JobOrder | None, window: Window) -> JobQuery:
    given = job_filter or JobFilter()
    chosen = order or JobOrder()
    return JobQuery(
        name_pattern=NamePattern(given.name_pattern) if given.name_pattern is not None else None,
        tags=tuple(TagFilter(tag.key, tag.value) for tag in given.tags or ()),
        team=given.team,
        owner=given.owner,
        run_as=given.run_as,
        priorities=tuple(given.priority or ()),
        window=window,
        order=chosen.field,
        direction=chosen.direction,
    )


async def _jobs(
    session: Session,
    job_filter: JobFilter | None,
    first: int | None,
    after: str | None,
    order: JobOrder | None,
    window: Window,
) -> JobConnection:
    size = page_size(first, session.settings.max_page_size)
    page = await job_service.list_jobs(session, _query(job_filter, order, window), size, after)
    visible = await session.visible()
    edges = [JobEdge(cursor=e.cursor, node=Job.of(e.job, session)) for e in page.entries]
    return JobConnection(
        edges=edges,
        page_info=PageInfo.of(
            [edge.cursor for edge in edges],
            has_next=page.has_next_page,
            has_previous=page.has_previous_page,
        ),
        total_count=page.total_count,
        permissions_complete=visible.index_state is IndexState.COMPLETE,
    )


async def _job(session: Session, job_id: str) -> Job:
    try:
        parsed = parse_id(job_id, "jobId")
    except InvalidFilter:
        raise NotFoundError("job", job_id[:40]) from None
    return Job.of(await session.job(parsed), session)


async def _node(session: Session, global_id: str) -> relay.Node | None:
    try:
        parsed = relay.GlobalID.from_id(global_id)
    except GlobalIDValueError:
        return None
    try:
        if parsed.type_name == "Job":
            return await _job(session, parsed.node_id)
        if parsed.type_name == "JobRun":
            run_id = parse_id(parsed.node_id, "id")
            return JobRun.of(await run_service.get_run(session, run_id))
    except (NotFoundError, InvalidFilter):
        return None
    return None


@strawberry.type
class JobQueries:
    @strawberry.field(
        description=(
            "The jobs the viewer may see (Relay connection with totalCount), filtered and ordered; "
            "`window` is the window `filter.priority` and the health orders use."
        )
    )
    async def jobs(
        self,
        info: JMInfo,
        filter: JobFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        order_by: JobOrder | None = None,
        window: Window = DEFAULT_HEALTH_WINDOW,
    ) -> JobsResult:
        return await answer(_jobs(info.context.job_session, filter, first, after, order_by, window))

    @strawberry.field(description="One of the viewer's jobs; `NotFound` for any other id.")
    async def job(self, info: JMInfo, job_id: strawberry.ID) -> JobResult:
        return await answer(_job(info.context.job_session, job_id))

    @strawberry.field(
        description="A `Job` or `JobRun` by global id; null when missing or not the viewer's."
    )
    async def node(self, info: JMInfo, id: strawberry.ID) -> relay.Node | None:
        return await nested(_node(info.context.job_session, id))
