"""The billing stories of the synthetic workspace that a cost view must get right.

Checked with SQL on the system-table views of the shared demo workspace (seed 7, 300 jobs, 90 days);
pinned jobs are found by their index (synth/generate.py `_PINNED`), which every seed has.
"""

from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any

import pytest

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import WORKSPACE_ID
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.generate import OTHER_WORKSPACE_ID, OTHER_WORKSPACE_NAME
from job_monitor.local_workspace.synth.vocabulary import SKUS

REGRESSED_PHOTON_JOB = 0
CORRECTED_JOB = 4
ZOMBIE_JOB = 12
BROKEN_JOB = 13
PINNED_JOBS = 14
CHANGED_SKUS = {sku for sku, _, _, before, after in SKUS if before != after}

# Each billed run of a job of this workspace started since a time: its start, end, result, list
# cost (each record at the list price in force at its start, as the reference's section 7.2 prices
# it), SKUs and whether it ran on Photon.
RUN_COSTS = """
WITH runs AS (
  SELECT workspace_id, job_id, run_id, min(period_start_time) AS start_time,
    max(period_end_time) AS end_time,
    max_by(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state
  FROM lakeflow.job_run_timeline
  WHERE workspace_id = $workspace AND job_id = $job
  GROUP BY ALL
), costs AS (
  SELECT u.workspace_id, u.usage_metadata.job_run_id AS run_id,
    sum(u.usage_quantity * p.pricing.effective_list."default") AS list_cost,
    list(DISTINCT u.sku_name ORDER BY u.sku_name) AS skus,
    bool_and(u.product_features.is_photon) AS photon
  FROM billing.usage u JOIN billing.list_prices p
    ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.usage_unit = u.usage_unit
    AND p.currency_code = 'USD' AND u.usage_start_time >= p.price_start_time
    AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
  WHERE u.workspace_id = $workspace AND u.usage_metadata.job_id = $job
  GROUP BY ALL
)
SELECT r.run_id, r.start_time, r.end_time, r.result_state, c.list_cost, c.skus, c.photon
FROM runs r JOIN costs c USING (workspace_id, run_id)
WHERE r.start_time >= $since
ORDER BY r.start_time
"""


@pytest.fixture(scope="module")
def database(local_workspace: LocalWorkspace) -> WorkspaceDatabase:
    database = local_workspace.state.database
    assert isinstance(database, WorkspaceDatabase)
    return database


