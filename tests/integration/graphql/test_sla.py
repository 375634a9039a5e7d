"""SLAs over HTTP: each job's target is its RUN_DURATION_SECONDS health rule, its breaches and
breach rate agree with our own SQL over the stand-in's data, runs going now are at risk or breached
against it, and every figure covers only the jobs the viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from tests.integration.graphql.conftest import (
    BOB_PRINCIPALS,
    GraphQL,
    RunFact,
    StandIn,
    Truth,
    same_minute,
    window_start,
)

JOBS_SLA = """
query JobsSla($after: String) {
  jobs(first: 100, after: $after) {
    ... on JobConnection {
      pageInfo { hasNextPage endCursor }
      nodes { jobId sla { targetSeconds finishedRuns breachCount breachRate } }
    }
  }
}
"""
JOB_BREACHES = """
query JobBreaches($id: ID!, $first: Int!) {
  job(jobId: $id) {
    __typename
    ... on Job {
      sla {
        targetSeconds breachCount
        breaches(window: LAST_30_DAYS, first: $first) {
          targetSeconds durationSeconds overSeconds overRatio run { runId jobId slaStatus }
        }
      }
    }
  }
}
"""
OVERVIEW_SLA = """
{ overview(window: LAST_30_DAYS) { ... on Overview { slaBreaches atRisk activeNow queuedNow } } }
"""
RUNNING_NOW = """
{
  overview(window: LAST_30_DAYS) { ... on Overview { atRisk } }
  activeRuns { ... on ActiveRuns { runs { runId jobId state startTime elapsedSeconds slaStatus } } }
}
"""
SLA_PAGE = """
query($first: Int!) { jobs(first: $first) {
  ... on JobConnection { nodes { name sla { targetSeconds breachRate } } } } }
"""
RATIO_DIGITS = 9


def targets(truth: Truth) -> dict[int, int]:
    """Each existing job's RUN_DURATION_SECONDS rule, from the latest row of lakeflow.jobs."""
    rows = truth.rows(
        """
        SELECT CAST(job_id AS BIGINT), to_json(health_rules) FROM (
          SELECT job_id, health_rules, delete_time,
                 row_number() OVER (PARTITION BY job_id ORDER BY change_time DESC) AS newest
          FROM lakeflow.jobs
        ) WHERE newest = 1 AND delete_time IS NULL
        """
    )
    found: dict[int, int] = {}
    for job_id, rules in rows:
        for rule in orjson.loads(rules) if rules else []:
            if rule["metric"] == "RUN_DURATION_SECONDS" and int(rule["value"]) > 0:
                found[job_id] = int(rule["value"])
    return found


def breaches_of(facts: list[RunFact], target: int) -> list[RunFact]:
    """The finished runs over target, newest first (start time, then run id)."""
    over = [f for f in facts if f.finished and float(f.duration_seconds or 0) > target]
    return sorted(over, key=lambda f: (f.start_time, f.run_id), reverse=True)


