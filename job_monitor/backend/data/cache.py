"""Single-flight loads and a TTL cache that serves stale values while it refreshes.

Warehouse statements cost hundreds of milliseconds to seconds, so identical ones within the TTL are
answered from memory, and concurrent identical ones share a single statement. Once an entry is
older than its TTL but younger than `stale_seconds`, the cache answers with it at once and refreshes
it behind the answer (stale-while-revalidate): only a truly cold (or too old) entry makes a caller
wait. History windows end "now", floored to the minute, so a new minute is a new key: a key may name
its `family` (the same query without the parameters that roll with the clock), and a new key whose
family holds a value young enough is answered with that value while the new one loads.

Keys are (principal scope, query name, normalised parameters): results are those of the principal
that ran the SQL (the service principal by default), never of a viewer, and visibility is applied in
memory on the cached results by the callers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from job_monitor.backend.data.budget import spent_in_a_load
from job_monitor.backend.data.reads import record_read, record_untracked, without_log

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

log = logging.getLogger(__name__)


class SingleFlight(Generic[K, T]):
    """At most one load per key at a time; every caller of that key shares it.

    The load runs in a task of its own, so a caller that gives up (a client disconnect, a deadline)
    does not cancel it for the others, and its outcome is marked as seen even when nobody waits.
    It is shared work: no request's read log or budget follows it into its task, and a caller
    that sees it fail may not reuse the answer it gives meanwhile.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._running: dict[K, asyncio.Task[T]] = {}

    def running(self, key: K) -> bool:
        return key in self._running

    def current(self, key: K) -> asyncio.Task[T] | None:
        """The load in flight for `key`, if any."""
        return self._running.get(key)

    async def cancel(self) -> None:
        """Stop every load in flight (at shutdown) and wait until they have stopped."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def start(self, key: K, load: Callable[[], Awaitable[T]]) -> tuple[asyncio.Task[T], bool]:
        """The load in flight for `key`, started now if none is; and whether it was started now."""
        task = self._running.get(key)
        if task is not None:
            return task, False
        task = asyncio.create_task(self._run(key, load))
        task.add_done_callback(self._seen)
        self._running[key] = task
        return task, True

    async def run(self, key: K, load: Callable[[], Awaitable[T]]) -> T:
        task, _ = self.start(key, load)
        try:
            return await asyncio.shield(task)
        except Exception:
            # The answer given now (a typed failure) is not one to reuse once the load recovers.
            record_untracked()
            raise

    async def _run(self, key: K, load: Callable[[], Awaitable[T]]) -> T:
        without_log()
        spent_in_a_load()
        try:
            return await load()
        finally:
            self._running.pop(key, None)

    def _seen(self, task: asyncio.Task[T]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            # A waiter, if any, gets the error itself; this line is for loads nobody waited for.
            log.debug("%s load failed: %s", self._name, type(error).__name__)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    # Callers that found the same key already loading and waited for it instead of loading again.
    joined: int = 0
    # Answers from an entry past its TTL while a refresh ran behind them.
    stale: int = 0


@dataclass
class _Entry:
    value: object
    loaded_at: float
    family: Hashable | None


class TtlCache:
    """Bounded LRU with a time to live, stale-while-revalidate and single-flight loads.

    Values of any type share one bound; a key determines the type of its value (the key carries the
    query or repository function name), which is what makes `get_or_load`'s cast safe. Failures are
    not cached: the next caller tries again (a warming warehouse recovers); a failed refresh leaves
    the stale entry in place until it is too old.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
        *,
        stale_seconds: float | None = None,
    ) -> None:
        """`stale_seconds` (default: the TTL, i.e. no stale answers) bounds how old an answer may
        be while its refresh runs."""
        stale = ttl_seconds if stale_seconds is None else stale_seconds
        if ttl_seconds < 0 or max_entries < 1 or stale < ttl_seconds:
            raise ValueError("need ttl_seconds >= 0, max_entries >= 1, stale_seconds >= ttl")
        self._ttl = ttl_seconds
        self._stale = stale
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        # The newest key of each family (an entry may since have been evicted).
        self._latest: dict[Hashable, Hashable] = {}
        self._loads = SingleFlight[Hashable, object]("cache")
        # Bumped by `clear`: a load that started before it neither fills the cache nor serves a
        # caller who came after it (a write's own read must not see the value it replaced).
        self._generation = 0
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._latest.clear()
        self._generation += 1

    async def get_or_load(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        *,
        family: Hashable | None = None,
        charge: Callable[[], None] | None = None,
    ) -> T:
        """The value of `key`, fresh, stale while it refreshes, or loaded now. `charge` is called
        in the caller's context before a load the caller starts (a request's budget); a load
        refreshing a stale value behind the answer is not charged to anyone."""
        entry = self._entries.get(key)
        now = self._clock()
        if entry is not None:
            age = now - entry.loaded_at
            if age < self._ttl:
                self._entries.move_to_end(key)
                self.stats.hits += 1
                self._record(key, entry)
                return cast(T, entry.value)
            if age < self._stale:
                return self._stale_answer(key, entry, load, family)
            del self._entries[key]
        elif family is not None and (latest := self._latest.get(family)) is not None:
            sibling = self._entries.get(latest)
            if sibling is not None and now - sibling.loaded_at < self._stale:
                return self._stale_answer(key, sibling, load, family)
        flight = (self._generation, key)
        joined = self._loads.running(flight)
        if joined:
            self.stats.joined += 1
        else:
            self.stats.misses += 1
            if charge is not None:
                charge()
        generation = self._generation
        value = await self._loads.run(flight, lambda: self._load(key, load, family, generation))
        loaded = self._entries.get(key)
        if loaded is not None and loaded.value is value:
            self._record(key, loaded)
        else:
            record_untracked()
        return cast(T, value)

    def _record(self, key: Hashable, entry: _Entry) -> None:
        """The answer being computed read `entry`: it stays valid while the entry does."""
        record_read(
            lambda: self._entries.get(key) is entry and self._clock() - entry.loaded_at < self._ttl
        )

    def _stale_answer(
        self,
        key: Hashable,
        entry: _Entry,
        load: Callable[[], Awaitable[T]],
        family: Hashable | None,
    ) -> T:
        self.stats.stale += 1
        # An answer from a value being replaced is not worth keeping.
        record_untracked()
        generation = self._generation
        self._loads.start((generation, key), lambda: self._load(key, load, family, generation))
        return cast(T, entry.value)

    async def _load(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        family: Hashable | None,
        generation: int,
    ) -> T:
        value = await load()
        if self._ttl > 0 and generation == self._generation:
            self._entries[key] = _Entry(value, self._clock(), family)
            self._entries.move_to_end(key)
            if family is not None:
                self._latest[family] = key
            while len(self._entries) > self._max_entries:
                _, evicted = self._entries.popitem(last=False)
                if evicted.family is not None and self._latest.get(evicted.family) not in self:
                    self._latest.pop(evicted.family, None)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._entries
