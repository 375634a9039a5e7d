"""Jobs in the API: `jobs`, `job`, `node` and the `Job` and `JobHealth` types.

Resolvers are thin: arguments become a service `JobQuery`, the services answer with the viewer's
job definitions, and `health`/`lastRun` go through the request's DataLoaders.

Deleted jobs are left out of every list, count and lookup unless asked for (`includeDeleted`): see
`DELETED_JOBS`, the rule every such field states.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from job_monitor.backend.domain import health as rules
from job_monitor.backend.domain.errors import InvalidFilterError, NotFoundError
from job_monitor.backend.domain.filters import NamePattern
from job_monitor.backend.domain.health import HealthSummary
from job_monitor.backend.domain.jobs import JobDefinition, TaskDefinition, TriggerSettings
from job_monitor.backend.graphql.budgets import Budget
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.costs import DEFAULT_COST_WINDOW, JobCost
from job_monitor.backend.graphql.enums import (
    JobOrderField,
    OrderDirection,
    Priority,
    Trigger,
    Window,
)
from job_monitor.backend.graphql.errors import ExpectedError, LimitExceeded, answer, nested
from job_monitor.backend.graphql.outputs import DEFAULT_OUTPUTS_WINDOW, JobOutputs
from job_monitor.backend.graphql.pagination import Connection, page_of, page_size
from job_monitor.backend.graphql.runs import (
    JobRun,
    JobRunFilter,
    JobRunsResult,
    latest_runs_connection,
    parse_id,
    runs_connection,
)
from job_monitor.backend.graphql.sla import JobSla
from job_monitor.backend.graphql.utilization import (
    DEFAULT_UTILIZATION_WINDOW,
    JobUtilizationResult,
    utilization_result,
)
from job_monitor.backend.services import jobs as job_service
from job_monitor.backend.services import runs as run_service
from job_monitor.backend.services.jobs import JobQuery, TagFilter
from job_monitor.backend.services.session import Session

DEFAULT_HEALTH_WINDOW = Window.LAST_7_DAYS
PERMISSIONS_COMPLETE = (
    "False while the service is still reading job permissions after a start: the answer then "
    "covers only the jobs whose permissions are known (never a job the viewer may not see)."
)
DELETED_JOBS = (
    "By default only jobs that exist now count; true adds the jobs deleted within the history "
    "kept (365 days) and their runs. Only a viewer who sees every job (an admin, or the `all` "
    "visibility policy) gets deleted jobs: a job's permissions are deleted with it."
)
MAX_NESTED_RUN_LISTS = 5
"""`Job.runs` with a cursor (a later page of one job's runs) costs statements per job, so a request
may ask for later pages of at most this many jobs; first pages are batched (one statement)."""


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
    settings: strawberry.Private[TriggerSettings]

    @strawberry.field(description="The trigger kind (PERIODIC for schedules).")
    def kind(self) -> Trigger:
        return self.settings.kind

    @strawberry.field(description="The cron schedule, if any.")
    def schedule(self) -> JobSchedule | None:
        if self.settings.quartz_cron_expression is None:
            return None
        return JobSchedule(
            quartz_cron_expression=self.settings.quartz_cron_expression,
            timezone_id=self.settings.timezone_id,
        )

    @strawberry.field(description="Periodic trigger: every `interval` …")
    def interval(self) -> int | None:
        return self.settings.interval

    @strawberry.field(description="… of these units (HOURS, DAYS …).")
    def interval_unit(self) -> str | None:
        return self.settings.interval_unit


@strawberry.type(description="A task of the job's current definition: a node of its DAG.")
class JobTask:
    definition: strawberry.Private[TaskDefinition]

    @strawberry.field(description="The task's key.")
    def task_key(self) -> str:
        return self.definition.task_key

    @strawberry.field(description="Keys of the tasks it waits for.")
    def depends_on(self) -> list[str]:
        return list(self.definition.depends_on)


@strawberry.type(
    description=(
        "A job's health over one window of finished runs (started in the window). Successes: "
        "SUCCEEDED and SUCCEEDED_WITH_FAILURES; failures: FAILED, TIMED_OUT, INTERNAL_ERROR; "
        "canceled and not-run runs count in `runs` only."
    )
)
class JobHealth:
    summary: strawberry.Private[HealthSummary]
    window: Window = strawberry.field(description="The window these figures cover.")

    @strawberry.field(description="Finished runs in the window, every state.")
    def runs(self) -> int:
        return self.summary.runs

    @strawberry.field(description="Runs that succeeded.")
    def succeeded(self) -> int:
        return self.summary.succeeded

    @strawberry.field(description="Runs that failed.")
    def failed(self) -> int:
        return self.summary.failed

    @strawberry.field(description="Runs canceled by a person or the platform.")
    def canceled(self) -> int:
        return self.summary.canceled

    @strawberry.field(description="Runs that ended without running (skipped …).")
    def not_run(self) -> int:
        return self.summary.not_run

    @strawberry.field(
        description="succeeded / (succeeded + failed), 0 to 1; null without such runs."
    )
    def success_rate(self) -> float | None:
        return self.summary.success_rate

    @strawberry.field(
        description=(
            "Consecutive failures ending at the latest run that succeeded or failed (canceled "
            "and not-run runs neither end nor extend it)."
        )
    )
    def failure_streak(self) -> int:
        return self.summary.failure_streak

    @strawberry.field(description="P1, P2, P3 by the rules of `Priority`; null when healthy.")
    def priority(self) -> Priority | None:
        return self.summary.priority

    @strawberry.field(
        description="Median duration of the successful runs (percentile_approx semantics)."
    )
    def duration_p50_seconds(self) -> float | None:
        return self.summary.duration_p50_seconds

    @strawberry.field(description="90th percentile duration of the successful runs.")
    def duration_p90_seconds(self) -> float | None:
        return self.summary.duration_p90_seconds

    @strawberry.field(description="Duration of the latest run that succeeded or failed.")
    def latest_duration_seconds(self) -> float | None:
        return self.summary.latest_duration_seconds

    @strawberry.field(
        description=(
            "The job's usual duration: p50 of its successful runs in the window before the latest "
            f"one; null with fewer than {rules.MIN_BASELINE_RUNS} of them."
        )
    )
    def duration_baseline_seconds(self) -> float | None:
        return self.summary.duration_baseline_seconds

    @strawberry.field(
        description="latestDurationSeconds / durationBaselineSeconds; null without a baseline."
    )
    def duration_regression(self) -> float | None:
        return self.summary.duration_regression

    @strawberry.field(
        description=(
            "The latest run took more than "
            f"{float(rules.REGRESSION_RATIO):g}x the baseline and at least "
            f"{rules.REGRESSION_MIN_EXTRA_SECONDS:g} s more (a flagged regression: P2)."
        )
    )
    def duration_regressed(self) -> bool:
        return self.summary.duration_regressed

    @strawberry.field(description="Runs that were automatic retries.")
    def retries(self) -> int:
        return self.summary.retries

    @strawberry.field(description="Repairs, summed over the runs.")
    def repairs(self) -> int:
        return self.summary.repairs

    @strawberry.field(description="The latest finished run in the window, whatever its state.")
    async def last_run(self, info: JMInfo) -> JobRun | None:
        if self.summary.last_run is None:
            return None
        run = await nested(info.context.loaders.run_by_id.load(self.summary.last_run.run_id))
        return JobRun.of(run) if run is not None else None


@strawberry.type(description="A Lakeflow job the viewer may see.")
class Job(relay.Node):
    definition: strawberry.Private[JobDefinition]

    @classmethod
    def resolve_id(cls, root: Job, *, info: JMInfo) -> str:
        return str(root.definition.job_id)

    @strawberry.field(description="The Databricks job id.")
    def job_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.definition.job_id))

    @strawberry.field(description="The job's name.")
    def name(self) -> str:
        return self.definition.name

    @strawberry.field(
        description=(
            "The job was deleted; its fields are those of its last definition. Deleted jobs are "
            "listed only when asked for (`includeDeleted`)."
        )
    )
    def deleted(self) -> bool:
        return self.definition.deleted

    @strawberry.field(description="When it was deleted (UTC); null for a job that exists.")
    def deleted_at(self) -> datetime | None:
        return self.definition.deleted_at

    @strawberry.field(description="Its creator's user name.")
    def owner(self) -> str | None:
        return self.definition.owner

    @strawberry.field(description="The identity its runs use.")
    def run_as(self) -> str | None:
        return self.definition.run_as

    @strawberry.field(description="Its tags.")
    def tags(self) -> list[JobTag]:
        return [JobTag(key=key, value=value) for key, value in sorted(self.definition.tags.items())]

    @strawberry.field(
        description="The value of the tag that names its team (`team` unless configured)."
    )
    def team(self, info: JMInfo) -> str | None:
        return self.definition.team_of(info.context.session.settings.team_tag)

    @strawberry.field(description="What starts it; null: unknown.")
    def trigger(self) -> JobTrigger | None:
        trigger = self.definition.trigger
        return JobTrigger(settings=trigger) if trigger is not None else None

    @strawberry.field(description="Its schedule is paused; null: unknown.")
    def paused(self) -> bool | None:
        return self.definition.paused

    @strawberry.field(description="Its tasks and their dependencies (DAG).")
    def tasks(self) -> list[JobTask]:
        return [JobTask(definition=task) for task in self.definition.tasks]

    @strawberry.field(description="The job's page in the Databricks UI.")
    def url(self, info: JMInfo) -> str:
        return info.context.session.job_url(self.definition.job_id)

    @strawberry.field(
        description="Its own SLA: the RUN_DURATION_SECONDS health rule, when it has one."
    )
    def duration_target_seconds(self) -> int | None:
        return self.definition.duration_target_seconds

    @strawberry.field(
        description=(
            "Its SLA: the duration target (its RUN_DURATION_SECONDS health rule), the runs that "
            "missed it and the breach rate over a window."
        )
    )
    def sla(self) -> JobSla:
        return JobSla(definition=self.definition)

    @strawberry.field(
        description=(
            "Its own monthly budget against the month so far; null when it has none (a team's "
            "budget is under `budgets`)."
        )
    )
    async def budget(self, info: JMInfo) -> Budget | None:
        found = await nested(info.context.loaders.budget_by_job.load(self.definition.job_id))
        return Budget(standing=found) if found is not None else None

    @strawberry.field(
        description=(
            "Its spend over a window (default: the last 30 days); zero for a job without usage "
            "billed to it."
        )
    )
    async def cost(self, info: JMInfo, window: Window = DEFAULT_COST_WINDOW) -> JobCost:
        key = (self.definition.job_id, window)
        summary = await nested(info.context.loaders.cost_by_job.load(key))
        return JobCost(summary=summary, window=window)

    @strawberry.field(
        description=(
            "How busy its job clusters were over a window (default: the last 7 days): driver and "
            "worker CPU and memory per run-minute, and what they say (over-provisioned, cheaper on "
            "job compute, autoscaling never exercised or at its ceiling); or `measurable: false` "
            "with the reason (serverless runs, all-purpose clusters shared with other work, no "
            "data yet). Batched with the other jobs of the request. Null, with its error at this "
            "path, when the node data cannot be read (the job stays)."
        )
    )
    async def utilization(
        self, info: JMInfo, window: Window = DEFAULT_UTILIZATION_WINDOW
    ) -> JobUtilizationResult | None:
        key = (self.definition.job_id, window)
        return utilization_result(await nested(info.context.loaders.utilization_by_job.load(key)))

    @strawberry.field(
        description=(
            "The tables it wrote and read over a window (default: the last 7 days): each write "
            "with its rows against the baseline of its previous writes (anomalies, empty runs), "
            "and the schema changes of those tables. Batched with the other jobs of the request; "
            "at most JOB_MONITOR_OUTPUTS_MAX_TABLES tables' histories are read per request. Null, "
            "with its error at this path, when the lineage cannot be read (the job stays)."
        )
    )
    async def outputs(
        self, info: JMInfo, window: Window = DEFAULT_OUTPUTS_WINDOW
    ) -> JobOutputs | None:
        key = (self.definition.job_id, window)
        return JobOutputs(outputs=await nested(info.context.loaders.outputs_by_job.load(key)))

    @strawberry.field(description="Its health over a window (default: the last 7 days).")
    async def health(
        self, info: JMInfo, window: Window = DEFAULT_HEALTH_WINDOW
    ) -> JobHealth | None:
        key = (self.definition.job_id, window)
        summary = await nested(info.context.loaders.health_by_job.load(key))
        return JobHealth(summary=summary, window=window)

    @strawberry.field(
        description=(
            "Its runs, newest first (as `jobRuns` for this job; a deleted job's too). The first "
            "page (no `after`) "
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
        session = info.context.session
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


@strawberry.type(description="A page of the viewer's jobs.")
class JobConnection(Connection[Job]):
    total_count: int = strawberry.field(description="Jobs matching the filter, on every page.")
    permissions_complete: bool = strawberry.field(description=PERMISSIONS_COMPLETE)


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
    team: str | None = strawberry.field(
        default=None, description="Its team: the tag that names teams (`team` unless configured)."
    )
    owner: str | None = strawberry.field(default=None, description="Its creator's user name.")
    run_as: str | None = strawberry.field(default=None, description="The identity its runs use.")
    priority: list[Priority] | None = strawberry.field(
        default=None, description="Its priority over the list's `window` is one of these."
    )
    include_deleted: bool = strawberry.field(
        default=False, description=f"List deleted jobs too. {DELETED_JOBS}"
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


def job_query(
    job_filter: JobFilter | None, order: JobOrder | None, window: Window, team_tag: str
) -> JobQuery:
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
        include_deleted=given.include_deleted,
        team_tag=team_tag,
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
    page = await job_service.list_jobs(
        session, job_query(job_filter, order, window, session.settings.team_tag), size, after
    )
    edges, info = page_of(
        [(entry.cursor, Job(definition=entry.job)) for entry in page.entries],
        has_next=page.has_next_page,
        has_previous=page.has_previous_page,
    )
    return JobConnection(
        edges=edges,
        page_info=info,
        total_count=page.total_count,
        permissions_complete=page.permissions_complete,
    )


async def _job(session: Session, job_id: str, *, include_deleted: bool = False) -> Job:
    try:
        parsed = parse_id(job_id, "jobId")
    except InvalidFilterError:
        raise NotFoundError("job", job_id[:40]) from None
    return Job(definition=await session.job(parsed, include_deleted=include_deleted))


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
    except (NotFoundError, InvalidFilterError):
        return None
    return None


@strawberry.type
class JobQueries:
    @strawberry.field(
        description=(
            "The jobs the viewer may see (Relay connection with totalCount), filtered and ordered; "
            "`window` is the window `filter.priority` and the health orders use. Jobs that exist "
            "now, and deleted ones with `filter.includeDeleted`: `overview` with the same "
            "`includeDeleted` totals exactly these jobs."
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
        return await answer(_jobs(info.context.session, filter, first, after, order_by, window))

    @strawberry.field(
        description=(
            "One of the viewer's jobs; `NotFound` for any other id, and for a deleted job unless "
            "`includeDeleted`."
        )
    )
    async def job(
        self,
        info: JMInfo,
        job_id: strawberry.ID,
        include_deleted: Annotated[
            bool, strawberry.argument(description=f"Answer a deleted job too. {DELETED_JOBS}")
        ] = False,
    ) -> JobResult:
        return await answer(_job(info.context.session, job_id, include_deleted=include_deleted))

    @strawberry.field(
        description=(
            "A `Job` or `JobRun` by global id; null when missing or not the viewer's (and for a "
            "deleted job, as `job`)."
        )
    )
    async def node(self, info: JMInfo, id: strawberry.ID) -> relay.Node | None:
        return await nested(_node(info.context.session, id))
