"""The Databricks App packaging: `databricks.yml` against the bundle JSON schema, `app.yaml`, and
`requirements.txt` (what the Apps runtime installs) equal to the package's dependencies."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import regex
import yaml
from jsonschema import Draft7Validator, ValidationError, validators

REPO_ROOT = Path(__file__).resolve().parents[3]
# Vendored from the Databricks CLI (its README names the commit), so a bare clone runs this test.
BUNDLE_SCHEMA = REPO_ROOT / "tests" / "fixtures" / "bundle_schema" / "databricks-bundle-schema.json"


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    # The schema's patterns use Go's `\p{L}` classes, which `re` rejects; `regex` understands them.
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


BundleValidator = validators.extend(Draft7Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]


def load_yaml(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / name).read_text())
    return loaded


def bundle_errors(bundle: dict[str, Any]) -> list[str]:
    schema = json.loads(BUNDLE_SCHEMA.read_text())
    return [e.message for e in BundleValidator(schema).iter_errors(bundle)]


def test_databricks_yml_validates_against_the_bundle_schema() -> None:
    assert bundle_errors(load_yaml("databricks.yml")) == []


def test_the_bundle_schema_check_can_fail() -> None:
    # given the bundle with a permission the schema does not know
    bundle = load_yaml("databricks.yml")
    app = bundle["resources"]["apps"]["job_monitor"]
    app["resources"][0]["sql_warehouse"]["permission"] = "CAN_OWN_EVERYTHING"
    # then
    assert bundle_errors(bundle) != []


def test_bundle_declares_the_app_its_warehouse_scopes_and_targets() -> None:
    bundle = load_yaml("databricks.yml")
    app = bundle["resources"]["apps"]["job_monitor"]
    warehouse = app["resources"][0]
    assert warehouse["name"] == "sql-warehouse"
    assert warehouse["sql_warehouse"] == {"id": "${var.warehouse_id}", "permission": "CAN_USE"}
    assert app["user_api_scopes"] == ["sql"]
    assert "warehouse_id" in bundle["variables"]
    assert set(bundle["targets"]) == {"dev", "prod"}
    # the SPA is git-ignored, so the deploy must include it explicitly
    assert "job_monitor/backend/static/**" in bundle["sync"]["include"]


def test_app_yaml_binds_the_app_port_and_reads_the_warehouse_resource() -> None:
    app_yaml = load_yaml("app.yaml")
    command = app_yaml["command"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "$DATABRICKS_APP_PORT"
    env = {e["name"]: e for e in app_yaml["env"]}
    # the resource name is what databricks.yml declares
    assert env["JOB_MONITOR_WAREHOUSE_ID"]["valueFrom"] == "sql-warehouse"


def test_requirements_txt_equals_the_package_dependencies() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    assert requirements == pyproject["project"]["dependencies"]


def test_the_local_workspace_is_an_extra_the_app_does_not_install() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    local = {req.split("==")[0] for req in pyproject["project"]["optional-dependencies"]["local"]}
    assert local == {"duckdb", "sqlglot", "pyyaml"}
    assert not local & {line.split("==")[0] for line in (REPO_ROOT / "requirements.txt").open()}


def test_the_service_starts_without_the_local_extra() -> None:
    # given a Python where duckdb and sqlglot cannot be imported (as in a deployed App)
    script = (
        "import sys; sys.modules['duckdb'] = None; sys.modules['sqlglot'] = None\n"
        "from job_monitor.cli import build_parser\n"
        "import job_monitor.backend.app\n"
        "args = build_parser().parse_args(['serve'])\n"
        "print(args.command)\n"
    )
    # when the command line and the app are loaded
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO_ROOT
    )
    # then nothing of the stand-in was needed
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "serve"


def test_the_cursor_key_is_an_app_secret_resource_read_by_app_yaml() -> None:
    app = load_yaml("databricks.yml")["resources"]["apps"]["job_monitor"]
    secret = next(r for r in app["resources"] if r["name"] == "cursor-secret")
    assert secret["secret"]["permission"] == "READ"
    env = {e["name"]: e for e in load_yaml("app.yaml")["env"]}
    assert env["JOB_MONITOR_CURSOR_SECRET"]["valueFrom"] == "cursor-secret"


def test_the_state_schema_is_a_bundle_resource_granted_to_the_app_alone() -> None:
    bundle = load_yaml("databricks.yml")
    (schema,) = bundle["resources"]["schemas"].values()
    assert (schema["catalog_name"], schema["name"]) == (
        "${var.state_catalog}",
        "${var.state_schema}",
    )
    (grant,) = schema["grants"]
    assert grant["principal"] == "${resources.apps.job_monitor.service_principal_client_id}"
    assert {"USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE"} == set(grant["privileges"])
    variables = bundle["variables"]
    env = {e["name"]: e for e in load_yaml("app.yaml")["env"]}
    named = f"{variables['state_catalog']['default']}.{variables['state_schema']['default']}"
    assert env["JOB_MONITOR_STATE_SCHEMA"]["value"] == named


@pytest.mark.parametrize(
    ("job", "command", "cron"),
    [
        ("job_monitor_alert_dispatch", ["alerts", "dispatch"], "0 0/15 * * * ?"),
        ("job_monitor_data_sweep", ["data", "sweep"], "0 5 * * * ?"),
        ("job_monitor_daily_report", ["report", "daily"], "0 0 7 * * ?"),
        ("job_monitor_weekly_report", ["report", "weekly"], "0 0 7 ? * MON"),
        ("job_monitor_monthly_report", ["report", "monthly"], "0 0 7 1 * ?"),
    ],
)
def test_reports_and_alert_delivery_are_scheduled_serverless_jobs_run_as_the_app(
    job: str, command: list[str], cron: str
) -> None:
    settings = load_yaml("databricks.yml")["resources"]["jobs"][job]
    assert settings["schedule"] == {
        "quartz_cron_expression": cron,
        "timezone_id": "${var.schedule_timezone}",
    }
    assert settings["run_as"] == {
        "service_principal_name": "${resources.apps.job_monitor.service_principal_client_id}"
    }
    (task,) = settings["tasks"]
    # serverless: an environment, no cluster
    assert "job_cluster_key" not in task
    assert "new_cluster" not in task
    assert task["environment_key"] in {e["environment_key"] for e in settings["environments"]}
    python_file = task["spark_python_task"]["python_file"]
    assert (REPO_ROOT / python_file).is_file()
    assert task["spark_python_task"]["parameters"][: len(command)] == command


def test_every_scheduled_task_s_parameters_parse_as_a_job_monitor_command() -> None:
    from job_monitor.cli import build_parser

    for job in load_yaml("databricks.yml")["resources"]["jobs"].values():
        (task,) = job["tasks"]
        parameters = task["spark_python_task"]["parameters"]
        args = build_parser().parse_args(parameters)
        assert args.workspace_url == "{{workspace.url}}"
        # the tasks that deliver read their channels' settings from the secret scope
        if args.handler.__name__ != "_sweep":
            assert args.secret_scope == "${var.delivery_secret_scope}"
