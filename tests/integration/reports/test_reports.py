"""Each report built from the synthetic workspace agrees with the API answered to alice (an admin:
she sees every job, as the reports' scope does): the daily failures are `jobRuns` filtered to
failures over the last 24 hours, the daily over-provisioned jobs are `alerts(kinds:
[OVER_PROVISIONED])`, the weekly spend is `costs(groupBy: TEAM, window: LAST_7_DAYS)`, the weekly
savings `overProvisionedJobs(window: LAST_7_DAYS)`, the monthly figures are `overview` and `costs`
over the last 30 days, and so on. A report built for bob covers bob's jobs only."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from markupsafe import escape

from job_monitor.backend.domain.reports import (
    MAX_ANOMALY_LINES,
    MAX_OVER_PROVISIONED,
    MAX_SPEND_CHANGES,
    DailyHealthReport,
    MonthlyExecutiveReport,
    ReportKind,
    WeeklyCostReport,
)
from job_monitor.backend.reports.render import money, render
from job_monitor.backend.services.reports import build_report
from job_monitor.backend.services.session import JobServices
from tests.integration.graphql.conftest import (
    STALE_REFRESH_SECONDS,
    STALE_REFRESHES,
    GraphQL,
    wait_for_permissions,
)

CENT = 0.005

JOBS = """
query($after: String, $window: Window!) {
  jobs(first: 100, after: $after, filter: {includeDeleted: true}) { ... on JobConnection {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { jobId deleted cost(window: $window) { listCostUsd previousListCostUsd wastedUsd } }
  } }
}
"""
JOB_COUNT = "{ jobs(first: 1) { ... on JobConnection { totalCount } } }"
BOBS_JOBS = """
query($after: String) { jobs(first: 100, after: $after) { ... on JobConnection {
  pageInfo { hasNextPage endCursor } nodes { jobId }
} } }
"""
OVERVIEW = """
query($window: Window!) { overview(window: $window) { ... on Overview {
  runs succeeded failed slaBreaches jobsInFailingStreak
  failuresByTerminationCode { terminationCode failed jobs }
} } }
"""
RUNS = """
query($filter: JobRunFilter, $after: String) {
  jobRuns(filter: $filter, first: 100, after: $after) { ... on JobRunConnection {
    pageInfo { hasNextPage endCursor }
    nodes { runId jobId state terminationCode startTime }
  } }
}
"""
ALERTS = """
query($after: String) {
  alerts(filter: {severities: [P1, P2]}, first: 100, after: $after) { ... on AlertConnection {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id severity firstSeenAt remediation job { jobId } }
  } }
}
"""
COSTS = """
query($window: Window!) { costs(groupBy: TEAM, window: $window, first: 100) { ... on CostBreakdown {
  listCostUsd previousListCostUsd groupCount unattributedUsd
  groups { key listCostUsd previousListCostUsd daily { date listCostUsd } }
} } }
"""
ANOMALIES = """
query($window: Window!) { costAnomalies(window: $window, first: 100) { ... on CostAnomalies {
  anomalies { run { runId } job { jobId } listCostUsd }
} } }
"""
OVER_PROVISIONED_ALERTS = """
query($after: String) {
  alerts(filter: {kinds: [OVER_PROVISIONED]}, first: 100, after: $after) {
    ... on AlertConnection {
      pageInfo { hasNextPage endCursor }
      nodes { id severity title detail remediation firstSeenAt job { jobId } }
    }
  }
}
"""
OVER_PROVISIONED_JOBS = """
query($window: Window!) { overProvisionedJobs(window: $window, first: 100) {
  ... on OverProvisionedJobs {
    jobCount estimatedMonthlySavingUsd
    jobs {
      job { jobId } estimatedMonthlySavingUsd
      findings { kind recommendation { summary } }
    }
  }
} }
"""
SAVING_FINDINGS = ("OVER_PROVISIONED", "CHEAPER_ON_JOB_COMPUTE")
ZOMBIES = """
query($window: Window!) { zombieJobs(window: $window) { ... on ZombieJobs {
  jobs { job { jobId } reason listCostUsd }
} } }
"""


def minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


async def settled(check: Callable[[], Awaitable[None]]) -> None:
    """`same_minute` for a check that awaits: the report and the API must answer for the same
    minute, and either may answer from the previous minute's results while they refresh (a few
    refreshes, as `same_minute`: one of every job's figures takes seconds on a loaded machine)."""
    refreshes = 0
    for _ in range(8):
        started = minute()
        try:
            await check()
            return
        except AssertionError:
            if minute() == started:
                if refreshes == STALE_REFRESHES:
                    raise
                refreshes += 1
                await asyncio.sleep(STALE_REFRESH_SECONDS)
    await check()


