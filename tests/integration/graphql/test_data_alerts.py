"""Alerts about what jobs write, over HTTP: the sweep (run as the app, as the bundle's hourly job
runs it) finds the stand-in's planted row-count drop, empty run and schema drift, records them in
the state, and `alerts` shows them from there with their remediation, to the viewers who may see
the job only, agreeing with each job's own `outputs`; a later sweep replaces the earlier one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from job_monitor.backend.domain.outputs import DataFindings
from job_monitor.backend.services.outputs import recent_sweep, sweep
from job_monitor.cli import _as_the_app
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.tables import (
    DROP_JOB,
    DROPPED_COLUMN,
    EMPTY_RUN_JOB,
    RETYPED_COLUMN,
    SCHEMA_DRIFT_JOB,
)
from tests.conftest import local_settings
from tests.integration.graphql.conftest import BOB_PRINCIPALS, GraphQL, Truth
from tests.integration.graphql.test_alerts import every_alert

DATA_KINDS = {"kinds": ["ROW_COUNT_ANOMALY", "SCHEMA_DRIFT"]}
OUTPUTS = """
query($id: ID!, $window: Window!) { job(jobId: $id) { ... on Job { outputs(window: $window) {
  tables { name latestWrite { anomaly } writes { anomaly emptyRun runId } }
  schemaChanges { kind column version }
} } } }
"""


def swept(workspace: LocalWorkspace, *, again: bool = False) -> DataFindings:
    """Runs the sweep as the app over every job, as `job-monitor data sweep` does."""
    work = sweep if again else recent_sweep
    return asyncio.run(_as_the_app(local_settings(workspace), "data-sweep", work))


@pytest.fixture(scope="module")
def findings(local_workspace: LocalWorkspace) -> DataFindings:
    return swept(local_workspace, again=True)


def pinned(truth: Truth) -> dict[int, int]:
    return dict(truth.rows("SELECT job_index, job_id FROM local.jobs WHERE job_index < 14"))


def data_alerts(gql: GraphQL, user: str = "alice") -> dict[tuple[int, str], dict[str, Any]]:
    return {
        (int(alert["job"]["jobId"]), alert["kind"]): alert
        for alert in every_alert(gql, user, filter=DATA_KINDS)
    }


def test_the_sweep_finds_the_planted_drop_empty_run_and_schema_drift(
    findings: DataFindings, truth: Truth
) -> None:
    ids = pinned(truth)
    # then the drop job's table has its anomalous writes, the latest among them
    drop = findings.jobs[ids[DROP_JOB]]
    (table,) = drop.tables
    assert table.latest_write is not None
    assert table.latest_write.anomaly
    # and the empty run is kept, and the drift job's dropped and retyped columns
    empty = findings.jobs[ids[EMPTY_RUN_JOB]]
    assert [w.empty_run for t in empty.tables for w in t.writes].count(True) == 1
    changed = {
        (c.kind.value, c.column) for c in findings.jobs[ids[SCHEMA_DRIFT_JOB]].schema_changes
    }
    assert {("DROPPED", DROPPED_COLUMN), ("RETYPED", RETYPED_COLUMN)} <= changed


def test_row_count_and_schema_drift_alerts_come_from_the_sweep_with_their_next_step(
    findings: DataFindings, gql: GraphQL, truth: Truth
) -> None:
    ids = pinned(truth)
    alerts = data_alerts(gql)
    # then the drop is a P2 (its latest write is off) naming the run, the drop and what to check
    drop = alerts[(ids[DROP_JOB], "ROW_COUNT_ANOMALY")]
    assert drop["severity"] == "P2"
    assert "below the median of its previous writes" in drop["title"]
    assert "Compare run" in drop["remediation"]
    assert drop["run"] is not None
    # and the empty run is called out, P3 since later writes were fine
    empty = alerts[(ids[EMPTY_RUN_JOB], "ROW_COUNT_ANOMALY")]
    assert "wrote no rows" in empty["title"]
    assert empty["severity"] == "P3"
    # and the schema drift is a P2 listing the dropped and retyped columns with their versions
    drift = alerts[(ids[SCHEMA_DRIFT_JOB], "SCHEMA_DRIFT")]
    assert drift["severity"] == "P2"
    assert f"`{DROPPED_COLUMN}`" in drift["detail"]
    assert f"`{RETYPED_COLUMN}`" in drift["detail"]
    assert "version" in drift["detail"]
    assert "fails a SELECT" in drift["remediation"]
    # and every data alert agrees with its job's own outputs
    for (job_id, kind), alert in alerts.items():
        window = "LAST_7_DAYS" if kind == "ROW_COUNT_ANOMALY" else "LAST_30_DAYS"
        outputs = gql.data(OUTPUTS, id=str(job_id), window=window)["job"]["outputs"]
        if kind == "ROW_COUNT_ANOMALY":
            odd = [w for t in outputs["tables"] for w in t["writes"] if w["anomaly"]]
            assert alert["magnitude"] == len(odd), job_id
            latest_off = any(
                t["latestWrite"] and t["latestWrite"]["anomaly"] for t in outputs["tables"]
            )
            assert alert["severity"] == ("P2" if latest_off else "P3"), job_id
        else:
            assert alert["magnitude"] == len(outputs["schemaChanges"]), job_id


def test_data_alerts_reach_only_viewers_who_may_see_the_job(
    findings: DataFindings, gql: GraphQL, truth: Truth
) -> None:
    everyone = data_alerts(gql)
    bobs = data_alerts(gql, "bob")
    allowed = truth.job_ids_of(BOB_PRINCIPALS)
    # then bob is shown exactly alice's data alerts about his jobs, and carol none
    assert bobs.keys() == {key for key in everyone if key[0] in allowed}
    assert (pinned(truth)[SCHEMA_DRIFT_JOB], "SCHEMA_DRIFT") in bobs
    assert data_alerts(gql, "carol") == {}
    # and nothing of another job's tables is in what bob is shown
    hidden = {
        table.table_name
        for job_id, found in findings.jobs.items()
        if job_id not in allowed
        for table in found.tables
    }
    shown = str(list(bobs.values()))
    assert not any(name.rsplit(".", 1)[-1] in shown for name in hidden)


def test_a_recent_sweep_is_reused_and_a_new_one_replaces_it(
    findings: DataFindings, local_workspace: LocalWorkspace
) -> None:
    # when `make run` starts within the hour, it reuses the sweep recorded
    reused = swept(local_workspace)
    assert reused.swept_at == findings.swept_at
    assert reused.jobs.keys() == findings.jobs.keys()
    # and a forced sweep records a newer one
    later = swept(local_workspace, again=True)
    assert later.swept_at > findings.swept_at
    assert swept(local_workspace).swept_at == later.swept_at
