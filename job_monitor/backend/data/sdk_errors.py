"""The one mapper from databricks-sdk (and transport) exceptions to Job Monitor's error types.

Every SDK call of the data layer runs inside `upstream_errors(service)`. What the SDK raises after
its own retries becomes `UpstreamUnavailableError` (throttled, failing or timed out) or, where the
caller names what it asked for, `NotFoundError`; anything else is a bug and propagates (masked).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import BadRequest, PermissionDenied, TooManyRequests
from databricks.sdk.errors.platform import NotFound as SdkNotFound

from job_monitor.backend.domain.errors import (
    JobMonitorError,
    Upstream,
    UpstreamProblem,
    UpstreamUnavailableError,
)


def describe_failure(exc: BaseException) -> str:
    """A short, token-free reason for logs and health messages (SDK messages are multi-line)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


@contextmanager
def upstream_errors(service: Upstream, missing: JobMonitorError | None = None) -> Iterator[None]:
    """Map what the SDK raises inside the block; `missing` is what a 404/403 means to the caller
    (a job the service principal may not see is, for every viewer, a job that does not exist)."""

    def unavailable(problem: UpstreamProblem, error: BaseException) -> UpstreamUnavailableError:
        return UpstreamUnavailableError(service, problem, describe_failure(error))

    try:
        yield
    except TimeoutError as err:
        # After retry_timeout_seconds of 429/503/timeouts the SDK raises a builtin TimeoutError
        # whose cause is the last failure; an `asyncio.timeout` deadline has no cause.
        cause = err.__cause__
        if isinstance(cause, TooManyRequests):
            raise unavailable(UpstreamProblem.THROTTLED, cause) from err
        if isinstance(cause, DatabricksError) or (
            isinstance(cause, requests.ConnectionError) and not isinstance(cause, requests.Timeout)
        ):
            raise unavailable(UpstreamProblem.FAILING, cause) from err
        raise unavailable(UpstreamProblem.TIMEOUT, err) from err
    except requests.Timeout as err:
        raise unavailable(UpstreamProblem.TIMEOUT, err) from err
    except requests.ConnectionError as err:
        raise unavailable(UpstreamProblem.FAILING, err) from err
    except (SdkNotFound, PermissionDenied) as err:
        if missing is None:
            raise unavailable(UpstreamProblem.FAILING, err) from err
        raise missing from err
    except BadRequest as err:
        if missing is not None and "does not exist" in str(err):
            raise missing from err
        raise unavailable(UpstreamProblem.FAILING, err) from err
    except TooManyRequests as err:
        raise unavailable(UpstreamProblem.THROTTLED, err) from err
    except DatabricksError as err:
        # 5xx, 501, a 401 of the app's own principal, unparseable answers (a proxy's HTML 502 …):
        # the workspace cannot serve this now, whatever the class.
        raise unavailable(UpstreamProblem.FAILING, err) from err
