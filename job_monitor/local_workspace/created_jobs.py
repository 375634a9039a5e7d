"""Jobs created through the Jobs API (`jobs/create`, as `databricks bundle deploy` does).

The synthetic jobs are read-only rows of the shared database file; a created job is kept instead in
`jobs.json` of the stand-in's state directory (written whole, then renamed into place), so it
outlives a restart as the writable catalog does. It is answered like a synthetic job by jobs/list,
jobs/get, jobs/update, jobs/reset, the permissions API, and `system.lakeflow.jobs` / `job_tasks`,
which gain one SCD row per create, change and delete. Created jobs have no runs: the stand-in runs
no code.

Who may: anyone creates a job and owns it; a job may run as its creator, or as anyone when an
admin creates it (Databricks asks for the service principal's User role, which only admins and the
principal itself hold here); changing or deleting needs CAN_MANAGE.
"""

import json
import os
import re
import threading
import time
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from job_monitor.local_workspace import permissions
from job_monitor.local_workspace.auth import DatabricksHTTPError
from job_monitor.local_workspace.principals import (
    ACCOUNT_ID,
    ALICE,
    APP_SP,
    BOB,
    CAROL,
    WORKSPACE_ID,
    Principal,
    is_admin,
)
from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type

FILE_NAME: Final = "jobs.json"
# Far above every synthetic job id (580000000000000 plus at most 4099 per job).
FIRST_JOB_ID: Final = 990_000_000_000_001

_TASK_KINDS: Final = frozenset(
    {
        "notebook_task",
        "spark_python_task",
        "python_wheel_task",
        "spark_jar_task",
        "spark_submit_task",
        "sql_task",
        "dbt_task",
        "pipeline_task",
        "run_job_task",
        "condition_task",
        "for_each_task",
    }
)
_SETTINGS_FIELDS: Final = frozenset(
    {
        "name",
        "description",
        "tags",
        "tasks",
        "job_clusters",
        "environments",
        "schedule",
        "trigger",
        "continuous",
        "max_concurrent_runs",
        "timeout_seconds",
        "health",
        "email_notifications",
        "webhook_notifications",
        "notification_settings",
        "run_as",
        "parameters",
        "queue",
        "format",
        "deployment",
        "edit_mode",
        "git_source",
        "budget_policy_id",
        "performance_target",
    }
)
# `run_as` of `lakeflow.jobs` is the principal's id, `run_as_user_name` its name.
_KNOWN_IDS: Final = {p.user_name: p.id for p in (ALICE, BOB, CAROL, APP_SP)}
_TASK_KEY: Final = re.compile(r"^[\w\-]{1,100}$")
_PERMISSION_LEVELS: Final = frozenset(permissions.LEVELS) - {"IS_OWNER"}
_PRINCIPAL_FIELDS: Final = ("user_name", "group_name", "service_principal_name")


def _bad(message: str) -> DatabricksHTTPError:
    return DatabricksHTTPError(400, "INVALID_PARAMETER_VALUE", message)


def _check_tasks(tasks: object) -> None:
    if not isinstance(tasks, list) or not tasks:
        raise _bad("A job needs at least one task in `tasks`.")
    keys: set[str] = set()
    for task in tasks:
        if not isinstance(task, dict):
            raise _bad("Each task must be an object.")
        key = task.get("task_key")
        if not isinstance(key, str) or not _TASK_KEY.match(key):
            raise _bad(f"Invalid task_key {key!r}: 1 to 100 letters, digits, '_' or '-'.")
        if key in keys:
            raise _bad(f"Duplicate task_key {key!r}.")
        keys.add(key)
        kinds = _TASK_KINDS & set(task)
        if len(kinds) != 1:
            raise _bad(f"Task {key!r} must have exactly one task type, found {sorted(kinds)}.")
    for task in tasks:
        for dependency in task.get("depends_on") or []:
            upstream = dependency.get("task_key") if isinstance(dependency, dict) else None
            if upstream not in keys:
                raise _bad(f"Task {task['task_key']!r} depends on unknown task {upstream!r}.")


