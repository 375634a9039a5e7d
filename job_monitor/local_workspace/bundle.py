"""`databricks bundle deploy` of the bundle's jobs, for the local workspace.

`make run` has no Databricks CLI and no account, yet the local workspace should hold the jobs the
bundle deploys (the scheduled reports and alert delivery), as a deployed workspace does. This does
for `resources.jobs` what the CLI does for a `production`-mode target: variables and references
resolved, relative files placed under the target's workspace root, the job marked as deployed by
the bundle (`deployment`, `edit_mode: UI_LOCKED`); then `jobs/create` for a job it has not deployed
yet, `jobs/reset` for one it has, through the real SDK. Which job id a resource key got is kept
beside the workspace's data, as the CLI keeps its deployment state on the deployer's machine.
"""

import contextlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import InvalidParameterValue, NotFound

from job_monitor.local_workspace.principals import ALICE, SP_CLIENT_ID, USER_TOKENS

BUNDLE_FILE: Final = Path(__file__).resolve().parents[2] / "databricks.yml"
TARGET: Final = "prod"
_REFERENCE: Final = re.compile(r"\$\{([^}]+)\}")


class BundleError(Exception):
    """The bundle cannot be deployed as written (an unknown variable or reference)."""


def _root_path(bundle: dict[str, Any], target: str) -> str:
    configured = (bundle.get("targets", {}).get(target) or {}).get("workspace", {})
    return str(
        configured.get("root_path") or "/Workspace/Shared/.bundle/${bundle.name}/${bundle.target}"
    )


def bundle_jobs(
    bundle_file: Path,
    *,
    app_service_principal: str,
    target: str = TARGET,
    variables: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """The settings `bundle deploy` sends for each job of `resources.jobs`, by resource key."""
    bundle = yaml.safe_load(bundle_file.read_text())
    name = bundle["bundle"]["name"]
    values: dict[str, str] = {
        f"var.{key}": str(spec["default"])
        for key, spec in (bundle.get("variables") or {}).items()
        if isinstance(spec, dict) and "default" in spec
    }
    values |= {f"var.{key}": value for key, value in (variables or {}).items()}
    values |= {"bundle.name": name, "bundle.target": target}
    values["workspace.root_path"] = _REFERENCE.sub(
        lambda match: _value(values, match.group(1)), _root_path(bundle, target)
    )
    values["workspace.file_path"] = f"{values['workspace.root_path']}/files"
    values["resources.apps.job_monitor.service_principal_client_id"] = app_service_principal

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if isinstance(node, str):
            return _REFERENCE.sub(lambda match: _value(values, match.group(1)), node)
        return node

    jobs: dict[str, dict[str, Any]] = {}
    for key, spec in (bundle.get("resources", {}).get("jobs") or {}).items():
        settings = resolve(spec)
        for task in settings.get("tasks", []):
            for kind, field in (
                ("spark_python_task", "python_file"),
                ("notebook_task", "notebook_path"),
            ):
                path = (task.get(kind) or {}).get(field)
                if isinstance(path, str) and not path.startswith("/"):
                    task[kind][field] = f"{values['workspace.file_path']}/{path.removeprefix('./')}"
        settings["deployment"] = {
            "kind": "BUNDLE",
            "metadata_file_path": f"{values['workspace.root_path']}/state/metadata.json",
        }
        settings["edit_mode"] = "UI_LOCKED"
        settings["format"] = "MULTI_TASK"
        jobs[key] = settings
    return jobs


def _value(values: Mapping[str, str], reference: str) -> str:
    if reference not in values:
        raise BundleError(f"The bundle refers to ${{{reference}}}, which has no value.")
    return values[reference]


def deploy_jobs(
    client: WorkspaceClient,
    bundle_file: Path,
    state_file: Path,
    *,
    app_service_principal: str,
) -> dict[str, int]:
    """Creates or resets every job of the bundle; answers the job id of each resource key."""
    deployed: dict[str, int] = json.loads(state_file.read_text()) if state_file.exists() else {}
    jobs = bundle_jobs(bundle_file, app_service_principal=app_service_principal)
    for key, settings in jobs.items():
        grants = settings.pop("permissions", [])
        job_id = deployed.get(key)
        try:
            if job_id is None:
                raise NotFound("not deployed yet")
            client.api_client.do(
                "POST", "/api/2.2/jobs/reset", body={"job_id": job_id, "new_settings": settings}
            )
        except (NotFound, InvalidParameterValue):
            # New, or deleted since: deployed anew, as the CLI does.
            created = client.api_client.do("POST", "/api/2.2/jobs/create", body=settings)
            job_id = deployed[key] = int(created["job_id"])
        acl = [
            {**{k: v for k, v in grant.items() if k != "level"}, "permission_level": grant["level"]}
            for grant in grants
        ]
        client.api_client.do(
            "PUT", f"/api/2.0/permissions/jobs/{job_id}", body={"access_control_list": acl}
        )
    # Resources removed from the bundle are deleted by the CLI too.
    for key in set(deployed) - set(jobs):
        with contextlib.suppress(NotFound, InvalidParameterValue):
            client.api_client.do("POST", "/api/2.2/jobs/delete", body={"job_id": deployed[key]})
        del deployed[key]
    state_file.parent.mkdir(parents=True, exist_ok=True)
    # Whole, then renamed: a deploy cut short (or two at once) never leaves half a file.
    partial = state_file.with_name(f".{state_file.name}.{os.getpid()}")
    partial.write_text(json.dumps(deployed, indent=2))
    partial.replace(state_file)
    return deployed


def deploy_to_local_workspace(host: str, data_dir: Path) -> dict[str, int]:
    """Deploys the repository's bundle to the local workspace at `host` as alice, an admin (the
    jobs run as the app's service principal, which only an admin may set)."""
    token = next(token for token, principal in USER_TOKENS.items() if principal is ALICE)
    client = WorkspaceClient(config=Config(host=host, token=token, auth_type="pat"))
    return deploy_jobs(
        client,
        BUNDLE_FILE,
        data_dir / "bundle" / f"{TARGET}.json",
        app_service_principal=SP_CLIENT_ID,
    )
