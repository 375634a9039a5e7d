"""The one way to run a blocking databricks-sdk call from async code.

The SDK is synchronous; Strawberry does not move resolvers to threads, so every call goes through
`call_sdk`: a worker thread (anyio copies the caller's contextvars into it, which is how the request
id and the user's token reach the shared clients' credentials strategies) under a capacity limit
that bounds both threads and concurrent calls against the workspace's rate limits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from job_monitor.backend.data.reads import record_untracked

T = TypeVar("T")

_DEFAULT_CONCURRENCY = 16
_limiter = CapacityLimiter(_DEFAULT_CONCURRENCY)


def set_sdk_concurrency(total: int) -> None:
    """Resize the limit (from `Settings.sdk_concurrency`, in the lifespan)."""
    _limiter.total_tokens = total


async def call_sdk(fn: Callable[[], T]) -> T:
    """Run `fn` in a worker thread with the current contextvars.

    A caller that is cancelled (a deadline passed) stops waiting at once; the thread finishes on
    its own, bounded by the SDK's own timeouts, and gives its slot back when the caller leaves.
    """
    # A call to the workspace that no cache stands behind: the answer cannot be reused as it is.
    record_untracked()
    return await anyio.to_thread.run_sync(fn, limiter=_limiter, abandon_on_cancel=True)
