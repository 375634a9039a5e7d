"""`job-monitor report`, run as a scheduled job runs it: against the workspace (here the stand-in)
as the app's service principal, delivering to the channels asked for and exiting non-zero when one
of them did not get the report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

from job_monitor.local_workspace.bundle import BUNDLE_FILE, bundle_jobs
from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.tables import DROP_JOB, EMPTY_RUN_JOB, SCHEMA_DRIFT_JOB
from tests.conftest import REPO_ROOT
from tests.integration.graphql.conftest import Truth
from tests.integration.graphql.test_app_state import STATE, rows, sp_client
from tests.integration.reports.conftest import SmtpServer, Webhooks

BUDGET_SECONDS = 60


COMMAND = [sys.executable, "-m", "job_monitor"]


def cli_environment(workspace: LocalWorkspace, **env: str) -> dict[str, str]:
    """The command line's environment: pointed at the stand-in as the app's service principal,
    nothing of this process's Databricks or Job Monitor settings, `env` on top."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JOB_MONITOR_"))
    }
    return {
        **clean,
        "JOB_MONITOR_HOST": workspace.host,
        "JOB_MONITOR_CLIENT_ID": SP_CLIENT_ID,
        "JOB_MONITOR_CLIENT_SECRET": SP_CLIENT_SECRET,
        "JOB_MONITOR_DELIVERY_BACKOFF_SECONDS": "0.01",
        **env,
    }


