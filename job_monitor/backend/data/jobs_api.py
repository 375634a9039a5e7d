"""The service principal's window on the Jobs API 2.2: live runs, run detail, task errors, job ACLs.

Apps grants user tokens no `jobs` scope, so every call here runs as the app's service
principal; callers apply the viewer's visibility (`visibility.py`) before anything leaves the
service. Responses are read as raw JSON through `api_client.do`: the SDK's dataclasses turn enum
values they do not know into None, and we keep the raw strings so the domain can say UNKNOWN
instead of guessing. Upstream failures become two typed exceptions, `NotFoundError` and
`UpstreamUnavailableError`; no upstream message is passed on.
"""

from __future__ import annotations

import hashlib
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

import anyio
import orjson
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import (
    BadRequest,
    DeadlineExceeded,
    InternalError,
    PermissionDenied,
    TemporarilyUnavailable,
    TooManyRequests,
)
from databricks.sdk.errors.platform import NotFound as SdkNotFound

from job_monitor.backend.core import WorkspaceUnavailableError
from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.domain.runs import (
    RunState,
    RunType,
    TerminationType,
    Trigger,
    is_active,
    is_failure,
    state_from_jobs_api,
)

Json = Mapping[str, object]

# "Now" may be this old: a page of live runs costs a few listing calls, and many viewers poll it.
ACTIVE_RUNS_TTL_SECONDS = 5.0
ACTIVE_RUNS = "active_runs"
# `limit=0` asks runs/list for its own maximum page size (documented; 24 or 25 today).
RUNS_PAGE_SIZE = 0
JOBS_PAGE_SIZE = 100
# A workspace runs at most ~2,000 tasks at once; this bounds a runaway listing, not a real one.
MAX_ACTIVE_RUN_PAGES = 400
MAX_TASK_PAGES = 100
# Databricks allows 10,000 jobs per workspace: 100 pages; the bound stops a server that never ends.
MAX_JOB_PAGES = 1000
# runs/get-output calls in flight for one run: enough to hide latency, polite to the rate limit.
TASK_OUTPUT_CONCURRENCY = 8
# Error text can be a whole stack trace; the UI shows the head, the run page has the rest.
MAX_ERROR_MESSAGE_CHARS = 4000

# Permission levels that let a principal view a job. All current job levels do; a level Databricks
# adds later is not assumed to (fail closed).
VIEW_LEVELS = frozenset({"CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"})


class NotFoundError(Exception):
    """The run or job does not exist, or the service principal (and so the viewer) may not see it.

    The message is ours and names only what was asked for: "missing" and "hidden" read the same.
    """

    def __init__(self, kind: Literal["job", "run", "task run"], object_id: int) -> None:
        super().__init__(f"No {kind} with id {object_id}.")
        self.kind = kind
        self.object_id = object_id


class UpstreamUnavailableError(Exception):
    """The Jobs API is throttling, failing or too slow right now; the request may succeed later."""

    def __init__(self, reason: Literal["throttled", "failing", "timeout"]) -> None:
        messages = {
            "throttled": "Databricks is rate-limiting the Jobs API; try again shortly.",
            "failing": "The Databricks Jobs API is failing; try again shortly.",
            "timeout": "The Databricks Jobs API did not answer in time; try again shortly.",
        }
        super().__init__(messages[reason])
        self.reason = reason


@dataclass(frozen=True)
class RepairAttempt:
    """One entry of a run's repair history: the original attempt or a repair."""

    repair_id: int | None
    # ORIGINAL or REPAIR, as the Jobs API says.
    kind: str | None
    state: RunState
    start_time: datetime | None
    end_time: datetime | None
    task_run_ids: tuple[int, ...]


@dataclass(frozen=True)
class LiveTaskRun:
    """A task of a job run as the Jobs API reports it now."""

    run_id: int
    task_key: str
    state: RunState
    termination_code: str | None
    start_time: datetime | None
    end_time: datetime | None
    duration_seconds: float | None
    attempt: int
    depends_on: tuple[str, ...]
    url: str | None
    # From `runs/get-output`, filled for failed tasks by `run_detail`.
    error_message: str | None


@dataclass(frozen=True)
class LiveRun:
    """A job run as the Jobs API reports it now (`runs/list` item or `runs/get`)."""

    run_id: int
    # None only for one-time `runs/submit` runs, which belong to no job.
    job_id: int | None
    run_name: str | None
    state: RunState
    # Raw: the code set is open-ended and the system tables use the same strings.
    termination_code: str | None
    termination_type: TerminationType
    message: str | None
    start_time: datetime | None
    end_time: datetime | None
    duration_seconds: float | None
    queue_seconds: float | None
    trigger: Trigger
    run_type: RunType
    # 0 for the first attempt, incremented on each retry.
    attempt: int
    original_attempt_run_id: int | None
    url: str | None
    # Only `run_detail` fills these (`runs/list` carries neither).
    tasks: tuple[LiveTaskRun, ...] = ()
    repairs: tuple[RepairAttempt, ...] = ()

    @property
    def repair_count(self) -> int:
        return sum(1 for repair in self.repairs if repair.kind == "REPAIR")