def _check_schedule(schedule: object) -> None:
    if not isinstance(schedule, dict):
        raise _bad("Invalid schedule: expected an object.")
    cron = schedule.get("quartz_cron_expression")
    if not isinstance(cron, str) or len(cron.split()) not in (6, 7):
        raise _bad(f"Invalid quartz_cron_expression {cron!r}: 6 or 7 fields.")
    zone = schedule.get("timezone_id")
    try:
        zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise _bad(f"Invalid timezone_id {zone!r}.") from error
    if not isinstance(zone, str):
        raise _bad("Missing required field: schedule.timezone_id")
    if schedule.get("pause_status", "UNPAUSED") not in ("PAUSED", "UNPAUSED"):
        raise _bad(f"Invalid pause_status {schedule.get('pause_status')!r}.")


def _check_run_as(creator: Principal, run_as: object) -> None:
    if not isinstance(run_as, dict) or len(run_as) != 1:
        raise _bad("run_as needs exactly one of user_name or service_principal_name.")
    ((field, name),) = run_as.items()
    if field not in ("user_name", "service_principal_name") or not isinstance(name, str):
        raise _bad("run_as needs exactly one of user_name or service_principal_name.")
    if name != creator.user_name and not is_admin(creator):
        raise DatabricksHTTPError(
            403,
            "PERMISSION_DENIED",
            f"{creator.user_name} may not set run_as to {name}: it needs the User role on it.",
        )


