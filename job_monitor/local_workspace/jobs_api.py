"""Jobs API 2.2 and job permissions of the local workspace, in databricks-sdk 0.162's wire shapes.

Every answer is computed from the same `local.runs` / `local.task_runs` rows the system tables are
sliced from, shifted to the workspace clock (`WorkspaceDatabase.shift()`), and restricted to what
the caller may view. Errors follow Databricks: a missing job or run is 400 INVALID_PARAMETER_VALUE
"... does not exist" (the SDK turns it into ResourceDoesNotExist), a job the caller cannot view is
403 PERMISSION_DENIED on direct access and simply absent from lists, bad parameters are 400.

The routes are plain `def`: FastAPI runs them in its thread pool, so DuckDB never blocks the event
loop.
"""

import base64
import binascii
import json
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any, Final

import duckdb
from fastapi import APIRouter, Body, Depends, Request

from job_monitor.local_workspace import permissions
from job_monitor.local_workspace.auth import CurrentPrincipal, DatabricksHTTPError
from job_monitor.local_workspace.created_jobs import (
    FIRST_JOB_ID,
    CreatedJob,
    CreatedJobs,
    checked_settings,
)
from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import (
    ALICE,
    APP_SP,
    BOB,
    CAROL,
    WAREHOUSE_ID,
    WORKSPACE_ID,
    Principal,
)
from job_monitor.local_workspace.synth.generate import JOBS_API_RETENTION_DAYS
from job_monitor.local_workspace.synth.vocabulary import OUTCOMES, Outcome

router = APIRouter()

JOBS_LIST_DEFAULT_LIMIT: Final = 20
JOBS_LIST_MAX_LIMIT: Final = 100
RUNS_LIST_DEFAULT_LIMIT: Final = 20
RUNS_LIST_MAX_LIMIT: Final = 25
# Jobs API 2.2 caps array fields (tasks, repair history) at 100 elements per response.
ARRAY_PAGE_SIZE: Final = 100

_DISPLAY_NAMES: Final = {p.user_name: p.display_name for p in (ALICE, BOB, CAROL, APP_SP)}
_ACTIVE_STATES: Final = ("QUEUED", "PENDING", "RUNNING", "TERMINATING")


# How long a client is told to wait before asking again while the database is built.
_STARTING_RETRY_AFTER_SECONDS = 5


def get_database(request: Request) -> WorkspaceDatabase:
    # Waiting for the build here would hold a worker thread per request for minutes, and every
    # route's dependencies share those threads: the statement API would stall with the Jobs API.
    database = request.app.state.workspace.database_if_built()
    if database is None:
        raise DatabricksHTTPError(
            503,
            "TEMPORARILY_UNAVAILABLE",
            "The workspace is starting: its jobs are still being loaded.",
            headers={"Retry-After": str(_STARTING_RETRY_AFTER_SECONDS)},
        )
    if not isinstance(database, WorkspaceDatabase):
        raise DatabricksHTTPError(
            501, "NOT_IMPLEMENTED", "This local workspace serves no synthetic jobs database."
        )
    return database


Database = Annotated[WorkspaceDatabase, Depends(get_database)]


def get_created_jobs(request: Request) -> CreatedJobs:
    return request.app.state.created_jobs  # type: ignore[no-any-return]


Created = Annotated[CreatedJobs, Depends(get_created_jobs)]


def _bad_request(message: str) -> DatabricksHTTPError:
    return DatabricksHTTPError(400, "INVALID_PARAMETER_VALUE", message)


def _job_missing(job_id: int) -> DatabricksHTTPError:
    return _bad_request(f"Job {job_id} does not exist.")


def _run_missing(run_id: int) -> DatabricksHTTPError:
    return _bad_request(f"Run {run_id} does not exist.")


def _denied(principal: Principal, ability: str, job_id: int) -> DatabricksHTTPError:
    return DatabricksHTTPError(
        403,
        "PERMISSION_DENIED",
        f"{principal.user_name} does not have {ability} permissions on Job {job_id}. "
        "Please contact the owner or an administrator for access.",
    )


def _encode_token(payload: dict[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode_token(token: str, key: str) -> int:
    """A page token is the key of the previous page's last item: stable while new runs arrive."""
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded))[key]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise _bad_request(f"Invalid page_token: {token!r}") from error
    if not isinstance(value, int):
        raise _bad_request(f"Invalid page_token: {token!r}")
    return value


