"""Alerts over HTTP: failure streaks agree with our own SQL over the stand-in's runs (their length
and the start of their first failing run), ids are stable and pages do not overlap, filters hold,
runs going now past 80 % of their target alert, over-provisioned jobs alert with the utilisation's
resize and saving, each viewer sees alerts about their jobs only, and a list of alerts costs a
bounded number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tests.integration.graphql.conftest import (
    BOB_PRINCIPALS,
    GraphQL,
    RunFact,
    StandIn,
    Truth,
    same_minute,
    window_start,
)
from tests.integration.graphql.test_utilization import DAYS, node_minutes, over_provisioned

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
TEAM_OF = """
query($id: ID!) { job(jobId: $id) { ... on Job { team } } }
"""
OVER_PROVISIONED = {"kinds": ["OVER_PROVISIONED"]}
PINNED_OVER_PROVISIONED = 0
"""The stand-in's pinned over-provisioned job (`UTILISATION_PINNED`), data-eng's."""
ALERTS_BOUND = 15
"""The catalog (2), the health of two windows, the SLA counts, the cost anomalies, the spend of
two windows, the over-provisioned batch (node figures, node types, all-purpose hours) and the
state tables' budgets, acknowledgements and latest sweep of what jobs write, with the month's
spend: whatever the number of jobs or alerts."""


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


# --- over-provisioned jobs -----------------------------------------------------------------------


def pinned_over_provisioned_job(truth: Truth) -> int:
    rows = truth.rows(
        "SELECT job_id FROM local.jobs WHERE job_index = ?", [PINNED_OVER_PROVISIONED]
    )
    job_id: int = rows[0][0]
    return job_id


def resizes(gql: GraphQL, user: str = "alice") -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """The utilisation API's OVER_PROVISIONED findings, by job: (utilisation, finding)."""
    return {
        int(job["job"]["jobId"]): (job["utilization"], finding)
        for job in over_provisioned(gql, user)["jobs"]
        for finding in job["findings"]
        if finding["kind"] == "OVER_PROVISIONED"
    }


def test_the_over_provisioned_pinned_job_alerts_alice_with_its_resize_and_saving(
    gql: GraphQL, truth: Truth
) -> None:
    job_id = pinned_over_provisioned_job(truth)

    def check() -> None:
        # given the resize the utilisation API recommends the pinned over-provisioned job
        utilization, finding = resizes(gql)[job_id]
        saving = finding["estimatedMonthlySavingUsd"]
        # when alice lists the over-provisioned alerts
        alerts = {a["job"]["jobId"]: a for a in every_alert(gql, filter=OVER_PROVISIONED)}
        # then the job has one, P3, whose next step is that resize with its saving a month
        alert = alerts[str(job_id)]
        assert (alert["id"], alert["kind"]) == (f"OVER_PROVISIONED:{job_id}", "OVER_PROVISIONED")
        assert alert["severity"] == "P3"
        assert alert["remediation"] == finding["recommendation"]["summary"]
        assert "instead of" in alert["remediation"]
        assert f"about ${saving:,.0f} a month less at list price" in alert["remediation"]
        assert alert["magnitude"] == pytest.approx(saving)
        assert alert["title"].endswith(f"over-provisioned, about ${saving:,.0f} a month to save")
        assert alert["run"] is None
        # and the detail says what the node data shows, over the window
        share = utilization["underusedMinuteShare"] * 100
        assert f"in {share:.0f} % of" in alert["detail"]
        assert f"over {utilization['runsObserved']} runs in the last 7 days" in alert["detail"]
        # and it is seen since the first run-minute measured in the window (our own SQL)
        minutes = node_minutes(truth, window_start(DAYS), [job_id])
        first = min(minute.minute for minute in minutes)
        assert datetime.fromisoformat(alert["firstSeenAt"]) == first

    same_minute(check)


