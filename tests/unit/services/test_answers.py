"""Answers are reused while the values they read are current, and never when they read live data."""

from __future__ import annotations

from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.reads import record_untracked
from job_monitor.backend.services.answers import AnswerCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_an_answer_is_reused_while_the_values_it_read_are_current() -> None:
    # given an answer computed from a cached value
    clock, answers = Clock(), AnswerCache()
    data = TtlCache(ttl_seconds=60, clock=clock)
    computed = 0

    async def value() -> str:
        return "rows"

    async def compute() -> str:
        nonlocal computed
        computed += 1
        return f"answer from {await data.get_or_load('q', value)} #{computed}"

    first = await answers.get_or_compute("question", compute, keep=lambda _: True)
    # when it is asked again while the value is fresh, then it is handed out again
    assert await answers.get_or_compute("question", compute, keep=lambda _: True) == first
    assert answers.reused == 1
    # when the value expires, then the answer is computed anew
    clock.now = 61.0
    assert await answers.get_or_compute("question", compute, keep=lambda _: True) != first
    assert computed == 2


async def test_an_answer_that_read_live_data_is_never_kept() -> None:
    answers = AnswerCache()
    computed = 0

    async def compute() -> int:
        nonlocal computed
        computed += 1
        record_untracked()  # e.g. a Jobs API call
        return computed

    assert await answers.get_or_compute("q", compute, keep=lambda _: True) == 1
    assert await answers.get_or_compute("q", compute, keep=lambda _: True) == 2
    assert len(answers) == 0


async def test_an_answer_the_caller_does_not_keep_is_computed_again() -> None:
    answers = AnswerCache()

    async def compute() -> str:
        return "an error"

    await answers.get_or_compute("q", compute, keep=lambda _: False)
    assert len(answers) == 0


async def test_an_answer_given_while_a_load_failed_is_not_kept() -> None:
    # given a cached value whose load fails (the warehouse is down)
    answers, data = AnswerCache(), TtlCache(ttl_seconds=60)

    async def failing() -> str:
        raise RuntimeError("warehouse down")

    async def compute() -> str:
        try:
            return await data.get_or_load("q", failing)
        except RuntimeError:
            return "a typed failure"

    # when an answer is computed from it, then that answer is not kept for later
    assert await answers.get_or_compute("q", compute, keep=lambda _: True) == "a typed failure"
    assert len(answers) == 0