def _rows(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]
) -> list[dict[str, Any]]:
    result = cursor.execute(sql, list(params))
    names = [column[0] for column in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _shift_ms(database: WorkspaceDatabase) -> int:
    return int(database.shift() / timedelta(milliseconds=1))


# --- jobs -----------------------------------------------------------------------------------------

_JOB_COLUMNS = """
  job_id, name, description, map_keys(tags) AS tag_keys, map_values(tags) AS tag_values, team,
  owner, runs_as_owner, run_as_user_name, epoch_ms(created_time) AS created_ms, cadence,
  quartz_cron_expression, file_arrival_url, paused, health_duration_seconds, timeout_seconds,
  compute_kind, node_type, workers, min_workers, max_workers, photon, dbr_version, deployment_kind,
  retries_tasks, env
"""


_LIVE_JOB = f"SELECT {_JOB_COLUMNS} FROM local.jobs WHERE job_id = ? AND NOT deleted"  # noqa: S608


def _health(database: WorkspaceDatabase, job: dict[str, Any]) -> dict[str, Any] | None:
    overridden, seconds = database.health_duration_override(job["job_id"])
    threshold = seconds if overridden else job["health_duration_seconds"]
    if threshold is None:
        return None
    return {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": threshold}]}


def _task_settings(job: dict[str, Any], task: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = {"task_key": task["task_key"]}
    if task["depends_on_keys"]:
        settings["depends_on"] = [{"task_key": key} for key in task["depends_on_keys"]]
    settings["run_if"] = "ALL_SUCCESS"
    if task["task_type"] == "sql":
        settings["sql_task"] = {
            "file": {"path": f"{task['path']}.sql", "source": "WORKSPACE"},
            "warehouse_id": WAREHOUSE_ID,
        }
    else:
        if task["task_type"] == "notebook":
            settings["notebook_task"] = {"notebook_path": task["path"], "source": "WORKSPACE"}
        else:
            settings["spark_python_task"] = {
                "python_file": f"{task['path']}.py",
                "source": "WORKSPACE",
            }
        if job["compute_kind"] == "classic":
            settings["job_cluster_key"] = "main"
        elif job["compute_kind"] == "all_purpose":
            # the shared cluster the job's runs used (see _all_purpose_clusters)
            settings["existing_cluster_id"] = job.get("cluster_id")
        elif task["task_type"] == "spark_python":
            settings["environment_key"] = "default"
    settings["timeout_seconds"] = 0
    if job["retries_tasks"]:
        settings["max_retries"] = 2
        settings["min_retry_interval_millis"] = 60_000
    settings["email_notifications"] = {}
    return settings


def _job_settings(
    database: WorkspaceDatabase,
    job: dict[str, Any],
    tasks: list[dict[str, Any]] | None,
    first_page: bool,
) -> dict[str, Any]:
    settings: dict[str, Any] = {"name": job["name"]}
    if job["description"]:
        settings["description"] = job["description"]
    settings["email_notifications"] = {
        "on_failure": [job["owner"]],
        "no_alert_for_skipped_runs": False,
    }
    settings["webhook_notifications"] = {}
    settings["timeout_seconds"] = job["timeout_seconds"]
    health = _health(database, job)
    if health is not None:
        settings["health"] = health
    pause_status = "PAUSED" if job["paused"] else "UNPAUSED"
    if job["quartz_cron_expression"]:
        settings["schedule"] = {
            "quartz_cron_expression": job["quartz_cron_expression"],
            "timezone_id": "UTC",
            "pause_status": pause_status,
        }
    elif job["cadence"] == "file_arrival":
        settings["trigger"] = {
            "file_arrival": {
                "url": job["file_arrival_url"],
                "min_time_between_triggers_seconds": 60,
            },
            "pause_status": pause_status,
        }
    elif job["cadence"] == "continuous":
        settings["continuous"] = {"pause_status": pause_status}
    settings["max_concurrent_runs"] = 1
    if tasks is not None:
        settings["tasks"] = [_task_settings(job, task) for task in tasks]
    if first_page and job["compute_kind"] == "classic":
        # a fixed size or autoscaling bounds, as system.compute.clusters has them
        size: dict[str, Any] = (
            {"num_workers": job["workers"]}
            if job["min_workers"] is None
            else {
                "autoscale": {"min_workers": job["min_workers"], "max_workers": job["max_workers"]}
            }
        )
        settings["job_clusters"] = [
            {
                "job_cluster_key": "main",
                "new_cluster": {
                    "spark_version": job["dbr_version"],
                    "node_type_id": job["node_type"],
                    **size,
                    "data_security_mode": "SINGLE_USER",
                    "runtime_engine": "PHOTON" if job["photon"] else "STANDARD",
                },
            }
        ]
    if first_page and job["compute_kind"] == "serverless":
        settings["environments"] = [{"environment_key": "default", "spec": {"client": "2"}}]
    settings["format"] = "MULTI_TASK"
    settings["queue"] = {"enabled": True}
    if first_page:
        settings["parameters"] = [
            {"name": "env", "default": job["env"]},
            {"name": "run_date", "default": "{{job.start_time.iso_date}}"},
        ]
    settings["tags"] = dict(zip(job["tag_keys"], job["tag_values"], strict=True))
    settings["run_as"] = (
        {"user_name": job["run_as_user_name"]}
        if job["runs_as_owner"]
        else {"service_principal_name": job["run_as_user_name"]}
    )
    if job["deployment_kind"]:
        settings["deployment"] = {
            "kind": job["deployment_kind"],
            "metadata_file_path": (
                f"/Workspace/Users/{job['owner']}/.bundle/{job['name']}/state/metadata.json"
            ),
        }
        settings["edit_mode"] = "UI_LOCKED"
    else:
        settings["edit_mode"] = "EDITABLE"
    return settings


def _tasks_of(
    cursor: duckdb.DuckDBPyConnection, job_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    by_job: dict[int, list[dict[str, Any]]] = {job_id: [] for job_id in job_ids}
    if not job_ids:
        return by_job
    for task in _rows(
        cursor,
        "SELECT job_id, task_idx, task_key, depends_on_keys, task_type, path "
        "FROM local.job_task_settings "
        "WHERE job_id IN (SELECT unnest(?)) ORDER BY job_id, task_idx",
        [job_ids],
    ):
        by_job[task["job_id"]].append(task)
    return by_job


def _all_purpose_clusters(cursor: duckdb.DuckDBPyConnection, jobs: list[dict[str, Any]]) -> None:
    ids = [job["job_id"] for job in jobs if job["compute_kind"] == "all_purpose"]
    if not ids:
        return
    clusters = dict(
        cursor.execute(
            "SELECT job_id, any_value(cluster_id) FROM local.runs "
            "WHERE job_id IN (SELECT unnest(?)) GROUP BY job_id",
            [ids],
        ).fetchall()
    )
    for job in jobs:
        if job["job_id"] in clusters:
            job["cluster_id"] = clusters[job["job_id"]]


def _bool(value: str | None, name: str) -> bool:
    if value is None:
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise _bad_request(f"Invalid value for {name}: {value!r} is not a boolean.")


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError as error:
        raise _bad_request(f"Invalid value for {name}: {value!r} is not an integer.") from error


def _created_job_json(created: CreatedJobs, job: CreatedJob, with_tasks: bool) -> dict[str, Any]:
    """A created job in jobs/get's shape: its settings as written, with the defaults Databricks
    fills in; jobs/list leaves out tasks and job clusters unless asked to expand them."""
    written = job.settings or {}
    settings: dict[str, Any] = {
        "email_notifications": {},
        "webhook_notifications": {},
        "timeout_seconds": 0,
        "max_concurrent_runs": 1,
        "format": "MULTI_TASK",
        "queue": {"enabled": True},
        **written,
    }
    settings["run_as"] = written.get("run_as") or {
        "service_principal_name"
        if created.creator_kind(job) == "service_principal"
        else "user_name": job.creator
    }
    settings["edit_mode"] = written.get("edit_mode") or (
        "UI_LOCKED" if "deployment" in written else "EDITABLE"
    )
    if not with_tasks:
        settings.pop("tasks", None)
        settings.pop("job_clusters", None)
    answer: dict[str, Any] = {
        "job_id": job.job_id,
        "creator_user_name": job.creator,
        "run_as_user_name": job.run_as_user_name(),
        "created_time": job.created_ms,
        "settings": settings,
    }
    if with_tasks:
        answer["has_more"] = False
    return answer


@router.get("/api/2.2/jobs/list")
def list_jobs(
    principal: CurrentPrincipal,
    database: Database,
    created: Created,
    limit: str | None = None,
    offset: str | None = None,
    page_token: str | None = None,
    expand_tasks: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    size = _int(limit, "limit") or JOBS_LIST_DEFAULT_LIMIT
    if not 0 < size <= JOBS_LIST_MAX_LIMIT:
        raise _bad_request(f"Limit must be between 1 and {JOBS_LIST_MAX_LIMIT}, got {size}.")
    skip = _int(offset, "offset") or 0
    if skip < 0:
        raise _bad_request("Offset must be non-negative.")
    expand = _bool(expand_tasks, "expand_tasks")
    visible, params = permissions.visible_jobs_condition(principal)
    where = ["NOT deleted", visible]
    if name is not None:
        where.append("lower(name) = lower(?)")
        params.append(name)
    if page_token:
        where.append("job_id > ?")
        params.append(_decode_token(page_token, "job_id"))
    cursor = database.cursor()
    jobs = _rows(
        cursor,
        f"SELECT {_JOB_COLUMNS} FROM local.jobs WHERE {' AND '.join(where)} "  # noqa: S608 (our own text)
        "ORDER BY job_id LIMIT ? OFFSET ?",
        [*params, size + 1, skip],
    )
    tasks = _tasks_of(cursor, [job["job_id"] for job in jobs[:size]]) if expand else {}
    _all_purpose_clusters(cursor, jobs[:size])
    items: list[dict[str, Any]] = []
    for job in jobs[:size]:
        item: dict[str, Any] = {
            "job_id": job["job_id"],
            "creator_user_name": job["owner"],
            "created_time": job["created_ms"],
            "settings": _job_settings(
                database, job, tasks[job["job_id"]][:ARRAY_PAGE_SIZE] if expand else None, True
            ),
        }
        if expand:
            item["has_more"] = len(tasks[job["job_id"]]) > ARRAY_PAGE_SIZE
        items.append(item)
    if len(jobs) <= size:
        # Created jobs have the highest ids: they follow every synthetic job.
        after = _decode_token(page_token, "job_id") if page_token else 0
        created_skip = 0
        if skip:
            counted = cursor.execute(
                f"SELECT count(*) FROM local.jobs WHERE {' AND '.join(where)}",  # noqa: S608 (our own text)
                params,
            ).fetchone()
            created_skip = max(0, skip - (counted[0] if counted else 0))
        listed = [
            job
            for job in created.visible(principal)
            if job.job_id > after and (name is None or job.name().lower() == name.lower())
        ][created_skip:]
        items.extend(_created_job_json(created, job, expand) for job in listed)
    has_more = len(jobs) > size or len(items) > size
    items = items[:size]
    answer: dict[str, Any] = {}
    if items:
        answer["jobs"] = items
    answer["has_more"] = has_more
    if has_more:
        answer["next_page_token"] = _encode_token({"job_id": items[-1]["job_id"]})
    return answer


def _visible_job(
    cursor: duckdb.DuckDBPyConnection, principal: Principal, job_id: int
) -> tuple[dict[str, Any], str]:
    """The live job and the caller's level on it, or the error Databricks answers."""
    jobs = _rows(cursor, _LIVE_JOB, [job_id])
    if not jobs:
        raise _job_missing(job_id)
    level = permissions.permission_level(cursor, principal, job_id)
    if level is None:
        raise _denied(principal, "View", job_id)
    return jobs[0], level


def _visible_created_job(
    created: CreatedJobs, principal: Principal, job_id: int
) -> CreatedJob | None:
    """The created job of this id when the caller may view it; None when no job was created with
    it (it may be synthetic); 403 when the caller may not view it."""
    job = created.live(job_id)
    if job is None:
        if job_id >= FIRST_JOB_ID:
            raise _job_missing(job_id)  # deleted, or never created: no synthetic job has this id
        return None
    if job.level(principal) is None:
        raise _denied(principal, "View", job_id)
    return job


@router.get("/api/2.2/jobs/get")
def get_job(
    principal: CurrentPrincipal,
    database: Database,
    created: Created,
    job_id: str | None = None,
    page_token: str | None = None,
    include_trigger_state: str | None = None,
) -> dict[str, Any]:
    wanted = _int(job_id, "job_id")
    if wanted is None:
        raise _bad_request("Missing required field: job_id")
    _bool(include_trigger_state, "include_trigger_state")
    made = _visible_created_job(created, principal, wanted)
    if made is not None:
        shown = _created_job_json(created, made, True)
        shown.pop("has_more")
        return shown
    cursor = database.cursor()
    job, _level = _visible_job(cursor, principal, wanted)
    start = _decode_token(page_token, "task") if page_token else 0
    tasks = _tasks_of(cursor, [wanted])[wanted]
    _all_purpose_clusters(cursor, [job])
    page = tasks[start : start + ARRAY_PAGE_SIZE]
    answer: dict[str, Any] = {
        "job_id": job["job_id"],
        "creator_user_name": job["owner"],
        "run_as_user_name": job["run_as_user_name"],
        "created_time": job["created_ms"],
        "settings": _job_settings(database, job, page, start == 0),
    }
    if start + ARRAY_PAGE_SIZE < len(tasks):
        answer["has_more"] = True
        answer["next_page_token"] = _encode_token({"task": start + ARRAY_PAGE_SIZE})
    return answer


# --- runs -----------------------------------------------------------------------------------------

_RUN_COLUMNS = """
  r.job_id, r.run_id, r.run_name, r.trigger, r.run_type, r.compute_kind, r.n_tasks,
  r.creator_user_name, r.cluster_id, epoch_ms(r.start_time) AS start_ms, r.queue_ms, r.setup_ms,
  r.execution_ms, r.cleanup_ms, r.queue_reason, r.is_active, r.active_state,
  epoch_ms(r.attempt_end_time) AS attempt_end_ms, r.attempt_outcome, r.repaired,
  epoch_ms(r.repair_start_time) AS repair_start_ms, epoch_ms(r.repair_end_time) AS repair_end_ms,
  r.repair_outcome, r.outcome, epoch_ms(r.end_time) AS end_ms, r.timeout_seconds, r.env
"""


_RETAINED_RUN = (
    f"SELECT {_RUN_COLUMNS} FROM local.runs r "  # noqa: S608
    "WHERE r.run_id = ? AND r.start_time >= ?::TIMESTAMPTZ"
)


def _message(outcome: Outcome, run: dict[str, Any], failed_task: str | None) -> str:
    return (
        outcome.message.replace("{task}", failed_task or "main")
        .replace(
            "{timeout}", str(run.get("timeout_seconds") or int(run.get("execution_ms", 0) // 1000))
        )
        .replace("{user}", str(run.get("creator_user_name") or "a user"))
    )


def _state(
    outcome_key: str | None, active_state: str | None, run: dict[str, Any], failed_task: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`state`, `status`) of a run or task run: the deprecated and the newer model, in step."""
    if outcome_key is None:
        life = active_state or "RUNNING"
        state: dict[str, Any] = {
            "life_cycle_state": life,
            "state_message": "",
            "user_cancelled_or_timedout": False,
        }
        status: dict[str, Any] = {"state": "BLOCKED" if life == "BLOCKED" else life}
        if life == "QUEUED" and run.get("queue_reason"):
            message = {
                "MAX_CONCURRENT_RUNS_REACHED": "Queued: the job's maximum of 1 concurrent run.",
                "ACTIVE_RUNS_LIMIT_REACHED": "Queued: the workspace limit of active runs.",
            }[run["queue_reason"]]
            state["queue_reason"] = message
            status["queue_details"] = {"code": run["queue_reason"], "message": message}
        if life == "BLOCKED":
            state["life_cycle_state"] = "BLOCKED"
            state["state_message"] = "Waiting for upstream tasks to finish."
        return state, status
    outcome = OUTCOMES[outcome_key]
    message = _message(outcome, run, failed_task)
    state = {"life_cycle_state": outcome.api_life_cycle, "state_message": message}
    if outcome.api_result:
        state["result_state"] = outcome.api_result
    state["user_cancelled_or_timedout"] = outcome_key in ("user_canceled", "timed_out")
    status = {
        "state": "TERMINATED",
        "termination_details": {
            "code": outcome.api_code,
            "type": outcome.termination_type,
            "message": message,
        },
    }
    return state, status


def _run_page_url(request: Request, job_id: int, run_id: int) -> str:
    return f"{str(request.base_url).rstrip('/')}/?o={WORKSPACE_ID}#job/{job_id}/run/{run_id}"


def _task_runs(
    cursor: duckdb.DuckDBPyConnection, run_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Per job run, every attempt of each task: original, retried and repaired."""
    by_run: dict[int, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
    if not run_ids:
        return by_run
    for task in _rows(
        cursor,
        """
        SELECT t.job_run_id, t.task_run_id, t.task_key, t.task_idx, t.depends_on_keys,
          t.attempt_number,
          t.kind, t.cluster_id, t.active_state, epoch_ms(t.start_time) AS start_ms,
          epoch_ms(t.end_time) AS end_ms, t.outcome, t.executed
        FROM local.task_runs t
        WHERE t.job_run_id IN (SELECT unnest(?))
        ORDER BY t.job_run_id, t.task_idx,
          CASE t.kind WHEN 'RETRY' THEN 0 WHEN 'ORIGINAL' THEN 1 ELSE 2 END
        """,
        [run_ids],
    ):
        by_run[task["job_run_id"]].append(task)
    return by_run


def _task_json(
    request: Request, run: dict[str, Any], task: dict[str, Any], shift_ms: int
) -> dict[str, Any]:
    state, status = _state(task["outcome"], task["active_state"], run, task["task_key"])
    start_ms = task["start_ms"] + shift_ms if task["start_ms"] is not None else 0
    end_ms = task["end_ms"] + shift_ms if task["end_ms"] is not None else 0
    duration = max(0, end_ms - start_ms) if end_ms else 0
    item: dict[str, Any] = {
        "task_key": task["task_key"],
        "run_id": task["task_run_id"],
        "state": state,
        "status": status,
        "start_time": start_ms,
        "end_time": end_ms,
        "setup_duration": 0,
        "execution_duration": duration,
        "cleanup_duration": 0,
        "run_duration": duration,
        "queue_duration": 0,
        "attempt_number": task["attempt_number"],
        "run_page_url": _run_page_url(request, run["job_id"], task["task_run_id"]),
        "run_if": "ALL_SUCCESS",
    }
    if task["depends_on_keys"]:
        item["depends_on"] = [{"task_key": key} for key in task["depends_on_keys"]]
    if task["cluster_id"]:
        item["cluster_instance"] = {
            "cluster_id": task["cluster_id"],
            "spark_context_id": str(task["task_run_id"] * 7 % 10**19),
        }
        if run["compute_kind"] == "all_purpose":
            item["existing_cluster_id"] = task["cluster_id"]
        else:
            item["job_cluster_key"] = "main"
    return item


def _latest_tasks(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The task runs a run page shows: retried attempts and, after a repair, the repaired ones."""
    latest: dict[str, dict[str, Any]] = {}
    shown: list[dict[str, Any]] = []
    for task in tasks:
        if task["kind"] == "REPAIR":
            latest[task["task_key"]] = task
    for task in tasks:
        if task["kind"] == "REPAIR":
            continue
        replaced = latest.get(task["task_key"])
        shown.append(replaced if replaced is not None and task["kind"] == "ORIGINAL" else task)
    return shown


def _failed_task_key(tasks: list[dict[str, Any]], kind: str) -> str | None:
    for task in tasks:
        if task["kind"] == kind and task["outcome"] not in (
            None,
            "success",
            "upstream_failed",
            "upstream_canceled",
        ):
            return str(task["task_key"])
    return None


def _run_json(
    request: Request,
    run: dict[str, Any],
    tasks: list[dict[str, Any]] | None,
    shift_ms: int,
    *,
    include_tasks: bool,
    include_history: bool,
    task_page: int = 0,
) -> dict[str, Any]:
    failed_task = _failed_task_key(tasks or [], "REPAIR" if run["repaired"] else "ORIGINAL")
    now_ms = int(time.time() * 1000)
    state, status = _state(run["outcome"], run["active_state"], run, failed_task)
    start_ms = run["start_ms"] + shift_ms
    end_ms = run["end_ms"] + shift_ms if run["end_ms"] is not None else 0
    single_task = run["n_tasks"] == 1
    item: dict[str, Any] = {
        "job_id": run["job_id"],
        "run_id": run["run_id"],
        "number_in_job": run["run_id"],
        "original_attempt_run_id": run["run_id"],
        "attempt_number": 0,
        "creator_user_name": run["creator_user_name"],
        "run_name": run["run_name"],
        "state": state,
        "status": status,
        "start_time": start_ms,
        "end_time": end_ms,
        # Databricks reports setup/execution/cleanup only for single-task runs; multi-task runs use
        # run_duration.
        "setup_duration": run["setup_ms"] if single_task and end_ms else 0,
        "execution_duration": run["execution_ms"] if single_task and end_ms else 0,
        "cleanup_duration": run["cleanup_ms"] if single_task and end_ms else 0,
        "run_duration": end_ms - start_ms if end_ms else 0,
        # A queued run has waited only until now so far.
        "queue_duration": run["queue_ms"] if end_ms else min(run["queue_ms"], now_ms - start_ms),
        "trigger": run["trigger"],
        "run_type": run["run_type"],
        "run_page_url": _run_page_url(request, run["job_id"], run["run_id"]),
        "format": "MULTI_TASK",
        "job_parameters": [
            {"name": "env", "default": run["env"], "value": run["env"]},
        ],
    }
    if run["cluster_id"] and single_task:
        item["cluster_instance"] = {
            "cluster_id": run["cluster_id"],
            "spark_context_id": str(run["run_id"] * 7 % 10**19),
        }
    if include_tasks and tasks is not None:
        shown = _latest_tasks(tasks)
        page = shown[task_page : task_page + ARRAY_PAGE_SIZE]
        item["tasks"] = [_task_json(request, run, task, shift_ms) for task in page]
        if task_page + ARRAY_PAGE_SIZE < len(shown):
            item["has_more"] = True
            item["next_page_token"] = _encode_token({"task": task_page + ARRAY_PAGE_SIZE})
    if include_history and run["repaired"] and task_page == 0:
        item["repair_history"] = _repair_history(run, tasks or [], shift_ms)
    return item


def _repair_history(
    run: dict[str, Any], tasks: list[dict[str, Any]], shift_ms: int
) -> list[dict[str, Any]]:
    original_state, original_status = _state(
        run["attempt_outcome"], None, run, _failed_task_key(tasks, "ORIGINAL")
    )
    repair_state, repair_status = _state(
        run["repair_outcome"], None, run, _failed_task_key(tasks, "REPAIR")
    )
    return [
        {
            "type": "ORIGINAL",
            "start_time": run["start_ms"] + shift_ms,
            "end_time": run["attempt_end_ms"] + shift_ms,
            "state": original_state,
            "status": original_status,
            "task_run_ids": [t["task_run_id"] for t in tasks if t["kind"] != "REPAIR"],
        },
        {
            "type": "REPAIR",
            "id": run["run_id"] + 1,
            "start_time": run["repair_start_ms"] + shift_ms,
            "end_time": run["repair_end_ms"] + shift_ms,
            "state": repair_state,
            "status": repair_status,
            "task_run_ids": [t["task_run_id"] for t in tasks if t["kind"] == "REPAIR"],
        },
    ]


def _retention_start(database: WorkspaceDatabase) -> str:
    """Runs the Jobs API still keeps started after this (anchored) instant."""
    return (database.anchor - timedelta(days=JOBS_API_RETENTION_DAYS)).isoformat()


@router.get("/api/2.2/jobs/runs/list")
def list_runs(
    request: Request,
    principal: CurrentPrincipal,
    database: Database,
    created: Created,
    job_id: str | None = None,
    active_only: str | None = None,
    completed_only: str | None = None,
    start_time_from: str | None = None,
    start_time_to: str | None = None,
    run_type: str | None = None,
    expand_tasks: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
    page_token: str | None = None,
) -> dict[str, Any]:
    active = _bool(active_only, "active_only")
    completed = _bool(completed_only, "completed_only")
    if active and completed:
        raise _bad_request("active_only and completed_only cannot both be true.")
    size = _int(limit, "limit")
    size = RUNS_LIST_DEFAULT_LIMIT if size is None else size
    if size == 0:
        size = RUNS_LIST_MAX_LIMIT  # documented: 0 means the service's maximum
    if not 0 < size <= RUNS_LIST_MAX_LIMIT:
        raise _bad_request(f"Limit must be between 0 and {RUNS_LIST_MAX_LIMIT}, got {size}.")
    skip = _int(offset, "offset") or 0
    if skip < 0:
        raise _bad_request("Offset must be non-negative.")
    if run_type is not None and run_type not in ("JOB_RUN", "WORKFLOW_RUN", "SUBMIT_RUN"):
        raise _bad_request(f"Invalid run_type: {run_type!r}.")
    expand = _bool(expand_tasks, "expand_tasks")
    shift_ms = _shift_ms(database)
    cursor = database.cursor()
    wanted_job = _int(job_id, "job_id")
    if wanted_job is not None and _visible_created_job(created, principal, wanted_job):
        return {"has_more": False}  # the stand-in runs no code: a created job has no runs
    where = ["r.start_time >= ?::TIMESTAMPTZ"]
    params: list[object] = [_retention_start(database)]
    if wanted_job is not None:
        _visible_job(cursor, principal, wanted_job)
        where.append("r.job_id = ?")
        params.append(wanted_job)
    else:
        visible, visible_params = permissions.visible_jobs_condition(principal, "r.job_id")
        where.append(visible)
        params.extend(visible_params)
    if active:
        where.append("r.is_active")
    if completed:
        where.append("NOT r.is_active")
    for value, name, op in (
        (start_time_from, "start_time_from", ">="),
        (start_time_to, "start_time_to", "<="),
    ):
        bound = _int(value, name)
        if bound is not None:
            where.append(f"epoch_ms(r.start_time) {op} ?")
            params.append(bound - shift_ms)
    if run_type is not None:
        where.append("r.run_type = ?")
        params.append(run_type)
    if page_token:
        where.append("r.run_id < ?")
        params.append(_decode_token(page_token, "run_id"))
    # Run ids grow with start time, so run id order is newest-first order with a unique tie-break.
    runs = _rows(
        cursor,
        f"SELECT {_RUN_COLUMNS} FROM local.runs r WHERE {' AND '.join(where)} "  # noqa: S608 (our own text)
        "ORDER BY r.run_id DESC LIMIT ? OFFSET ?",
        [*params, size + 1, skip],
    )
    has_more = len(runs) > size
    runs = runs[:size]
    tasks = _task_runs(cursor, [run["run_id"] for run in runs]) if runs else {}
    answer: dict[str, Any] = {}
    if runs:
        items = []
        for run in runs:
            item = _run_json(
                request,
                run,
                tasks[run["run_id"]],
                shift_ms,
                include_tasks=expand,
                include_history=False,
            )
            if expand:
                item.pop("next_page_token", None)
            else:
                item.pop("has_more", None)
            items.append(item)
        answer["runs"] = items
    answer["has_more"] = has_more
    if has_more:
        answer["next_page_token"] = _encode_token({"run_id": runs[-1]["run_id"]})
    return answer


def _visible_run(
    cursor: duckdb.DuckDBPyConnection,
    database: WorkspaceDatabase,
    principal: Principal,
    run_id: int,
) -> dict[str, Any]:
    runs = _rows(
        cursor,
        _RETAINED_RUN,
        [run_id, _retention_start(database)],
    )
    if not runs:
        raise _run_missing(run_id)
    run = runs[0]
    if permissions.permission_level(cursor, principal, run["job_id"]) is None:
        raise _denied(principal, "View", run["job_id"])
    return run


@router.get("/api/2.2/jobs/runs/get")
def get_run(
    request: Request,
    principal: CurrentPrincipal,
    database: Database,
    run_id: str | None = None,
    include_history: str | None = None,
    include_resolved_values: str | None = None,
    page_token: str | None = None,
) -> dict[str, Any]:
    wanted = _int(run_id, "run_id")
    if wanted is None:
        raise _bad_request("Missing required field: run_id")
    history = _bool(include_history, "include_history")
    _bool(include_resolved_values, "include_resolved_values")
    cursor = database.cursor()
    run = _visible_run(cursor, database, principal, wanted)
    tasks = _task_runs(cursor, [wanted])[wanted]
    task_page = _decode_token(page_token, "task") if page_token else 0
    item = _run_json(
        request,
        run,
        tasks,
        _shift_ms(database),
        include_tasks=True,
        include_history=history,
        task_page=task_page,
    )
    item.pop("has_more", None)
    return item


@router.get("/api/2.2/jobs/runs/get-output")
def get_run_output(
    request: Request, principal: CurrentPrincipal, database: Database, run_id: str | None = None
) -> dict[str, Any]:
    wanted = _int(run_id, "run_id")
    if wanted is None:
        raise _bad_request("Missing required field: run_id")
    cursor = database.cursor()
    owners = cursor.execute(
        "SELECT job_run_id, task_run_id FROM local.task_runs "
        "WHERE task_run_id = ? OR job_run_id = ?",
        [wanted, wanted],
    ).fetchall()
    job_run_id = owners[0][0] if owners else wanted
    run = _visible_run(cursor, database, principal, job_run_id)
    tasks = _task_runs(cursor, [job_run_id])[job_run_id]
    if wanted == job_run_id:
        shown = _latest_tasks(tasks)
        if len(shown) != 1:
            raise _bad_request(
                "Retrieving the output of runs with multiple tasks is not supported. "
                "Please retrieve the output of each individual task run instead."
            )
        task = shown[0]
    else:
        task = next(t for t in tasks if t["task_run_id"] == wanted)
    shift_ms = _shift_ms(database)
    metadata = _task_json(request, run, task, shift_ms)
    metadata.update({"job_id": run["job_id"], "run_name": run["run_name"], "run_type": "JOB_RUN"})
    answer: dict[str, Any] = {"metadata": metadata}
    outputs = cursor.execute(
        "SELECT error, error_trace FROM local.task_outputs WHERE task_run_id = ?",
        [task["task_run_id"]],
    ).fetchall()
    if outputs:
        answer["error"], answer["error_trace"] = outputs[0]
    elif task["outcome"] == "success":
        answer["notebook_output"] = {"result": "", "truncated": False}
    return answer


# --- permissions and health rules -----------------------------------------------------------------


def _created_job_permissions(created: CreatedJobs, job: CreatedJob) -> dict[str, Any]:
    return {
        "object_id": f"/jobs/{job.job_id}",
        "object_type": "job",
        "access_control_list": job.access_control_list(created.creator_kind(job)),
    }


@router.get("/api/2.0/permissions/jobs/{job_id}")
def get_job_permissions(
    principal: CurrentPrincipal, database: Database, created: Created, job_id: str
) -> dict[str, Any]:
    wanted = _int(job_id, "job_id")
    made = created.live(wanted) if wanted is not None else None
    if made is not None and wanted is not None:
        if made.level(principal) is None:
            raise _denied(principal, "View", wanted)
        return _created_job_permissions(created, made)
    cursor = database.cursor()
    exists = cursor.execute(
        "SELECT count(*) FROM local.jobs WHERE job_id = ? AND NOT deleted", [wanted]
    ).fetchone()
    if wanted is None or exists is None or exists[0] == 0:
        raise DatabricksHTTPError(404, "RESOURCE_DOES_NOT_EXIST", f"Job {job_id} does not exist.")
    if permissions.permission_level(cursor, principal, wanted) is None:
        raise _denied(principal, "View", wanted)
    return {
        "object_id": f"/jobs/{wanted}",
        "object_type": "job",
        "access_control_list": permissions.access_control_list(cursor, wanted, _DISPLAY_NAMES),
    }


@router.put("/api/2.0/permissions/jobs/{job_id}")
def set_job_permissions(
    principal: CurrentPrincipal,
    request: Request,
    created: Created,
    job_id: str,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    wanted = _int(job_id, "job_id")
    if wanted is None:
        raise _bad_request("Missing required field: job_id")
    made = _manageable_created_job(created, principal, wanted)
    if made is None:
        _manageable_job(get_database(request), principal, wanted)
        raise _bad_request("The local workspace does not change its synthetic jobs' permissions.")
    created.set_acl(wanted, body.get("access_control_list"))
    return _created_job_permissions(created, made)


def _health_threshold(new_settings: dict[str, Any]) -> int | None:
    """The RUN_DURATION_SECONDS threshold of `new_settings.health` (None when it has no rules)."""
    health = new_settings.get("health")
    if health is None:
        return None
    if not isinstance(health, dict) or not isinstance(health.get("rules", []), list):
        raise _bad_request("Invalid health: expected {'rules': [...]}.")
    threshold: int | None = None
    for rule in health.get("rules", []):
        if not isinstance(rule, dict):
            raise _bad_request("Invalid health rule.")
        if rule.get("op") != "GREATER_THAN":
            raise _bad_request(f"Invalid health rule operator: {rule.get('op')!r}.")
        value = rule.get("value")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _bad_request(f"Invalid health rule value: {value!r}.")
        if rule.get("metric") != "RUN_DURATION_SECONDS":
            raise _bad_request(
                f"Unsupported health metric {rule.get('metric')!r}: no streaming source."
            )
        threshold = value
    return threshold


def _job_id(body: dict[str, Any]) -> int:
    job_id = body.get("job_id")
    if not isinstance(job_id, int) or isinstance(job_id, bool):
        raise _bad_request("Missing required field: job_id")
    return job_id


def _manageable_created_job(
    created: CreatedJobs, principal: Principal, job_id: int
) -> CreatedJob | None:
    job = _visible_created_job(created, principal, job_id)
    if job is not None and not permissions.can_manage(job.level(principal)):
        raise _denied(principal, "Manage", job_id)
    return job


def _manageable_job(database: WorkspaceDatabase, principal: Principal, job_id: int) -> None:
    cursor = database.cursor()
    _job, level = _visible_job(cursor, principal, job_id)
    if not permissions.can_manage(level):
        raise _denied(principal, "Manage", job_id)


@router.post("/api/2.2/jobs/create")
def create_job(
    principal: CurrentPrincipal, created: Created, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    acl = body.pop("access_control_list", None)
    return {"job_id": created.create(principal, body, acl)}


@router.post("/api/2.2/jobs/delete")
def delete_job(
    principal: CurrentPrincipal,
    request: Request,
    created: Created,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    job_id = _job_id(body)
    if _manageable_created_job(created, principal, job_id) is None:
        _manageable_job(get_database(request), principal, job_id)
        raise _bad_request("The local workspace does not delete its synthetic jobs.")
    created.change(job_id, None)
    return {}


@router.post("/api/2.2/jobs/update")
def update_job(
    principal: CurrentPrincipal,
    request: Request,
    created: Created,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    job_id = _job_id(body)
    new_settings = body.get("new_settings") or {}
    removed = body.get("fields_to_remove") or []
    if not isinstance(new_settings, dict) or not isinstance(removed, list):
        raise _bad_request("Invalid new_settings or fields_to_remove.")
    made = _manageable_created_job(created, principal, job_id)
    if made is not None:
        _health_threshold(new_settings)
        merged = {k: v for k, v in (made.settings or {}).items() if k not in removed}
        created.change(job_id, checked_settings(principal, {**merged, **new_settings}))
        return {}
    database = get_database(request)
    _manageable_job(database, principal, job_id)
    unsupported = (set(new_settings) | set(removed)) - {"health"}
    if unsupported:
        # Honest about the stand-in's limits rather than silently ignoring a change.
        raise _bad_request(
            f"The local workspace can only change `health`, not {sorted(unsupported)}."
        )
    if "health" in removed:
        database.set_health_duration(job_id, None)
    if "health" in new_settings:
        database.set_health_duration(job_id, _health_threshold(new_settings))
    return {}


@router.post("/api/2.2/jobs/reset")
def reset_job(
    principal: CurrentPrincipal,
    request: Request,
    created: Created,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    job_id = _job_id(body)
    new_settings = body.get("new_settings")
    if not isinstance(new_settings, dict):
        raise _bad_request("Missing required field: new_settings")
    if _manageable_created_job(created, principal, job_id) is not None:
        _health_threshold(new_settings)
        created.change(job_id, checked_settings(principal, new_settings))
        return {}
    database = get_database(request)
    _manageable_job(database, principal, job_id)
    # A reset replaces the whole settings; of those the stand-in keeps only health (the rest is
    # synthetic).
    database.set_health_duration(job_id, _health_threshold(new_settings))
    return {}
