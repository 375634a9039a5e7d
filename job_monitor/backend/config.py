"""The one entry point for configuration: `Settings`, read from the environment once at start-up."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from job_monitor.backend.domain.identity import Mode
from job_monitor.backend.domain.outputs import DEFAULT_ROW_COUNT_ANOMALY_PERCENT
from job_monitor.backend.domain.utilization import (
    DEFAULT_CPU_PERCENT,
    DEFAULT_MEMORY_PERCENT,
    DEFAULT_MIN_RUNS,
    DEFAULT_MINUTE_SHARE,
    OverProvisioningThresholds,
)


class Visibility(StrEnum):
    """`acl`: a viewer sees only the jobs the Jobs permissions let them view.
    `all`: every app user sees every job."""

    ACL = "acl"
    ALL = "all"


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected: `starttls` (upgrade a plain connection, port 587),
    `tls` (TLS from the start, port 465) or `none` (a relay on a trusted network only)."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


class Settings(BaseSettings):
    """Service settings. `JOB_MONITOR_*` variables, beside the SDK's own `DATABRICKS_*` ones."""

    # `validate_by_name` lets tests and the CLI pass `Settings(host=...)` while the environment
    # keeps the names Databricks Apps uses (`DATABRICKS_HOST`, ...).
    model_config = SettingsConfigDict(
        env_prefix="JOB_MONITOR_",
        extra="ignore",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    mode: Mode = Field(
        default=Mode.LOCAL,
        description="apps or local; apps is chosen automatically when DATABRICKS_APP_NAME is set.",
    )
    app_name: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABRICKS_APP_NAME", "JOB_MONITOR_APP_NAME")
    )
    host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABRICKS_HOST", "JOB_MONITOR_HOST"),
        description="Workspace URL. Unset in local mode: start the local workspace in-process.",
    )
    client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABRICKS_CLIENT_ID", "JOB_MONITOR_CLIENT_ID")
    )
    # In a Databricks job (the bundle's scheduled reports and delivery): authenticate as the
    # identity the run executes as (the SDK's default credentials: the runtime's own), not with a
    # client secret.
    job_identity: bool = False
    client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABRICKS_CLIENT_SECRET", "JOB_MONITOR_CLIENT_SECRET"),
    )
    workspace_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABRICKS_WORKSPACE_ID", "JOB_MONITOR_WORKSPACE_ID"),
    )
    port: int | None = Field(
        default=None, validation_alias=AliasChoices("DATABRICKS_APP_PORT", "JOB_MONITOR_PORT")
    )
    warehouse_id: str = Field(default="local", description="SQL warehouse (app.yaml valueFrom).")
    visibility: Visibility = Visibility.ACL
    # Signs page cursors (keyed HMAC), so a client cannot forge one. In Databricks an App secret
    # resource (`valueFrom: cursor-secret`, the same for every replica); unset, a random key is made
    # at start (cursors then last as long as the process).
    cursor_secret: SecretStr | None = None
    # A run the viewer may not see and a missing one are both "not found" no sooner than this, so
    # the time an answer takes does not tell them apart.
    not_found_seconds: float = Field(default=0.25, ge=0, le=5)

    # Who a request without a token is, in local mode only (the stand-in's default user).
    local_user_token: SecretStr = SecretStr("local-alice")

    # Bounded SDK timeouts: a slow or unreachable workspace must never hang start-up or a request.
    http_timeout_seconds: int = Field(default=10, ge=1, le=300)
    retry_timeout_seconds: int = Field(default=15, ge=1, le=600)
    # A client that could not be built (workspace down at start-up) is retried at most this often.
    client_retry_seconds: float = Field(default=5.0, ge=0, le=300)
    health_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Slower than this and a dependency counts as DEGRADED.
    health_slow_ms: float = Field(default=2000.0, gt=0)
    # Concurrent `health` queries share one round of checks; its result is reused this long.
    health_cache_seconds: float = Field(default=2.0, ge=0, le=300)

    # Confirming who the viewer is (SCIM Me) gives up after this; the request then says so.
    identity_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    identity_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    identity_cache_size: int = Field(default=10_000, ge=1)
    sdk_concurrency: int = Field(default=16, ge=1, le=256)

    # GraphQL limits.
    graphiql: bool = True
    max_query_depth: int = Field(default=12, ge=2, le=50)
    max_aliases: int = Field(default=30, ge=1, le=1000)
    max_tokens: int = Field(default=4000, ge=100, le=100_000)
    # Fields a document selects once its fragments are expanded (each spread counts again).
    max_fields: int = Field(default=2000, ge=10, le=1_000_000)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    # Upstream work one request may cause: Jobs API calls (a run's message or attempt outside the
    # active runs, a failed task's error text: one each) and SQL statements (cache loads it starts).
    max_jobs_api_calls: int = Field(default=100, ge=1, le=10_000)
    max_statements: int = Field(default=30, ge=1, le=1000)
    max_body_bytes: int = Field(default=100_000, ge=1000)
    # The job tag that names a job's team: `Job.team`, the team filter and costs by TEAM.
    team_tag: str = Field(default="team", min_length=1, max_length=255)

    # The Unity Catalog schema (`catalog.schema`) holding the app's own state: budgets, alert
    # acknowledgements, deliveries sent. The bundle creates it and grants it to the app's service
    # principal alone; the service creates and migrates its tables at start-up.
    state_schema: str = Field(
        default="main.job_monitor",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,254}\.[A-Za-z_][A-Za-z0-9_]{0,254}$",
    )

    # Over-provisioned jobs: worker CPU busy and memory used both under these percentages for more
    # than this share of the worker run-minutes, over at least this many runs with node data.
    overprovisioned_cpu_percent: float = Field(default=DEFAULT_CPU_PERCENT, gt=0, le=100)
    overprovisioned_memory_percent: float = Field(default=DEFAULT_MEMORY_PERCENT, gt=0, le=100)
    overprovisioned_minute_share: float = Field(default=DEFAULT_MINUTE_SHARE, ge=0, lt=1)
    overprovisioned_min_runs: int = Field(default=DEFAULT_MIN_RUNS, ge=1, le=1000)

    # What jobs write: a write further than this percentage from the median of the job's previous
    # writes to the table is a row-count anomaly; one request reads the Delta history of at most
    # this many tables (the tables of the jobs it asks about, targets first).
    row_count_anomaly_percent: float = Field(
        default=DEFAULT_ROW_COUNT_ANOMALY_PERCENT, gt=0, le=1000
    )
    outputs_max_tables: int = Field(default=20, ge=1, le=200)

    log_level: str = "INFO"
    # The built SPA; None means the copy inside the package (`job_monitor/backend/static`).
    static_dir: Path | None = None

    # The local workspace started in-process in local mode when no host is given.
    local_seed: int = 7
    local_jobs: int = 300
    local_days: int = 90

    # --- Delivery: where `job-monitor report` sends reports ------------------------------------
    # E-mail over SMTP. In Databricks the password comes from an App secret resource (valueFrom);
    # it is a SecretStr, so it never shows in a repr, a log line or an error.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str | None = None
    # Comma-separated in the environment: `a@example.com,b@example.com`.
    mail_to: Annotated[tuple[str, ...], NoDecode] = ()
    # A Slack-compatible incoming webhook; its URL is the credential, so it is a secret too.
    slack_webhook_url: SecretStr | None = None
    # Where `--to file` writes when `--out` is not given (else ./reports).
    report_dir: Path | None = None
    # Each channel is tried this often, waiting about `delivery_backoff_seconds` x 2^n between.
    delivery_attempts: int = Field(default=4, ge=1, le=10)
    delivery_backoff_seconds: float = Field(default=1.0, ge=0, le=60)

    @property
    def overprovisioning(self) -> OverProvisioningThresholds:
        return OverProvisioningThresholds(
            cpu_percent=self.overprovisioned_cpu_percent,
            memory_percent=self.overprovisioned_memory_percent,
            minute_share=self.overprovisioned_minute_share,
            min_runs=self.overprovisioned_min_runs,
        )

    @field_validator("mail_to", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(address.strip() for address in value.split(",") if address.strip())
        return value

    @model_validator(mode="after")
    def _derive_mode(self) -> Settings:
        if self.app_name and self.mode is Mode.LOCAL and "mode" not in self.model_fields_set:
            object.__setattr__(self, "mode", Mode.APPS)
        return self
