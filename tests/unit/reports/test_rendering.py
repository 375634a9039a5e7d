"""Rendering: subjects that carry the headline figures, HTML that mail clients show (tables,
inline styles, nothing external, 640 px), autoescaping of everything that comes from a job, and a
plain-text part that says the same figures as the HTML."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from job_monitor.backend.domain.alerts import AlertKind, AlertSeverity
from job_monitor.backend.domain.costs import DailyCost, ZombieReason
from job_monitor.backend.domain.overview import TerminationCodeFailures
from job_monitor.backend.domain.reports import (
    AnomalyLine,
    BreachedRun,
    DailyHealthReport,
    FailedRun,
    JobLink,
    JobSpendChange,
    JobWaste,
    MonthlyExecutiveReport,
    Report,
    ReportAlert,
    ReportKind,
    ReportScope,
    SavingLine,
    SlaBreachLine,
    TeamSpend,
    WeeklyCostReport,
    ZombieLine,
)
from job_monitor.backend.domain.runs import RunState
from job_monitor.backend.reports.render import (
    bar_percent,
    change,
    duration,
    money,
    percent,
    render,
    sparkline,
)

END = datetime(2026, 1, 5, 7, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> & <!channel>'
JOB = JobLink(1, HOSTILE, "https://example.cloud.databricks.com/jobs/1")
SAFE_JOB = JobLink(2, "nightly-sales", "https://example.cloud.databricks.com/jobs/2")
RUN_URL = "https://example.cloud.databricks.com/jobs/1/runs/11"
DAYS = tuple(DailyCost(date(2025, 12, 30) + timedelta(days=i), 1.0, 100.0 + i) for i in range(7))
ZOMBIE = ZombieLine(JOB, ZombieReason.NO_SUCCESSFUL_RUN, 42.42, 6)
RESIZE = (
    "Run 2 workers instead of 8: at their busiest its workers used 1.4 workers' worth of CPU and "
    "0.9 of memory; about $412 a month less at list price."
)
ROW_COUNT_DROP = ReportAlert(
    severity=AlertSeverity.P2,
    kind=AlertKind.ROW_COUNT_ANOMALY,
    job=SAFE_JOB,
    title="nightly-sales: run 77 wrote 3,100 rows to sales_gold, 69 % below the median (10,000)",
    detail="3 of its writes in the last 7 days were off their baseline by more than the threshold.",
    remediation="Compare run 77's input with the previous runs'.",
    first_seen_at=END - timedelta(days=2),
    run_url=RUN_URL,
)
OVER_PROVISIONED = ReportAlert(
    severity=AlertSeverity.P3,
    kind=AlertKind.OVER_PROVISIONED,
    job=SAFE_JOB,
    title="nightly-sales: over-provisioned, about $412 a month to save",
    detail=(
        "Its workers stayed under 40 % CPU and 40 % memory in 92 % of 1,240 worker run-minutes "
        "over 7 runs in the last 7 days."
    ),
    remediation=RESIZE,
    first_seen_at=END - timedelta(days=7),
    run_url=None,
)


def daily(**changes: object) -> DailyHealthReport:
    p1 = ReportAlert(
        severity=AlertSeverity.P1,
        kind=AlertKind.FAILURE_STREAK,
        job=JOB,
        title=f"{HOSTILE}: 3 consecutive failures",
        detail="3 consecutive failures with DRIVER_ERROR.",
        remediation="Raise the driver node type or split the task.",
        first_seen_at=END - timedelta(hours=5),
        run_url=RUN_URL,
    )
    report = DailyHealthReport(
        period_start=END - timedelta(days=1),
        period_end=END,
        scope=ReportScope(every_job=True, jobs=300),
        runs=1234,
        succeeded=1180,
        failed=37,
        failing_jobs=9,
        failures=(
            FailedRun(JOB, 11, RUN_URL, RunState.FAILED, "DRIVER_ERROR", END - timedelta(hours=5)),
            FailedRun(
                SAFE_JOB,
                12,
                "https://example.cloud.databricks.com/jobs/2/runs/12",
                RunState.TIMED_OUT,
                None,
                END - timedelta(hours=2),
            ),
        ),
        failures_by_code=(TerminationCodeFailures("DRIVER_ERROR", 30, 7),),
        new_p1_alerts=(p1,),
        sla_breach_count=17,
        jobs_over_target=4,
        sla_breaches=(
            SlaBreachLine(SAFE_JOB, 3600, 5, 24, (BreachedRun(13, RUN_URL, END, 5400.0),)),
        ),
        action_items=(p1,),
        action_item_count=8,
        over_provisioned=(OVER_PROVISIONED,),
        over_provisioned_count=3,
        data_alerts=(ROW_COUNT_DROP,),
        data_alert_count=2,
    )
    return replace(report, **changes)  # type: ignore[arg-type]


def weekly(**changes: object) -> WeeklyCostReport:
    report = WeeklyCostReport(
        period_start=END - timedelta(days=7),
        period_end=END,
        scope=ReportScope(every_job=False, jobs=42),
        list_cost_usd=12345.67,
        previous_list_cost_usd=11000.0,
        unattributed_usd=321.09,
        teams=(TeamSpend("<b>team</b>", 9000.5, 8000.0), TeamSpend(None, 3345.17, 3000.0)),
        team_count=2,
        daily=DAYS,
        anomalies=(
            AnomalyLine(JOB, 11, RUN_URL, END, 77.7, 11.1, ("it ran 3.2x longer than usual",)),
        ),
        anomaly_count=3,
        wasted_usd=987.65,
        waste_by_job=(JobWaste(JOB, 555.55, 1000.0, 10, 4),),
        zombies=(ZOMBIE,),
        zombie_count=1,
        zombie_spend_usd=42.42,
        savings=(
            SavingLine(SAFE_JOB, 412.34, (RESIZE,)),
            SavingLine(JOB, 55.5, ("Run it on a job cluster instead of the all-purpose one.",)),
        ),
        saving_job_count=4,
        estimated_monthly_saving_usd=500.12,
        data_through=END - timedelta(hours=3),
    )
    return replace(report, **changes)  # type: ignore[arg-type]


def monthly(**changes: object) -> MonthlyExecutiveReport:
    report = MonthlyExecutiveReport(
        period_start=END - timedelta(days=30),
        period_end=END,
        scope=ReportScope(every_job=True, jobs=300),
        list_cost_usd=50000.0,
        previous_list_cost_usd=40000.0,
        daily=DAYS,
        runs=40000,
        succeeded=38000,
        failed=1500,
        jobs_failing=61,
        jobs_in_failing_streak=12,
        sla_breach_count=230,
        increases=(JobSpendChange(JOB, 3000.0, 1000.0),),
        decreases=(JobSpendChange(SAFE_JOB, 250.0, 1250.0),),
        increased_usd=4321.0,
        saved_usd=1234.56,
        zombies=(ZOMBIE,),
        zombie_count=1,
        zombie_spend_usd=42.42,
    )
    return replace(report, **changes)  # type: ignore[arg-type]


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


REPORTS = [daily(), weekly(), monthly()]


@pytest.mark.parametrize("report", REPORTS, ids=lambda report: type(report).__name__)
def test_a_job_named_like_markup_is_escaped_in_html_and_verbatim_in_text(report: Report) -> None:
    rendered = render(report)
    # then no markup of the job's name reaches the HTML: it is shown, escaped
    assert "<script" not in rendered.html
    assert "<!channel>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert not any(tag in ("script", "b") for tag, _ in tags_of(rendered.html))
    # and the plain text says the name as it is
    assert HOSTILE in rendered.text
    assert "&lt;" not in rendered.text


@pytest.mark.parametrize("report", REPORTS, ids=lambda report: type(report).__name__)
def test_the_html_is_what_mail_clients_show(report: Report) -> None:
    html = render(report).html
    tags = tags_of(html)
    names = {tag for tag, _ in tags}
    # nothing external, nothing that runs, no style sheet to be dropped
    assert not names & {"script", "style", "link", "img", "iframe", "form", "object", "svg"}
    assert all("class" not in attrs for _, attrs in tags)
    # tables for layout, at most 640 px wide
    assert "table" in names
    assert "max-width:640px" in html
    assert all(
        int(attrs["width"] or 0) <= 640
        for tag, attrs in tags
        if tag == "table" and attrs.get("width", "").isdigit()  # type: ignore[union-attr]
    )
    # every link goes to the workspace
    links = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert links
    assert all((link or "").startswith("https://example.cloud.databricks.com/") for link in links)
    assert '<meta charset="utf-8">' in html
    assert html.startswith("<!DOCTYPE html>")


def same_figures(report: Report, figures: list[str]) -> None:
    rendered = render(report)
    for figure in figures:
        assert figure in rendered.html, figure
        assert figure in rendered.text, figure


def test_the_daily_text_part_says_the_same_figures_as_the_html() -> None:
    same_figures(
        daily(),
        [
            "37",  # failed runs
            "9 jobs",
            "97.0%",  # 1180 / (1180 + 37)
            "1,234",
            "17",  # SLA breaches
            "DRIVER_ERROR 30",
            "run 11",
            RUN_URL,
            "2026-01-05 02:00 UTC",
            "Raise the driver node type or split the task.",
            "1 h 00 min",
            "1 h 30 min",
            "The first 1 of 4 jobs",
            "The first 1 of 8 action items",
            "The first 2 of 37 failed runs",
            "Covers every job of the workspace (300 jobs)",
        ],
    )


def test_the_daily_report_lists_the_over_provisioned_alerts_in_both_parts() -> None:
    same_figures(
        daily(),
        [
            "nightly-sales: over-provisioned, about $412 a month to save",
            "in 92 % of 1,240 worker run-minutes over 7 runs in the last 7 days.",
            "Run 2 workers instead of 8",
            "about $412 a month less at list price.",
            "The first 1 of 3 over-provisioned jobs",
        ],
    )


def test_the_daily_report_lists_the_alerts_about_what_jobs_write_in_both_parts() -> None:
    same_figures(
        daily(),
        [
            "run 77 wrote 3,100 rows to sales_gold, 69 % below the median (10,000)",
            "3 of its writes in the last 7 days were off their baseline",
            "with the previous runs",
            "The first 1 of 2 alerts",
        ],
    )


def test_the_weekly_report_lists_the_savings_by_job_with_their_total_in_both_parts() -> None:
    same_figures(
        weekly(),
        [
            "$500.12",  # every over-provisioned job's saving a month
            "$412.34",
            "Run 2 workers instead of 8",
            "$55.50",
            "Run it on a job cluster instead of the all-purpose one.",
            "The first 2 of 4 over-provisioned jobs",
        ],
    )
    rendered = render(weekly())
    # most saving first, as given
    assert rendered.text.index("$412.34") < rendered.text.index("$55.50")
    assert rendered.html.index("$412.34") < rendered.html.index("$55.50")


def test_the_weekly_text_part_says_the_same_figures_as_the_html() -> None:
    same_figures(
        weekly(),
        [
            "$12,345.67",
            "$11,000.00",
            "+12.2%",
            "$987.65",
            "8.0%",  # wasted share
            "$9,000.50",
            "+12.5%",
            "no team",
            "$321.09",
            "$106.00",  # the last day
            "$77.70",
            "$11.10",
            "7.0x",
            "it ran 3.2x longer than usual",
            "The first 1 of 3 anomalies",
            "$555.55",
            "4 of 10",
            "$42.42",
            "no successful run",
            "Covers the jobs you may see (42 jobs)",
        ],
    )


def test_the_monthly_text_part_says_the_same_figures_as_the_html() -> None:
    same_figures(
        monthly(),
        [
            "$50,000.00",
            "$40,000.00",
            "+25.0%",
            "96.2%",  # 38000 / 39500
            "40,000",
            "38,000",
            "1,500",
            "61",
            "12",
            "230",
            "+$2,000.00",
            "-$1,000.00",
            "$4,321.00",
            "$1,234.56",
            "$42.42",
        ],
    )


def test_subjects_carry_each_reports_headline() -> None:
    assert render(daily()).subject == (
        "Job Monitor daily health 2026-01-05: 37 failed runs, 1 new P1 alert, 17 SLA breaches"
    )
    assert render(weekly()).subject == (
        "Job Monitor weekly cost 2025-12-29 to 2026-01-05: $12,345.67 (+12.2% on the week before)"
    )
    assert render(monthly()).subject == (
        "Job Monitor monthly report 2025-12-06 to 2026-01-05: $50,000.00 (+25.0%), "
        "96.2% of runs succeeded"
    )
    quiet = daily(failed=1, new_p1_alerts=(), sla_breach_count=1)
    assert render(quiet).subject.endswith(": 1 failed run, 0 new P1 alerts, 1 SLA breach")


def test_a_rendered_report_keeps_its_kind_and_period() -> None:
    rendered = render(weekly())
    assert rendered.kind is ReportKind.WEEKLY
    assert (rendered.period_start, rendered.period_end) == (END - timedelta(days=7), END)


def test_empty_reports_say_so_in_both_parts() -> None:
    quiet = daily(
        failed=0,
        failing_jobs=0,
        failures=(),
        failures_by_code=(),
        new_p1_alerts=(),
        sla_breach_count=0,
        jobs_over_target=0,
        sla_breaches=(),
        action_items=(),
        action_item_count=0,
        over_provisioned=(),
        over_provisioned_count=0,
        data_alerts=(),
        data_alert_count=0,
    )
    for sentence in (
        "No run failed.",
        "No new P1 alert.",
        "No run went over its target.",
        "No open alert about what jobs write.",
    ):
        assert sentence in render(quiet).html
        assert sentence in render(quiet).text
    calm = weekly(anomalies=(), anomaly_count=0, zombies=(), zombie_count=0, waste_by_job=())
    assert "No zombie job." in render(calm).text
    assert "No run cost more than twice its usual." in render(calm).html
    lean = weekly(savings=(), saving_job_count=0, estimated_monthly_saving_usd=0.0)
    for part in (render(quiet).html, render(quiet).text):
        assert "No open alert about an over-provisioned job." in part
    for part in (render(lean).html, render(lean).text):
        assert "No job is over-provisioned." in part


def test_figures_are_formatted_one_way() -> None:
    assert money(1234.5) == "$1,234.50"
    assert money(-12.0) == "-$12.00"
    assert money(None) == "unknown"
    assert change(0.0821) == "+8.2%"
    assert change(-0.031) == "-3.1%"
    assert change(0.0001) == "no change"
    assert change(None) == "n/a"
    assert percent(0.9612) == "96.1%"
    assert duration(45) == "45 s"
    assert duration(720) == "12 min"
    assert duration(7500) == "2 h 05 min"


def test_trends_are_bars_in_html_and_a_sparkline_in_text() -> None:
    assert sparkline([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5.0, 5.0]) == "▄▄"
    assert sparkline([]) == ""
    assert bar_percent(50.0, [50.0, 100.0]) == 50
    assert bar_percent(0.1, [0.1, 1000.0]) == 1
    assert bar_percent(0.0, [0.0, 10.0]) == 0
    assert bar_percent(1.0, [0.0]) == 0