@dataclass(frozen=True)
class JobListing:
    """A job as `jobs/list` shows it to the service principal: enough to notice that it changed."""

    job_id: int
    # Digest of the job's settings: it moves whenever the job changes (name, run-as, tags, …).
    settings_digest: str


@dataclass(frozen=True)
class JobAccess:
    """One principal's entry in a job's access control list."""

    kind: Literal["user", "group", "service_principal"]
    name: str
    levels: frozenset[str]

    @property
    def can_view(self) -> bool:
        return not self.levels.isdisjoint(VIEW_LEVELS)


SpClient = WorkspaceClient | Callable[[], Awaitable[WorkspaceClient]]


class JobsApi:
    """Jobs API 2.2 and the job Permissions API, called as the service principal.

    One per process (built in the lifespan): the active runs are cached here for every viewer.
    """

    def __init__(
        self, sp_client: SpClient, *, active_runs_ttl_seconds: float = ACTIVE_RUNS_TTL_SECONDS
    ) -> None:
        """`sp_client`: the service principal's client, or how to get it (`clients.sp.get`)."""
        self._sp_client = sp_client
        self._active_runs = TtlCache(active_runs_ttl_seconds, max_entries=1)

    async def list_jobs(self) -> tuple[JobListing, ...]:
        """Every job the service principal can view (all pages)."""
        jobs: dict[int, JobListing] = {}
        async for page in self._pages(
            "/api/2.2/jobs/list", {"limit": JOBS_PAGE_SIZE}, MAX_JOB_PAGES
        ):
            for raw in _objects(page, "jobs"):
                job_id = _int(raw, "job_id")
                if job_id is None:
                    continue
                jobs[job_id] = JobListing(job_id, _digest(_object(raw, "settings")))
        return tuple(jobs.values())

    async def job_access(self, job_id: int) -> tuple[JobAccess, ...]:
        """The job's access control list, inherited entries (e.g. admins) included."""
        with _upstream(NotFoundError("job", job_id)):
            raw = await self._get(f"/api/2.0/permissions/jobs/{job_id}", {})
        entries: list[JobAccess] = []
        for entry in _objects(raw, "access_control_list"):
            levels = frozenset(
                level
                for permission in _objects(entry, "all_permissions")
                if (level := _str(permission, "permission_level")) is not None
            )
            principal = _principal(entry)
            if principal is not None:
                entries.append(JobAccess(kind=principal[0], name=principal[1], levels=levels))
        return tuple(entries)

    async def active_runs(self) -> tuple[LiveRun, ...]:
        """Runs that are queued, pending, running or terminating now, newest first, each once.

        The service principal's view, shared by all viewers for `active_runs_ttl_seconds` (one
        listing in flight at a time); filter it per viewer with `VisibleJobs.contains`.
        """
        return await self._active_runs.get_or_load(ACTIVE_RUNS, self._list_active_runs)

    async def _list_active_runs(self) -> tuple[LiveRun, ...]:
        runs: dict[int, LiveRun] = {}
        query: dict[str, object] = {"active_only": "true", "limit": RUNS_PAGE_SIZE}
        async for page in self._pages("/api/2.2/jobs/runs/list", query, MAX_ACTIVE_RUN_PAGES):
            for raw in _objects(page, "runs"):
                run = _job_run(raw, tasks=(), repairs=())
                # Runs starting while we page shift the pages: keep each run's first sighting.
                if run is not None and run.run_id not in runs:
                    runs[run.run_id] = run
        # A run can finish between its page and the next; only runs still active are "now".
        return tuple(run for run in runs.values() if is_active(run.state))

    async def run_detail(self, run_id: int, *, include_task_errors: bool = True) -> LiveRun:
        """One run with its tasks (all pages), repair history and failed tasks' error text."""
        missing = NotFoundError("run", run_id)
        query: dict[str, object] = {"run_id": run_id, "include_history": "true"}
        raw_tasks: list[Json] = []
        first: Json | None = None
        async for page in self._pages("/api/2.2/jobs/runs/get", query, MAX_TASK_PAGES, missing):
            first = first or page
            raw_tasks.extend(_objects(page, "tasks"))
        if first is None:
            raise missing
        tasks = tuple(task for raw in raw_tasks if (task := _task_run(raw)) is not None)
        repairs = tuple(_repair(raw) for raw in _objects(first, "repair_history"))
        run = _job_run(first, tasks=tasks, repairs=repairs)
        if run is None:
            raise missing
        return await self.with_task_errors(run) if include_task_errors else run

    async def with_task_errors(self, run: LiveRun) -> LiveRun:
        """`run` with the error text of its failed tasks filled in."""
        errors = await self.task_error_messages(t.run_id for t in run.tasks if is_failure(t.state))
        tasks = tuple(replace(t, error_message=errors.get(t.run_id)) for t in run.tasks)
        return replace(run, tasks=tasks)

    async def task_error_messages(self, task_run_ids: Iterable[int]) -> dict[int, str]:
        """Error text of task runs (`runs/get-output`), fetched a bounded number at a time.

        Task runs without an error, or that vanished, are absent from the answer.
        """
        ids = list(dict.fromkeys(task_run_ids))
        messages: dict[int, str] = {}
        limiter = anyio.CapacityLimiter(TASK_OUTPUT_CONCURRENCY)

        async def fetch(task_run_id: int) -> None:
            async with limiter:
                try:
                    with _upstream(NotFoundError("task run", task_run_id)):
                        raw = await self._get(
                            "/api/2.2/jobs/runs/get-output", {"run_id": task_run_id}
                        )
                except NotFoundError:
                    return
            message = _error_message(raw)
            if message:
                messages[task_run_id] = message

        try:
            async with anyio.create_task_group() as tg:
                for task_run_id in ids:
                    tg.start_soon(fetch, task_run_id)
        except* UpstreamUnavailableError as group:
            # The first failure cancelled the others; callers expect the typed error, not a group.
            raise group.exceptions[0] from None
        return messages

    async def duration_target_seconds(self, job_id: int) -> float | None:
        """The job's own SLA: its `RUN_DURATION_SECONDS > x` health rule, if it has one."""
        with _upstream(NotFoundError("job", job_id)):
            raw = await self._get("/api/2.2/jobs/get", {"job_id": job_id})
        health = _object(_object(raw, "settings"), "health")
        for rule in _objects(health, "rules"):
            if _str(rule, "metric") == "RUN_DURATION_SECONDS":
                value = rule.get("value")
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
        return None

    async def _get(self, path: str, query: Mapping[str, object]) -> Json:
        if isinstance(self._sp_client, WorkspaceClient):
            ws = self._sp_client
        else:
            try:
                ws = await self._sp_client()
            except WorkspaceUnavailableError as err:
                raise UpstreamUnavailableError("failing") from err
        do = ws.api_client.do
        body = await call_sdk(lambda: do("GET", path, query=dict(query)))
        if not isinstance(body, dict):
            raise UpstreamUnavailableError("failing")
        return body

    async def _pages(
        self,
        path: str,
        query: Mapping[str, object],
        max_pages: int,
        missing: NotFoundError | None = None,
    ) -> AsyncIterator[Json]:
        """Follow `next_page_token` to the last page (where it is absent or empty)."""
        token: str | None = None
        for _ in range(max_pages):
            paged = {**query, "page_token": token} if token else dict(query)
            with _upstream(missing):
                page = await self._get(path, paged)
            yield page
            token = _str(page, "next_page_token")
            if not token:
                return


