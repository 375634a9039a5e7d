"""Every enum of the API, registered once: the domain's enums under their GraphQL names.

Other GraphQL modules import the enums from here, so that registration has happened before any type
uses them.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from job_monitor.backend.domain import health as rules
from job_monitor.backend.domain.alerts import AlertKind, AlertSeverity
from job_monitor.backend.domain.budgets import BudgetScopeKind, BudgetStatus
from job_monitor.backend.domain.costs import (
    LONGER_DURATION_RATIO,
    ZOMBIE_RUN_SECONDS,
    AnomalyCause,
    ComputeType,
    CostGrouping,
    ZombieReason,
)
from job_monitor.backend.domain.errors import UpstreamProblem
from job_monitor.backend.domain.health import Priority
from job_monitor.backend.domain.outputs import SchemaChangeKind
from job_monitor.backend.domain.reports import ReportKind
from job_monitor.backend.domain.runs import RunState, RunType, TerminationType, Trigger
from job_monitor.backend.domain.service_health import HealthStatus
from job_monitor.backend.domain.sla import AT_RISK_RATIO, SlaStatus
from job_monitor.backend.domain.utilization import (
    CEILING_MINUTE_SHARE,
    FindingKind,
    RecommendationKind,
    UnmeasurableReason,
)
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services.jobs import JobOrderField, OrderDirection

__all__ = [
    "AlertKind",
    "AlertSeverity",
    "AnomalyCause",
    "AuthMode",
    "BudgetScopeKind",
    "BudgetStatus",
    "ComputeType",
    "CostGrouping",
    "FindingKind",
    "HealthStatus",
    "JobOrderField",
    "OrderDirection",
    "Priority",
    "RecommendationKind",
    "ReportKind",
    "RunState",
    "RunType",
    "SchemaChangeKind",
    "SlaStatus",
    "TerminationType",
    "Trigger",
    "UnmeasurableReason",
    "UpstreamProblem",
    "Window",
    "ZombieReason",
]

strawberry.enum(
    RunState,
    name="RunState",
    description=(
        "The state of a run, one vocabulary for the system tables and the Jobs API. Active: "
        "QUEUED, "
        "PENDING, RUNNING, TERMINATING, BLOCKED, WAITING. Successes: SUCCEEDED, "
        "SUCCEEDED_WITH_FAILURES. Failures: FAILED, TIMED_OUT, INTERNAL_ERROR. CANCELED is "
        "neither. "
        "Not run: SKIPPED, EXCLUDED, UPSTREAM_FAILED, UPSTREAM_CANCELED, DISABLED, "
        "MAX_CONCURRENT_RUNS_REACHED. UNKNOWN: a value neither source documents, or a run that "
        "ended whose outcome is not recorded yet."
    ),
)
strawberry.enum(
    Trigger,
    name="Trigger",
    description="What started a run (system CRON = PERIODIC, ONETIME = ONE_TIME, …); UNKNOWN else.",
)
strawberry.enum(
    RunType,
    name="RunType",
    description="JOB_RUN, SUBMIT_RUN (runs/submit) or WORKFLOW_RUN (notebook workflows).",
)
strawberry.enum(
    TerminationType,
    name="TerminationType",
    description="Who ended a run: SUCCESS, CLIENT_ERROR, INTERNAL_ERROR, CLOUD_FAILURE; UNKNOWN.",
)
strawberry.enum(
    Window,
    name="Window",
    description="A rolling window ending now: the last 24 hours, 7, 30, 90 or 365 days.",
)
strawberry.enum(
    Priority,
    name="Priority",
    description=(
        "How urgently a job needs attention; the first rule that holds wins. "
        f"P1: a failure streak of {rules.P1_FAILURE_STREAK} or more. "
        f"P2: a success rate below {float(rules.P2_SUCCESS_RATE_BELOW):.0%} (exactly 90% is not), "
        "or a flagged duration regression (`JobHealth.durationRegressed`). "
        "P3: a single failure (the latest run that succeeded or failed, failed). "
        "Null: healthy. The failure streak counts consecutive failures ending at the latest run "
        "that succeeded or failed; canceled and not-run runs are passed over."
    ),
)
strawberry.enum(
    SlaStatus,
    name="SlaStatus",
    description=(
        "Where a run stands against its job's duration target (its RUN_DURATION_SECONDS health "
        "rule): MET (finished within it, or going and not yet past "
        f"{AT_RISK_RATIO:.0%} of it), AT_RISK (going, past {AT_RISK_RATIO:.0%} of it), "
        "BREACHED (finished over it, or going past it), NO_TARGET (the job has none)."
    ),
)
strawberry.enum(
    AlertSeverity,
    name="AlertSeverity",
    description=(
        "How urgent an alert is: P1 a failing job (a failure streak, a run going past its "
        "target); P2 a job missing its promises (success rate below 90%, runs over target, a run "
        "past 80% of it, a budget breached); P3 money and slowness (a duration regression, a cost "
        "anomaly, a zombie job, a budget forecast to breach, an over-provisioned job)."
    ),
)
strawberry.enum(
    AlertKind,
    name="AlertKind",
    description=(
        "What an alert is about: FAILURE_STREAK (P1), LOW_SUCCESS_RATE (P2: below 90% with at "
        "least two failures), "
        "DURATION_REGRESSION (P3), SLA_BREACHED (P2: runs of the last 24 hours over target), "
        "SLA_AT_RISK (a run going now past 80% of its target: P2, past it: P1), COST_ANOMALY "
        "(P3), ZOMBIE_JOB (P3), BUDGET_BREACHED (P2: a job's or team's spend this month is over "
        "its budget), BUDGET_FORECAST_TO_BREACH (P3: on pace to be by the month's end), "
        "OVER_PROVISIONED (P3: its workers sat mostly idle over the last 7 days and a smaller "
        "cluster would carry their busiest minute; the resize and its monthly saving), "
        "ROW_COUNT_ANOMALY (P2 when a table's latest write by the job was more than the threshold "
        "off the median of its previous writes, or empty; P3 when only earlier writes of the last "
        "7 days were), SCHEMA_DRIFT (P2 when a column of a table the job reads or writes was "
        "dropped, renamed or retyped in the last 30 days; P3 when columns were only added). The "
        "last two come from the latest sweep of what jobs write, which a job of the bundle runs "
        "hourly (`job-monitor data sweep`)."
    ),
)
strawberry.enum(
    ReportKind,
    name="ReportKind",
    description="A scheduled report: DAILY health, WEEKLY cost or MONTHLY executive.",
)
strawberry.enum(
    BudgetScopeKind, name="BudgetScopeKind", description="A budget limits a JOB or a TEAM."
)
strawberry.enum(
    BudgetStatus,
    name="BudgetStatus",
    description=(
        "A budget against the month: WITHIN (under it and on pace to stay so), "
        "FORECAST_TO_BREACH (under it, but on pace to exceed it by the month's end), BREACHED "
        "(over it already)."
    ),
)
strawberry.enum(
    ComputeType,
    name="ComputeType",
    description=(
        "The compute spend was billed on: SERVERLESS (serverless jobs), JOBS_COMPUTE (job "
        "clusters), ALL_PURPOSE (all-purpose clusters, billed to the cluster, not to a job)."
    ),
)
strawberry.enum(
    CostGrouping,
    name="CostGrouping",
    description=(
        "How `costs` groups spend: JOB; TEAM (the job's team tag, `team` unless configured, on "
        "its latest definition; untagged jobs form the group with a null key); SKU; RUN_AS (the "
        "identity the usage ran as); COMPUTE_TYPE (`ComputeType`)."
    ),
)
strawberry.enum(
    AnomalyCause,
    name="AnomalyCause",
    description=(
        "Why a costly run likely cost more, from what the data shows: DEFINITION_CHANGED (the "
        "job's definition changed after its last baseline run, a newer row of "
        "system.lakeflow.jobs), MORE_REPAIRS (more repairs than any baseline run), RETRY (the run "
        "is an automatic retry), LONGER_DURATION (it ran more than "
        f"{LONGER_DURATION_RATIO:g}x the baseline's p90 duration), DIFFERENT_SKU (billed on a "
        "SKU the baseline never used), DIFFERENT_COMPUTE_TYPE (serverless where the baseline was "
        "not, or the reverse)."
    ),
)
strawberry.enum(
    ZombieReason,
    name="ZombieReason",
    description=(
        "Why a scheduled job that keeps spending does no useful work: NO_SUCCESSFUL_RUN (none of "
        "its runs billed in the window succeeded), ONLY_SHORT_RUNS (every one ended within "
        f"{ZOMBIE_RUN_SECONDS:g} seconds)."
    ),
)
strawberry.enum(
    SchemaChangeKind,
    name="SchemaChangeKind",
    description=(
        "How a table's schema changed: a column ADDED, DROPPED, RENAMED (to `newName`) or RETYPED "
        "(to `dataType`), as the Delta history's ADD COLUMNS, DROP COLUMNS, RENAME COLUMN and "
        "CHANGE COLUMN operations record it."
    ),
)
strawberry.enum(
    UnmeasurableReason,
    name="UnmeasurableReason",
    description=(
        "Why a job's CPU and memory cannot be measured over a window: SERVERLESS (its runs used "
        "serverless compute, which records no nodes), SHARED_CLUSTER (its runs used all-purpose "
        "clusters, shared with other jobs and notebooks: their load is not the job's), NO_DATA "
        "(no runs on job clusters in the window, or their node data has not landed yet)."
    ),
)
strawberry.enum(
    FindingKind,
    name="UtilizationFindingKind",
    description=(
        "What a job's utilisation says: OVER_PROVISIONED (its workers mostly idle: see "
        "`JobUtilization.overProvisioned`), CHEAPER_ON_JOB_COMPUTE (runs on all-purpose clusters "
        "that would cost less on job compute), AUTOSCALING_NEVER_EXERCISED (autoscaling "
        "configured, and no run ever had more workers than the minimum), AT_AUTOSCALE_CEILING "
        f"(at its maximum workers for at least {CEILING_MINUTE_SHARE:.0%} of its run-minutes: a "
        "candidate for a higher maximum)."
    ),
)
strawberry.enum(
    RecommendationKind,
    name="RecommendationKind",
    description=(
        "The change a finding recommends: FEWER_WORKERS, SMALLER_NODE_TYPE (for the workers), "
        "LOWER_AUTOSCALE_MINIMUM, JOB_COMPUTE (a job cluster instead of an all-purpose one), "
        "FIXED_SIZE (instead of autoscaling that never scales), HIGHER_AUTOSCALE_MAXIMUM."
    ),
)
strawberry.enum(JobOrderField, name="JobOrderField", description="What to order jobs by.")
strawberry.enum(OrderDirection, name="OrderDirection", description="ASC or DESC.")
strawberry.enum(
    UpstreamProblem,
    name="UpstreamProblem",
    description=(
        "Why Databricks could not answer: THROTTLED (rate-limited, HTTP 429), FAILING (errors, "
        "HTTP 5xx, or unreachable), TIMEOUT (no answer in time)."
    ),
)
strawberry.enum(
    HealthStatus,
    name="HealthStatus",
    description=(
        "How well something works: OK (working), DEGRADED (working, but slowly or partly), "
        "DOWN (not working)."
    ),
)


@strawberry.enum(description="How the service learned who the viewer is.")
class AuthMode(Enum):
    DATABRICKS_APP = strawberry.enum_value(
        "DATABRICKS_APP",
        description="The Databricks Apps proxy forwarded the signed-in user's token.",
    )
    LOCAL = strawberry.enum_value(
        "LOCAL",
        description="A local workspace user: chosen in the UI (or a test), else the default user.",
    )