def job_monitor(
    workspace: LocalWorkspace, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, pointed at the stand-in."""
    return subprocess.run(
        [*COMMAND, *args],
        cwd=REPO_ROOT,
        env=cli_environment(workspace, **env),
        capture_output=True,
        text=True,
        timeout=BUDGET_SECONDS,
        check=False,
    )


def test_report_daily_to_file_writes_the_html_and_the_text(
    local_workspace: LocalWorkspace, tmp_path: Path
) -> None:
    # when
    done = job_monitor(local_workspace, "report", "daily", "--to", "file", "--out", str(tmp_path))
    # then both parts are written, named after the report and the day its window ends
    assert done.returncode == 0, done.stderr
    day = datetime.now(UTC).date().isoformat()
    html, text = tmp_path / f"daily-{day}.html", tmp_path / f"daily-{day}.txt"
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert "THE NIGHT'S FAILURES" in text.read_text()
    assert "Covers every job of the workspace" in text.read_text()
    # and the outcome is printed, with the subject
    assert "Job Monitor daily health" in done.stdout
    assert f"file: delivered (1 attempt): {html} and {text}" in done.stdout


def test_a_channel_that_fails_makes_the_command_fail_after_the_others_got_it(
    local_workspace: LocalWorkspace, tmp_path: Path, webhooks: Webhooks
) -> None:
    # given a webhook whose token was revoked
    url = webhooks.script("/hooks/cli-revoked-token", 404)
    # when the weekly report goes to it and to files
    done = job_monitor(
        local_workspace,
        "report",
        "weekly",
        "--to",
        "slack",
        "file",
        "--out",
        str(tmp_path),
        JOB_MONITOR_SLACK_WEBHOOK_URL=url,
    )
    # then the files are written, the webhook's failure is told without its URL, and the
    # command fails
    assert done.returncode == 1, done.stderr
    assert "slack: FAILED after 1 attempt: HTTP 404 Not Found" in done.stdout
    assert "file: delivered" in done.stdout
    assert "cli-revoked-token" not in done.stdout + done.stderr
    assert len(list(tmp_path.glob("weekly-*.html"))) == 1
    assert len(webhooks.received["/hooks/cli-revoked-token"]) == 1


def test_a_channel_without_settings_is_refused_before_anything_is_built(
    local_workspace: LocalWorkspace, tmp_path: Path
) -> None:
    done = job_monitor(
        local_workspace, "report", "monthly", "--to", "email", "--out", str(tmp_path)
    )
    assert done.returncode == 2
    assert "cannot deliver: email: set JOB_MONITOR_SMTP_HOST" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_scheduled_report_reads_its_delivery_settings_from_a_secret_scope(
    local_workspace: LocalWorkspace, smtp_server: SmtpServer
) -> None:
    # given the delivery settings in a secret scope (put there by an admin), none in the environment
    alice = WorkspaceClient(
        config=Config(host=local_workspace.host, token="local-alice", auth_type="pat")
    )
    scope = f"job-monitor-{uuid.uuid4().hex[:8]}"
    alice.secrets.create_scope(scope)
    for key, value in {
        "smtp-host": smtp_server.host,
        "smtp-port": str(smtp_server.port),
        "smtp-security": "none",
        "mail-from": "job-monitor@example.com",
        "mail-to": "oncall@example.com,lead@example.com",
    }.items():
        alice.secrets.put_secret(scope, key, string_value=value)

    # when the daily report goes to every configured channel, as the bundle's job sends it
    done = job_monitor(
        local_workspace, "report", "daily", "--to", "configured", "--secret-scope", scope
    )

    # then e-mail was configured from the scope and got it
    assert done.returncode == 0, done.stderr
    assert "email: delivered" in done.stdout
    ((envelope, message),) = smtp_server.mailbox.messages
    assert envelope.rcpt_tos == ["oncall@example.com", "lead@example.com"]
    assert str(message["Subject"]).startswith("Job Monitor daily health")


def test_the_bundles_report_task_runs_as_the_identity_of_its_run(
    local_workspace: LocalWorkspace, smtp_server: SmtpServer
) -> None:
    # given the daily report's task as the bundle deploys it, and a secret scope with the e-mail
    # settings
    task = bundle_jobs(BUNDLE_FILE, app_service_principal=SP_CLIENT_ID)["job_monitor_daily_report"][
        "tasks"
    ][0]["spark_python_task"]
    scope = f"job-monitor-{uuid.uuid4().hex[:8]}"
    alice = WorkspaceClient(
        config=Config(host=local_workspace.host, token="local-alice", auth_type="pat")
    )
    alice.secrets.create_scope(scope)
    for key, value in {
        "smtp-host": smtp_server.host,
        "smtp-port": str(smtp_server.port),
        "smtp-security": "none",
        "mail-from": "job-monitor@example.com",
        "mail-to": "oncall@example.com",
    }.items():
        alice.secrets.put_secret(scope, key, string_value=value)
    parameters = [
        local_workspace.host if p == "{{workspace.url}}" else scope if p == "job-monitor" else p
        for p in task["parameters"]
    ]
    # when its file runs with those parameters where a run's environment names only its identity
    # (the SDK's default credentials find it: on Databricks the runtime's, here the environment's)
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JOB_MONITOR_"))
    }
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / task["python_file"].split("/files/")[1]), *parameters],
        cwd=REPO_ROOT,
        env={
            **clean,
            "DATABRICKS_CLIENT_ID": SP_CLIENT_ID,
            "DATABRICKS_CLIENT_SECRET": SP_CLIENT_SECRET,
            "JOB_MONITOR_DELIVERY_BACKOFF_SECONDS": "0.01",
        },
        capture_output=True,
        text=True,
        timeout=BUDGET_SECONDS,
        check=False,
    )
    # then the report is built over every job and mailed, as the app's service principal
    assert done.returncode == 0, done.stderr
    assert "email: delivered" in done.stdout
    ((_envelope, message),) = smtp_server.mailbox.messages
    assert str(message["Subject"]).startswith("Job Monitor daily health")


def test_data_sweep_records_what_the_planted_jobs_wrote_in_the_state(
    local_workspace: LocalWorkspace,
) -> None:
    # given the job ids of the stand-in's planted row-count drop, empty run and schema drift
    ids = planted_job_ids(local_workspace)
    started = datetime.now(UTC)
    # when the bundle's hourly sweep runs
    done = job_monitor(local_workspace, "data", "sweep")
    # then it says how many jobs it found something about, and recorded them in the state
    assert done.returncode == 0, done.stderr
    found = re.fullmatch(r"swept what jobs write: (\d+) jobs to look at\n", done.stdout)
    assert found is not None, done.stdout
    ((swept_at, findings),) = rows(
        sp_client(local_workspace), f"SELECT swept_at, findings FROM {STATE}.data_findings"
    )
    assert datetime.fromisoformat(swept_at).replace(tzinfo=UTC) >= started - timedelta(seconds=1)
    recorded = {job["job_id"] for job in json.loads(findings)}
    assert len(recorded) == int(found.group(1))
    assert ids <= recorded


def test_data_sweep_fails_with_the_warehouses_error_and_keeps_the_last_sweep(
    local_workspace: LocalWorkspace, faults: Any
) -> None:
    # given a recorded sweep, then a warehouse that fails the lineage statement
    assert job_monitor(local_workspace, "data", "sweep").returncode == 0
    before = rows(sp_client(local_workspace), f"SELECT swept_at FROM {STATE}.data_findings")
    faults(
        {
            "statements": [
                {"pattern": "system\\.access\\.table_lineage", "error": "FAILED_AFTER_WRITE"}
            ]
        }
    )
    # when the sweep runs again
    done = job_monitor(local_workspace, "data", "sweep")
    # then it fails, saying why in the service's words, and the last sweep is still there
    assert done.returncode == 1
    assert "what jobs write was not swept: The SQL warehouse could not run the query" in done.stderr
    assert "Traceback" not in done.stderr
    assert rows(sp_client(local_workspace), f"SELECT swept_at FROM {STATE}.data_findings") == before


def planted_job_ids(workspace: LocalWorkspace) -> set[int]:
    indexes = (DROP_JOB, EMPTY_RUN_JOB, SCHEMA_DRIFT_JOB)
    found = Truth(workspace).rows(
        "SELECT job_id FROM local.jobs WHERE list_contains(?, job_index)", [list(indexes)]
    )
    assert len(found) == len(indexes)
    return {int(row[0]) for row in found}
