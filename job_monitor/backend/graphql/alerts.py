"""Alerts in the API: `alerts(filter, first, after)`, a connection of `Alert`, P1 first.

Resolvers are thin: the rules are the domain's (`domain.alerts`), the figures the services'
(`services.alerts`), over exactly the viewer's jobs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from job_monitor.backend.domain.alerts import Acknowledgement, AlertRecord, is_silenced
from job_monitor.backend.domain.errors import InvalidFilterError
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import AlertKind, AlertSeverity
from job_monitor.backend.graphql.errors import ExpectedError, answer, nested
from job_monitor.backend.graphql.jobs import Job
from job_monitor.backend.graphql.pagination import Connection, page_of, page_size
from job_monitor.backend.graphql.runs import JobRun, parse_id
from job_monitor.backend.services import alerts as alert_service
from job_monitor.backend.services.alerts import AlertList, AlertQuery
from job_monitor.backend.services.session import Session

MAX_JOB_IDS = 100


@strawberry.type(
    description=(
        "Someone said they are on an alert: it stays quiet until `until` unless its condition "
        "worsens past `magnitude` (for OVER_PROVISIONED, a saving more than a quarter larger: "
        "the estimate moves with the week's spend). Seen by everyone who sees the alert's job."
    )
)
class AlertAcknowledgement:
    ack: strawberry.Private[Acknowledgement]
    silencing: bool = strawberry.field(
        description=(
            "True while it keeps the alert quiet; false once the alert has worsened past the "
            "magnitude acknowledged (it is back in the list)."
        )
    )

    @strawberry.field(description="Who acknowledged it (user name).")
    def by(self) -> str:
        return self.ack.by

    @strawberry.field(description="When.")
    def at(self) -> dt.datetime:
        return self.ack.at

    @strawberry.field(description="Until when it keeps the alert quiet.")
    def until(self) -> dt.datetime:
        return self.ack.until

    @strawberry.field(description="The alert's magnitude when acknowledged.")
    def magnitude(self) -> float:
        return self.ack.magnitude


@strawberry.type(description="Something that needs attention now, with a next step.")
class Alert:
    record: strawberry.Private[AlertRecord]
    job_definition: strawberry.Private[Job]
    ack: strawberry.Private[Acknowledgement | None] = None
    now: strawberry.Private[dt.datetime | None] = None

    @classmethod
    def of(cls, record: AlertRecord, found: AlertList, now: dt.datetime) -> Alert:
        return cls(
            record=record,
            job_definition=Job(definition=found.jobs[record.job_id]),
            ack=found.acknowledgements.get(record.alert_id),
            now=now,
        )

    @strawberry.field(
        description="Stable across requests while the condition lasts (one per kind and job)."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.alert_id)

    @strawberry.field(description="How urgent.")
    def severity(self) -> AlertSeverity:
        return self.record.severity

    @strawberry.field(description="What it is about.")
    def kind(self) -> AlertKind:
        return self.record.kind

    @strawberry.field(description="One line for a list.")
    def title(self) -> str:
        return self.record.title

    @strawberry.field(description="What the data shows.")
    def detail(self) -> str:
        return self.record.detail

    @strawberry.field(description="A concrete next step, in words.")
    def remediation(self) -> str:
        return self.record.remediation

    @strawberry.field(
        description=(
            "When the condition began, from the data (the first failing run of a streak, the "
            "start of a run at risk or of a costly run, the first run-minute measured of an "
            "over-provisioned job's window); null when the data does not say."
        )
    )
    def first_seen_at(self) -> dt.datetime | None:
        return self.record.first_seen_at

    @strawberry.field(
        description=(
            "How bad, in the kind's unit (a streak's length, a duration or cost ratio, a share "
            "of failures, dollars spent or to save a month): an acknowledged alert comes back "
            "above it."
        )
    )
    def magnitude(self) -> float:
        return self.record.magnitude

    @strawberry.field(description="The job (for a team's alert, the team's costliest job).")
    def job(self) -> Job:
        return self.job_definition

    @strawberry.field(description="Every job the alert is about (a team's: those the viewer sees).")
    def job_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(str(job_id)) for job_id in self.record.jobs]

    @strawberry.field(description="The team, for an alert about a team (its budget).")
    def team(self) -> str | None:
        return self.record.team

    @strawberry.field(description="The acknowledgement in force, if any.")
    def acknowledgement(self) -> AlertAcknowledgement | None:
        if self.ack is None or self.now is None:
            return None
        return AlertAcknowledgement(
            ack=self.ack, silencing=is_silenced(self.record, self.ack, self.now)
        )

    @strawberry.field(description="The run to look at first, when there is one.")
    async def run(self, info: JMInfo) -> JobRun | None:
        if self.record.run_id is None:
            return None
        known = await nested(info.context.loaders.run_by_id.load(self.record.run_id))
        return JobRun.of(known) if known is not None else None


@strawberry.input(description="Which alerts: every condition given must hold; omitted means any.")
class AlertFilter:
    severities: list[AlertSeverity] | None = strawberry.field(
        default=None, description="Only these severities."
    )
    kinds: list[AlertKind] | None = strawberry.field(default=None, description="Only these kinds.")
    job_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Only about these jobs (at most {MAX_JOB_IDS})."
    )
    team: str | None = strawberry.field(default=None, description="Only about this team's jobs.")
    include_acknowledged: bool = strawberry.field(
        default=False,
        description="Also the alerts an acknowledgement keeps quiet (omitted: left out).",
    )


@strawberry.type(description="Alerts of one severity.")
class SeverityCount:
    severity: AlertSeverity = strawberry.field(description="The severity.")
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="A page of the viewer's alerts, P1 first, then the worst first.")
class AlertConnection(Connection[Alert]):
    total_count: int = strawberry.field(description="Alerts matching the filter, on every page.")
    by_severity: list[SeverityCount] = strawberry.field(
        description="How many of them per severity (every page)."
    )
    acknowledged_count: int = strawberry.field(
        description=(
            "Alerts matching the filter that an acknowledgement keeps quiet (left out of the "
            "list unless `includeAcknowledged`)."
        )
    )


AlertsResult = Annotated[
    AlertConnection | ExpectedError,
    strawberry.union("AlertsResult", description="A page of alerts, or why there is none."),
]


def _query(given: AlertFilter | None, team_tag: str) -> AlertQuery:
    chosen = given or AlertFilter()
    ids = chosen.job_ids or []
    if len(ids) > MAX_JOB_IDS:
        raise InvalidFilterError("jobIds", f"has {len(ids)} values; at most {MAX_JOB_IDS}")
    return AlertQuery(
        severities=frozenset(chosen.severities or ()),
        kinds=frozenset(chosen.kinds or ()),
        job_ids=frozenset(parse_id(job_id, "jobIds") for job_id in ids),
        team=chosen.team,
        team_tag=team_tag,
        include_acknowledged=chosen.include_acknowledged,
    )


async def _alerts(
    session: Session, given: AlertFilter | None, first: int | None, after: str | None
) -> AlertConnection:
    size = page_size(first, session.settings.max_page_size)
    found = await alert_service.alerts(session, _query(given, session.settings.team_tag))
    ids = [alert.alert_id for alert in found.alerts]
    start = 0
    if after is not None:
        if after not in ids:
            raise InvalidFilterError("after", "is not a cursor of this list (it may have cleared)")
        start = ids.index(after) + 1
    page = found.alerts[start : start + size]
    edges, info = page_of(
        [(alert.alert_id, Alert.of(alert, found, session.now)) for alert in page],
        has_next=start + size < len(ids),
        has_previous=start > 0,
    )
    counts = dict.fromkeys(AlertSeverity, 0)
    for alert in found.alerts:
        counts[alert.severity] += 1
    return AlertConnection(
        edges=edges,
        page_info=info,
        total_count=len(ids),
        by_severity=[SeverityCount(severity=key, count=value) for key, value in counts.items()],
        acknowledged_count=found.silenced,
    )


@strawberry.type
class AlertQueries:
    @strawberry.field(
        description=(
            "What needs the viewer's attention now, over the jobs they may see: failure streaks "
            "over the last 30 days, low success rates and duration regressions over the last 7 "
            "days, SLA breaches over "
            "the last 24 hours, runs going now past 80% of their target, cost anomalies over the "
            "last 7 days, zombie jobs over the last 30, over-provisioned jobs over the last 7 "
            "and budgets against the month so far; P1 "
            "first, then the worst first. Runs going now are judged only while the Jobs API can "
            "be read; budgets and acknowledgements only while the app's state tables can (else "
            "budget alerts are missing and acknowledged alerts show). An alert an acknowledgement "
            "keeps quiet is left out unless `filter.includeAcknowledged`."
        )
    )
    async def alerts(
        self,
        info: JMInfo,
        filter: AlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AlertsResult:
        return await answer(_alerts(info.context.session, filter, first, after))
