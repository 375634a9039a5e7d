"""The service principal's window on the Jobs API 2.2: live runs, run detail, task errors, job ACLs,
and the one write, a job's health rules (its SLA target).

Apps grants user tokens no `jobs` scope, so every call here runs as the app's service
principal; callers apply the viewer's visibility (`visibility.py`) before anything leaves the
service. Responses are read as raw JSON through `api_client.do`: the SDK's dataclasses turn enum
values they do not know into None, and we keep the raw strings so the domain can say UNKNOWN
instead of guessing. Upstream failures become `NotFoundError` and `UpstreamUnavailableError`
(`sdk_errors.upstream_errors`); no upstream message is passed on.
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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import anyio
import orjson
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors.platform import PermissionDenied

from job_monitor.backend.data.budget import spend_jobs_api_call
from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.sdk_errors import upstream_errors
from job_monitor.backend.domain.errors import (
    JobMonitorError,
    NotFoundError,
    PermissionDeniedError,
    Upstream,
    UpstreamProblem,
    UpstreamUnavailableError,
)
from job_monitor.backend.domain.runs import (
    RepairAttempt,
    RunRecord,
    RunState,
    RunType,
    TaskRunRecord,
    TerminationType,
    Trigger,
    is_active,
    state_from_jobs_api,
)
from job_monitor.backend.domain.service_health import RecentOutcomes
from job_monitor.backend.domain.sla_changes import JobHealthSettings

Json = Mapping[str, object]

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

    def __init__(self, sp_client: SpClient, *, outcomes: RecentOutcomes | None = None) -> None:
        """`sp_client`: the service principal's client, or how to get it (`clients.sp.get`);
        `outcomes`: where each call's outcome is recorded (for `health`)."""
        self._sp_client = sp_client
        self._outcomes = outcomes if outcomes is not None else RecentOutcomes()

    @contextmanager
    def _recorded(self) -> Iterator[None]:
        """Records the outcome of the call inside: a missing job or run is an answer, a typed
        upstream failure is a failure, a request over its budget made no call."""
        try:
            yield
        except NotFoundError:
            self._outcomes.record(True)
            raise
        except UpstreamUnavailableError:
            self._outcomes.record(False)
            raise
        self._outcomes.record(True)

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
        with self._recorded(), upstream_errors(Upstream.JOBS_API, NotFoundError("job", job_id)):
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

    async def job_health(self, job_id: int) -> JobHealthSettings:
        """The job's health rules (raw) and deployment, as `jobs/get` answers them now."""
        with self._recorded(), upstream_errors(Upstream.JOBS_API, NotFoundError("job", job_id)):
            raw = await self._get("/api/2.2/jobs/get", {"job_id": job_id})
        settings = _object(raw, "settings")
        deployment = _object(settings, "deployment")
        return JobHealthSettings(
            job_id=job_id,
            rules=tuple(_objects(_object(settings, "health"), "rules")),
            bundle_managed=_str(deployment, "kind") == "BUNDLE",
            bundle_metadata_path=_str(deployment, "metadata_file_path"),
        )

    async def update_job_health(self, job_id: int, rules: Sequence[Mapping[str, object]]) -> None:
        """Writes the job's whole `health` field (`jobs/update` replaces it whole): these rules, or
        none (`fields_to_remove`: an empty rule list's effect is unconfirmed). Nothing else of the
        job is sent, so nothing else changes. A 403 is the service principal lacking CAN_MANAGE."""
        body: dict[str, object] = {"job_id": job_id}
        if rules:
            body["new_settings"] = {"health": {"rules": [dict(rule) for rule in rules]}}
        else:
            body["fields_to_remove"] = ["health"]
        denied = PermissionDeniedError(
            f"The app's service principal may not edit job {job_id}: grant it CAN_MANAGE on the "
            "job (an app `job` resource with permission CAN_MANAGE, or the job's permissions "
            "page); never IS_OWNER, or the job would run as the app.",
            principal="APP",
            required=("CAN_MANAGE",),
            grant="CAN_MANAGE",
        )
        with self._recorded():
            try:
                with upstream_errors(Upstream.JOBS_API, NotFoundError("job", job_id)):
                    await self._post("/api/2.2/jobs/update", body)
            except NotFoundError as missing:
                if isinstance(missing.__cause__, PermissionDenied):
                    raise denied from missing.__cause__
                raise

    async def active_runs(self) -> tuple[RunRecord, ...]:
        """Runs that are queued, pending, running or terminating now, newest first, each once:
        the service principal's view (callers cache it and cut it per viewer)."""
        runs: dict[int, RunRecord] = {}
        listed_at = datetime.now(UTC)
        query: dict[str, object] = {"active_only": "true", "limit": RUNS_PAGE_SIZE}
        async for page in self._pages("/api/2.2/jobs/runs/list", query, MAX_ACTIVE_RUN_PAGES):
            for raw in _objects(page, "runs"):
                run = _job_run(raw, listed_at, tasks=(), repairs=())
                # Runs starting while we page shift the pages: keep each run's first sighting.
                if run is not None and run.run_id not in runs:
                    runs[run.run_id] = run
        # A run can finish between its page and the next; only runs still active are "now".
        return tuple(run for run in runs.values() if run.live)

    async def run_detail(self, run_id: int) -> RunRecord:
        """One run with its tasks (all pages) and repair history."""
        missing = NotFoundError("run", run_id)
        fetched_at = datetime.now(UTC)
        query: dict[str, object] = {"run_id": run_id, "include_history": "true"}
        raw_tasks: list[Json] = []
        first: Json | None = None
        async for page in self._pages("/api/2.2/jobs/runs/get", query, MAX_TASK_PAGES, missing):
            first = first or page
            raw_tasks.extend(_objects(page, "tasks"))
        if first is None:
            raise missing
        tasks = tuple(task for raw in raw_tasks if (task := _task_run(raw, run_id)) is not None)
        repairs = tuple(_repair(raw) for raw in _objects(first, "repair_history"))
        run = _job_run(first, fetched_at, tasks=tasks, repairs=repairs)
        if run is None:
            raise missing
        return run

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
                    missing = NotFoundError("task run", task_run_id)
                    with self._recorded(), upstream_errors(Upstream.JOBS_API, missing):
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
        except* JobMonitorError as group:
            # The first failure cancelled the others; callers expect the typed error, not a group.
            raise group.exceptions[0] from None
        return messages

    async def _client(self) -> WorkspaceClient:
        if isinstance(self._sp_client, WorkspaceClient):
            return self._sp_client
        return await self._sp_client()

    async def _post(self, path: str, body: Mapping[str, object]) -> None:
        spend_jobs_api_call()
        do = (await self._client()).api_client.do
        await call_sdk(lambda: do("POST", path, body=dict(body)))

    async def _get(self, path: str, query: Mapping[str, object]) -> Json:
        spend_jobs_api_call()
        do = (await self._client()).api_client.do
        body = await call_sdk(lambda: do("GET", path, query=dict(query)))
        if not isinstance(body, dict):
            raise UpstreamUnavailableError(
                Upstream.JOBS_API, UpstreamProblem.FAILING, f"{path} answered no JSON object"
            )
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
            with self._recorded(), upstream_errors(Upstream.JOBS_API, missing):
                page = await self._get(path, paged)
            yield page
            token = _str(page, "next_page_token")
            if not token:
                return


