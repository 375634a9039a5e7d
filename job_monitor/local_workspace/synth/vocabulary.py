"""The words of the synthetic workspace: teams, people, outcomes in both vocabularies, prices.

Each outcome is spelled twice — as `system.lakeflow.job_run_timeline` writes it and as the Jobs API
2.2 answers it — so that both views of a run are generated from one choice and can never disagree.
"""

import uuid
from dataclasses import dataclass
from typing import Final

from job_monitor.local_workspace.principals import ALICE, BOB

TEAMS: Final = (
    "data-eng",
    "analytics",
    "ml-platform",
    "finance",
    "marketing",
    "platform",
    "customer-360",
)
# Share of jobs per team, in TEAMS order; data-eng is large enough that bob's view is interesting.
TEAM_WEIGHTS: Final = (22, 18, 14, 11, 11, 12, 12)

# People who own jobs. Only alice, bob and carol can log in; the others exist as owners and ACL
# entries.
TEAM_PEOPLE: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "data-eng": (
        (BOB.user_name, BOB.id),
        ("dana.kim@example.com", "1101"),
        ("erik.larsen@example.com", "1102"),
    ),
    "analytics": (("fatima.ali@example.com", "1201"), ("george.chen@example.com", "1202")),
    "ml-platform": (("hana.sato@example.com", "1301"), ("ivan.petrov@example.com", "1302")),
    "finance": (("julia.costa@example.com", "1401"),),
    "marketing": (("kofi.mensah@example.com", "1501"), ("lena.berg@example.com", "1502")),
    "platform": ((ALICE.user_name, ALICE.id), ("liam.obrien@example.com", "1601")),
    "customer-360": (("maria.garcia@example.com", "1701"),),
}


def team_service_principal(team: str) -> tuple[str, str]:
    """(application id, principal id) of the team's ETL service principal."""
    app_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"sp-{team}.etl.example.com"))
    return app_id, str(3000 + TEAMS.index(team))


ENVIRONMENTS: Final = ("prod", "prod", "prod", "prod", "staging", "dev")
SUBJECTS: Final = (
    "orders", "customers", "payments", "events", "inventory", "clicks", "sessions", "invoices",
    "shipments", "products", "ledger", "campaigns", "churn", "fraud", "pricing", "returns",
    "subscriptions", "telemetry", "reviews", "forecast",
)  # fmt: skip
ACTIONS: Final = (
    "ingest", "transform", "aggregate", "export", "refresh", "train", "score", "dedupe", "backfill",
    "compact", "snapshot", "sync",
)  # fmt: skip
TASK_KEYS: Final = (
    "ingest_raw",
    "validate_schema", "clean", "transform_silver", "enrich", "build_gold", "aggregate",
    "quality_checks", "publish", "export_parquet", "train_model", "evaluate", "score", "dedupe",
    "snapshot", "notify",
)  # fmt: skip
NODE_TYPES: Final = ("i3.xlarge", "i3.2xlarge", "m5d.2xlarge", "r5d.4xlarge", "c5d.4xlarge")
# `system.compute.node_types`: (node type, vCPUs, memory MB, GPUs, local NVMe GB) of the types jobs
# use, with smaller and larger ones of each family, so that a "smaller node type" can be proposed.
NODE_TYPE_SPECS: Final = (
    ("i3.large", 2, 15616, 0, 475),
    ("i3.xlarge", 4, 31232, 0, 950),
    ("i3.2xlarge", 8, 62464, 0, 1900),
    ("i3.4xlarge", 16, 124928, 0, 3800),
    ("m5d.large", 2, 8192, 0, 75),
    ("m5d.xlarge", 4, 16384, 0, 150),
    ("m5d.2xlarge", 8, 32768, 0, 300),
    ("m5d.4xlarge", 16, 65536, 0, 600),
    ("r5d.large", 2, 16384, 0, 75),
    ("r5d.xlarge", 4, 32768, 0, 150),
    ("r5d.2xlarge", 8, 65536, 0, 300),
    ("r5d.4xlarge", 16, 131072, 0, 600),
    ("r5d.8xlarge", 32, 262144, 0, 1200),
    ("c5d.xlarge", 4, 8192, 0, 100),
    ("c5d.2xlarge", 8, 16384, 0, 200),
    ("c5d.4xlarge", 16, 32768, 0, 400),
    ("c5d.9xlarge", 36, 73728, 0, 900),
    ("g4dn.xlarge", 4, 16384, 1, 125),
)
# The node type of the all-purpose clusters jobs share (as `system.compute.clusters` lists them).
ALL_PURPOSE_NODE_TYPE: Final = "r5d.4xlarge"
DBR_VERSIONS: Final = (
    "15.4.x-scala2.12",
    "16.4.x-scala2.12",
    "17.3.x-scala2.13",
    "14.3.x-scala2.12",
)