def checked_settings(creator: Principal, settings: object) -> dict[str, Any]:
    """The settings of a new or reset job, or the 400 Databricks answers for them."""
    if not isinstance(settings, dict):
        raise _bad("Invalid job settings: expected an object.")
    unknown = set(settings) - _SETTINGS_FIELDS
    if unknown:
        raise _bad(f"The local workspace does not know the job settings {sorted(unknown)}.")
    name = settings.get("name", "Untitled")
    if not isinstance(name, str) or not 0 < len(name) <= 4096:
        raise _bad("Invalid name: 1 to 4096 characters.")
    _check_tasks(settings.get("tasks"))
    if "schedule" in settings:
        _check_schedule(settings["schedule"])
    tags = settings.get("tags", {})
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise _bad("Invalid tags: expected an object of strings.")
    if len(tags) > 25:
        raise _bad("A job has at most 25 tags.")
    for field in ("max_concurrent_runs", "timeout_seconds"):
        value = settings.get(field, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _bad(f"Invalid {field}: {value!r}.")
    if "run_as" in settings:
        _check_run_as(creator, settings["run_as"])
    return {"name": name, **{k: v for k, v in settings.items() if k != "name"}}


def _checked_acl(entries: object) -> list[dict[str, str]]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise _bad("Invalid access_control_list: expected a list.")
    acl = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise _bad("Invalid access_control_list entry.")
        who = [field for field in _PRINCIPAL_FIELDS if isinstance(entry.get(field), str)]
        level = entry.get("permission_level")
        if len(who) != 1 or level not in _PERMISSION_LEVELS:
            raise _bad(f"Invalid access_control_list entry: {entry!r}.")
        acl.append({who[0]: entry[who[0]], "permission_level": level})
    return acl


@dataclass
class CreatedJob:
    job_id: int
    creator: str
    creator_id: str
    created_ms: int
    acl: list[dict[str, str]]
    # Every version of the settings, oldest first, with when it was written; None: deleted.
    versions: list[tuple[int, dict[str, Any] | None]]

    @property
    def settings(self) -> dict[str, Any] | None:
        return self.versions[-1][1]

    def name(self) -> str:
        return str((self.settings or {}).get("name", ""))

    def run_as_user_name(self) -> str:
        run_as = (self.settings or {}).get("run_as") or {}
        return str(next(iter(run_as.values()), self.creator))

    def level(self, principal: Principal) -> str | None:
        if is_admin(principal):
            return "CAN_MANAGE"
        if principal.user_name == self.creator:
            return "IS_OWNER"
        granted = [
            entry["permission_level"]
            for entry in self.acl
            if entry.get("user_name") == principal.user_name
            or entry.get("service_principal_name") == principal.user_name
            or entry.get("group_name") in principal.groups
        ]
        return max(granted, key=permissions.LEVELS.index) if granted else None

    def access_control_list(self, principal_kind: str) -> list[dict[str, object]]:
        owner_field = (
            "service_principal_name" if principal_kind == "service_principal" else "user_name"
        )
        entries: list[dict[str, object]] = [
            {owner_field: self.creator, "all_permissions": [{"permission_level": "IS_OWNER"}]}
        ]
        for entry in self.acl:
            who = {k: v for k, v in entry.items() if k != "permission_level"}
            entries.append(
                {**who, "all_permissions": [{"permission_level": entry["permission_level"]}]}
            )
        entries.append(permissions.ADMINS_INHERITED_GRANT)
        return entries


class CreatedJobs:
    def __init__(self, state_dir: Path) -> None:
        self._path = state_dir / FILE_NAME
        self._lock = threading.Lock()
        self._jobs: dict[int, CreatedJob] = {}
        self._creator_kinds: dict[str, str] = {}
        if self._path.exists():
            for item in json.loads(self._path.read_text())["jobs"]:
                job = CreatedJob(
                    job_id=item["job_id"],
                    creator=item["creator"],
                    creator_id=item["creator_id"],
                    created_ms=item["created_ms"],
                    acl=item["acl"],
                    versions=[(at, settings) for at, settings in item["versions"]],
                )
                self._jobs[job.job_id] = job
                self._creator_kinds[job.creator] = item["creator_kind"]

    def _save(self) -> None:
        """Writes every job to a temporary file and renames it into place: a crash mid-write
        leaves the previous file whole."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        items = [
            {
                "job_id": job.job_id,
                "creator": job.creator,
                "creator_id": job.creator_id,
                "creator_kind": self._creator_kinds[job.creator],
                "created_ms": job.created_ms,
                "acl": job.acl,
                "versions": job.versions,
            }
            for job in self._jobs.values()
        ]
        partial = self._path.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(json.dumps({"jobs": items}))
        os.replace(partial, self._path)

    def create(self, creator: Principal, settings: object, acl: object) -> int:
        checked = checked_settings(creator, settings)
        entries = _checked_acl(acl)
        now = int(time.time() * 1000)
        with self._lock:
            job_id = max([FIRST_JOB_ID - 1, *self._jobs]) + 1
            self._jobs[job_id] = CreatedJob(
                job_id, creator.user_name, creator.id, now, entries, [(now, checked)]
            )
            self._creator_kinds[creator.user_name] = creator.kind
            try:
                self._save()
            except OSError:
                del self._jobs[job_id]
                raise
        return job_id

    def change(self, job_id: int, settings: dict[str, Any] | None) -> None:
        """A new version of the job's settings (None deletes it), kept only once it is on disk."""
        with self._lock:
            job = self._jobs[job_id]
            if settings == job.settings:
                return  # nothing changed: no new version, as a redeploy of the same bundle
            job.versions.append((int(time.time() * 1000), settings))
            try:
                self._save()
            except OSError:
                job.versions.pop()
                raise

    def set_acl(self, job_id: int, entries: object) -> None:
        """Replaces the job's direct grants (the Permissions API's PUT); the owner stays."""
        acl = _checked_acl(entries)
        with self._lock:
            job = self._jobs[job_id]
            previous, job.acl = job.acl, acl
            try:
                self._save()
            except OSError:
                job.acl = previous
                raise

    def live(self, job_id: int) -> CreatedJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.settings is not None else None

    def visible(self, principal: Principal) -> list[CreatedJob]:
        """The live jobs `principal` may view, by job id."""
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda job: job.job_id)
        return [job for job in jobs if job.settings is not None and job.level(principal)]

    def creator_kind(self, job: CreatedJob) -> str:
        return self._creator_kinds[job.creator]

    def system_rows(self) -> dict[str, list[str]]:
        """SELECTs of the SCD rows every create, change and delete adds to `lakeflow.jobs` and
        `lakeflow.job_tasks`, in their views' column types."""
        with self._lock:
            jobs = list(self._jobs.values())
        rows: dict[str, list[str]] = {"jobs": [], "job_tasks": []}
        for job in jobs:
            last: dict[str, Any] = {}
            for at_ms, settings in job.versions:
                deleted = settings is None
                current = last if settings is None else settings
                rows["jobs"].append(
                    _typed_row("lakeflow.jobs", _job_row(job, at_ms, current, deleted))
                )
                for task in current.get("tasks", []):
                    rows["job_tasks"].append(
                        _typed_row("lakeflow.job_tasks", _task_row(job, at_ms, task, deleted))
                    )
                last = current
        return rows