def pages(
    api: GraphQL, query: str, field: str, user: str = "alice", **variables: Any
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = api.data(query, user, after=after, **variables)[field]
        nodes.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def built(services: JobServices, kind: ReportKind) -> Any:
    return await build_report(services.workspace_session("test-report"), kind)


async def test_the_reports_scope_is_every_job_as_alice_sees_them(
    job_services: JobServices, api: GraphQL
) -> None:
    report = await built(job_services, ReportKind.DAILY)
    assert report.scope.every_job
    assert report.scope.jobs == api.data(JOB_COUNT)["jobs"]["totalCount"]


async def test_the_daily_failures_are_the_apis_failed_runs_of_the_last_24_hours(
    job_services: JobServices, api: GraphQL
) -> None:
    async def check() -> None:
        report = await built(job_services, ReportKind.DAILY)
        assert isinstance(report, DailyHealthReport)
        window = {
            "states": ["FAILED", "TIMED_OUT", "INTERNAL_ERROR"],
            "startedAfter": report.period_start.isoformat(),
            "startedBefore": report.period_end.isoformat(),
        }
        runs = pages(api, RUNS, "jobRuns", filter=window)
        overview = api.data(OVERVIEW, window="LAST_24_HOURS")["overview"]
        # then the count of failures is the API's, both as runs and in the overview
        assert report.failed == len(runs) == overview["failed"]
        assert report.failed > 0
        assert (report.runs, report.succeeded) == (overview["runs"], overview["succeeded"])
        # and the runs listed are the API's, newest first, each with its link and how it ended
        listed = [(run.run_id, run.state.value, run.termination_code) for run in report.failures]
        assert listed == [
            (int(run["runId"]), run["state"], run["terminationCode"]) for run in runs[:100]
        ]
        assert all(run.run_url.endswith(f"/runs/{run.run_id}") for run in report.failures)
        assert all(run.job.url.endswith(f"/jobs/{run.job.job_id}") for run in report.failures)
        assert [
            (code.termination_code, code.failed, code.jobs) for code in report.failures_by_code
        ] == [
            (code["terminationCode"], code["failed"], code["jobs"])
            for code in overview["failuresByTerminationCode"]
        ]
        assert report.failing_jobs == len({run["jobId"] for run in runs})
        # and the SLA breaches are the overview's
        assert report.sla_breach_count == overview["slaBreaches"]
        assert sum(line.breaches for line in report.sla_breaches) <= report.sla_breach_count

    await settled(check)


async def test_the_daily_alerts_are_the_apis_new_p1s_and_open_p1_p2_remediations(
    job_services: JobServices, api: GraphQL
) -> None:
    async def check() -> None:
        report = await built(job_services, ReportKind.DAILY)
        assert isinstance(report, DailyHealthReport)
        alerts = pages(api, ALERTS, "alerts")
        assert report.action_item_count == len(alerts)
        assert [(a.severity.value, a.job.job_id, a.remediation) for a in report.action_items] == [
            (a["severity"], int(a["job"]["jobId"]), a["remediation"]) for a in alerts[:30]
        ]
        new_p1 = [
            a
            for a in alerts
            if a["severity"] == "P1"
            and a["firstSeenAt"] is not None
            and datetime.fromisoformat(a["firstSeenAt"]) >= report.period_start
        ]
        # an alert's id is its kind and its job
        assert [f"{a.kind.value}:{a.job.job_id}" for a in report.new_p1_alerts] == [
            a["id"] for a in new_p1
        ]

    await settled(check)


async def test_the_daily_report_lists_the_apis_over_provisioned_alerts_most_saving_first(
    job_services: JobServices, api: GraphQL
) -> None:
    async def check() -> None:
        # given the over-provisioned alerts the API tells alice
        alerts = pages(api, OVER_PROVISIONED_ALERTS, "alerts")
        # when the daily report is built
        report = await built(job_services, ReportKind.DAILY)
        assert isinstance(report, DailyHealthReport)
        # then it lists the same alerts, in the same order, with the same words and start
        assert report.over_provisioned_count == len(alerts) > 0
        assert [
            (a.job.job_id, a.severity.value, a.title, a.detail, a.remediation, a.first_seen_at)
            for a in report.over_provisioned
        ] == [
            (
                int(a["job"]["jobId"]),
                a["severity"],
                a["title"],
                a["detail"],
                a["remediation"],
                datetime.fromisoformat(a["firstSeenAt"]),
            )
            for a in alerts[:MAX_OVER_PROVISIONED]
        ]
        # and, being P3, not among the action items
        assert all(item.severity.value != "P3" for item in report.action_items)
        # and both parts of the e-mail say each one's next step
        rendered = render(report)
        for alert in report.over_provisioned:
            assert alert.remediation in rendered.text
            assert str(escape(alert.remediation)) in rendered.html

    await settled(check)


async def test_the_weekly_savings_are_the_apis_over_provisioned_jobs_by_saving_with_the_total(
    job_services: JobServices, api: GraphQL
) -> None:
    async def check() -> None:
        # given the over-provisioned jobs of the last 7 days the API tells alice
        answer = api.data(OVER_PROVISIONED_JOBS, window="LAST_7_DAYS")["overProvisionedJobs"]
        # when the weekly report is built
        report = await built(job_services, ReportKind.WEEKLY)
        assert isinstance(report, WeeklyCostReport)
        # then it lists the same jobs, most saving first, each with its changes, and the total
        assert report.saving_job_count == answer["jobCount"] > 0
        assert report.estimated_monthly_saving_usd == pytest.approx(
            answer["estimatedMonthlySavingUsd"], abs=CENT
        )
        assert [
            (line.job.job_id, round(line.estimated_monthly_saving_usd, 2), line.recommendations)
            for line in report.savings
        ] == [
            (
                int(job["job"]["jobId"]),
                round(job["estimatedMonthlySavingUsd"], 2),
                tuple(
                    finding["recommendation"]["summary"]
                    for finding in job["findings"]
                    if finding["kind"] in SAVING_FINDINGS
                ),
            )
            for job in answer["jobs"][:MAX_OVER_PROVISIONED]
        ]
        savings = [line.estimated_monthly_saving_usd for line in report.savings]
        assert savings == sorted(savings, reverse=True)
        # and both parts of the e-mail say the total and each job's saving
        rendered = render(report)
        for figure in [money(report.estimated_monthly_saving_usd), *map(money, savings)]:
            assert figure in rendered.html
            assert figure in rendered.text

    await settled(check)


def costs(api: GraphQL, window: str) -> dict[str, Any]:
    answer: dict[str, Any] = api.data(COSTS, window=window)["costs"]
    return answer


def by_job(api: GraphQL, window: str) -> list[dict[str, Any]]:
    """Every job's spend, deleted jobs' too (their spend was spent)."""
    return pages(api, JOBS, "jobs", window=window)


async def test_the_weekly_spend_is_the_apis_spend_by_team_this_week_and_the_week_before(
    job_services: JobServices, api: GraphQL
) -> None:
    async def check() -> None:
        report = await built(job_services, ReportKind.WEEKLY)
        assert isinstance(report, WeeklyCostReport)
        answer = costs(api, "LAST_7_DAYS")
        assert report.list_cost_usd == pytest.approx(answer["listCostUsd"], abs=CENT)
        assert report.previous_list_cost_usd == pytest.approx(
            answer["previousListCostUsd"], abs=CENT
        )
        assert report.unattributed_usd == pytest.approx(answer["unattributedUsd"], abs=CENT)
        assert report.team_count == answer["groupCount"]
        assert [
            (team.team, round(team.list_cost_usd, 2), round(team.previous_list_cost_usd or 0, 2))
            for team in report.teams
        ] == [
            (group["key"], round(group["listCostUsd"], 2), round(group["previousListCostUsd"], 2))
            for group in answer["groups"][: len(report.teams)]
        ]
        # the trend is every team's daily spend added up
        daily: dict[str, float] = defaultdict(float)
        for group in answer["groups"]:
            for day in group["daily"]:
                daily[day["date"]] += day["listCostUsd"]
        assert {day.day.isoformat(): day.list_cost_usd for day in report.daily} == pytest.approx(
            dict(daily), abs=CENT
        )
        assert sum(day.list_cost_usd for day in report.daily) == pytest.approx(
            report.list_cost_usd, abs=CENT
        )

    await settled(check)


async def test_the_weekly_anomalies_waste_and_zombies_are_the_apis(
    job_services: JobServices, api: GraphQL
) -> None:
    async def check() -> None:
        report = await built(job_services, ReportKind.WEEKLY)
        assert isinstance(report, WeeklyCostReport)
        anomalies = api.data(ANOMALIES, window="LAST_7_DAYS")["costAnomalies"]["anomalies"]
        assert report.anomaly_count == len(anomalies)
        assert report.anomaly_count > 0
        assert [line.run_id for line in report.anomalies] == [
            int(a["run"]["runId"]) for a in anomalies[:MAX_ANOMALY_LINES]
        ]
        zombies = api.data(ZOMBIES, window="LAST_7_DAYS")["zombieJobs"]["jobs"]
        assert report.zombie_count == len(zombies)
        assert [(z.job.job_id, z.reason.value) for z in report.zombies] == [
            (int(z["job"]["jobId"]), z["reason"]) for z in zombies[: len(report.zombies)]
        ]
        assert report.zombie_spend_usd == pytest.approx(
            sum(z["listCostUsd"] for z in zombies), abs=CENT
        )
        jobs = by_job(api, "LAST_7_DAYS")
        assert report.wasted_usd == pytest.approx(
            sum(job["cost"]["wastedUsd"] for job in jobs), abs=CENT
        )
        assert report.wasted_usd > 0
        worst = max(jobs, key=lambda job: job["cost"]["wastedUsd"])
        assert report.waste_by_job[0].wasted_usd == pytest.approx(
            worst["cost"]["wastedUsd"], abs=CENT
        )

    await settled(check)


async def test_the_monthly_figures_are_the_apis_over_the_last_30_days(
    job_services: JobServices, api: GraphQL
) -> None:
    async def check() -> None:
        report = await built(job_services, ReportKind.MONTHLY)
        assert isinstance(report, MonthlyExecutiveReport)
        answer = costs(api, "LAST_30_DAYS")
        assert report.list_cost_usd == pytest.approx(answer["listCostUsd"], abs=CENT)
        assert report.previous_list_cost_usd == pytest.approx(
            answer["previousListCostUsd"], abs=CENT
        )
        assert len(report.daily) == 31  # the window touches 31 UTC dates
        overview = api.data(OVERVIEW, window="LAST_30_DAYS")["overview"]
        assert (
            report.runs,
            report.succeeded,
            report.failed,
            report.jobs_in_failing_streak,
            report.sla_breach_count,
        ) == (
            overview["runs"],
            overview["succeeded"],
            overview["failed"],
            overview["jobsInFailingStreak"],
            overview["slaBreaches"],
        )
        # what changed: each job's spend against the 30 days before, as Job.cost says
        changes = [
            (int(job["jobId"]), job["cost"]["listCostUsd"] - job["cost"]["previousListCostUsd"])
            for job in by_job(api, "LAST_30_DAYS")
            if job["cost"]["previousListCostUsd"] is not None
        ]
        rises = sorted((c for c in changes if c[1] > 0), key=lambda c: (-c[1], c[0]))
        falls = sorted((c for c in changes if c[1] < 0), key=lambda c: (c[1], c[0]))
        assert [line.job.job_id for line in report.increases] == [
            job_id for job_id, _ in rises[:MAX_SPEND_CHANGES]
        ]
        assert [line.job.job_id for line in report.decreases] == [
            job_id for job_id, _ in falls[:MAX_SPEND_CHANGES]
        ]
        assert report.increased_usd == pytest.approx(sum(c for _, c in rises), abs=CENT)
        assert report.saved_usd == pytest.approx(-sum(c for _, c in falls), abs=CENT)
        zombies = api.data(ZOMBIES, window="LAST_30_DAYS")["zombieJobs"]["jobs"]
        assert report.zombie_count == len(zombies)
        assert report.zombie_spend_usd == pytest.approx(
            sum(z["listCostUsd"] for z in zombies), abs=CENT
        )

    await settled(check)


@pytest.mark.parametrize("kind", list(ReportKind))
async def test_each_report_renders_from_the_workspace_with_its_figures_in_both_parts(
    job_services: JobServices, kind: ReportKind
) -> None:
    report = await built(job_services, kind)
    rendered = render(report)
    assert rendered.kind is kind
    assert rendered.subject.startswith(
        f"Job Monitor {'monthly report' if kind is ReportKind.MONTHLY else kind.slug}"
    )
    if isinstance(report, DailyHealthReport):
        figures = [str(report.failed), *(str(run.run_id) for run in report.failures[:5])]
    else:
        figures = [money(report.list_cost_usd), *(money(day.list_cost_usd) for day in report.daily)]
    for figure in figures:
        assert figure in rendered.html
        assert figure in rendered.text


async def test_a_report_previewed_by_bob_covers_bobs_jobs_only(
    job_services: JobServices, api: GraphQL
) -> None:
    async def bobs_session_sees_every_permission() -> bool:
        return await job_services.session("local-bob", "test-bob").permissions_complete()

    for _ in range(300):
        if await bobs_session_sees_every_permission():
            break
        await asyncio.sleep(0.2)
    wait_for_permissions(api)

    async def check() -> None:
        # when bob's own session builds the weekly report
        report = await build_report(
            job_services.session("local-bob", "test-bob"), ReportKind.WEEKLY
        )
        assert isinstance(report, WeeklyCostReport)
        # then it covers his jobs, and its spend is what the API tells bob
        bobs = {int(job["jobId"]) for job in pages(api, BOBS_JOBS, "jobs", user="bob")}
        assert not report.scope.every_job
        assert report.scope.jobs == len(bobs)
        answer = api.data(COSTS, "bob", window="LAST_7_DAYS")["costs"]
        assert report.list_cost_usd == pytest.approx(answer["listCostUsd"], abs=CENT)
        assert report.unattributed_usd is None
        shown = {
            *(line.job.job_id for line in report.anomalies),
            *(line.job.job_id for line in report.waste_by_job),
            *(line.job.job_id for line in report.zombies),
            *(line.job.job_id for line in report.savings),
        }
        assert shown <= bobs
        # and its savings are what the API tells bob
        wasteful = api.data(OVER_PROVISIONED_JOBS, "bob", window="LAST_7_DAYS")[
            "overProvisionedJobs"
        ]
        assert report.saving_job_count == wasteful["jobCount"] > 0
        assert report.estimated_monthly_saving_usd == pytest.approx(
            wasteful["estimatedMonthlySavingUsd"], abs=CENT
        )

    await settled(check)