def _all(database: WorkspaceDatabase, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    return database.cursor().execute(sql, params or {}).fetchall()


def _one(database: WorkspaceDatabase, sql: str, params: dict[str, Any] | None = None) -> Any:
    rows = _all(database, sql, params)
    assert len(rows) == 1
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def _job_id(database: WorkspaceDatabase, index: int) -> str:
    return str(_one(database, "SELECT job_id FROM local.jobs WHERE job_index = $i", {"i": index}))


def _month_ago(database: WorkspaceDatabase) -> datetime:
    return database.now() - timedelta(days=30)


def test_a_list_price_changes_inside_the_last_30_days_with_job_usage_on_both_sides(
    database: WorkspaceDatabase,
) -> None:
    # given the prices that start inside the last 30 days
    changes = _all(
        database,
        """
        SELECT sku_name, price_start_time, pricing.effective_list."default",
          (SELECT pricing.effective_list."default" FROM billing.list_prices b
           WHERE b.sku_name = a.sku_name AND b.price_end_time = a.price_start_time)
        FROM billing.list_prices a WHERE price_start_time >= $since
        """,
        {"since": _month_ago(database)},
    )

    # then exactly the SKUs whose price changed, at one moment on the hour (the generator puts it
    # at midnight; the stand-in's views move the data by whole hours to meet the clock), replacing
    # the old price
    assert {sku for sku, *_ in changes} == CHANGED_SKUS
    (change_time,) = {start for _, start, _, _ in changes}
    assert change_time == change_time.replace(minute=0, second=0, microsecond=0)
    assert all(before is not None and before != after for _, _, after, before in changes)
    # and this workspace's job usage of those SKUs is priced on both sides of the change
    sides = _all(
        database,
        """
        SELECT u.usage_start_time >= $change AS after, count(*), count(DISTINCT p.pricing),
          count(p.pricing)
        FROM billing.usage u LEFT JOIN billing.list_prices p
          ON p.sku_name = u.sku_name AND u.usage_start_time >= p.price_start_time
          AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
        WHERE u.workspace_id = $workspace AND u.usage_metadata.job_id IS NOT NULL
          AND u.sku_name IN (SELECT unnest($skus)) AND u.usage_start_time >= $since
        GROUP BY ALL ORDER BY ALL
        """,
        {
            "change": change_time,
            "workspace": WORKSPACE_ID,
            "skus": sorted(CHANGED_SKUS),
            "since": _month_ago(database),
        },
    )
    assert [(after, prices) for after, _, prices, _ in sides] == [(False, 1), (True, 1)]
    assert all(records > 0 and priced == records for _, records, _, priced in sides)


def test_job_usage_is_retracted_and_restated_and_sums_to_the_corrected_total(
    database: WorkspaceDatabase,
) -> None:
    # given every corrected record of job usage: its run, hour and SKU in its workspace
    corrections = _all(
        database,
        """
        SELECT workspace_id, usage_metadata.job_id, usage_metadata.job_run_id, usage_start_time,
          sku_name,
          count(*) FILTER (WHERE record_type = 'ORIGINAL') AS originals,
          count(*) FILTER (WHERE record_type = 'RETRACTION') AS retractions,
          count(*) FILTER (WHERE record_type = 'RESTATEMENT') AS restatements,
          sum(usage_quantity) FILTER (WHERE record_type <> 'RESTATEMENT') AS cancelled,
          sum(usage_quantity) AS net,
          sum(usage_quantity) FILTER (WHERE record_type = 'RESTATEMENT') AS restated
        FROM billing.usage
        WHERE (workspace_id, usage_metadata.job_run_id, usage_start_time, sku_name) IN (
          SELECT (workspace_id, usage_metadata.job_run_id, usage_start_time, sku_name)
          FROM billing.usage
          WHERE record_type = 'RETRACTION' AND usage_metadata.job_run_id IS NOT NULL)
        GROUP BY ALL
        """,
    )

    # then the retraction cancels its original exactly, so the sum of all rows is the restatement
    assert corrections
    for *_, originals, retractions, restatements, cancelled, net, restated in corrections:
        assert (originals, retractions, restatements) == (1, 1, 1)
        assert cancelled == 0
        assert net == restated
    # and a job anyone may see has a record of the last 30 days retracted and restated
    job = _job_id(database, CORRECTED_JOB)
    recent = [
        c
        for c in corrections
        if c[0] == WORKSPACE_ID and c[1] == job and c[3] >= _month_ago(database)
    ]
    assert recent


def test_a_zombie_job_runs_every_hour_on_serverless_and_ends_within_a_minute(
    database: WorkspaceDatabase,
) -> None:
    # given the zombie job's latest definition and its runs of the last 30 days
    job = _job_id(database, ZOMBIE_JOB)
    trigger_type, cron = _one(
        database,
        """
        SELECT trigger_type, trigger.schedule.quartz_cron_expression FROM lakeflow.jobs
        WHERE workspace_id = $workspace AND job_id = $job ORDER BY change_time DESC LIMIT 1
        """,
        {"workspace": WORKSPACE_ID, "job": job},
    )
    runs = _all(
        database,
        RUN_COSTS,
        {"workspace": WORKSPACE_ID, "job": job, "since": _month_ago(database)},
    )

    # then it is scheduled hourly, and every run succeeds in 20 to 50 seconds on serverless
    assert trigger_type == "CRON"
    assert cron.endswith(" * * * ?")
    assert len(runs) >= 24 * 29
    assert {result for _, _, _, result, *_ in runs} == {"SUCCEEDED"}
    durations = [(end - start).total_seconds() for _, start, end, *_ in runs]
    assert 20 <= min(durations) <= max(durations) <= 50
    assert {tuple(skus) for *_, skus, _ in runs} == {
        ("PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA",)
    }
    # and it costs money all the same
    assert sum(cost for *_, cost, _, _ in runs) > 0


def test_a_scheduled_job_is_billed_without_a_successful_run_in_30_days(
    database: WorkspaceDatabase,
) -> None:
    # when the scheduled jobs with usage but no successful run in the last 30 days are listed
    since = _month_ago(database)
    jobless = _all(
        database,
        """
        WITH latest AS (
          SELECT job_id, trigger_type FROM lakeflow.jobs WHERE workspace_id = $workspace
          QUALIFY row_number() OVER (PARTITION BY job_id ORDER BY change_time DESC) = 1
        ), billed AS (
          SELECT usage_metadata.job_id AS job_id, sum(usage_quantity) AS dbus FROM billing.usage
          WHERE workspace_id = $workspace AND usage_start_time >= $since GROUP BY ALL
        ), results AS (
          SELECT job_id, count(*) FILTER (WHERE result_state = 'SUCCEEDED') AS succeeded,
            count(*) FILTER (WHERE result_state = 'FAILED') AS failed
          FROM lakeflow.job_run_timeline
          WHERE workspace_id = $workspace AND period_end_time >= $since GROUP BY ALL
        )
        SELECT job_id, failed FROM latest JOIN billed USING (job_id) JOIN results USING (job_id)
        WHERE trigger_type = 'CRON' AND dbus > 0 AND succeeded = 0
        """,
        {"workspace": WORKSPACE_ID, "since": since},
    )

    # then the broken job is one, failing every day of the month
    failed = dict(jobless)
    assert failed.get(_job_id(database, BROKEN_JOB), 0) >= 29
    # and it last succeeded before the 30 days: a streak longer than the window
    last_success = _one(
        database,
        "SELECT max(period_end_time) FROM lakeflow.job_run_timeline "
        "WHERE workspace_id = $workspace AND job_id = $job AND result_state = 'SUCCEEDED'",
        {"workspace": WORKSPACE_ID, "job": _job_id(database, BROKEN_JOB)},
    )
    assert last_success is None or last_success < since


def test_the_regressed_job_moves_to_photon_when_its_runs_slow_down(
    database: WorkspaceDatabase,
) -> None:
    # given job 0's configuration change (the SCD row behind its regression) and its billed runs
    job = _job_id(database, REGRESSED_PHOTON_JOB)
    changed_at, description = _one(
        database,
        """
        SELECT change_time, description FROM lakeflow.jobs
        WHERE workspace_id = $workspace AND job_id = $job AND change_time > $since
        ORDER BY change_time
        """,
        {"workspace": WORKSPACE_ID, "job": job, "since": _month_ago(database)},
    )
    runs = _all(
        database,
        RUN_COSTS,
        {"workspace": WORKSPACE_ID, "job": job, "since": database.now() - timedelta(days=400)},
    )
    before = [r for r in runs if r[1] < changed_at]
    after = [r for r in runs if r[1] >= changed_at]

    # then its runs were on jobs compute before the change and on Photon since
    assert "Photon" in description
    assert {(tuple(r[5]), r[6]) for r in before} == {(("PREMIUM_JOBS_COMPUTE",), False)}
    assert {(tuple(r[5]), r[6]) for r in after} == {(("PREMIUM_JOBS_COMPUTE_(PHOTON)",), True)}
    assert _one(database, "SELECT photon FROM local.jobs WHERE job_index = 0")
    # and each finished, fully billed successful run since costs over twice the p90 from before
    p90 = quantiles([float(r[4]) for r in before], n=10, method="inclusive")[8]
    billed_by = database.now() - timedelta(hours=3)
    finished = [r for r in after if r[3] == "SUCCEEDED" and r[2] <= billed_by]
    assert finished
    assert all(float(r[4]) > 2 * p90 for r in finished)


def test_another_workspace_bills_runs_with_this_workspaces_ids(
    database: WorkspaceDatabase,
) -> None:
    # given the account's other running workspace
    status = _one(
        database,
        "SELECT status FROM access.workspaces_latest WHERE workspace_id = $w AND "
        "workspace_name = $name",
        {"w": OTHER_WORKSPACE_ID, "name": OTHER_WORKSPACE_NAME},
    )
    # when its usage is read alongside this workspace's runs, by job and run id alone
    records, jobs_records, colliding, pinned = _one(
        database,
        """
        WITH here AS (
          SELECT DISTINCT job_id, run_id FROM lakeflow.job_run_timeline
          WHERE workspace_id = $workspace
        )
        SELECT count(*), count(u.usage_metadata.job_id), count(here.run_id),
          count(*) FILTER (WHERE j.job_index < $pinned)
        FROM billing.usage u
        LEFT JOIN here ON here.job_id = u.usage_metadata.job_id
          AND here.run_id = u.usage_metadata.job_run_id
        LEFT JOIN local.jobs j ON j.job_id::VARCHAR = here.job_id
        WHERE u.workspace_id = $other
        """,
        {"workspace": WORKSPACE_ID, "other": OTHER_WORKSPACE_ID, "pinned": PINNED_JOBS},
    )

    # then it is running and has a few hundred records, its job records carrying the ids of this
    # workspace's pinned jobs and runs
    assert status == "RUNNING"
    assert 100 <= records <= 1000
    assert jobs_records == colliding == pinned > 0
    # and a job's usage summed without the workspace filter is too much; filtered, it is exactly
    # the usage of this workspace's runs of the job
    unfiltered, filtered, of_runs = _one(
        database,
        """
        SELECT sum(u.usage_quantity),
          sum(u.usage_quantity) FILTER (WHERE u.workspace_id = $workspace),
          sum(u.usage_quantity) FILTER (WHERE r.run_id IS NOT NULL)
        FROM billing.usage u
        LEFT JOIN (SELECT DISTINCT workspace_id, job_id, run_id FROM lakeflow.job_run_timeline) r
          ON r.workspace_id = u.workspace_id AND r.job_id = u.usage_metadata.job_id
          AND r.run_id = u.usage_metadata.job_run_id
        WHERE u.usage_metadata.job_id = $job
        """,
        {"workspace": WORKSPACE_ID, "job": _job_id(database, CORRECTED_JOB)},
    )
    assert unfiltered > filtered == of_runs
