"""Cost over HTTP: every figure agrees with our own SQL over the stand-in's billing data (a
retraction, a restatement and a price change inside the 30-day window; another workspace's usage
beside it) and with the queries Databricks publishes for job cost; anomalies name their likely
cause; zombie jobs are found; and every figure covers only the jobs the viewer may see.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from job_monitor.local_workspace.principals import WORKSPACE_ID
from job_monitor.local_workspace.sql_translate import translate
from tests.integration.graphql.conftest import (
    BOB_PRINCIPALS,
    GraphQL,
    StandIn,
    Truth,
    percentile_approx,
    same_minute,
    window_start,
)

PUBLISHED = Path(__file__).resolve().parents[2] / "fixtures" / "databricks_published_queries"
CENTS = 0.005

COSTS = """
query($groupBy: CostGrouping!, $window: Window!, $first: Int!) {
  costs(groupBy: $groupBy, window: $window, first: $first) {
    __typename
    ... on CostBreakdown {
      listCostUsd dbus previousListCostUsd changeVsPreviousWindow groupCount unattributedUsd
      dataThrough currency
      groups {
        key listCostUsd dbus previousListCostUsd attributable share job { jobId }
        daily { date listCostUsd }
      }
    }
  }
}
"""
RUN_COST = """
query($id: ID!) {
  jobRun(runId: $id) {
    ... on JobRun {
      runId startTime cost { dbus listCostUsd serverless attributable complete skus }
    }
  }
}
"""
ANOMALIES = """
{ costAnomalies(window: LAST_30_DAYS, first: 100) { ... on CostAnomalies {
    ratioThreshold baselineDays
    anomalies {
      job { jobId } run { runId } startTime listCostUsd baselineP90RunCostUsd baselineRuns ratio
      likelyCauses definitionChangedAt skus baselineSkus
    } } } }
"""
ZOMBIES = """
{ zombieJobs(window: LAST_30_DAYS) { ... on ZombieJobs {
    jobs { job { jobId } reason listCostUsd runs successfulRuns longestRunSeconds }
} } }
"""
JOB_COSTS = """
query($after: String) { jobs(first: 100, after: $after) { ... on JobConnection {
  pageInfo { hasNextPage endCursor }
  nodes { jobId cost { listCostUsd runs successfulRuns costPerSuccessfulRunUsd } }
} } }
"""

# Usage of this workspace billed to a job, priced as the API prices it, written independently.
PRICED = """
WITH latest AS (
  SELECT job_id, tags FROM (
    SELECT job_id, tags, row_number() OVER (PARTITION BY job_id ORDER BY change_time DESC) AS n
    FROM lakeflow.jobs
  ) WHERE n = 1
)
SELECT
  u.usage_metadata.job_id AS job_id,
  u.usage_metadata.job_run_id AS run_id,
  u.usage_start_time AS started,
  u.sku_name AS sku,
  u.identity_metadata.run_as AS run_as,
  CASE WHEN u.product_features.is_serverless THEN 'SERVERLESS' ELSE 'JOBS_COMPUTE' END AS compute,
  latest.tags['team'] AS team,
  u.record_type,
  CAST(u.usage_quantity AS DOUBLE) AS dbus,
  CAST(u.usage_quantity * p.pricing.effective_list.default AS DOUBLE) AS usd
FROM billing.usage AS u
JOIN billing.list_prices AS p
  ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.usage_unit = u.usage_unit
  AND p.currency_code = 'USD' AND u.usage_start_time >= p.price_start_time
  AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
