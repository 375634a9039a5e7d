"""Answers reused while nothing they were computed from has changed.

A warm page of 100 jobs costs far more to execute (GraphQL resolves thousands of fields) than to
send. Its data, though, all comes from cached values; so an answer is kept with the `ReadLog` of
those values and handed out again, for the same document, variables and viewer, until one of them is
replaced or expires. An answer that read anything no cache stands behind (a Jobs API call, a value
being refreshed, a health check) is never kept, and one viewer's answers never serve another: the
key holds the digest of the viewer's token.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar, cast

from job_monitor.backend.data.reads import ReadLog, reading

T = TypeVar("T")

MAX_ANSWERS = 256


@dataclass(frozen=True)
class _Kept:
    answer: object
    reads: ReadLog


class AnswerCache:
    """Answers of any type share one bound; a key determines its answer's type (the key holds the
    question), which is what makes `get_or_compute`'s cast safe."""

    def __init__(self, max_entries: int = MAX_ANSWERS) -> None:
        self._max_entries = max_entries
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self.reused = 0

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()

    async def get_or_compute(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], keep: Callable[[T], bool]
    ) -> T:
        """The kept answer for `key` while its reads are current, else `compute()` (kept when
        `keep` says so and every read it made can be checked later)."""
        kept = self._kept.get(key)
        if kept is not None:
            if kept.reads.still_current():
                self._kept.move_to_end(key)
                self.reused += 1
                return cast(T, kept.answer)
            del self._kept[key]
        with reading() as reads:
            answer = await compute()
        if keep(answer) and not reads.untracked:
            self._kept[key] = _Kept(answer, reads)
            self._kept.move_to_end(key)
            while len(self._kept) > self._max_entries:
                self._kept.popitem(last=False)
        return answer
