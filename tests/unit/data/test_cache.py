"""The TTL cache: single-flight, expiry, bound, failures and cancellation (no I/O)."""

from __future__ import annotations

import asyncio

import pytest

from job_monitor.backend.data.cache import TtlCache, query_key
from job_monitor.backend.data.warehouse import NULL_STRING


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
