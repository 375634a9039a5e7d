"""A job as Job Monitor speaks of it: its current definition (the latest row of
`system.lakeflow.jobs`), with its tags, trigger, health rules and task DAG. A deleted job keeps the
definition of its last row, with the time it was deleted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from job_monitor.backend.domain.runs import Trigger

TEAM_TAG = "team"
"""The job tag that names the owning team."""
DURATION_HEALTH_METRIC = "RUN_DURATION_SECONDS"
"""The health rule metric that sets a job's duration target (its SLA)."""


@dataclass(frozen=True, slots=True)
class HealthRule:
    """A job health rule as configured: `metric` `operator` `value` (e.g. RUN_DURATION_SECONDS
    GREATER_THAN 3600)."""

    metric: str
    operator: str
    value: int


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    """A task of a job's current definition and the task keys it depends on (the DAG's edges)."""

    task_key: str
    depends_on: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TriggerSettings:
    """What starts a job: the trigger kind and, for schedules, the cron expression and time zone or
    the periodic interval."""

    kind: Trigger
    quartz_cron_expression: str | None = None
    timezone_id: str | None = None
    interval: int | None = None
    interval_unit: str | None = None


@dataclass(frozen=True, slots=True)
class JobDefinition:
    """The current definition of a job.

    `owner` is the creator's user name and `run_as` the identity runs use. Columns Databricks added
    in late 2025 are None for jobs not changed since: None means unknown, not "none".
    """

    job_id: int
    name: str
    owner: str | None
    run_as: str | None
    tags: Mapping[str, str]
    trigger: TriggerSettings | None
    paused: bool | None
    timeout_seconds: int | None
    health_rules: tuple[HealthRule, ...]
    tasks: tuple[TaskDefinition, ...]
    changed_at: datetime
    deleted_at: datetime | None = None
    """When the job was deleted; None for a job that exists."""

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def team(self) -> str | None:
        return self.team_of(TEAM_TAG)

    def team_of(self, tag: str) -> str | None:
        """The value of the job's `tag` tag, the tag that names its team."""
        return self.tags.get(tag)

    def belongs_to_team(self, tag: str, team: str) -> bool:
        """Whether the job's `tag` tag names `team`, ignoring case and surrounding spaces."""
        own = self.team_of(tag)
        return own is not None and own.strip().lower() == team.strip().lower()

    @property
    def duration_target_seconds(self) -> int | None:
        """The job's own duration target: its RUN_DURATION_SECONDS health rule, if any."""
        return next(
            (rule.value for rule in self.health_rules if rule.metric == DURATION_HEALTH_METRIC),
            None,
        )

    def with_duration_target(self, target_seconds: int | None) -> JobDefinition:
        """The job with its duration rule set to `target_seconds` (None: removed), every other
        rule as it was."""
        kept = tuple(rule for rule in self.health_rules if rule.metric != DURATION_HEALTH_METRIC)
        if target_seconds is not None:
            kept = (*kept, HealthRule(DURATION_HEALTH_METRIC, "GREATER_THAN", target_seconds))
        return replace(self, health_rules=kept)