LEFT JOIN latest ON latest.job_id = u.usage_metadata.job_id
WHERE u.workspace_id = ? AND u.usage_metadata.job_id IS NOT NULL AND u.usage_start_time >= ?
"""


def priced_usage(truth: Truth, since: datetime) -> list[dict[str, Any]]:
    names = ("job_id", "run_id", "started", "sku", "run_as", "compute", "team", "record", "dbus")
    return [
        dict(zip((*names, "usd"), row, strict=True))
        for row in truth.rows(PRICED, [WORKSPACE_ID, since])
    ]


def published(truth: Truth, fixture: str) -> list[tuple[Any, ...]]:
    """A query Databricks publishes, run as the stand-in runs every statement."""
    return truth.rows(translate((PUBLISHED / fixture).read_text()).duckdb_sql)


def costs(gql: GraphQL, group_by: str, user: str = "alice", **variables: Any) -> dict[str, Any]:
    variables = {"window": "LAST_30_DAYS", "first": 100, **variables}
    answer: dict[str, Any] = gql.data(COSTS, user, groupBy=group_by, **variables)["costs"]
    assert answer["__typename"] == "CostBreakdown"
    return answer


def by_key(rows: list[dict[str, Any]], key: str) -> dict[Any, float]:
    totals: dict[Any, float] = defaultdict(float)
    for row in rows:
        totals[row[key]] += row["usd"]
    return dict(totals)


# --- the figures agree with SQL ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group_by", "column"),
    [("TEAM", "team"), ("SKU", "sku"), ("RUN_AS", "run_as"), ("COMPUTE_TYPE", "compute")],
)
def test_costs_by_group_agree_with_our_sql_over_the_stand_ins_billing(
    gql: GraphQL, truth: Truth, group_by: str, column: str
) -> None:
    def check() -> None:
        # given the usage of the last 60 days, priced independently
        start = window_start(30)
        usage = priced_usage(truth, start - timedelta(days=30))
        current = by_key([row for row in usage if row["started"] >= start], column)
        previous = by_key([row for row in usage if row["started"] < start], column)
        # when alice (who sees every job) asks for the breakdown
        answer = costs(gql, group_by)
        groups = [group for group in answer["groups"] if group["attributable"]]
        # then each group, its window before, and the total agree to the cent
        assert {g["key"]: round(g["listCostUsd"], 2) for g in groups} == {
            key: round(usd, 2) for key, usd in current.items()
        }
        for group in groups:
            assert group["previousListCostUsd"] == pytest.approx(
                previous.get(group["key"], 0.0), abs=CENTS
            )
            assert sum(day["listCostUsd"] for day in group["daily"]) == pytest.approx(
                group["listCostUsd"], abs=CENTS
            )
            assert len(group["daily"]) == 31
        assert answer["listCostUsd"] == pytest.approx(sum(current.values()), abs=CENTS)
        assert answer["currency"] == "USD"

    same_minute(check)


def test_usage_of_other_workspaces_is_left_out(gql: GraphQL, truth: Truth) -> None:
    # given job usage of another workspace of the account, with this workspace's job ids
    since = window_start(30)
    other = truth.rows(
        "SELECT count(*) FROM billing.usage WHERE workspace_id <> ? AND usage_start_time >= ? "
        "AND usage_metadata.job_id IN (SELECT job_id FROM lakeflow.jobs)",
        [WORKSPACE_ID, since],
    )[0][0]
    assert other > 0
    # when alice asks for spend by job
    answer = costs(gql, "JOB", window="LAST_30_DAYS")
    # then it is this workspace's spend only
    ours = sum(row["usd"] for row in priced_usage(truth, since))
    assert answer["listCostUsd"] == pytest.approx(ours, abs=CENTS)


def test_retraction_restatement_and_price_change_in_the_window_are_accounted_for(
    gql: GraphQL, truth: Truth
) -> None:
    # given the 30-day window holds corrections of job usage and a list-price change
    since = window_start(30)
    usage = priced_usage(truth, since)
    corrected = {row["run_id"] for row in usage if row["record"] == "RETRACTION"}
    assert corrected
    assert any(row["record"] == "RESTATEMENT" for row in usage)
    changes = truth.rows(
        "SELECT count(*) FROM billing.list_prices WHERE price_start_time >= ?", [since]
    )[0][0]
    assert changes > 0
    # when a corrected run's cost is read
    run_id = min(corrected)
    cost = gql.data(RUN_COST, id=run_id)["jobRun"]["cost"]
    # then it is the sum of every record type (the original and its retraction cancel)
    rows = [
        row for row in priced_usage(truth, since - timedelta(days=3)) if row["run_id"] == run_id
    ]
    assert cost["listCostUsd"] == pytest.approx(sum(row["usd"] for row in rows), abs=1e-6)
    originals = sum(row["usd"] for row in rows if row["record"] == "ORIGINAL")
    assert cost["listCostUsd"] != pytest.approx(originals, abs=1e-6)
    assert cost["attributable"]
    assert cost["complete"]


def test_job_spend_agrees_with_databricks_most_expensive_jobs_query(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given Databricks' published "most expensive jobs, 30 days" (usage since the date 30
        # days ago, by workspace and job)
        today = datetime.now(UTC).date()
        expected = {
            str(row[1]): float(row[5])
            for row in published(truth, "most_expensive_jobs_30_days.sql")
            if row[2] == WORKSPACE_ID
        }
        # when the API's daily series of each job over 90 days is summed over the same days
        answer = costs(gql, "JOB", window="LAST_90_DAYS")
        first_day = (today - timedelta(days=30)).isoformat()
        # then the 100 jobs with most spend agree to the cent
        for group in answer["groups"]:
            spent = sum(d["listCostUsd"] for d in group["daily"] if d["date"] >= first_day)
            assert spent == pytest.approx(expected.get(group["key"], 0.0), abs=CENTS)

    same_minute(check)


def test_run_cost_agrees_with_databricks_most_expensive_runs_query(
    gql: GraphQL, truth: Truth
) -> None:
    # given Databricks' published "most expensive job runs, 30 days"
    first_day = datetime.combine(datetime.now(UTC).date() - timedelta(days=29), datetime.min.time())
    rows = [
        row
        for row in published(truth, "most_expensive_job_runs_30_days.sql")
        if row[0] == WORKSPACE_ID
    ]
    checked = 0
    for row in rows[:40]:
        # when the run's cost is read (runs wholly inside the query's days)
        run = gql.data(RUN_COST, id=row[3])["jobRun"]
        if datetime.fromisoformat(run["startTime"]).replace(tzinfo=None) < first_day:
            continue
        # then it is the query's list cost
        assert run["cost"]["listCostUsd"] == pytest.approx(float(row[5]), abs=1e-6)
        checked += 1
    assert checked >= 10


def test_job_cost_counts_runs_successes_and_cost_per_successful_run(
    gql: GraphQL, truth: Truth
) -> None:
    jobs: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql.data(JOB_COSTS, after=after)["jobs"]
        jobs.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    spending = [job for job in jobs if job["cost"]["listCostUsd"] > 0]
    assert spending
    for job in spending:
        cost = job["cost"]
        if cost["successfulRuns"]:
            assert cost["costPerSuccessfulRunUsd"] == pytest.approx(
                cost["listCostUsd"] / cost["successfulRuns"]
            )
        else:
            assert cost["costPerSuccessfulRunUsd"] is None
    # and the overview's spend is the sum over the same list
    overview = gql.data(
        "{ overview(window: LAST_30_DAYS) { ... on Overview { spend { listCostUsd currency } } } }"
    )["overview"]["spend"]
    assert overview["listCostUsd"] == pytest.approx(
        sum(job["cost"]["listCostUsd"] for job in jobs), abs=CENTS
    )


# --- who sees what -------------------------------------------------------------------------------


def test_costs_are_visible_exactly_like_runs(gql: GraphQL, truth: Truth) -> None:
    # given bob sees some jobs and carol none
    bobs = {str(job_id) for job_id in truth.job_ids_of(BOB_PRINCIPALS)}
    # when bob asks for spend by job
    answer = costs(gql, "JOB", "bob")
    # then only his jobs appear, with no figure about anyone else's
    assert answer["groups"]
    assert {group["key"] for group in answer["groups"]} <= bobs
    assert answer["unattributedUsd"] is None
    for group_by in ("TEAM", "COMPUTE_TYPE"):
        assert all(group["attributable"] for group in costs(gql, group_by, "bob")["groups"])
    # and carol's answers are empty, not zero-filled lists of other people's jobs
    for group_by in ("JOB", "TEAM", "SKU", "RUN_AS", "COMPUTE_TYPE"):
        nothing = costs(gql, group_by, "carol")
        assert nothing["groups"] == []
        assert nothing["groupCount"] == 0
        assert nothing["listCostUsd"] == 0
        assert nothing["unattributedUsd"] is None
    assert gql.data(ANOMALIES, "carol")["costAnomalies"]["anomalies"] == []
    assert gql.data(ZOMBIES, "carol")["zombieJobs"]["jobs"] == []


def test_unattributed_spend_and_all_purpose_group_are_for_viewers_who_see_every_job(
    gql: GraphQL, truth: Truth
) -> None:
    answer = costs(gql, "COMPUTE_TYPE")
    shared = [group for group in answer["groups"] if not group["attributable"]]
    assert [group["key"] for group in shared] == ["ALL_PURPOSE"]
    assert answer["unattributedUsd"] >= shared[0]["listCostUsd"] > 0
    assert answer["listCostUsd"] == pytest.approx(
        sum(group["listCostUsd"] for group in answer["groups"] if group["attributable"]), abs=CENTS
    )


# --- anomalies and zombies -----------------------------------------------------------------------


def test_cost_anomalies_exceed_twice_the_baseline_p90_and_name_a_likely_cause(
    gql: GraphQL, truth: Truth
) -> None:
    answer = gql.data(ANOMALIES)["costAnomalies"]
    anomalies = answer["anomalies"]
    assert anomalies
    assert answer["ratioThreshold"] == 2
    assert answer["baselineDays"] == 30
    for anomaly in anomalies:
        assert anomaly["ratio"] > 2
        assert anomaly["ratio"] == pytest.approx(
            anomaly["listCostUsd"] / anomaly["baselineP90RunCostUsd"]
        )
        assert anomaly["baselineRuns"] >= 5
    # a job whose definition changed to Photon, with longer runs, is explained by all three
    assert any(
        {"DEFINITION_CHANGED", "LONGER_DURATION", "DIFFERENT_SKU"} <= set(a["likelyCauses"])
        and a["definitionChangedAt"] is not None
        for a in anomalies
    )
    # and the largest one's baseline p90 agrees with our own SQL
    top = anomalies[0]
    start = window_start(30)
    baseline_start = start - timedelta(days=30)
    job_id = top["job"]["jobId"]
    rows = truth.rows(
        """
        SELECT r.run_id, sum(CAST(u.usage_quantity * p.pricing.effective_list.default AS DOUBLE))
        FROM billing.usage u
        JOIN billing.list_prices p ON p.sku_name = u.sku_name AND p.cloud = u.cloud
          AND p.usage_unit = u.usage_unit AND p.currency_code = 'USD'
          AND u.usage_start_time >= p.price_start_time
          AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
        JOIN (
          SELECT run_id, min(period_start_time) AS started,
                 max(result_state) FILTER (WHERE result_state IS NOT NULL) AS result
          FROM lakeflow.job_run_timeline WHERE job_id = ? GROUP BY run_id
        ) r ON r.run_id = u.usage_metadata.job_run_id
        WHERE u.workspace_id = ? AND u.usage_metadata.job_id = ? AND u.usage_start_time >= ?
          AND r.started >= ? AND r.started < ? AND r.result IS NOT NULL
        GROUP BY r.run_id
        """,
        [job_id, WORKSPACE_ID, job_id, baseline_start, baseline_start, start],
    )
    assert top["baselineP90RunCostUsd"] == pytest.approx(
        percentile_approx([row[1] for row in rows], 0.9), abs=1e-6
    )


def test_zombie_jobs_spend_without_a_successful_or_longer_than_a_minute_run(
    gql: GraphQL, truth: Truth
) -> None:
    zombies = gql.data(ZOMBIES)["zombieJobs"]["jobs"]
    reasons = {zombie["reason"] for zombie in zombies}
    assert reasons == {"NO_SUCCESSFUL_RUN", "ONLY_SHORT_RUNS"}
    for zombie in zombies:
        assert zombie["listCostUsd"] > 0
        assert zombie["runs"] > 0
        if zombie["reason"] == "NO_SUCCESSFUL_RUN":
            assert zombie["successfulRuns"] == 0
        else:
            assert zombie["longestRunSeconds"] < 60
    spends = [zombie["listCostUsd"] for zombie in zombies]
    assert spends == sorted(spends, reverse=True)


# --- bounded statements --------------------------------------------------------------------------


def test_a_page_of_100_jobs_with_cost_and_run_cost_issues_few_statements(
    gql: GraphQL, stand_in: StandIn
) -> None:
    page = """
    query($first: Int!) { jobs(first: $first) { ... on JobConnection { nodes {
      cost(window: LAST_7_DAYS) { listCostUsd wastedUsd daily { listCostUsd } }
      runs(first: 2) { ... on JobRunConnection { nodes { cost { listCostUsd complete } } } }
    } } } }
    """

    def check() -> None:
        counts = []
        for first in (5, 100, 100):
            before = stand_in.statements()
            gql.data(page, first=first)
            counts.append(stand_in.statements() - before)
        # the roll-up, the daily series, the latest runs and their cost: at most four each time
        assert counts[0] <= 4
        assert counts[1] <= 4
        assert counts[2] == 0

    same_minute(check)
