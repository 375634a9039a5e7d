"""Every expected failure of Job Monitor, in one place.

Each is raised by the layer that meets it (a filter, the warehouse, the Jobs API, a session) and
becomes exactly one typed GraphQL result (`graphql/errors.py` maps them by class). `message` is
ours and safe to show: upstream text never reaches it (it goes to `detail`, for logs only). The
GraphQL types keep the API's names (`NotFound`, `InvalidFilter` …); these classes end in `Error`, so
no Python name repeats across the layers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal


class UpstreamProblem(StrEnum):
    """Why Databricks could not answer."""

    THROTTLED = "THROTTLED"
    FAILING = "FAILING"
    TIMEOUT = "TIMEOUT"


class Upstream(StrEnum):
    """Which Databricks service did not answer, in the words shown to people."""

    WORKSPACE = "workspace"
    JOBS_API = "Jobs API"
    SQL_WAREHOUSE = "SQL warehouse"


class JobMonitorError(Exception):
    """An expected failure: `message` for people, `code` (UPPER_SNAKE) for programs."""

    code: ClassVar[str] = "ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnauthenticatedError(JobMonitorError):
    """No viewer: no token reached the service, or the workspace did not accept it."""

    code = "UNAUTHENTICATED"

    def __init__(self) -> None:
        super().__init__("Sign-in required: no valid user token reached the service.")


class NotFoundError(JobMonitorError):
    """No such job, run, alert or team — or one the viewer may not see: both read exactly the
    same."""

    code = "NOT_FOUND"

    def __init__(
        self, kind: Literal["job", "run", "task run", "alert", "team"], object_id: int | str
    ) -> None:
        noun = "team named" if kind == "team" else f"{kind} with id"
        super().__init__(f"No {noun} {object_id}.")
        self.kind = kind
        self.object_id = object_id


class InvalidFilterError(JobMonitorError, ValueError):
    """A filter, pattern, cursor or argument the API cannot accept.

    `field` is the input field in the API's spelling (`namePattern`, `jobIds`, `after` …); the
    message starts with it and says what is allowed.
    """

    code = "INVALID_FILTER"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class LimitExceededError(JobMonitorError):
    """A request asks for more than the service answers at once (page sizes, nested lists)."""

    code = "LIMIT_EXCEEDED"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class PermissionDeniedError(JobMonitorError):
    """A change the viewer, or the app's own service principal, may not make.

    `principal` says whose permission is missing (`VIEWER` or `APP`); `required` the levels that
    would allow it; `grant` what a job manager should grant, when granting is the remedy.
    """

    code = "PERMISSION_DENIED"

    def __init__(
        self,
        message: str,
        *,
        principal: Literal["VIEWER", "APP"],
        required: tuple[str, ...],
        grant: str | None = None,
    ) -> None:
        super().__init__(message)
        self.principal = principal
        self.required = required
        self.grant = grant


class BundleManagedJobError(JobMonitorError):
    """The job is deployed by a Databricks Asset Bundle: its next deploy resets every setting, so a
    value written here would silently disappear; it belongs in the bundle's source."""

    code = "BUNDLE_MANAGED_JOB"

    def __init__(self, job_id: int, metadata_file_path: str | None) -> None:
        super().__init__(
            f"Job {job_id} is deployed by a Databricks Asset Bundle, whose next deploy would reset "
            "a target set here: set `health.rules` (metric RUN_DURATION_SECONDS) in the job's "
            "bundle configuration and deploy it."
        )
        self.job_id = job_id
        self.metadata_file_path = metadata_file_path


class WarehouseUnavailableError(JobMonitorError):
    """The SQL warehouse is stopped or still starting (a cold start): history is warming up."""

    code = "WAREHOUSE_UNAVAILABLE"

    def __init__(self, state: str) -> None:
        if state == "NOT_FOUND":
            message = (
                "The SQL warehouse the app is configured with does not exist, or the app may not "
                "use it: ask a workspace admin to check its sql-warehouse resource."
            )
        else:
            message = f"The SQL warehouse is {state.lower()}; try again shortly."
        super().__init__(message)
        self.state = state


class WarehouseQueryFailedError(JobMonitorError):
    """A statement reached FAILED on the warehouse (a SQL error, a grant the app lacks …).

    The message names the query and the warehouse's error code only; the warehouse's own text (it
    may quote SQL or parameter values) stays in `detail`, for the log.
    """

    code = "WAREHOUSE_QUERY_FAILED"

    def __init__(self, query: str, error_code: str, detail: str) -> None:
        super().__init__(f"The SQL warehouse could not run the query {query} ({error_code}).")
        self.query = query
        self.error_code = error_code
        self.detail = detail


_UPSTREAM_MESSAGES = {
    UpstreamProblem.THROTTLED: "Databricks is rate-limiting the {service}; try again shortly.",
    UpstreamProblem.FAILING: "The Databricks {service} is failing; try again shortly.",
    UpstreamProblem.TIMEOUT: "The Databricks {service} did not answer in time; try again shortly.",
}


class UpstreamUnavailableError(JobMonitorError):
    """Databricks throttled, failed or did not answer, after the SDK's own retries.

    `detail` says what happened, for the log only (never a token, never to a client); the message
    is one of three sentences of ours. `upstream_status` is the HTTP status Databricks answered
    (401 for a service principal secret the workspace refuses, 503 …); None when no answer came (a
    timeout, a workspace that cannot be reached).
    """

    code = "UPSTREAM_UNAVAILABLE"

    def __init__(
        self,
        service: Upstream,
        problem: UpstreamProblem,
        detail: str = "",
        *,
        upstream_status: int | None = None,
    ) -> None:
        super().__init__(_UPSTREAM_MESSAGES[problem].format(service=service.value))
        self.service = service
        self.problem = problem
        self.detail = detail
        self.upstream_status = upstream_status


class StatementTimeoutError(UpstreamUnavailableError):
    """A statement gave no result before its deadline; it was cancelled."""

    def __init__(self, query: str, seconds: float, statement_id: str) -> None:
        super().__init__(
            Upstream.SQL_WAREHOUSE,
            UpstreamProblem.TIMEOUT,
            f"query {query} did not finish within {seconds:g} s (statement {statement_id})",
        )
        self.query = query
        self.seconds = seconds
        self.statement_id = statement_id


class StateWriteFailedError(JobMonitorError):
    """The app's own state (budgets, acknowledgements, deliveries) could not be written: nothing of
    the change was kept, and trying again is safe.

    `reason` is one of: CONFLICT (other writers kept winning, after retries), PERMISSION (the app's
    service principal lacks MODIFY on its state schema), FAILED (the warehouse failed the write),
    UNAVAILABLE (no answer). The warehouse's own text stays in `detail`, for the log.
    """

    code = "STATE_WRITE_FAILED"

    _MESSAGES: ClassVar[dict[str, str]] = {
        "CONFLICT": "Other changes to the same {what} kept arriving at the same moment",
        "PERMISSION": "The app's service principal may not write its state schema {schema} (it "
        "needs MODIFY there; the bundle grants it)",
        "FAILED": "The SQL warehouse failed the write",
        "UNAVAILABLE": "The SQL warehouse did not answer the write",
    }

    def __init__(self, what: str, reason: str, schema: str, detail: str = "") -> None:
        sentence = self._MESSAGES[reason].format(what=what, schema=schema)
        super().__init__(f"The {what} was not saved: {sentence}. Nothing was changed; try again.")
        self.what = what
        self.reason = reason
        self.detail = detail


class MissingUserTokenError(Exception):
    """A user-scoped call was made outside a request that carries a user token (a bug)."""
