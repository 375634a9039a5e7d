"""What one request may spend upstream: Jobs API calls and SQL statements.

A request's `RequestBudget` is current while it executes; a Jobs API call made for it, or a cache
load it starts (a statement, or a shared listing), spends from it first. Past the budget the spend
raises `LimitExceededError`, a typed answer, instead of letting one document make hundreds of calls.
A load another request already started costs nothing more, and the work inside a cache load is
charged once, when the load starts, so one request's budget never fails a load others wait for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from job_monitor.backend.data.reads import record_untracked
from job_monitor.backend.domain.errors import LimitExceededError


@dataclass
class RequestBudget:
    jobs_api_calls: int
    statements: int
    spent_jobs_api_calls: int = 0
    spent_statements: int = 0


_current: ContextVar[RequestBudget | None] = ContextVar("job_monitor_request_budget", default=None)


@contextmanager
def budget(jobs_api_calls: int, statements: int) -> Iterator[RequestBudget]:
    """The budget of the work done inside the block (and in tasks it starts)."""
    current = RequestBudget(jobs_api_calls, statements)
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def spend_jobs_api_call() -> None:
    current = _current.get()
    if current is None:
        return
    current.spent_jobs_api_calls += 1
    if current.spent_jobs_api_calls > current.jobs_api_calls:
        record_untracked()
        raise LimitExceededError(
            "jobsApiCalls",
            f"this request needs more than {current.jobs_api_calls} Jobs API calls (each run's "
            "message or attempt outside the active runs, each failed task's error text costs "
            "one); ask for fewer runs at once",
        )


def spend_statements(count: int) -> None:
    current = _current.get()
    if current is None:
        return
    current.spent_statements += count
    if current.spent_statements > current.statements:
        record_untracked()
        raise LimitExceededError(
            "statements",
            f"this request needs more than {current.statements} SQL statements; ask for fewer "
            "windows or lists at once",
        )


def spent_in_a_load() -> None:
    """Called first in shared work (a cache load, the ACL index's refresh): what it calls is paid
    for when a request starts it, or by no request at all."""
    _current.set(None)