def _health_rules(settings: dict[str, Any]) -> list[dict[str, object]]:
    rules = (settings.get("health") or {}).get("rules") or []
    return [{"metric": r["metric"], "operator": r["op"], "value": r["value"]} for r in rules]


def _job_row(
    job: CreatedJob, at_ms: int, settings: dict[str, Any], deleted: bool
) -> dict[str, object]:
    schedule = settings.get("schedule")
    trigger = None
    trigger_type = None
    if schedule:
        trigger = {
            "file_arrival": None,
            "periodic": None,
            "continuous": None,
            "table_update": None,
            "schedule": {
                "quartz_cron_expression": schedule["quartz_cron_expression"],
                "timezone_id": schedule["timezone_id"],
            },
        }
        trigger_type = "CRON"
    deployment = settings.get("deployment")
    return {
        "account_id": ACCOUNT_ID,
        "workspace_id": WORKSPACE_ID,
        "job_id": str(job.job_id),
        "name": settings.get("name"),
        "description": settings.get("description"),
        "creator_id": job.creator_id,
        "tags": settings.get("tags") or {},
        "change_time": at_ms,
        "delete_time": at_ms if deleted else None,
        "run_as": _KNOWN_IDS.get(job.run_as_user_name(), job.run_as_user_name()),
        "trigger": trigger,
        "trigger_type": trigger_type,
        "run_as_user_name": job.run_as_user_name(),
        "creator_user_name": job.creator,
        "paused": bool(schedule and schedule.get("pause_status") == "PAUSED"),
        "timeout_seconds": settings.get("timeout_seconds", 0),
        "health_rules": _health_rules(settings),
        "deployment": (
            {
                "kind": deployment.get("kind"),
                "metadata_file_path": deployment.get("metadata_file_path"),
            }
            if isinstance(deployment, dict)
            else None
        ),
        "create_time": job.created_ms,
    }


def _task_row(
    job: CreatedJob, at_ms: int, task: dict[str, Any], deleted: bool
) -> dict[str, object]:
    return {
        "account_id": ACCOUNT_ID,
        "workspace_id": WORKSPACE_ID,
        "job_id": str(job.job_id),
        "task_key": task["task_key"],
        "depends_on_keys": [d["task_key"] for d in task.get("depends_on") or []],
        "change_time": at_ms,
        "delete_time": at_ms if deleted else None,
        "timeout_seconds": task.get("timeout_seconds", 0),
        "health_rules": _health_rules(task),
    }


def _literal(value: object, type_text: str) -> str:
    """`value` as a DuckDB literal of the Databricks type `type_text`."""
    if value is None:
        return "NULL"
    if type_text == "TIMESTAMP":
        return f"to_timestamp({int(str(value))} / 1000.0)"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if type_text.startswith("MAP") and isinstance(value, dict):
        keys = ", ".join(_literal(k, "STRING") for k in value)
        values = ", ".join(_literal(v, "STRING") for v in value.values())
        return f"MAP([{keys}]::VARCHAR[], [{values}]::VARCHAR[])"
    if isinstance(value, list):
        inner = type_text[len("ARRAY<") : -1]
        return "[" + ", ".join(_literal(item, inner) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"'{k}': {_literal(v, '')}" for k, v in value.items()) + "}"
    raise ValueError(f"no literal for {value!r}")


def _typed_row(table: str, values: dict[str, object]) -> str:
    columns = ", ".join(
        f'CAST({_literal(values[name], type_text)} AS {duckdb_type(type_text)}) AS "{name}"'
        for name, type_text in TABLE_SCHEMAS[table]
    )
    return f"SELECT {columns}"
