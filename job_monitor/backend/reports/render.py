"""`render(report)`: a report record as a subject line, an HTML e-mail and a plain-text part.

The HTML is written for mail clients, not browsers: tables for layout, inline styles only, no
external CSS, script or image, at most 640 px wide (Outlook's Word engine and Gmail's sanitiser
drop most else). Autoescaping is on for every `.html` template, so a job named `<script>` is shown,
never run; the `.txt` templates are plain text and not escaped. Both parts format every figure
through the same filters below, so they say the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from job_monitor.backend.domain.reports import (
    AlertDigest,
    DailyHealthReport,
    RenderedReport,
    Report,
    ReportKind,
    ReportScope,
    WeeklyCostReport,
    kind_of,
)

SPARK_BARS = "▁▂▃▄▅▆▇█"


def money(amount: float | None) -> str:
    """`$1,234.56`; `-$12.00` below zero; `unknown` for None."""
    if amount is None:
        return "unknown"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def money_change(amount: float) -> str:
    """`+$200.00`, `-$150.00`: a difference in spend."""
    return money(amount) if amount < 0 else f"+{money(amount)}"


def change(ratio: float | None) -> str:
    """`+8.2%`, `-3.1%`, `no change`; `n/a` without an earlier figure to compare with."""
    if ratio is None:
        return "n/a"
    if round(ratio * 100, 1) == 0:
        return "no change"
    return f"{ratio:+.1%}"


def percent(ratio: float | None) -> str:
    """`96.1%`; `n/a` for None."""
    return "n/a" if ratio is None else f"{ratio:.1%}"


def number(count: int) -> str:
    return f"{count:,}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 run`, `12 runs` (or the plural given)."""
    word = noun if count == 1 else (plural or f"{noun}s")
    return f"{count:,} {word}"


def when(moment: datetime | None) -> str:
    """`2026-01-05 02:10 UTC`."""
    return "unknown" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def day(value: date) -> str:
    """`Mon 05 Jan`."""
    return f"{value:%a %d %b}"


def duration(seconds: float | None) -> str:
    """`45 s`, `12 min`, `2 h 05 min`."""
    if seconds is None:
        return "unknown"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def bar_percent(value: float, values: Sequence[float]) -> int:
    """A bar's length as a share of the longest (0 to 100); at least 1 for any spend, so a small
    day still shows."""
    top = max(values, default=0.0)
    if value <= 0 or top <= 0:
        return 0
    return max(1, round(100 * value / top))


def sparkline(values: Sequence[float]) -> str:
    """The values as one line of block characters, lowest to highest: the trend at a glance in
    plain text."""
    if not values:
        return ""
    low, high = min(values), max(values)
    steps = len(SPARK_BARS) - 1
    if high == low:
        return SPARK_BARS[steps // 2] * len(values)
    return "".join(SPARK_BARS[round((value - low) / (high - low) * steps)] for value in values)


def scope_sentence(scope: ReportScope) -> str:
    jobs = counted(scope.jobs, "job")
    if scope.every_job:
        return f"Covers every job of the workspace ({jobs})"
    return f"Covers the jobs you may see ({jobs})"


def label(value: str | None) -> str:
    """An enum value of ours in words: `NO_SUCCESSFUL_RUN` reads `no successful run`."""
    return "none" if value is None else value.replace("_", " ").lower()


_ENV = Environment(
    loader=PackageLoader("job_monitor.backend.reports", "templates"),
    # Escaped unless plain text: a template of any other kind is escaped too.
    autoescape=select_autoescape(
        enabled_extensions=("html",), disabled_extensions=("txt",), default=True
    ),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters.update(
    money=money,
    money_change=money_change,
    change=change,
    percent=percent,
    number=number,
    counted=counted,
    when=when,
    day=day,
    duration=duration,
    sparkline=sparkline,
    scope_sentence=scope_sentence,
    label=label,
)
_ENV.globals.update(bar_percent=bar_percent)


def subject_of(report: Report) -> str:
    """The subject line: the report, its period and its headline figures."""
    if isinstance(report, DailyHealthReport):
        return (
            f"Job Monitor daily health {report.period_end:%Y-%m-%d}: "
            f"{counted(report.failed, 'failed run')}, "
            f"{counted(len(report.new_p1_alerts), 'new P1 alert')}, "
            f"{counted(report.sla_breach_count, 'SLA breach', 'SLA breaches')}"
        )
    if isinstance(report, WeeklyCostReport):
        return (
            f"Job Monitor weekly cost {report.period_start:%Y-%m-%d} to "
            f"{report.period_end:%Y-%m-%d}: {money(report.list_cost_usd)} "
            f"({change(report.change)} on the week before)"
        )
    return (
        f"Job Monitor monthly report {report.period_start:%Y-%m-%d} to "
        f"{report.period_end:%Y-%m-%d}: {money(report.list_cost_usd)} "
        f"({change(report.change)}), {percent(report.success_rate)} of runs succeeded"
    )


_TITLES = {
    ReportKind.DAILY: "Daily health",
    ReportKind.WEEKLY: "Weekly cost",
    ReportKind.MONTHLY: "Monthly executive report",
}


def render(report: Report) -> RenderedReport:
    """The report as a subject, an HTML e-mail body and a plain-text part."""
    kind = kind_of(report)
    subject = subject_of(report)
    context = {"report": report, "subject": subject, "title": _TITLES[kind]}
    return RenderedReport(
        kind=kind,
        subject=subject,
        html=_ENV.get_template(f"{kind.slug}.html").render(context),
        text=_ENV.get_template(f"{kind.slug}.txt").render(context),
        period_start=report.period_start,
        period_end=report.period_end,
    )


def render_alerts(digest: AlertDigest) -> tuple[str, str, str]:
    """New alerts as one message: its subject, HTML body and plain-text part."""
    count = len(digest.alerts)
    p1 = sum(1 for alert in digest.alerts if alert.severity.value == "P1")
    first = digest.alerts[0].title if digest.alerts else ""
    subject = f"Job Monitor: {counted(count, 'new alert')} ({p1} P1): {first}"
    context = {"report": digest, "subject": subject, "title": "New alerts"}
    return (
        subject,
        _ENV.get_template("alerts.html").render(context),
        _ENV.get_template("alerts.txt").render(context),
    )
