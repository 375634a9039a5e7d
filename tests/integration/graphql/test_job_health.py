"""Job health and the overview, checked against an independent SQL computation on the same data.

Given the demo workspace, when alice (a workspace admin) asks for every job's health or the
overview, then each figure equals what our own SQL over the stand-in's system tables gives.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC
from typing import Any

import pytest

from tests.integration.graphql.conftest import (
    GraphQL,
    RunFact,
    Truth,
    percentile_approx,
    same_minute,
    window_start,
)

JOBS_WITH_HEALTH = """
query JobsWithHealth($after: String, $window: Window!) {
  jobs(first: 100, after: $after) {
    __typename
    ... on JobConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        jobId
        health(window: $window) {
          window runs succeeded failed successRate failureStreak priority
          durationP50Seconds durationP90Seconds latestDurationSeconds
          lastRun { runId state }
        }
      }
    }
  }
}
"""

OVERVIEW = """
query Overview($window: Window!) {
  overview(window: $window) {
    __typename
    ... on Overview {
      window runs succeeded failed successRate jobsInFailingStreak activeNow queuedNow
      daily { date runs succeeded failed }
      failuresByTerminationCode { terminationCode failed jobs }
      topFailingJobs(limit: 5) { job { jobId } failed }
    }
  }
}
"""

ACTIVE_RUNS = """
{ activeRuns { __typename ... on ActiveRuns { runs { runId state } } } }
"""

WINDOW_DAYS = {"LAST_7_DAYS": 7, "LAST_30_DAYS": 30}


def all_jobs_with_health(gql: GraphQL, window: str, user: str = "alice") -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = gql.data(JOBS_WITH_HEALTH, user, after=after, window=window)["jobs"]
        assert page["__typename"] == "JobConnection"
        nodes.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def expected_health(runs: list[RunFact]) -> dict[str, Any]:
    """Health written out from the rules in the issue, over one job's finished runs."""
    finished = sorted((r for r in runs if r.finished), key=lambda r: (r.start_time, r.run_id))
    outcomes = [r for r in finished if r.succeeded or r.failed]
    streak = 0
    for run in reversed(outcomes):
        if run.succeeded:
            break
        streak += 1
    durations = [float(r.duration_seconds or 0) for r in outcomes if r.succeeded]
    succeeded, failed = sum(r.succeeded for r in finished), sum(r.failed for r in finished)
    return {
        "runs": len(finished),
        "succeeded": succeeded,
        "failed": failed,
        "successRate": succeeded / (succeeded + failed) if succeeded + failed else None,
        "failureStreak": streak,
        "durationP50Seconds": percentile_approx(durations, 0.5),
        "durationP90Seconds": percentile_approx(durations, 0.9),
        "latestDurationSeconds": float(outcomes[-1].duration_seconds or 0) if outcomes else None,
        "lastRun": str(finished[-1].run_id) if finished else None,
    }


@pytest.mark.parametrize("window", sorted(WINDOW_DAYS))
def test_job_health_matches_independent_sql(gql: GraphQL, truth: Truth, window: str) -> None:
    def check() -> None:
        # given every run started in the window, from our own SQL
        since = window_start(WINDOW_DAYS[window])
        by_job: dict[int, list[RunFact]] = defaultdict(list)
        for run in truth.finished_runs(since):
            by_job[run.job_id].append(run)

        # when alice lists every job with its health
        jobs = all_jobs_with_health(gql, window)

        # then every job's figures are the independent ones
        assert len(jobs) == len(truth.job_ids())
        for job in jobs:
            health = job["health"]
            expected = expected_health(by_job[int(job["jobId"])])
            actual = {key: health[key] for key in expected if key != "lastRun"}
            actual["lastRun"] = health["lastRun"]["runId"] if health["lastRun"] else None
            assert health["window"] == window
            assert actual == pytest.approx(expected), job["jobId"]

    same_minute(check)


def test_priorities_follow_the_documented_rules(gql: GraphQL) -> None:
    # given every job's health over 7 days
    jobs = all_jobs_with_health(gql, "LAST_7_DAYS")

    # then P1 is a streak of two or more, P3 a single latest failure, and the demo data has both
    for job in jobs:
        health = job["health"]
        if health["failureStreak"] >= 2:
            assert health["priority"] == "P1"
        elif health["successRate"] is not None and health["successRate"] < 0.9:
            assert health["priority"] == "P2"
        elif health["failureStreak"] == 1 and health["priority"] != "P2":
            assert health["priority"] == "P3"
    priorities = Counter(job["health"]["priority"] for job in jobs)
    assert priorities["P1"] > 0
    assert priorities[None] > 0


def test_overview_matches_independent_sql(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given every run of the last 30 days of the jobs that exist, from our own SQL
        since = window_start(30)
        runs = [r for r in truth.finished_runs(since, truth.job_ids()) if r.finished]
        failed = [r for r in runs if r.failed]

        # when alice asks for the 30-day overview
        overview = gql.data(OVERVIEW, window="LAST_30_DAYS")["overview"]

        # then the totals, the daily series and the failures by code are the independent ones
        assert overview["__typename"] == "Overview"
        assert overview["runs"] == len(runs)
        assert overview["failed"] == len(failed)
        assert overview["succeeded"] == sum(r.succeeded for r in runs)
        daily = {d["date"]: (d["runs"], d["failed"]) for d in overview["daily"] if d["runs"]}
        expected_daily: Counter[str] = Counter()
        expected_failed: Counter[str] = Counter()
        for run in runs:
            day = run.start_time.astimezone(UTC).date().isoformat()
            expected_daily[day] += 1
            expected_failed[day] += run.failed
        assert daily == {day: (expected_daily[day], expected_failed[day]) for day in expected_daily}
        assert len(overview["daily"]) == 31
        codes = {c["terminationCode"]: c["failed"] for c in overview["failuresByTerminationCode"]}
        assert codes == dict(Counter(r.termination_code for r in failed))
        top = overview["topFailingJobs"]
        per_job = Counter(r.job_id for r in failed)
        assert [entry["failed"] for entry in top] == sorted(per_job.values(), reverse=True)[:5]

    same_minute(check)


def test_overview_counts_the_active_runs_it_lists(gql: GraphQL) -> None:
    # when alice asks for the overview and the active runs
    overview = gql.data(OVERVIEW, window="LAST_24_HOURS")["overview"]
    active = gql.data(ACTIVE_RUNS)["activeRuns"]["runs"]

    # then running and queued now add up to the runs listed as active
    queued = sum(1 for run in active if run["state"] == "QUEUED")
    assert overview["queuedNow"] == queued
    assert overview["activeNow"] == len(active) - queued
