"""Changing a job's SLA target: its `RUN_DURATION_SECONDS` health rule, and who may change it.

Pure logic, no I/O. `jobs/update` replaces the whole `health` field, so a change is computed on the
job's rules as the Jobs API answered them (raw JSON: a metric the SDK does not know must survive
the round trip): only the duration rule is replaced or removed, every other rule is kept as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from job_monitor.backend.domain.errors import InvalidFilterError
from job_monitor.backend.domain.identity import Identity
from job_monitor.backend.domain.jobs import JobDefinition

DURATION_METRIC = "RUN_DURATION_SECONDS"
GREATER_THAN = "GREATER_THAN"
MAX_TARGET_SECONDS = 30 * 24 * 3600
"""A target longer than 30 days is a typo (runs of continuous jobs restart well before)."""
EDIT_LEVELS = frozenset({"CAN_MANAGE", "IS_OWNER"})
"""Job permission levels that allow editing its settings (workspace admins hold CAN_MANAGE by
inheritance, which the job's ACL lists under the `admins` group)."""

HealthRule = Mapping[str, object]


@dataclass(frozen=True)
class JobHealthSettings:
    """What a target change needs of a job, as the Jobs API answers it (`jobs/get`)."""

    job_id: int
    rules: tuple[HealthRule, ...]
    """The job-level health rules, raw: unknown metrics and fields intact."""
    bundle_managed: bool
    """`deployment.kind = BUNDLE`: the next bundle deploy resets the job's settings."""
    bundle_metadata_path: str | None

    @property
    def target_seconds(self) -> int | None:
        return duration_target(self.rules)


@dataclass(frozen=True)
class SlaChange:
    """One applied (or no-op) change of a job's target."""

    job_id: int
    previous_target_seconds: int | None
    target_seconds: int | None

    @property
    def changed(self) -> bool:
        return self.previous_target_seconds != self.target_seconds


class AccessEntry(Protocol):
    """One principal's levels on a job (`kind`: user, group or service_principal)."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def levels(self) -> frozenset[str]: ...


def valid_target(target_seconds: int) -> int:
    """The target itself, or `InvalidFilterError` for one that is not a positive, sane duration."""
    if target_seconds <= 0 or target_seconds > MAX_TARGET_SECONDS:
        raise InvalidFilterError(
            "targetSeconds",
            f"must be a whole number of seconds from 1 to {MAX_TARGET_SECONDS} (30 days)",
        )
    return target_seconds


def duration_target(rules: Iterable[HealthRule]) -> int | None:
    """The threshold of the job's `RUN_DURATION_SECONDS` rule (the last, should there be two)."""
    target: int | None = None
    for rule in rules:
        value = rule.get("value")
        if rule.get("metric") == DURATION_METRIC and isinstance(value, int):
            target = None if isinstance(value, bool) else value
    return target


def rules_with_target(
    rules: Sequence[HealthRule], target_seconds: int | None
) -> tuple[HealthRule, ...]:
    """Every rule but the duration rule, as it was, then the new duration rule (none: cleared)."""
    kept = tuple(rule for rule in rules if rule.get("metric") != DURATION_METRIC)
    if target_seconds is None:
        return kept
    rule = {"metric": DURATION_METRIC, "op": GREATER_THAN, "value": target_seconds}
    return (*kept, rule)


@dataclass(frozen=True, slots=True)
class SlaEditAccess:
    """Whether the viewer may change a job's SLA target, and why not."""

    allowed: bool
    reason: str | None = None


def may_edit(viewer: Identity, access: Iterable[AccessEntry]) -> bool:
    """Whether the job's ACL grants the viewer CAN_MANAGE or IS_OWNER: directly, as a service
    principal, or through one of their groups (the inherited `admins` grant included)."""
    keys = {("user", viewer.user_name), ("service_principal", viewer.user_name)}
    keys.update(("group", group) for group in viewer.groups)
    return any(
        (entry.kind, entry.name) in keys and not entry.levels.isdisjoint(EDIT_LEVELS)
        for entry in access
    )


@dataclass(frozen=True, slots=True)
class WrittenTarget:
    """A target this service wrote through the Jobs API (None: cleared), and when it began writing
    it: `system.lakeflow.jobs` shows it only once the job's new row lands there."""

    target_seconds: int | None
    written_at: datetime


def with_written_targets(
    catalog: Mapping[int, JobDefinition], written: Mapping[int, WrittenTarget]
) -> Mapping[int, JobDefinition]:
    """The catalog as the viewer who just saved a target expects it: each written target over the
    job's row, unless that row changed at or after the write (it holds the write, or a later
    change made elsewhere)."""
    shown = {
        job_id: job.with_duration_target(write.target_seconds)
        for job_id, write in written.items()
        if (job := catalog.get(job_id)) is not None and job.changed_at < write.written_at
    }
    return {**catalog, **shown} if shown else catalog


def caught_up(
    catalog: Mapping[int, JobDefinition], written: Mapping[int, WrittenTarget]
) -> set[int]:
    """The written jobs whose catalog row already holds the write (or a later change)."""
    return {
        job_id
        for job_id, write in written.items()
        if (job := catalog.get(job_id)) is not None and job.changed_at >= write.written_at
    }
