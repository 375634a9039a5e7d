"""Utilisation over HTTP: each job's CPU and memory agree with our own SQL over the stand-in's node
data (system.compute.node_timeline tied to the runs' job clusters); serverless and all-purpose
jobs answer `measurable: false` with the reason; over-provisioned jobs are listed by their saving,
each recommendation carrying its observed peak; every answer covers only the viewer's jobs; and a
page of jobs costs a bounded number of statements.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from job_monitor.local_workspace.principals import WORKSPACE_ID
from job_monitor.local_workspace.synth.generate import UTILISATION_PINNED
from tests.integration.graphql.conftest import (
    BOB_PRINCIPALS,
    GraphQL,
    StandIn,
    Truth,
    percentile_approx,
    same_minute,
    window_start,
)

WINDOW, DAYS = "LAST_7_DAYS", 7
LOOKBACK = timedelta(days=2)
SPREAD = "{ p50Percent p90Percent peakPercent }"
FINDINGS = """findings {
  kind estimatedMonthlySavingUsd
  recommendation { kind summary workers minWorkers maxWorkers nodeType }
}"""
UTILIZATION = f"""
  __typename
  ... on JobUtilization {{
    measurable window minutesObserved runsObserved runs serverlessRuns sharedClusterRuns
    underusedMinuteShare overProvisioned estimatedMonthlySavingUsd
    driverCpu {SPREAD} workerCpu {SPREAD} driverMemory {SPREAD} workerMemory {SPREAD}
    cluster {{ driverNodeType workerNodeType workers minWorkers maxWorkers autoscaling }}
    {FINDINGS}
  }}
  ... on UnmeasurableUtilization {{
    measurable window reason message runs serverlessRuns sharedClusterRuns
    estimatedMonthlySavingUsd {FINDINGS}
  }}
"""
JOBS = f"""
query($after: String, $window: Window!) {{ jobs(first: 100, after: $after) {{
  ... on JobConnection {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ jobId utilization(window: $window) {{ {UTILIZATION} }} }}
  }}
}} }}
"""
OVER_PROVISIONED = f"""
query($window: Window!, $first: Int!) {{ overProvisionedJobs(window: $window, first: $first) {{
  __typename
  ... on OverProvisionedJobs {{
    window cpuThresholdPercent memoryThresholdPercent minuteShare minRuns jobCount
    estimatedMonthlySavingUsd
    jobs {{
      job {{ jobId cost(window: $window) {{ listCostUsd }} }}
      estimatedMonthlySavingUsd {FINDINGS}
      utilization {{ {UTILIZATION} }}
    }}
  }}
}} }}
"""
PAGE = """
query($first: Int!) { jobs(first: $first) { ... on JobConnection { nodes {
  name
  utilization(window: LAST_7_DAYS) {
    __typename
    ... on JobUtilization { minutesObserved workerCpu { p90Percent } findings { kind } }
    ... on UnmeasurableUtilization { reason findings { kind } }
  }
} } } }
"""
LIST = """
{ overProvisionedJobs(window: LAST_7_DAYS) { ... on OverProvisionedJobs {
    jobCount jobs { job { jobId } estimatedMonthlySavingUsd }
} } }
"""
BOUND = 6
"""The catalog (2), the node figures, the spend roll-up, the node types and the all-purpose
clusters' hours: whatever the page size."""
CPU_PEAK, MEMORY_PEAK = 1.0, 0.8
"""A resize runs the busiest minute's CPU at most full, its memory at most 80 %."""
FINDING_OF_STORY = {
    "over_provisioned": "OVER_PROVISIONED",
    "at_ceiling": "AT_AUTOSCALE_CEILING",
    "autoscale_unexercised": "AUTOSCALING_NEVER_EXERCISED",
}


# --- our own reading of the stand-in's data -----------------------------------------------------