def _job_run(
    raw: Json,
    fetched_at: datetime,
    *,
    tasks: tuple[TaskRunRecord, ...],
    repairs: tuple[RepairAttempt, ...],
) -> RunRecord | None:
    run_id = _int(raw, "run_id")
    if run_id is None:
        return None
    state, status = _object(raw, "state"), _object(raw, "status")
    termination = _object(status, "termination_details")
    run_state = _state(raw)
    return RunRecord(
        run_id=run_id,
        job_id=_int(raw, "job_id"),
        run_name=_str(raw, "run_name"),
        state=run_state,
        termination_code=_str(termination, "code"),
        termination_type=TerminationType.parse(_str(termination, "type")),
        message=_str(termination, "message") or _str(state, "state_message"),
        # A run listed without a start time was created just now.
        start_time=_time(raw, "start_time") or fetched_at,
        end_time=_time(raw, "end_time"),
        duration_seconds=_duration_seconds(raw),
        queue_seconds=_seconds(raw, "queue_duration"),
        trigger=Trigger.parse(_str(raw, "trigger")),
        run_type=RunType.parse(_str(raw, "run_type")),
        attempt=_int(raw, "attempt_number") or 0,
        url=_str(raw, "run_page_url"),
        live=is_active(run_state),
        repair_count=sum(1 for repair in repairs if repair.kind == "REPAIR"),
        tasks=tasks,
        repairs=repairs,
    )


def _task_run(raw: Json, job_run_id: int) -> TaskRunRecord | None:
    run_id = _int(raw, "run_id")
    task_key = _str(raw, "task_key")
    if run_id is None or task_key is None:
        return None
    termination = _object(_object(raw, "status"), "termination_details")
    return TaskRunRecord(
        task_run_id=run_id,
        job_run_id=job_run_id,
        task_key=task_key,
        state=_state(raw),
        termination_code=_str(termination, "code"),
        termination_type=TerminationType.parse(_str(termination, "type")),
        start_time=_time(raw, "start_time"),
        end_time=_time(raw, "end_time"),
        duration_seconds=_duration_seconds(raw),
        attempt=_int(raw, "attempt_number") or 0,
        depends_on=tuple(
            key for dep in _objects(raw, "depends_on") if (key := _str(dep, "task_key")) is not None
        ),
        url=_str(raw, "run_page_url"),
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