def jobs_sla(gql: GraphQL, user: str) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    after = None
    while True:
        page = gql.data(JOBS_SLA, user, after=after)["jobs"]
        for node in page["nodes"]:
            found[int(node["jobId"])] = node["sla"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def expected_sla(
    truth: Truth, job_ids: set[int]
) -> tuple[dict[int, dict[str, Any]], dict[int, list[RunFact]]]:
    """Per job: the SLA figures over the last 30 days, and the breaches newest first."""
    known = targets(truth)
    facts: dict[int, list[RunFact]] = {job_id: [] for job_id in job_ids}
    for fact in truth.finished_runs(window_start(30), job_ids):
        facts[fact.job_id].append(fact)
    figures: dict[int, dict[str, Any]] = {}
    breaches: dict[int, list[RunFact]] = {}
    for job_id in job_ids:
        target = known.get(job_id)
        if target is None:
            figures[job_id] = {
                "targetSeconds": None,
                "finishedRuns": None,
                "breachCount": None,
                "breachRate": None,
            }
            continue
        finished = [fact for fact in facts[job_id] if fact.finished]
        breaches[job_id] = breaches_of(finished, target)
        figures[job_id] = {
            "targetSeconds": target,
            "finishedRuns": len(finished),
            "breachCount": len(breaches[job_id]),
            "breachRate": len(breaches[job_id]) / len(finished) if finished else None,
        }
    return figures, breaches


def rounded(figures: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {
        job_id: {
            **sla,
            "breachRate": None
            if sla["breachRate"] is None
            else round(sla["breachRate"], RATIO_DIGITS),
        }
        for job_id, sla in figures.items()
    }


def test_each_jobs_target_breach_count_and_rate_agree_with_sql_over_the_stand_ins_runs(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given every job with its RUN_DURATION_SECONDS rule and its runs of the last 30 days
        expected, _ = expected_sla(truth, truth.job_ids())
        with_breaches = [job_id for job_id, sla in expected.items() if sla["breachCount"]]

        # when alice (who sees every job) lists the jobs with their SLA
        answered = jobs_sla(gql, "alice")

        # then each job's target, finished runs, breaches and rate are those of the SQL, and the
        # synthetic data has jobs with a target and jobs that breached it
        assert rounded(answered) == rounded(expected)
        assert any(sla["targetSeconds"] is not None for sla in expected.values())
        assert with_breaches

    same_minute(check)


def test_breaches_list_the_runs_over_target_newest_first_with_by_how_much(
    gql: GraphQL, truth: Truth
) -> None:
    def check() -> None:
        # given the job with the most breaches in the last 30 days
        _, breaches = expected_sla(truth, truth.job_ids())
        job_id = max(breaches, key=lambda job: (len(breaches[job]), -job))
        target = targets(truth)[job_id]
        expected = breaches[job_id]
        assert expected

        # when alice asks for its breaches, a page of 3 and a page of 100
        few = gql.data(JOB_BREACHES, id=str(job_id), first=3)["job"]["sla"]
        many = gql.data(JOB_BREACHES, id=str(job_id), first=100)["job"]["sla"]

        # then they are its runs over target, newest first, each with its excess over the target
        assert [int(b["run"]["runId"]) for b in many["breaches"]] == [
            fact.run_id for fact in expected[:100]
        ]
        assert [b["run"]["runId"] for b in few["breaches"]] == [
            b["run"]["runId"] for b in many["breaches"][:3]
        ]
        assert many["breachCount"] == len(expected)
        for breach, fact in zip(many["breaches"], expected, strict=False):
            duration = float(fact.duration_seconds or 0)
            assert breach["run"]["jobId"] == str(job_id)
            assert breach["targetSeconds"] == target
            assert breach["durationSeconds"] == duration
            assert breach["overSeconds"] == duration - target > 0
            assert round(breach["overRatio"], RATIO_DIGITS) == round(duration / target, 9)
            assert breach["run"]["slaStatus"] == "BREACHED"

    same_minute(check)


def test_a_job_without_a_target_has_no_breaches_and_its_runs_are_no_target(
    gql: GraphQL, truth: Truth
) -> None:
    # given a job without a RUN_DURATION_SECONDS rule
    job_id = min(truth.job_ids() - set(targets(truth)))

    # when alice asks for its SLA and its latest runs
    answer = gql.data(
        """
        query($id: ID!) { job(jobId: $id) { ... on Job {
          sla { targetSeconds breachRate breaches { overSeconds } }
          runs(first: 5) { ... on JobRunConnection { nodes { slaStatus } } } } } }
        """,
        id=str(job_id),
    )["job"]

    # then it has no target, no rate, no breaches, and each run is NO_TARGET
    assert answer["sla"] == {"targetSeconds": None, "breachRate": None, "breaches": []}
    assert {node["slaStatus"] for node in answer["runs"]["nodes"]} <= {"NO_TARGET"}


def test_sla_figures_cover_only_the_jobs_each_viewer_may_see(gql: GraphQL, truth: Truth) -> None:
    def check() -> None:
        # given the jobs bob may see, and every job
        bobs = truth.job_ids_of(BOB_PRINCIPALS)
        expected_all, _ = expected_sla(truth, truth.job_ids())
        expected_bob = {job_id: expected_all[job_id] for job_id in bobs}

        # when alice, bob and carol ask for the SLA of their jobs and the overview's breaches
        alice, bob, carol = (jobs_sla(gql, user) for user in ("alice", "bob", "carol"))
        breaches = {
            user: gql.data(OVERVIEW_SLA, user)["overview"]["slaBreaches"]
            for user in ("alice", "bob", "carol")
        }

        # then each gets exactly their jobs' figures, and the overview sums those jobs only
        assert rounded(bob) == rounded(expected_bob)
        assert set(alice) == set(expected_all)
        assert carol == {}
        assert breaches["alice"] == sum(s["breachCount"] or 0 for s in expected_all.values())
        assert breaches["bob"] == sum(s["breachCount"] or 0 for s in expected_bob.values())
        assert breaches["carol"] == 0
        assert breaches["alice"] > breaches["bob"] > 0

    same_minute(check)


def test_a_hidden_jobs_sla_answers_not_found(gql: GraphQL, truth: Truth) -> None:
    # given a job with a target that bob may not see
    hidden = min(set(targets(truth)) - truth.job_ids_of(BOB_PRINCIPALS))

    # when bob asks for its breaches
    answer = gql.data(JOB_BREACHES, "bob", id=str(hidden), first=5)["job"]

    # then the answer is NotFound, as for a job that does not exist
    assert answer == {"__typename": "NotFound"}


def test_runs_going_now_are_at_risk_past_80_percent_of_target_and_breached_past_it(
    gql: GraphQL, truth: Truth
) -> None:
    # given each job's target
    known = targets(truth)

    # when alice asks for the runs going now and the overview in one request
    asked = datetime.now(UTC)
    answer = gql.data(RUNNING_NOW)
    runs = answer["activeRuns"]["runs"]

    # then each run's status follows from its elapsed time against its job's target
    for run in runs:
        target = known.get(int(run["jobId"])) if run["jobId"] else None
        if target is None:
            assert run["slaStatus"] == "NO_TARGET"
            continue
        elapsed = (asked - datetime.fromisoformat(run["startTime"])).total_seconds()
        if abs(elapsed - target) < 5 or abs(elapsed - 0.8 * target) < 5:
            continue  # too close to a boundary to judge from outside the request
        expected = (
            "BREACHED" if elapsed > target else "AT_RISK" if elapsed > 0.8 * target else "MET"
        )
        assert run["slaStatus"] == expected, (run, target)

    # and the overview's atRisk counts those at risk or breached
    flagged = [run for run in runs if run["slaStatus"] in ("AT_RISK", "BREACHED")]
    assert answer["overview"]["atRisk"] == len(flagged)
    # and at least one run going now has a target to be judged against (the synthetic
    # workspace has no run going now past 80 % of its target: the domain tests cover AT_RISK and
    # BREACHED)
    assert any(run["slaStatus"] != "NO_TARGET" for run in runs), runs


def test_carol_has_no_runs_at_risk(gql: GraphQL) -> None:
    assert gql.data(OVERVIEW_SLA, "carol")["overview"]["atRisk"] == 0


def statements_for(gql: GraphQL, stand_in: StandIn, first: int) -> int:
    before = stand_in.statements()
    gql.data(SLA_PAGE, first=first)
    return stand_in.statements() - before


def test_a_page_of_100_jobs_with_their_sla_issues_the_same_few_statements_as_a_page_of_5(
    gql: GraphQL, fresh_gql: Callable[..., GraphQL], stand_in: StandIn
) -> None:
    # given a stand-in that has answered this query before
    gql.data(SLA_PAGE, first=100)

    def check() -> None:
        # given two services with nothing cached
        small, large = fresh_gql(), fresh_gql()

        # when one lists 5 jobs with their SLA and the other 100, cold, then again warm
        with_five = statements_for(small, stand_in, 5)
        with_hundred = statements_for(large, stand_in, 100)
        warm = statements_for(large, stand_in, 100)

        # then both issue the catalog (2) and one SLA statement, and none when warm
        assert with_five == with_hundred == 3, (with_five, with_hundred)
        assert warm == 0

    same_minute(check)