SPANS = """
WITH latest AS (
  SELECT cluster_id, cluster_source FROM (
    SELECT cluster_id, cluster_source,
           row_number() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) AS newest
    FROM compute.clusters WHERE workspace_id = $workspace
  ) WHERE newest = 1
),
used AS (
  SELECT CAST(job_id AS BIGINT) AS job_id, job_run_id, period_start_time, period_end_time,
         unnest(compute_ids) AS cluster_id
  FROM lakeflow.job_task_run_timeline
  WHERE workspace_id = $workspace AND period_end_time > $since
    AND period_start_time >= $scan
),
spans AS (
  SELECT u.job_id, u.job_run_id, u.cluster_id, l.cluster_source,
         min(u.period_start_time) AS t0, max(u.period_end_time) AS t1
  FROM used u JOIN latest l ON l.cluster_id = u.cluster_id
  GROUP BY ALL
)
"""


@dataclass(frozen=True)
class NodeMinute:
    job_id: int
    run_id: str
    cluster_id: str
    minute: datetime
    driver: bool
    instance_id: str
    cpu: float
    memory: float


def node_minutes(truth: Truth, since: datetime, job_ids: list[int]) -> list[NodeMinute]:
    """Each node's minute on a job cluster within a run's span on it, in the window."""
    rows = truth.rows(
        SPANS
        + """
        SELECT s.job_id, s.job_run_id, s.cluster_id, date_trunc('minute', n.start_time),
               n.driver, n.instance_id, n.cpu_user_percent + n.cpu_system_percent,
               n.mem_used_percent
        FROM spans s
        JOIN compute.node_timeline n
          ON n.workspace_id = $workspace AND n.cluster_id = s.cluster_id
          AND n.start_time >= s.t0 AND n.start_time < s.t1 AND n.start_time >= $since
        WHERE s.cluster_source = 'JOB' AND list_contains($jobs, s.job_id)
        """,
        {"workspace": WORKSPACE_ID, "since": since, "scan": since - LOOKBACK, "jobs": job_ids},
    )
    return [NodeMinute(*row) for row in rows]


@dataclass
class Measured:
    minutes: int
    runs: int
    driver_cpu: list[float]
    driver_memory: list[float]
    worker_cpu: list[float]
    worker_memory: list[float]
    busy_workers: list[float]
    memory_workers: list[float]

    def underused_share(self, cpu: float, memory: float) -> float | None:
        pairs = list(zip(self.worker_cpu, self.worker_memory, strict=True))
        if not pairs:
            return None
        return sum(1 for c, m in pairs if c < cpu and m < memory) / len(pairs)


def measured(minutes: list[NodeMinute]) -> dict[int, Measured]:
    """Per job: one entry per run-minute (run, cluster, minute), driver and workers apart."""
    by_minute: dict[tuple[int, str, str, datetime], list[NodeMinute]] = defaultdict(list)
    for row in minutes:
        by_minute[(row.job_id, row.run_id, row.cluster_id, row.minute)].append(row)
    jobs: dict[int, Measured] = {}
    for (job_id, _, _, _), rows in by_minute.items():
        job = jobs.setdefault(job_id, Measured(0, 0, [], [], [], [], [], []))
        job.minutes += 1
        drivers = [row for row in rows if row.driver]
        workers = [row for row in rows if not row.driver]
        if drivers:
            job.driver_cpu.append(max(row.cpu for row in drivers))
            job.driver_memory.append(max(row.memory for row in drivers))
        if workers:
            job.worker_cpu.append(sum(row.cpu for row in workers) / len(workers))
            job.worker_memory.append(sum(row.memory for row in workers) / len(workers))
            job.busy_workers.append(sum(row.cpu for row in workers) / 100)
            job.memory_workers.append(sum(row.memory for row in workers) / 100)
    runs: dict[int, set[str]] = defaultdict(set)
    for row in minutes:
        runs[row.job_id].add(row.run_id)
    for job_id, job in jobs.items():
        job.runs = len(runs[job_id])
    return jobs


