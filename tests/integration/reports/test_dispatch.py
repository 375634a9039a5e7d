"""`job-monitor alerts dispatch`, run as the scheduled job runs it: each new P1/P2 alert is sent
once to e-mail (a real local SMTP server) and a Slack-compatible webhook (a local HTTP receiver),
deduplicated through the app's state table `deliveries`; a failing channel never blocks the other
and is sent to by the next dispatch; two dispatchers at once send each alert once.

Each test runs its own stand-in with a fresh state directory: what was sent is that state.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.service.sql import StatementState

from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET, WAREHOUSE_ID
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from tests.conftest import DATA_DIR, REPO_ROOT, StartService, local_settings
from tests.integration.graphql.conftest import GraphQL
from tests.integration.reports.conftest import SmtpServer, Webhooks
from tests.integration.reports.test_cli import COMMAND, cli_environment, job_monitor

P1_P2 = """
{ alerts(filter: {severities: [P1, P2]}, first: 100) {
    ... on AlertConnection { totalCount nodes { id title } } } }
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[LocalWorkspace]:
    options = LocalWorkspaceOptions(
        seed=7, jobs=300, days=90, data_dir=DATA_DIR, state_dir=tmp_path / "state"
    )
    workspace = LocalWorkspace(options).start()
    _ = workspace.state.database
    yield workspace
    workspace.stop()


def channels(smtp: SmtpServer, webhook: str) -> dict[str, str]:
    """E-mail to the local SMTP server and Slack to the local receiver, two attempts each."""
    return {
        "JOB_MONITOR_SMTP_HOST": smtp.host,
        "JOB_MONITOR_SMTP_PORT": str(smtp.port),
        "JOB_MONITOR_SMTP_SECURITY": "none",
        "JOB_MONITOR_MAIL_FROM": "job-monitor@example.com",
        "JOB_MONITOR_MAIL_TO": "oncall@example.com",
        "JOB_MONITOR_SLACK_WEBHOOK_URL": webhook,
        "JOB_MONITOR_DELIVERY_ATTEMPTS": "2",
    }


def dispatch(
    workspace: LocalWorkspace, smtp: SmtpServer, webhook: str
) -> subprocess.CompletedProcess[str]:
    return job_monitor(workspace, "alerts", "dispatch", **channels(smtp, webhook))


def deliveries(workspace: LocalWorkspace) -> list[list[Any]]:
    sp = WorkspaceClient(
        config=Config(
            host=workspace.host,
            client_id=SP_CLIENT_ID,
            client_secret=SP_CLIENT_SECRET,
            auth_type="oauth-m2m",
        )
    )
    response = sp.statement_execution.execute_statement(
        statement="SELECT item, channel, state FROM main.job_monitor.deliveries ORDER BY 1, 2",
        warehouse_id=WAREHOUSE_ID,
        wait_timeout="30s",
    )
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED, response.status
    return [list(row) for row in (response.result.data_array if response.result else None) or []]


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text part"
    return str(part.get_content())


def the_api_s_p1_p2_alerts(workspace: LocalWorkspace, start_service: StartService) -> set[str]:
    service = start_service(local_settings(workspace))
    with httpx.Client(base_url=service.url, timeout=60) as http:
        found = GraphQL(http).data(P1_P2, "alice")["alerts"]
    assert found["totalCount"] <= 100
    return {node["title"] for node in found["nodes"]}


def listed_titles(text: str) -> set[str]:
    return set(re.findall(r"^- \[P[12]\] (.+?)\r?$", text, re.MULTILINE))


def settled(titles: set[str]) -> set[str]:
    """Without runs going now (their titles move with the clock, and a run may cross 80 % of its
    target between two answers)."""
    return {title for title in titles if ": running " not in title}


def test_each_new_p1_p2_alert_is_sent_once_to_email_and_slack(
    workspace: LocalWorkspace,
    smtp_server: SmtpServer,
    webhooks: Webhooks,
    start_service: StartService,
) -> None:
    hook = webhooks.script("/dispatch-once", 200)

    first = dispatch(workspace, smtp_server, hook)

    assert first.returncode == 0, first.stderr
    ((_, message),) = smtp_server.mailbox.messages
    assert message["To"] == "oncall@example.com"
    assert "new alert" in message["Subject"]
    sent = listed_titles(text_part(message))
    assert settled(sent) == settled(the_api_s_p1_p2_alerts(workspace, start_service))
    (slack,) = webhooks.received["/dispatch-once"]
    assert len(slack["text"]) > 0
    states = deliveries(workspace)
    assert {state for _, _, state in states} == {"SENT"}
    assert len([row for row in states if row[1] == "email"]) == len(sent)
    assert len([row for row in states if row[1] == "slack"]) == len(sent)

    again = dispatch(workspace, smtp_server, hook)

    assert again.returncode == 0, again.stderr
    assert "email: nothing new" in again.stdout
    assert "slack: nothing new" in again.stdout
    assert len(smtp_server.mailbox.messages) == 1
    assert len(webhooks.received["/dispatch-once"]) == 1


def test_a_failing_channel_does_not_hold_up_the_other_and_is_sent_to_next_time(
    workspace: LocalWorkspace, smtp_server: SmtpServer, webhooks: Webhooks
) -> None:
    failing = webhooks.script("/dispatch-failing", 500)

    first = dispatch(workspace, smtp_server, failing)

    assert first.returncode == 1
    assert "slack: FAILED after 2 attempt(s)" in first.stdout
    assert "email: sent" in first.stdout
    assert len(smtp_server.mailbox.messages) == 1
    by_channel = {(channel, state) for _, channel, state in deliveries(workspace)}
    assert by_channel == {("email", "SENT"), ("slack", "FAILED")}

    # the webhook recovers: the next dispatch sends slack what it missed, e-mail nothing again
    webhooks.script("/dispatch-failing", 200)
    second = dispatch(workspace, smtp_server, failing)

    assert second.returncode == 0, second.stdout + second.stderr
    assert "slack: sent" in second.stdout
    assert "email: nothing new" in second.stdout
    assert {state for _, _, state in deliveries(workspace)} == {"SENT"}
    assert len(smtp_server.mailbox.messages) == 1


def test_two_dispatchers_at_once_send_each_alert_once(
    workspace: LocalWorkspace, smtp_server: SmtpServer, webhooks: Webhooks
) -> None:
    hook = webhooks.script("/dispatch-twice", 200)
    environment = cli_environment(workspace, **channels(smtp_server, hook))
    processes = [
        subprocess.Popen(
            [*COMMAND, "alerts", "dispatch"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs

    mails = smtp_server.mailbox.messages
    titles = [listed_titles(text_part(message)) for _, message in mails]
    every = [title for sent in titles for title in sent]
    assert every
    assert len(every) == len(set(every))
    rows = deliveries(workspace)
    assert len([row for row in rows if row[1] == "email"]) == len(every)