@contextmanager
def _upstream(missing: NotFoundError | None) -> Iterator[None]:
    """Map SDK failures to our two typed answers; anything else is a bug and propagates."""
    try:
        yield
    except TimeoutError as err:
        # After retry_timeout_seconds of 429/503/timeouts the SDK raises a builtin TimeoutError.
        cause = err.__cause__
        if isinstance(cause, TooManyRequests):
            raise UpstreamUnavailableError("throttled") from err
        if isinstance(cause, DatabricksError) or (
            isinstance(cause, requests.ConnectionError) and not isinstance(cause, requests.Timeout)
        ):
            raise UpstreamUnavailableError("failing") from err
        raise UpstreamUnavailableError("timeout") from err
    except (SdkNotFound, PermissionDenied) as err:
        # A job the service principal may not see is, for every viewer, a job that does not exist.
        if missing is None:
            raise UpstreamUnavailableError("failing") from err
        raise missing from err
    except BadRequest as err:
        if missing is not None and "does not exist" in str(err):
            raise missing from err
        raise
    except TooManyRequests as err:
        raise UpstreamUnavailableError("throttled") from err
    except (InternalError, TemporarilyUnavailable, DeadlineExceeded) as err:
        raise UpstreamUnavailableError("failing") from err
    except DatabricksError as err:
        # Unparseable answers (a proxy's HTML 502, …) arrive as the base class.
        if type(err) is DatabricksError:
            raise UpstreamUnavailableError("failing") from err
        raise


