"""The TTL cache: single-flight, expiry, bound, failures and cancellation (no I/O)."""

from __future__ import annotations

import asyncio

import pytest

from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.warehouse import NULL_STRING, query_key


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """Counts loads; each waits on `release` so that concurrent callers overlap."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self) -> str:
        self.calls += 1
        await self.release.wait()
        return f"value {self.calls}"


async def test_concurrent_identical_calls_share_one_load() -> None:
    # given a cache and a slow load
    cache, load = TtlCache(ttl_seconds=60), Loader()
    # when ten callers ask for the same key at once
    callers = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(10)]
    await asyncio.sleep(0)
    load.release.set()
    values = await asyncio.gather(*callers)
    # then one load ran and all got its value
    assert load.calls == 1
    assert set(values) == {"value 1"}
    assert cache.stats.misses == 1
    assert cache.stats.joined == 9


async def test_values_expire_after_the_ttl() -> None:
    clock, load = Clock(), Loader()
    load.release.set()
    cache = TtlCache(ttl_seconds=10, clock=clock)
    assert await cache.get_or_load("k", load) == "value 1"
    clock.now = 9.9
    assert await cache.get_or_load("k", load) == "value 1"
    clock.now = 10.0
    assert await cache.get_or_load("k", load) == "value 2"
    assert cache.stats.hits == 1


async def test_the_least_recently_used_entry_is_dropped_beyond_the_bound() -> None:
    cache = TtlCache(ttl_seconds=60, max_entries=2)

    async def value(v: str) -> str:
        return v

    await cache.get_or_load("a", lambda: value("a"))
    await cache.get_or_load("b", lambda: value("b"))
    await cache.get_or_load("a", lambda: value("a2"))  # a is now the most recent
    await cache.get_or_load("c", lambda: value("c"))
    assert len(cache) == 2
    assert await cache.get_or_load("a", lambda: value("a3")) == "a"
    assert await cache.get_or_load("b", lambda: value("b2")) == "b2"


async def test_failures_are_shared_but_not_cached() -> None:
    cache = TtlCache(ttl_seconds=60)
    attempts = 0

    async def failing() -> str:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.01)
        raise RuntimeError("warehouse down")

    results = await asyncio.gather(
        cache.get_or_load("k", failing), cache.get_or_load("k", failing), return_exceptions=True
    )
    assert attempts == 1
    assert all(isinstance(result, RuntimeError) for result in results)
    with pytest.raises(RuntimeError):
        await cache.get_or_load("k", failing)
    assert attempts == 2


async def test_one_waiter_giving_up_does_not_cancel_the_load_for_the_others() -> None:
    cache, load = TtlCache(ttl_seconds=60), Loader()
    first = asyncio.create_task(cache.get_or_load("k", load))
    second = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    first.cancel()
    load.release.set()
    assert await second == "value 1"
    assert load.calls == 1


def test_keys_normalise_parameters_and_separate_principals() -> None:
    a = query_key("service-principal", "q", {"x": 1, "y": "a"})
    b = query_key("service-principal", "q", {"y": "a", "x": 1})
    assert a == b
    assert query_key("alice@example.com", "q", {"x": 1, "y": "a"}) != a
    # A typed NULL differs from the string "None" and from an empty list.
    assert query_key("sp", "q", {"x": NULL_STRING}) != query_key("sp", "q", {"x": "None"})
    assert query_key("sp", "q", {"x": NULL_STRING}) != query_key("sp", "q", {"x": ""})
    # 1 (BIGINT) and "1" (STRING) are different parameters.
    assert query_key("sp", "q", {"x": 1}) != query_key("sp", "q", {"x": "1"})


# --- stale-while-revalidate ---------------------------------------------------------------------


async def test_a_value_past_its_ttl_is_answered_at_once_while_one_refresh_runs() -> None:
    # given a value loaded at 0 with a TTL of 10 s, usable for 20 s
    clock, load = Clock(), Loader()
    cache = TtlCache(ttl_seconds=10, clock=clock, stale_seconds=20)
    load.release.set()
    assert await cache.get_or_load("k", load) == "value 1"
    load.release.clear()
    # when callers ask past the TTL while the refresh is still loading
    clock.now = 15.0
    answers = [await cache.get_or_load("k", load) for _ in range(3)]
    # then each gets the previous value at once, and one refresh runs behind them
    assert answers == ["value 1"] * 3
    await asyncio.sleep(0)
    assert load.calls == 2
    assert cache.stats.stale == 3
    load.release.set()
    await asyncio.sleep(0.01)
    assert await cache.get_or_load("k", load) == "value 2"


async def test_a_value_older_than_the_staleness_bound_makes_the_caller_wait() -> None:
    clock, load = Clock(), Loader()
    load.release.set()
    cache = TtlCache(ttl_seconds=10, clock=clock, stale_seconds=20)
    assert await cache.get_or_load("k", load) == "value 1"
    clock.now = 20.0
    assert await cache.get_or_load("k", load) == "value 2"
    assert cache.stats.stale == 0


async def test_a_new_minute_of_a_window_is_answered_from_its_family_while_it_loads() -> None:
    # given the last minute's answer of a window query
    clock, load = Clock(), Loader()
    cache = TtlCache(ttl_seconds=60, clock=clock, stale_seconds=120)
    load.release.set()
    assert await cache.get_or_load(("rollups", "09:00"), load, family="rollups@7d") == "value 1"
    load.release.clear()
    # when the window moves on a minute (a new key of the same family)
    clock.now = 61.0
    moved = await cache.get_or_load(("rollups", "09:01"), load, family="rollups@7d")
    # then the previous minute's answer comes at once while the new minute's loads
    assert moved == "value 1"
    await asyncio.sleep(0)
    assert load.calls == 2
    load.release.set()
    await asyncio.sleep(0.01)
    assert await cache.get_or_load(("rollups", "09:01"), load, family="rollups@7d") == "value 2"
    # and another family (another window) never answers for it
    assert await cache.get_or_load(("rollups", "09:01"), load, family="rollups@30d") == "value 2"
    assert await cache.get_or_load(("other", "09:01"), load, family="rollups@30d") == "value 3"


async def test_a_failed_refresh_keeps_the_stale_value_until_it_is_too_old() -> None:
    clock = Clock()
    cache = TtlCache(ttl_seconds=10, clock=clock, stale_seconds=30)

    async def first() -> str:
        return "good"

    async def failing() -> str:
        raise RuntimeError("warehouse down")

    assert await cache.get_or_load("k", first) == "good"
    clock.now = 15.0
    assert await cache.get_or_load("k", failing) == "good"
    await asyncio.sleep(0.01)
    clock.now = 25.0
    assert await cache.get_or_load("k", failing) == "good"
    await asyncio.sleep(0.01)
    clock.now = 31.0
    with pytest.raises(RuntimeError):
        await cache.get_or_load("k", failing)


async def test_a_load_started_before_clear_neither_fills_the_cache_nor_serves_later_callers() -> (
    None
):
    # given a load in flight (a read of the state a write is about to change)
    cache = TtlCache(ttl_seconds=60)
    release = asyncio.Event()

    async def old_state() -> str:
        await release.wait()
        return "old"

    async def new_state() -> str:
        return "new"

    early = asyncio.create_task(cache.get_or_load("k", old_state))
    await asyncio.sleep(0)
    # when the cache is cleared (the write landed) and someone asks again
    cache.clear()
    late = await cache.get_or_load("k", new_state)
    # then they get a load of their own, and the early load's value is not kept
    release.set()
    assert await early == "old"
    assert late == "new"
    assert await cache.get_or_load("k", old_state) == "new"
