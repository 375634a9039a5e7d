"""A TTL cache with single-flight per key, for warehouse results.

Warehouse statements cost hundreds of milliseconds to seconds, so identical ones within the TTL are
answered from memory, and concurrent identical ones share a single statement. Keys are
(principal scope, query name, normalised parameters): results are those of the principal that ran
the SQL (the service principal by default), never of a viewer, and visibility is applied in memory
on the cached results by the callers.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar, cast

from job_monitor.backend.data.warehouse import QueryParams, parameter_key

T = TypeVar("T")

CacheKey = tuple[str, str, tuple[tuple[str, tuple[str, str | None]], ...]]


def query_key(scope: str, name: str, params: QueryParams) -> CacheKey:
    """The key of a query's result: principal scope, name and each parameter's SQL type and text."""
    return (scope, name, tuple((key, parameter_key(params[key])) for key in sorted(params)))


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    # Callers that found the same key already loading and waited for it instead of loading again.
    joined: int = 0


@dataclass
class _Entry:
    value: object
    expires: float


class TtlCache:
    """Bounded LRU with a time to live and single-flight loads.

    Values of any type share one bound; a key determines the type of its value (the key carries the
    query or repository function name), which is what makes `get_or_load`'s cast safe.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds < 0 or max_entries < 1:
            raise ValueError("ttl_seconds must be >= 0 and max_entries >= 1")
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._loading: dict[Hashable, asyncio.Task[object]] = {}
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    async def get_or_load(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        entry = self._entries.get(key)
        if entry is not None:
            if entry.expires > self._clock():
                self._entries.move_to_end(key)
                self.stats.hits += 1
                return cast(T, entry.value)
            del self._entries[key]
        task = self._loading.get(key)
        if task is None:
            self.stats.misses += 1
            # The load runs in its own task so that one waiter giving up (a client disconnect, a
            # deadline) does not cancel it for the others.
            task = asyncio.create_task(self._load(key, load))
            # Marks the failure as seen even when every waiter has gone.
            task.add_done_callback(_retrieve_exception)
            self._loading[key] = task
        else:
            self.stats.joined += 1
        return cast(T, await asyncio.shield(task))

    async def _load(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        try:
            value = await load()
        finally:
            self._loading.pop(key, None)
        # Failures are not cached: the next caller tries again (a warming warehouse recovers).
        if self._ttl > 0:
            self._entries[key] = _Entry(value, self._clock() + self._ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value


def _retrieve_exception(task: asyncio.Task[object]) -> None:
    if not task.cancelled():
        task.exception()