def _job_run(
    raw: Json, *, tasks: tuple[LiveTaskRun, ...], repairs: tuple[RepairAttempt, ...]
) -> LiveRun | None:
    run_id = _int(raw, "run_id")
    if run_id is None:
        return None
    state, status = _object(raw, "state"), _object(raw, "status")
    termination = _object(status, "termination_details")
    return LiveRun(
        run_id=run_id,
        job_id=_int(raw, "job_id"),
        run_name=_str(raw, "run_name"),
        state=_state(raw),
        termination_code=_str(termination, "code"),
        termination_type=TerminationType.parse(_str(termination, "type")),
        message=_str(termination, "message") or _str(state, "state_message"),
        start_time=_time(raw, "start_time"),
        end_time=_time(raw, "end_time"),
        duration_seconds=_duration_seconds(raw),
        queue_seconds=_seconds(raw, "queue_duration"),
        trigger=Trigger.parse(_str(raw, "trigger")),
        run_type=RunType.parse(_str(raw, "run_type")),
        attempt=_int(raw, "attempt_number") or 0,
        original_attempt_run_id=_int(raw, "original_attempt_run_id"),
        url=_str(raw, "run_page_url"),
        tasks=tasks,
        repairs=repairs,
    )


def _task_run(raw: Json) -> LiveTaskRun | None:
    run_id = _int(raw, "run_id")
    task_key = _str(raw, "task_key")
    if run_id is None or task_key is None:
        return None
    return LiveTaskRun(
        run_id=run_id,
        task_key=task_key,
        state=_state(raw),
        termination_code=_str(_object(_object(raw, "status"), "termination_details"), "code"),
        start_time=_time(raw, "start_time"),
        end_time=_time(raw, "end_time"),
        duration_seconds=_duration_seconds(raw),
        attempt=_int(raw, "attempt_number") or 0,
        depends_on=tuple(
            key for dep in _objects(raw, "depends_on") if (key := _str(dep, "task_key")) is not None
        ),
        url=_str(raw, "run_page_url"),
        error_message=None,
    )


def _repair(raw: Json) -> RepairAttempt:
    return RepairAttempt(
        repair_id=_int(raw, "id"),
        kind=_str(raw, "type"),
        state=_state(raw),
        start_time=_time(raw, "start_time"),
        end_time=_time(raw, "end_time"),
        task_run_ids=tuple(i for i in _list(raw, "task_run_ids") if isinstance(i, int)),
    )


def _state(raw: Json) -> RunState:
    state, status = _object(raw, "state"), _object(raw, "status")
    return state_from_jobs_api(
        life_cycle_state=_str(state, "life_cycle_state"),
        result_state=_str(state, "result_state"),
        status_state=_str(status, "state"),
        termination_code=_str(_object(status, "termination_details"), "code"),
    )


def _duration_seconds(raw: Json) -> float | None:
    # Multi-task job runs report run_duration (setup/execution/cleanup are 0 there); task runs and
    # single-task runs report the three parts, whose sum is the duration.
    run_duration = _int(raw, "run_duration")
    if run_duration:
        return run_duration / 1000
    parts = [_int(raw, key) for key in ("setup_duration", "execution_duration", "cleanup_duration")]
    total = sum(p for p in parts if p is not None)
    return total / 1000 if total else None


def _error_message(raw: Json) -> str | None:
    message = _str(raw, "error") or _str(raw, "error_trace")
    return message[:MAX_ERROR_MESSAGE_CHARS] if message else None


def _principal(entry: Json) -> tuple[Literal["user", "group", "service_principal"], str] | None:
    if (name := _str(entry, "user_name")) is not None:
        return "user", name
    if (name := _str(entry, "group_name")) is not None:
        return "group", name
    if (name := _str(entry, "service_principal_name")) is not None:
        return "service_principal", name
    return None


def _digest(settings: Json) -> str:
    return hashlib.blake2b(
        orjson.dumps(settings, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).hexdigest()


def _object(raw: Json, key: str) -> Json:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _list(raw: Json, key: str) -> Sequence[object]:
    value = raw.get(key)
    return value if isinstance(value, list) else ()


def _objects(raw: Json, key: str) -> list[Json]:
    return [item for item in _list(raw, key) if isinstance(item, dict)]


def _str(raw: Json, key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) and value else None


def _int(raw: Json, key: str) -> int | None:
    value = raw.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # Some int64 fields may arrive as strings (proto3 JSON); accept both.
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _time(raw: Json, key: str) -> datetime | None:
    millis = _int(raw, key)
    # end_time is 0 while a run is active.
    return datetime.fromtimestamp(millis / 1000, tz=UTC) if millis else None


def _seconds(raw: Json, key: str) -> float | None:
    millis = _int(raw, key)
    return millis / 1000 if millis is not None else None
