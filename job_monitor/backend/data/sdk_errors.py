"""The one mapper from databricks-sdk (and transport) exceptions to Job Monitor's error types.

Every SDK call of the data layer runs inside `upstream_errors(service)`. What the SDK raises after
its own retries becomes `UpstreamUnavailableError` (throttled, failing or timed out, with the HTTP
status the workspace answered) or, where the caller names what it asked for, the caller's
`missing` error; anything else is a bug and propagates (masked).

The service principal's own sign-in failing (a wrong secret, the token endpoint down) surfaces
inside whichever call needed the token: it is the workspace failing, whatever that call was for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import (
    STATUS_CODE_MAPPING,
    BadRequest,
    PermissionDenied,
)
from databricks.sdk.errors.platform import NotFound as SdkNotFound

from job_monitor.backend.domain.errors import (
    JobMonitorError,
    Upstream,
    UpstreamProblem,
    UpstreamUnavailableError,
)


class TokenRequestError(requests.HTTPError):
    """The workspace's OAuth token endpoint refused the service principal (`response` is its
    answer, so its status is known; the SDK's own flow raises a bare ValueError of its text)."""


def describe_failure(exc: BaseException) -> str:
    """A short, token-free reason for logs (SDK messages are multi-line). Never sent to clients."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what caused it, outermost first (the SDK's TimeoutError wraps its last failure)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def upstream_status(exc: BaseException) -> int | None:
    """The HTTP status Databricks answered with, as far as `exc` tells; None when no answer came
    (a timeout, a connection refused) or it cannot be known."""
    for link in _chain(exc):
        if isinstance(link, requests.HTTPError):
            return link.response.status_code if link.response is not None else None
        if isinstance(link, DatabricksError):
            # The SDK picks the class by error code, then by status: the class says the status.
            for status, error_class in STATUS_CODE_MAPPING.items():
                if isinstance(link, error_class):
                    return status
            return None
        if isinstance(link, requests.RequestException):
            return None
    return None


def could_not_connect(exc: BaseException) -> bool:
    """Whether the workspace could not be reached at all (refused, reset, no route, DNS)."""
    return any(
        isinstance(link, requests.ConnectionError) and not isinstance(link, requests.Timeout)
        for link in _chain(exc)
    )


def sign_in_failed(exc: BaseException) -> bool:
    """Whether the service principal's OAuth token call was refused (a wrong secret, the token
    endpoint failing)."""
    return any(isinstance(link, TokenRequestError) for link in _chain(exc))


def _problem(exc: BaseException, status: int | None) -> UpstreamProblem:
    if status == 429:
        return UpstreamProblem.THROTTLED
    for link in _chain(exc):
        if isinstance(link, requests.Timeout):
            return UpstreamProblem.TIMEOUT
        if isinstance(link, DatabricksError | requests.RequestException):
            return UpstreamProblem.FAILING
    # A deadline with nothing behind it (the SDK's retry budget, an `asyncio.timeout`) is a
    # timeout; anything else that kept the answer away (a client that cannot be built) a failure.
    return UpstreamProblem.TIMEOUT if isinstance(exc, TimeoutError) else UpstreamProblem.FAILING


def unavailable(
    service: Upstream, exc: BaseException, context: str = ""
) -> UpstreamUnavailableError:
    """`exc` (any failure to get an answer from Databricks) as `UpstreamUnavailableError`: the
    problem and the upstream status from the exception, its text in `detail` (for the log)."""
    status = upstream_status(exc)
    if sign_in_failed(exc):
        service = Upstream.WORKSPACE
    detail = describe_failure(exc)
    return UpstreamUnavailableError(
        service,
        _problem(exc, status),
        f"{context}: {detail}" if context else detail,
        upstream_status=status,
    )


@contextmanager
def upstream_errors(service: Upstream, missing: JobMonitorError | None = None) -> Iterator[None]:
    """Map what the SDK raises inside the block; `missing` is what a 404/403 means to the caller
    (a job the service principal may not see is, for every viewer, a job that does not exist)."""
    try:
        yield
    except TokenRequestError as err:
        raise unavailable(Upstream.WORKSPACE, err) from err
    except TimeoutError as err:
        # After retry_timeout_seconds of 429/503/timeouts the SDK raises a builtin TimeoutError
        # whose cause is the last failure; an `asyncio.timeout` deadline has no cause.
        raise unavailable(service, err) from err
    except requests.RequestException as err:
        # Timeouts, connections refused or reset, an HTTP error outside the SDK's parser.
        raise unavailable(service, err) from err
    except (SdkNotFound, PermissionDenied) as err:
        if missing is None:
            raise unavailable(service, err) from err
        raise missing from err
    except BadRequest as err:
        if missing is not None and "does not exist" in str(err):
            raise missing from err
        raise unavailable(service, err) from err
    except DatabricksError as err:
        # 429, 5xx, 501, a 401 of the app's own principal, unparseable answers (a proxy's HTML
        # 502 …): the workspace cannot serve this now, whatever the class.
        raise unavailable(service, err) from err
