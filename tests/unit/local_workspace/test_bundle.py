"""What the local workspace's `bundle deploy` sends for the bundle's jobs: references resolved,
relative files under the target's root, marked as deployed by the bundle."""

from pathlib import Path

import pytest

from job_monitor.local_workspace.bundle import BUNDLE_FILE, BundleError, bundle_jobs

BUNDLE = """
bundle: {name: demo}
variables:
  zone: {default: UTC}
  scope: {description: no default}
targets:
  prod:
    workspace: {root_path: "/Workspace/Shared/.bundle/${bundle.name}/${bundle.target}"}
resources:
  jobs:
    nightly:
      name: nightly
      run_as: {service_principal_name: "${resources.apps.job_monitor.service_principal_client_id}"}
      schedule: {quartz_cron_expression: "0 0 1 * * ?", timezone_id: "${var.zone}"}
      tasks:
        - task_key: main
          spark_python_task:
            python_file: ./jobs/task.py
            parameters: ["--scope", "${var.scope}", "{{workspace.url}}"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "databricks.yml"
    path.write_text(text)
    return path


def test_references_are_resolved_and_files_placed_under_the_targets_root(tmp_path: Path) -> None:
    jobs = bundle_jobs(
        _write(tmp_path, BUNDLE), app_service_principal="sp", variables={"scope": "s"}
    )
    job = jobs["nightly"]
    assert job["run_as"] == {"service_principal_name": "sp"}
    assert job["schedule"]["timezone_id"] == "UTC"
    task = job["tasks"][0]["spark_python_task"]
    assert task["python_file"] == "/Workspace/Shared/.bundle/demo/prod/files/jobs/task.py"
    # a job parameter's dynamic value is resolved when the job runs, not at deploy
    assert task["parameters"] == ["--scope", "s", "{{workspace.url}}"]
    assert job["deployment"] == {
        "kind": "BUNDLE",
        "metadata_file_path": "/Workspace/Shared/.bundle/demo/prod/state/metadata.json",
    }
    assert job["edit_mode"] == "UI_LOCKED"


def test_a_variable_without_a_value_is_a_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"\$\{var.scope\}"):
        bundle_jobs(_write(tmp_path, BUNDLE), app_service_principal="sp")


def test_the_repositorys_bundle_resolves_completely() -> None:
    jobs = bundle_jobs(BUNDLE_FILE, app_service_principal="sp")
    assert len(jobs) == 5
    assert "${" not in str(jobs)