@dataclass(frozen=True)
class Outcome:
    """One way a run ends, in both vocabularies, with its share among failures (`weight`)."""

    key: str
    weight: int
    system_result: str
    system_code: str
    termination_type: str
    api_life_cycle: str
    api_result: str
    api_code: str
    message: str
    # True when the run ends before any task executes (cluster or configuration problems).
    before_tasks: bool = False


def _outcome(
    key: str, weight: int, system: str, api: str, message: str, *, before_tasks: bool = False
) -> Outcome:
    """`system`: "result code termination-type"; `api`: "life-cycle result code" ("-": none)."""
    result, code, kind = system.split()
    life, api_result, api_code = api.split()
    return Outcome(
        key, weight, result, code, kind, life, "" if api_result == "-" else api_result, api_code,
        message, before_tasks,
    )  # fmt: skip


SUCCESS: Final = _outcome(
    "success", 0, "SUCCEEDED SUCCESS SUCCESS", "TERMINATED SUCCESS SUCCESS", ""
)
# The ways a run can end other than success; weights are relative shares among unsuccessful runs.
FAILURES: Final = (
    _outcome(
        "run_execution_error", 52,
        "FAILED RUN_EXECUTION_ERROR CLIENT_ERROR", "TERMINATED FAILED RUN_EXECUTION_ERROR",
        "Task {task} failed with message: Workload failed, see run output for details.",
    ),
    _outcome(
        "driver_error", 7, "FAILED DRIVER_ERROR CLIENT_ERROR", "TERMINATED FAILED DRIVER_ERROR",
        "The Spark driver failed to start within 900 seconds.",
    ),
    _outcome(
        "cluster_error", 5,
        "FAILED CLUSTER_ERROR CLOUD_FAILURE", "INTERNAL_ERROR FAILED CLUSTER_ERROR",
        "Cluster became unreachable during run. Cause: Spark driver lost.", before_tasks=True,
    ),
    _outcome(
        "library_installation_error", 4,
        "FAILED LIBRARY_INSTALLATION_ERROR CLIENT_ERROR",
        "INTERNAL_ERROR FAILED LIBRARY_INSTALLATION_ERROR",
        "Library installation failed due to user error: pip install great-expectations==0.18.99",
        before_tasks=True,
    ),
    _outcome(
        "storage_access_error", 4,
        "FAILED STORAGE_ACCESS_ERROR CLIENT_ERROR", "TERMINATED FAILED STORAGE_ACCESS_ERROR",
        "Failed to access cloud storage: AccessDenied (403) on s3://lake-prod/raw/.",
    ),
    _outcome(
        "unauthorized_error", 3,
        "FAILED UNAUTHORIZED_ERROR CLIENT_ERROR", "INTERNAL_ERROR FAILED UNAUTHORIZED_ERROR",
        "The run-as identity may not use the cluster policy.", before_tasks=True,
    ),
    _outcome(
        "resource_not_found", 3,
        "FAILED RESOURCE_NOT_FOUND CLIENT_ERROR", "INTERNAL_ERROR FAILED RESOURCE_NOT_FOUND",
        "Notebook not found: /Repos/etl/pipelines/main.", before_tasks=True,
    ),
    _outcome(
        "invalid_cluster_request", 2,
        "FAILED INVALID_CLUSTER_REQUEST CLIENT_ERROR",
        "INTERNAL_ERROR FAILED INVALID_CLUSTER_REQUEST",
        "Invalid spark_version 12.0.x-scala2.12.", before_tasks=True,
    ),
    _outcome(
        "cloud_failure", 3,
        "FAILED CLOUD_FAILURE CLOUD_FAILURE", "INTERNAL_ERROR FAILED CLOUD_FAILURE",
        "AWS InsufficientInstanceCapacity: no capacity for i3.2xlarge in us-east-1a.",
        before_tasks=True,
    ),
    _outcome(
        "repository_checkout_failed", 2,
        "FAILED REPOSITORY_CHECKOUT_FAILED CLIENT_ERROR",
        "INTERNAL_ERROR FAILED REPOSITORY_CHECKOUT_FAILED",
        "Failed to check out Git reference 'release/2026.11'.", before_tasks=True,
    ),
    _outcome(
        "invalid_run_configuration", 2,
        "FAILED INVALID_RUN_CONFIGURATION CLIENT_ERROR",
        "INTERNAL_ERROR FAILED INVALID_RUN_CONFIGURATION",
        "Job parameter 'run_date' is not defined.", before_tasks=True,
    ),
    _outcome(
        "cluster_request_limit_exceeded", 2,
        "FAILED CLUSTER_REQUEST_LIMIT_EXCEEDED CLIENT_ERROR",
        "INTERNAL_ERROR FAILED CLUSTER_REQUEST_LIMIT_EXCEEDED",
        "Too many cluster creation requests; the request was rate limited.", before_tasks=True,
    ),
    _outcome(
        "workspace_run_limit_exceeded", 1,
        "SKIPPED WORKSPACE_RUN_LIMIT_EXCEEDED CLIENT_ERROR",
        "SKIPPED - WORKSPACE_RUN_LIMIT_EXCEEDED",
        "The workspace has reached the limit of 2000 concurrent runs.", before_tasks=True,
    ),
    _outcome(
        "max_concurrent_runs_exceeded", 3,
        "SKIPPED MAX_CONCURRENT_RUNS_EXCEEDED CLIENT_ERROR",
        "SKIPPED - MAX_CONCURRENT_RUNS_EXCEEDED",
        "Skipping this run because the limit of 1 maximum concurrent runs has been reached.",
        before_tasks=True,
    ),
    _outcome(
        "max_job_queue_size_exceeded", 1,
        "SKIPPED MAX_JOB_QUEUE_SIZE_EXCEEDED CLIENT_ERROR", "SKIPPED - MAX_JOB_QUEUE_SIZE_EXCEEDED",
        "The job queue is full; the run was not queued.", before_tasks=True,
    ),
    _outcome(
        "feature_disabled", 1,
        "FAILED FEATURE_DISABLED CLIENT_ERROR", "INTERNAL_ERROR FAILED FEATURE_DISABLED",
        "Serverless compute is not enabled for this workspace.", before_tasks=True,
    ),
    _outcome(
        "max_spark_contexts_exceeded", 1,
        "FAILED MAX_SPARK_CONTEXTS_EXCEEDED CLIENT_ERROR",
        "INTERNAL_ERROR FAILED MAX_SPARK_CONTEXTS_EXCEEDED",
        "The cluster has reached the maximum of 150 execution contexts.", before_tasks=True,
    ),
    _outcome(
        "internal_error", 2,
        "ERROR INTERNAL_ERROR INTERNAL_ERROR", "INTERNAL_ERROR FAILED INTERNAL_ERROR",
        "An internal error occurred in the Jobs service. Please retry.",
    ),
    _outcome(
        "timed_out", 4, "TIMED_OUT CANCELLED CLIENT_ERROR", "TERMINATED TIMEDOUT CANCELED",
        "Run timed out after {timeout} seconds.",
    ),
    _outcome(
        "user_canceled", 4, "CANCELLED USER_CANCELED SUCCESS", "TERMINATED CANCELED USER_CANCELED",
        "Run cancelled by {user}.",
    ),
    _outcome(
        "success_with_failures", 2,
        "SUCCEEDED SUCCESS_WITH_FAILURES SUCCESS",
        "TERMINATED SUCCESS_WITH_FAILURES SUCCESS_WITH_FAILURES",
        "Some tasks failed; all leaf tasks succeeded.",
    ),
)  # fmt: skip