def test_every_over_provisioned_finding_alerts_and_nothing_else_does(gql: GraphQL) -> None:
    def check() -> None:
        # given every OVER_PROVISIONED finding of alice's jobs
        expected = resizes(gql)
        assert expected
        # when she lists the over-provisioned alerts
        alerts = every_alert(gql, filter=OVER_PROVISIONED)
        # then there is one per such job, with its saving, most saving first
        assert {int(a["job"]["jobId"]) for a in alerts} == expected.keys()
        for alert in alerts:
            _, finding = expected[int(alert["job"]["jobId"])]
            assert alert["magnitude"] == pytest.approx(finding["estimatedMonthlySavingUsd"])
        savings = [a["magnitude"] for a in alerts]
        assert savings == sorted(savings, reverse=True)

    same_minute(check)


def test_the_over_provisioned_alert_obeys_the_filters(gql: GraphQL, truth: Truth) -> None:
    job_id = str(pinned_over_provisioned_job(truth))
    team = gql.data(TEAM_OF, id=job_id)["job"]["team"]
    assert team

    def ids(**variables: Any) -> set[str]:
        return {a["id"] for a in every_alert(gql, **variables)}

    alert_id = f"OVER_PROVISIONED:{job_id}"
    # it is among P3 alerts, the job's alerts and its team's, and not among P1s or other kinds
    assert alert_id in ids(filter={"severities": ["P3"]})
    assert alert_id in ids(filter={"jobIds": [job_id], "kinds": ["OVER_PROVISIONED"]})
    assert alert_id in ids(filter={"team": team.upper()})
    assert alert_id not in ids(filter={"severities": ["P1", "P2"]})
    assert alert_id not in ids(filter={"kinds": ["ZOMBIE_JOB", "COST_ANOMALY"]})
    assert alert_id not in ids(filter={"team": f"not-{team}"})


def test_bob_sees_the_over_provisioned_alerts_of_the_jobs_he_may_see_and_carol_none(
    gql: GraphQL, truth: Truth
) -> None:
    pinned = pinned_over_provisioned_job(truth)
    allowed = truth.job_ids_of(BOB_PRINCIPALS)
    # given the pinned over-provisioned job is data-eng's, so bob may see it
    assert pinned in allowed

    def check() -> None:
        everyone = {int(a["job"]["jobId"]): a for a in every_alert(gql, filter=OVER_PROVISIONED)}
        bobs = {int(a["job"]["jobId"]): a for a in every_alert(gql, "bob", filter=OVER_PROVISIONED)}
        # then bob's are alice's cut to his jobs, with the same words and saving
        assert pinned in bobs
        assert bobs.keys() == everyone.keys() & allowed
        assert everyone.keys() - allowed, "some over-provisioned job bob may not see"
        for job_id, alert in bobs.items():
            assert (alert["remediation"], alert["detail"]) == (
                everyone[job_id]["remediation"],
                everyone[job_id]["detail"],
            )
            assert alert["magnitude"] == pytest.approx(everyone[job_id]["magnitude"])

    same_minute(check)

    # and carol, who may see no job, has none
    carol = gql.data(ALERTS, "carol", filter=OVER_PROVISIONED)["alerts"]
    assert (carol["totalCount"], carol["nodes"]) == (0, [])


# --- statements ----------------------------------------------------------------------------------


def test_alerts_cost_a_bounded_number_of_statements_for_every_viewer(
    gql: GraphQL, fresh_gql: Callable[..., GraphQL], stand_in: StandIn
) -> None:
    # given a stand-in that has answered these statements before
    every_alert(gql)

    def check() -> None:
        # given a service with nothing cached
        fresh = fresh_gql()

        def statements(user: str) -> int:
            before = stand_in.statements()
            fresh.data(ALERTS, user, first=100)
            return stand_in.statements() - before

        # when alice, then bob (a restricted viewer, whose over-provisioned batch is his jobs),
        # list their alerts cold, and alice again warm
        alice, bob, warm = statements("alice"), statements("bob"), statements("alice")

        # then each costs at most the few statements of its sources, and none when warm
        assert 0 < alice <= ALERTS_BOUND, alice
        assert bob <= ALERTS_BOUND, bob
        assert warm == 0

    same_minute(check)
