"""SLAs: a job's duration target and the runs that miss it.

A job's target is its own `RUN_DURATION_SECONDS` health rule
(`JobDefinition.duration_target_seconds`), so the Databricks Jobs UI, its duration notifications
and Job Monitor agree on one number.

The rules:

* a job without a target has no SLA: each of its runs is NO_TARGET;
* a finished run (its duration is known) BREACHED its target when its duration is greater than
  the target, and MET it otherwise (exactly the target is met);
* an active run is judged on the time elapsed since it started (queue time included, as in its
  duration): BREACHED past 100 % of the target, AT_RISK past `AT_RISK_RATIO` of it, MET before;
* a run that ended without a recorded duration yet (its outcome is not in the system tables) has
  no status: nobody can say how long it took.

The breach rate over a window is breaches / finished runs started in the window (every finished
state counts, as in `JobHealth.runs`); None without finished runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.runs import RunRecord, is_active

AT_RISK_RATIO = 0.8
"""An active run is at risk once it has run longer than this share of its target."""


class SlaStatus(StrEnum):
    """Where a run stands against its job's duration target."""

    MET = "MET"
    AT_RISK = "AT_RISK"
    BREACHED = "BREACHED"
    NO_TARGET = "NO_TARGET"


def sla_target(job: JobDefinition) -> int | None:
    """The job's duration target in seconds: its RUN_DURATION_SECONDS health rule; None without
    one (a rule of zero or less sets no target: no run could meet it)."""
    target = job.duration_target_seconds
    return target if target is not None and target > 0 else None


def breached(duration_seconds: float, target_seconds: int) -> bool:
    """A finished run breaches its target when it took longer than the target."""
    return duration_seconds > target_seconds


def sla_status(run: RunRecord, target_seconds: int | None, now: datetime) -> SlaStatus | None:
    """The run's status against `target_seconds` (see the module docstring); None for a run that
    ended without a recorded duration."""
    if target_seconds is None or target_seconds <= 0:
        return SlaStatus.NO_TARGET
    if run.duration_seconds is not None:
        return (
            SlaStatus.BREACHED if breached(run.duration_seconds, target_seconds) else SlaStatus.MET
        )
    if not (run.live or is_active(run.state)):
        return None
    elapsed = max(0.0, (now - run.start_time).total_seconds())
    if elapsed > target_seconds:
        return SlaStatus.BREACHED
    if elapsed > AT_RISK_RATIO * target_seconds:
        return SlaStatus.AT_RISK
    return SlaStatus.MET


def needs_attention(status: SlaStatus | None) -> bool:
    """AT_RISK or BREACHED: what the overview counts among the runs going now."""
    return status in (SlaStatus.AT_RISK, SlaStatus.BREACHED)


@dataclass(frozen=True, slots=True)
class SlaBreachRecord:
    """A finished run that took longer than its job's target, and by how much."""

    run: RunRecord
    target_seconds: int

    @property
    def duration_seconds(self) -> float:
        return self.run.duration_seconds or 0.0

    @property
    def over_seconds(self) -> float:
        """Seconds past the target."""
        return self.duration_seconds - self.target_seconds

    @property
    def over_ratio(self) -> float:
        """The duration as a multiple of the target (above 1: 1.5 took half as long again)."""
        return self.duration_seconds / self.target_seconds


def breach_of(run: RunRecord, target_seconds: int | None) -> SlaBreachRecord | None:
    """The run's breach of the target, or None when it finished within it, has not finished, or
    the job has no target."""
    if target_seconds is None or target_seconds <= 0 or run.duration_seconds is None:
        return None
    if not breached(run.duration_seconds, target_seconds):
        return None
    return SlaBreachRecord(run, target_seconds)


@dataclass(frozen=True, slots=True)
class SlaCounts:
    """A job's finished runs in a window and, of those, the runs over its target."""

    finished: int
    breaches: int

    @property
    def breach_rate(self) -> float | None:
        """breaches / finished runs, 0 to 1; None without finished runs."""
        return self.breaches / self.finished if self.finished else None


NO_FINISHED_RUNS = SlaCounts(finished=0, breaches=0)
"""The counts of a job without finished runs in the window."""