# Error text returned by runs/get-output for a failed task, by termination code.
ERROR_TRACES: Final[dict[str, tuple[str, str]]] = {
    "RUN_EXECUTION_ERROR": (
        "AnalysisException: [UNRESOLVED_COLUMN] Column `order_ts` cannot be resolved.",
        "pyspark.errors.exceptions.captured.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] "
        "A column, variable, or function parameter with name `order_ts` cannot be resolved.\n"
        '  File "/Workspace/Repos/etl/pipelines/{task}.py", line 42, in <module>\n'
        '    df.select("order_ts")',
    ),
    "DRIVER_ERROR": (
        "java.lang.OutOfMemoryError: GC overhead limit exceeded",
        "java.lang.OutOfMemoryError: GC overhead limit exceeded\n"
        "\tat java.util.Arrays.copyOf(Arrays.java:3236)",
    ),
    "STORAGE_ACCESS_ERROR": (
        "AccessDeniedException: s3://lake-prod/raw/: Access Denied",
        "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied "
        "(Service: Amazon S3; Status Code: 403)",
    ),
    "INTERNAL_ERROR": (
        "Internal error, please retry.",
        "com.databricks.backend.common.rpc.InternalError",
    ),
    "CANCELED": ("Run timed out.", "Run was cancelled because it exceeded its timeout."),
    "USER_CANCELED": ("Run cancelled.", "Run was cancelled by a user."),
    "SUCCESS_WITH_FAILURES": (
        "ValueError: expectation 'row_count > 0' failed",
        'Traceback (most recent call last):\n  File "checks.py", line 12, in <module>\nValueError: '
        "expectation 'row_count > 0' failed",
    ),
}