def run_kinds(truth: Truth, since: datetime) -> dict[int, tuple[int, int, int]]:
    """Per job: runs with task slices in the window, those without any compute (serverless) and
    those with a task on an all-purpose cluster."""
    rows = truth.rows(
        """
        WITH shared AS (
          SELECT list(cluster_id) AS ids FROM (
            SELECT cluster_id, cluster_source,
                   row_number() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) AS newest
            FROM compute.clusters WHERE workspace_id = $workspace
          ) WHERE newest = 1 AND cluster_source IN ('UI', 'API')
        ),
        runs AS (
          SELECT CAST(job_id AS BIGINT) AS job_id, job_run_id,
                 max(len(compute_ids)) = 0 AS serverless,
                 bool_or(list_has_any(compute_ids, (SELECT ids FROM shared))) AS on_shared
          FROM lakeflow.job_task_run_timeline
          WHERE workspace_id = $workspace AND period_end_time > $since
            AND period_start_time >= $scan
          GROUP BY ALL
        )
        SELECT job_id, count(*), count(*) FILTER (WHERE serverless),
               count(*) FILTER (WHERE on_shared)
        FROM runs GROUP BY job_id
        """,
        {"workspace": WORKSPACE_ID, "since": since, "scan": since - LOOKBACK},
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def all_purpose_costs(truth: Truth, since: datetime, job_id: int) -> tuple[float, float]:
    """The hours the job's runs held all-purpose clusters in the window, at each cluster's billed
    rate per usage hour: at the all-purpose price, and at the job-compute price."""
    rows = truth.rows(
        SPANS
        + """
        , rates AS (
          SELECT u.usage_metadata.cluster_id AS cluster_id,
                 count(DISTINCT date_trunc('hour', u.usage_start_time)) AS hours,
                 sum(u.usage_quantity * p.pricing.effective_list.default) AS usd,
                 sum(u.usage_quantity * j.pricing.effective_list.default) AS job_usd
          FROM billing.usage u
          JOIN billing.list_prices p
            ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.currency_code = 'USD'
            AND u.usage_start_time >= p.price_start_time
            AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
          JOIN billing.list_prices j
            ON j.sku_name = replace(u.sku_name, 'ALL_PURPOSE', 'JOBS') AND j.cloud = u.cloud
            AND j.currency_code = 'USD' AND u.usage_start_time >= j.price_start_time
            AND (j.price_end_time IS NULL OR u.usage_start_time < j.price_end_time)
          WHERE u.workspace_id = $workspace AND u.usage_start_time >= $since
          GROUP BY 1
        )
        SELECT sum(epoch(s.t1 - greatest(s.t0, $since)) / 3600 * r.usd / r.hours),
               sum(epoch(s.t1 - greatest(s.t0, $since)) / 3600 * r.job_usd / r.hours)
        FROM spans s JOIN rates r ON r.cluster_id = s.cluster_id
        WHERE s.job_id = $job AND s.cluster_source IN ('UI', 'API')
        """,
        {"workspace": WORKSPACE_ID, "since": since, "scan": since - LOOKBACK, "job": job_id},
    )
    return float(rows[0][0]), float(rows[0][1])


def node_cores(truth: Truth) -> dict[str, float]:
    return {
        row[0]: float(row[1])
        for row in truth.rows("SELECT node_type, core_count FROM compute.node_types")
    }


# --- the API's answers ---------------------------------------------------------------------------


def utilization_of_every_job(gql: GraphQL, user: str = "alice") -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    after = None
    while True:
        page = gql.data(JOBS, user, after=after, window=WINDOW)["jobs"]
        found.update({int(node["jobId"]): node["utilization"] for node in page["nodes"]})
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def over_provisioned(gql: GraphQL, user: str = "alice") -> dict[str, Any]:
    answer: dict[str, Any] = gql.data(OVER_PROVISIONED, user, window=WINDOW, first=100)[
        "overProvisionedJobs"
    ]
    assert answer["__typename"] == "OverProvisionedJobs"
    return answer


def spread_of(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "p50Percent": percentile_approx(values, 0.5) or 0.0,
        "p90Percent": percentile_approx(values, 0.9) or 0.0,
        "peakPercent": max(values),
    }


def assert_spread(answer: dict[str, float] | None, values: list[float]) -> None:
    expected = spread_of(values)
    if expected is None:
        assert answer is None
        return
    assert answer is not None
    assert answer == pytest.approx(expected, abs=1e-6)


# --- the figures agree with SQL ------------------------------------------------------------------


def test_each_jobs_cpu_and_memory_agree_with_our_sql_over_the_node_data(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given every job's utilisation over the last 7 days, as alice (who sees every job)
        answers = utilization_of_every_job(gql)
        measured_ids = sorted(job_id for job_id, answer in answers.items() if answer["measurable"])
        assert measured_ids
        # when the node data of a sample of the measured jobs is read with our own SQL
        sample = measured_ids[:: max(1, len(measured_ids) // 8)]
        since = window_start(DAYS)
        expected = measured(node_minutes(truth, since, sample))
        # then its run-minutes, runs, and each spread of CPU and memory agree
        for job_id in sample:
            answer, job = answers[job_id], expected[job_id]
            assert answer["__typename"] == "JobUtilization"
            assert answer["window"] == WINDOW
            assert (answer["minutesObserved"], answer["runsObserved"]) == (job.minutes, job.runs)
            assert_spread(answer["driverCpu"], job.driver_cpu)
            assert_spread(answer["driverMemory"], job.driver_memory)
            assert_spread(answer["workerCpu"], job.worker_cpu)
            assert_spread(answer["workerMemory"], job.worker_memory)
            share = job.underused_share(40.0, 40.0)
            assert answer["underusedMinuteShare"] == pytest.approx(share, abs=1e-9)

    same_minute(check)


def test_runs_are_counted_by_the_compute_they_used(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given each job's runs in the window, by what their tasks ran on (our SQL)
        kinds = run_kinds(truth, window_start(DAYS))
        # when alice reads every job's utilisation
        answers = utilization_of_every_job(gql)
        # then each job counts the same runs, serverless runs and runs on all-purpose clusters
        for job_id, answer in answers.items():
            runs = (answer["runs"], answer["serverlessRuns"], answer["sharedClusterRuns"])
            assert runs == kinds.get(job_id, (0, 0, 0)), job_id

    same_minute(check)


def test_serverless_and_shared_cluster_jobs_are_not_measurable_and_say_why(
    gql: GraphQL, truth: Truth
) -> None:
    # given jobs whose runs in the window all ran on serverless compute, and jobs whose runs all
    # ran on all-purpose clusters (our SQL)
    kinds = run_kinds(truth, window_start(DAYS))
    serverless = {job for job, (runs, alone, _) in kinds.items() if runs and alone == runs}
    shared = {job for job, (runs, _, on_shared) in kinds.items() if runs and on_shared == runs}
    assert serverless
    assert shared

    # when alice reads their utilisation
    answers = utilization_of_every_job(gql)

    # then each is not measurable, with its reason in a word and in words
    for job_id in serverless & answers.keys():
        answer = answers[job_id]
        assert answer["__typename"] == "UnmeasurableUtilization"
        assert (answer["measurable"], answer["reason"]) == (False, "SERVERLESS")
        assert "serverless" in answer["message"]
    for job_id in shared & answers.keys():
        answer = answers[job_id]
        assert answer["__typename"] == "UnmeasurableUtilization"
        assert (answer["measurable"], answer["reason"]) == (False, "SHARED_CLUSTER")
        assert "all-purpose" in answer["message"]
    # and a job without runs in the window has no data yet
    for job_id in answers.keys() - kinds.keys():
        assert answers[job_id]["reason"] == "NO_DATA"


def test_all_purpose_jobs_are_told_what_job_compute_would_save(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given a job that ran only on all-purpose clusters in the window
        since = window_start(DAYS)
        kinds = run_kinds(truth, since)
        answers = utilization_of_every_job(gql)
        shared = sorted(job for job, (runs, _, on) in kinds.items() if runs and on == runs)
        job_id = shared[0]
        # when its utilisation is read
        findings = answers[job_id]["findings"]
        # then it is told to move to job compute, saving the difference of the hours its runs
        # held the clusters at their all-purpose rate and at the job-compute price, per month
        all_purpose, job_compute = all_purpose_costs(truth, since, job_id)
        assert [finding["kind"] for finding in findings] == ["CHEAPER_ON_JOB_COMPUTE"]
        assert findings[0]["recommendation"]["kind"] == "JOB_COMPUTE"
        saving = (all_purpose - job_compute) * 30 / DAYS
        assert findings[0]["estimatedMonthlySavingUsd"] == pytest.approx(saving, rel=1e-6)

    same_minute(check)


# --- over-provisioned jobs -----------------------------------------------------------------------


def test_over_provisioned_jobs_are_listed_by_saving_each_with_its_reasons(gql: GraphQL) -> None:
    # when alice lists the over-provisioned jobs of the last 7 days
    answer = over_provisioned(gql)

    # then there are some, most saving first, each saving the sum of its findings'
    jobs = answer["jobs"]
    assert jobs
    savings = [job["estimatedMonthlySavingUsd"] for job in jobs]
    assert savings == sorted(savings, reverse=True)
    assert answer["estimatedMonthlySavingUsd"] == pytest.approx(sum(savings))
    assert answer["jobCount"] == len(jobs)
    assert (answer["cpuThresholdPercent"], answer["memoryThresholdPercent"]) == (40.0, 40.0)
    assert (answer["minuteShare"], answer["minRuns"]) == (0.5, 3)
    for job in jobs:
        kinds = {finding["kind"] for finding in job["findings"]}
        assert kinds & {"OVER_PROVISIONED", "CHEAPER_ON_JOB_COMPUTE"}
        assert job["estimatedMonthlySavingUsd"] == pytest.approx(
            sum(finding["estimatedMonthlySavingUsd"] or 0.0 for finding in job["findings"])
        )
        # and an over-provisioned one was idle most of its minutes over enough runs
        if "OVER_PROVISIONED" in kinds:
            utilization = job["utilization"]
            assert utilization["overProvisioned"]
            assert utilization["underusedMinuteShare"] > answer["minuteShare"]
            assert utilization["runsObserved"] >= answer["minRuns"]


def test_fewer_workers_carry_the_observed_peak_and_save_their_share_of_the_spend(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given alice's over-provisioned jobs told to run fewer workers
        answer = over_provisioned(gql)
        told = [
            (job, finding)
            for job in answer["jobs"]
            for finding in job["findings"]
            if finding["recommendation"]["kind"] == "FEWER_WORKERS"
        ]
        assert told
        since = window_start(DAYS)
        cores = node_cores(truth)
        for job, finding in told:
            job_id = int(job["job"]["jobId"])
            cluster = job["utilization"]["cluster"]
            fewer = finding["recommendation"]["workers"]
            # when its workers' load is read with our own SQL
            load = measured(node_minutes(truth, since, [job_id]))[job_id]
            cpu = math.ceil(round(max(load.busy_workers) / CPU_PEAK, 9))
            memory = math.ceil(round(max(load.memory_workers) / MEMORY_PEAK, 9))
            # then the fewest workers that carry the busiest minute are recommended
            assert fewer == max(1, cpu, memory)
            assert fewer < cluster["workers"]
            # and the saving is the cores removed as a share of the cluster's, of the job's
            # spend (as `Job.cost` reports it) per month
            driver, worker = cores[cluster["driverNodeType"]], cores[cluster["workerNodeType"]]
            share = (cluster["workers"] - fewer) * worker / (driver + cluster["workers"] * worker)
            spend = job["job"]["cost"]["listCostUsd"] * 30 / DAYS
            assert finding["estimatedMonthlySavingUsd"] == pytest.approx(spend * share, rel=1e-6)

    same_minute(check)


def test_autoscaling_findings_follow_the_workers_seen(gql: GraphQL) -> None:
    # given every job's utilisation
    answers = utilization_of_every_job(gql)
    findings = [
        (answer, finding)
        for answer in answers.values()
        if answer["measurable"]
        for finding in answer["findings"]
        if finding["kind"] in {"AUTOSCALING_NEVER_EXERCISED", "AT_AUTOSCALE_CEILING"}
    ]
    # then the stand-in's autoscaling jobs that never scale and that sit at their ceiling are found
    assert {finding["kind"] for _, finding in findings} == {
        "AUTOSCALING_NEVER_EXERCISED",
        "AT_AUTOSCALE_CEILING",
    }
    # and they are made of autoscaling clusters only, saving nothing by themselves, with the new
    # size to set
    for answer, finding in findings:
        cluster = answer["cluster"]
        assert cluster["autoscaling"]
        assert finding["estimatedMonthlySavingUsd"] is None
        recommendation = finding["recommendation"]
        if finding["kind"] == "AT_AUTOSCALE_CEILING":
            assert recommendation["kind"] == "HIGHER_AUTOSCALE_MAXIMUM"
            assert recommendation["maxWorkers"] > cluster["maxWorkers"]
        else:
            assert recommendation["kind"] == "FIXED_SIZE"
            assert recommendation["workers"] == cluster["minWorkers"]


def test_the_stand_ins_planted_jobs_are_told_apart(gql: GraphQL, truth: Truth) -> None:
    # given the stand-in's pinned jobs: classic ones with a utilisation story, serverless ones and
    # one on an all-purpose cluster
    pinned = truth.rows(
        "SELECT job_index, job_id, compute_kind FROM local.jobs WHERE job_index < 14"
    )
    job_of = {index: job_id for index, job_id, _ in pinned}
    compute_of = {index: kind for index, _, kind in pinned}

    # when alice reads every job's utilisation
    answers = utilization_of_every_job(gql)

    # then each story of a job that exists shows as its finding, and a healthy job has none
    existing = truth.job_ids()
    for index, story in UTILISATION_PINNED.items():
        if job_of[index] not in existing:
            continue
        answer = answers[job_of[index]]
        kinds = {finding["kind"] for finding in answer["findings"]}
        expected = FINDING_OF_STORY.get(story)
        assert kinds == ({expected} if expected else set()), (index, story, kinds)
        if expected:
            assert answer["__typename"] == "JobUtilization", (index, story)
    # and serverless and all-purpose jobs are not measured, for their reason
    for index, kind in compute_of.items():
        if kind == "serverless":
            assert answers[job_of[index]]["reason"] == "SERVERLESS", index
        elif kind == "all_purpose":
            assert answers[job_of[index]]["reason"] == "SHARED_CLUSTER", index


# --- visibility ----------------------------------------------------------------------------------


def test_bob_sees_the_over_provisioned_jobs_he_may_see_and_carol_none(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given what alice (every job) and bob (data-eng's and his own) are shown
        everyone = {int(job["job"]["jobId"]): job for job in over_provisioned(gql)["jobs"]}
        bobs = over_provisioned(gql, "bob")
        allowed = truth.job_ids_of(BOB_PRINCIPALS)
        # then bob's list is alice's cut to his jobs, with the same savings
        shown = {int(job["job"]["jobId"]): job for job in bobs["jobs"]}
        assert shown.keys() == everyone.keys() & allowed
        for job_id, job in shown.items():
            assert job["estimatedMonthlySavingUsd"] == pytest.approx(
                everyone[job_id]["estimatedMonthlySavingUsd"]
            )
        assert bobs["jobCount"] == len(shown)

    same_minute(check)

    # and carol, who may see no job, is shown none and no saving
    carols = over_provisioned(gql, "carol")
    assert (carols["jobs"], carols["jobCount"], carols["estimatedMonthlySavingUsd"]) == ([], 0, 0)
    assert utilization_of_every_job(gql, "carol") == {}


# --- statements ----------------------------------------------------------------------------------


def statements_for(gql: GraphQL, stand_in: StandIn, query: str, **variables: Any) -> int:
    before = stand_in.statements()
    gql.data(query, **variables)
    return stand_in.statements() - before


def test_a_page_of_jobs_with_utilization_costs_a_bounded_number_of_statements(
    gql: GraphQL, fresh_gql: Callable[..., GraphQL], stand_in: StandIn
) -> None:
    # given a stand-in that has answered these queries before
    gql.data(PAGE, first=100)
    gql.data(LIST)

    def check() -> None:
        # given two services with nothing cached
        small, large = fresh_gql(), fresh_gql()

        # when one reads 5 jobs' utilisation and the other 100, cold, then again warm, and the
        # over-provisioned list
        with_five = statements_for(small, stand_in, PAGE, first=5)
        with_hundred = statements_for(large, stand_in, PAGE, first=100)
        warm = statements_for(large, stand_in, PAGE, first=100)
        listed = statements_for(small, stand_in, LIST)

        # then each costs at most the few statements of one batch, and none when warm
        assert 0 < with_five <= BOUND, with_five
        assert 0 < with_hundred <= BOUND, with_hundred
        assert warm == 0
        assert 0 < listed <= BOUND, listed

    same_minute(check)
