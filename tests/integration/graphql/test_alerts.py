"""Alerts over HTTP: failure streaks agree with our own SQL over the stand-in's runs (their length
and the start of their first failing run), ids are stable and pages do not overlap, filters hold,
runs going now past 80 % of their target alert, and each viewer sees alerts about their jobs only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from tests.integration.graphql.conftest import (
    BOB_PRINCIPALS,
    GraphQL,
    RunFact,
    Truth,
    same_minute,
    window_start,
)

ALERTS = """
query($filter: AlertFilter, $first: Int, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    __typename
    ... on AlertConnection {
      totalCount bySeverity { severity count }
      pageInfo { hasNextPage endCursor }
      nodes { id severity kind title detail remediation firstSeenAt magnitude
              job { jobId } run { runId } }
    }
  }
}
"""
RUNNING = """
{ activeRuns { ... on ActiveRuns { runs { jobId slaStatus } } } }
"""


def every_alert(gql: GraphQL, user: str = "alice", **variables: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql.data(ALERTS, user, first=100, after=after, **variables)["alerts"]
        nodes.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def streaks(runs: list[RunFact]) -> dict[int, list[RunFact]]:
    """Each job's failures ending at its latest run that succeeded or failed, oldest first."""
    by_job: dict[int, list[RunFact]] = defaultdict(list)
    for run in sorted(runs, key=lambda r: (r.start_time, r.run_id)):
        if run.succeeded or run.failed:
            by_job[run.job_id].append(run)
    found: dict[int, list[RunFact]] = {}
    for job_id, outcomes in by_job.items():
        streak: list[RunFact] = []
        for run in reversed(outcomes):
            if not run.failed:
                break
            streak.insert(0, run)
        if len(streak) >= 2:
            found[job_id] = streak
    return found


def test_failure_streaks_are_p1_with_their_length_and_first_failing_run(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given the streaks of the last 30 days, from our own SQL
        expected = streaks(truth.finished_runs(window_start(30), truth.job_ids()))
        # when alice asks for the failure-streak alerts
        alerts = every_alert(gql, filter={"kinds": ["FAILURE_STREAK"]})
        # then there is one per job in a streak, P1, with its length and its first failure
        assert {int(a["job"]["jobId"]) for a in alerts} == set(expected)
        for alert in alerts:
            streak = expected[int(alert["job"]["jobId"])]
            assert alert["severity"] == "P1"
            assert alert["magnitude"] == len(streak)
            assert datetime.fromisoformat(alert["firstSeenAt"]) == streak[0].start_time
            assert alert["run"]["runId"] == str(streak[-1].run_id)
            assert f"{len(streak)} consecutive failures" in alert["detail"]
            assert alert["remediation"]

    same_minute(check)


def test_alerts_are_p1_first_with_stable_ids_and_pages_that_do_not_overlap(
    gql: GraphQL,
) -> None:
    first = gql.data(ALERTS, first=10)["alerts"]
    again = gql.data(ALERTS, first=10)["alerts"]
    assert [a["id"] for a in first["nodes"]] == [a["id"] for a in again["nodes"]]
    every = every_alert(gql)
    assert len(every) == first["totalCount"]
    assert len({a["id"] for a in every}) == len(every)
    order = {"P1": 0, "P2": 1, "P3": 2}
    ranks = [order[a["severity"]] for a in every]
    assert ranks == sorted(ranks)
    counts = {entry["severity"]: entry["count"] for entry in first["bySeverity"]}
    assert sum(counts.values()) == first["totalCount"]
    assert {a["kind"] for a in every} >= {"FAILURE_STREAK", "ZOMBIE_JOB", "COST_ANOMALY"}


def test_filters_keep_only_what_they_name(gql: GraphQL) -> None:
    p1 = every_alert(gql, filter={"severities": ["P1"]})
    assert p1
    assert all(a["severity"] == "P1" for a in p1)
    job_id = p1[0]["job"]["jobId"]
    mine = every_alert(gql, filter={"jobIds": [job_id]})
    assert mine
    assert all(a["job"]["jobId"] == job_id for a in mine)
    bad = gql.data(ALERTS, filter={"jobIds": ["not-a-number"]})["alerts"]
    assert bad["__typename"] == "InvalidFilter"


def test_runs_going_now_past_80_percent_of_target_alert_once_per_job(gql: GraphQL) -> None:
    def check() -> None:
        flagged = {
            run["jobId"]
            for run in gql.data(RUNNING)["activeRuns"]["runs"]
            if run["slaStatus"] in ("AT_RISK", "BREACHED")
        }
        alerts = every_alert(gql, filter={"kinds": ["SLA_AT_RISK"]})
        assert {a["job"]["jobId"] for a in alerts} == flagged

    same_minute(check)


def test_each_viewer_sees_alerts_about_their_jobs_only(gql: GraphQL, truth: Truth) -> None:
    bobs = {str(job_id) for job_id in truth.job_ids_of(BOB_PRINCIPALS)}
    bob = every_alert(gql, "bob")
    assert bob
    assert {a["job"]["jobId"] for a in bob} <= bobs
    assert len(bob) < len(every_alert(gql))
    carol = gql.data(ALERTS, "carol")["alerts"]
    assert carol["totalCount"] == 0
    assert carol["nodes"] == []
