"""Reports in the API: `reportPreview(kind)`, the scheduled reports rendered from the same
templates as the e-mails, over the viewer's own jobs (the e-mails cover the admins' scope)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from job_monitor.backend.domain.reports import RenderedReport
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import ReportKind
from job_monitor.backend.graphql.errors import ExpectedError, answer
from job_monitor.backend.services import reports as report_service


@strawberry.type(description="A report as it would be sent, over the viewer's jobs.")
class ReportPreview:
    report: strawberry.Private[RenderedReport]

    @strawberry.field(description="Which report.")
    def kind(self) -> ReportKind:
        return self.report.kind

    @strawberry.field(description="The e-mail's subject line.")
    def subject(self) -> str:
        return self.report.subject

    @strawberry.field(
        description=(
            "The HTML e-mail body: a whole document with inline styles, every value escaped; "
            "show it in a sandboxed frame."
        )
    )
    def html(self) -> str:
        return self.report.html

    @strawberry.field(description="The plain-text part, with the same figures.")
    def text(self) -> str:
        return self.report.text

    @strawberry.field(description="The start of the period it covers.")
    def period_start(self) -> dt.datetime:
        return self.report.period_start

    @strawberry.field(description="The end of the period it covers (when it was built).")
    def period_end(self) -> dt.datetime:
        return self.report.period_end


ReportPreviewResult = Annotated[
    ReportPreview | ExpectedError,
    strawberry.union("ReportPreviewResult", description="The report, or why there is none."),
]


@strawberry.type
class ReportQueries:
    @strawberry.field(
        description=(
            "A scheduled report rendered now over the viewer's jobs: DAILY health (the last 24 "
            "hours' failures, new P1 alerts, SLA breaches, action items), WEEKLY cost (spend per "
            "team against the week before, anomalies, waste, zombie jobs) or MONTHLY executive "
            "(spend and its trend, reliability, what changed and what it saved)."
        )
    )
    async def report_preview(self, info: JMInfo, kind: ReportKind) -> ReportPreviewResult:
        session = info.context.session

        async def preview() -> ReportPreview:
            return ReportPreview(report=await report_service.rendered_report(session, kind))

        return await answer(preview())
