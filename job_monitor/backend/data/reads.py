"""What one answer was computed from, so that the answer can be reused while that is unchanged.

While a `ReadLog` is current (one per GraphQL request), every cached value an answer reads records
how to tell it is still the same (`record_read`), and every read that no cache stands behind (a
Jobs API call, a stale value served while it refreshes, a health check) makes the answer
`untracked`: it may not be reused. Loads that fill a cache run with no log, so the cache entry they
produce, not the calls they make, is what the answer depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class ReadLog:
    """The reads of one answer: each a check that the value read is still current."""

    checks: list[Callable[[], bool]] = field(default_factory=list)
    untracked: bool = False

    def still_current(self) -> bool:
        return not self.untracked and all(check() for check in self.checks)


_current: ContextVar[ReadLog | None] = ContextVar("job_monitor_read_log", default=None)


@contextmanager
def reading() -> Iterator[ReadLog]:
    """Records the reads made inside the block (and in tasks it starts) in a new log."""
    log = ReadLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def record_read(still_current: Callable[[], bool]) -> None:
    log = _current.get()
    if log is not None:
        log.checks.append(still_current)


def record_untracked() -> None:
    log = _current.get()
    if log is not None:
        log.untracked = True


def without_log() -> None:
    """Called first in a load that fills a cache: its own reads are not the answer's."""
    _current.set(None)