# (sku, origin product, is_serverless, list price in USD per DBU before, after the in-window change)
SKUS: Final = (
    ("PREMIUM_JOBS_COMPUTE", "JOBS", False, "0.150", "0.170"),
    ("PREMIUM_JOBS_COMPUTE_(PHOTON)", "JOBS", False, "0.150", "0.170"),
    ("PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA", "JOBS", True, "0.370", "0.370"),
    ("PREMIUM_ALL_PURPOSE_COMPUTE", "ALL_PURPOSE", False, "0.550", "0.550"),
    ("PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST_N_VIRGINIA", "SQL", True, "0.700", "0.700"),
    ("PREMIUM_DLT_CORE_COMPUTE", "DLT", False, "0.200", "0.200"),
    (
        "PREMIUM_SERVERLESS_REAL_TIME_INFERENCE_US_EAST_N_VIRGINIA",
        "MODEL_SERVING",
        True,
        "0.070",
        "0.070",
    ),
    ("PREMIUM_APPS_US_EAST_N_VIRGINIA", "APPS", True, "0.500", "0.500"),
)

# Outcomes only tasks have: they never ran because an upstream task failed or was cancelled.
TASK_ONLY: Final = (
    _outcome("upstream_failed", 0, "SKIPPED SKIPPED SUCCESS", "TERMINATED UPSTREAM_FAILED SKIPPED",
             "Upstream task failed."),
    _outcome("upstream_canceled", 0,
             "SKIPPED SKIPPED SUCCESS",
             "TERMINATED UPSTREAM_CANCELED SKIPPED",
             "Upstream task was cancelled."),
)  # fmt: skip

OUTCOMES: Final = {o.key: o for o in (SUCCESS, *FAILURES, *TASK_ONLY)}
