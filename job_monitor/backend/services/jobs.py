"""Jobs: the viewer's job list (filtered, ordered, paged) and job health per window.

The job catalog and the health roll-ups are cached warehouse results covering every job; the list
is filtered, ordered and paged in memory over the viewer's jobs. A page therefore costs at most the
catalog (two statements, three with deleted jobs) plus one roll-up per window, whatever its size,
and nothing about one viewer's list can leak into another's.

The viewer's jobs are those that exist now; deleted jobs only when asked (`include_deleted`), the
same rule as every count and aggregate over jobs (the overview, the run lists).

Pages use keyset cursors on the order's own key (then the job id), not offsets: a job whose health
changes between two pages moves, but no job is skipped or repeated because another one moved.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import orjson

from job_monitor.backend.domain.cursors import CursorSigner
from job_monitor.backend.domain.errors import InvalidFilterError
from job_monitor.backend.domain.filters import NamePattern
from job_monitor.backend.domain.health import HealthSummary, Priority
from job_monitor.backend.domain.jobs import TEAM_TAG, JobDefinition
from job_monitor.backend.domain.windows import Window

if TYPE_CHECKING:
    # Only for annotations: the session module builds this module's `JobRankings`.
    from job_monitor.backend.services.session import Session

MAX_TAG_FILTERS = 20
TEXT_FILTER_MAX_LENGTH = 256
_CURSOR_PREFIX = "job1"
_MAX_CURSOR_LENGTH = 600

NO_RUNS = HealthSummary.from_runs(())
"""The health of a job without finished runs in the window."""


class JobOrderField(StrEnum):
    NAME = "NAME"
    LAST_RUN = "LAST_RUN"
    SUCCESS_RATE = "SUCCESS_RATE"
    FAILURES = "FAILURES"
    DURATION_REGRESSION = "DURATION_REGRESSION"


class OrderDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class TagFilter:
    """A tag the job must carry: `key` with `value`, or with any value when `value` is None."""

    key: str
    value: str | None = None


def _text(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip() or len(value) > TEXT_FILTER_MAX_LENGTH:
        raise InvalidFilterError(field, f"must be 1 to {TEXT_FILTER_MAX_LENGTH} characters")
    return value.strip()


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Which jobs, in which order. Every condition given must hold; None and empty mean "any".

    Text conditions (`team`, `owner`, `run_as`, tag keys and values) compare case-insensitively;
    `priorities` keeps jobs whose priority over `window` is one of them. `include_deleted` lists
    the jobs deleted within the history kept beside those that exist.
    """

    name_pattern: NamePattern | None = None
    tags: tuple[TagFilter, ...] = ()
    team: str | None = None
    owner: str | None = None
    run_as: str | None = None
    priorities: tuple[Priority, ...] = ()
    window: Window = Window.LAST_7_DAYS
    order: JobOrderField = JobOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC
    include_deleted: bool = False
    team_tag: str = TEAM_TAG
    """The tag that names a job's team (`Settings.team_tag`)."""

    def __post_init__(self) -> None:
        if len(self.tags) > MAX_TAG_FILTERS:
            raise InvalidFilterError(
                "tags", f"has {len(self.tags)} values; at most {MAX_TAG_FILTERS} are allowed"
            )
        for tag in self.tags:
            _text("tags.key", tag.key)
            _text("tags.value", tag.value)
        object.__setattr__(self, "team", _text("team", self.team))
        object.__setattr__(self, "owner", _text("owner", self.owner))
        object.__setattr__(self, "run_as", _text("runAs", self.run_as))
        object.__setattr__(self, "priorities", tuple(dict.fromkeys(self.priorities)))

    @property
    def needs_health(self) -> bool:
        return bool(self.priorities) or self.order is not JobOrderField.NAME

    def matches(self, job: JobDefinition, health: HealthSummary) -> bool:
        # Cheap conditions first: this runs for every job of the catalog on every request.
        return (
            _same(self.team, job.team_of(self.team_tag))
            and _same(self.owner, job.owner)
            and _same(self.run_as, job.run_as)
            and (not self.priorities or health.priority in self.priorities)
            and (self.name_pattern is None or self.name_pattern.matches(job.name))
            and (not self.tags or self._tags_match(job))
        )

    def _tags_match(self, job: JobDefinition) -> bool:
        tags = {key.lower(): value.lower() for key, value in job.tags.items()}
        return all(
            tag.key.lower() in tags
            and (tag.value is None or tags[tag.key.lower()] == tag.value.lower())
            for tag in self.tags
        )


def _same(wanted: str | None, actual: str | None) -> bool:
    return wanted is None or (actual is not None and actual.lower() == wanted.lower())


# --- ordering and cursors -----------------------------------------------------------------------

SortValue = str | float | None


def _sort_value(order: JobOrderField, job: JobDefinition, health: HealthSummary) -> SortValue:
    if order is JobOrderField.NAME:
        return job.name.lower()
    if order is JobOrderField.LAST_RUN:
        last = health.last_run
        return last.start_time.timestamp() if last is not None else None
    if order is JobOrderField.SUCCESS_RATE:
        return health.success_rate
    if order is JobOrderField.FAILURES:
        return float(health.failed)
    return health.duration_regression


def _rank(value: SortValue, job_id: int, direction: OrderDirection) -> tuple[object, ...]:
    """A key that sorts ascending in the list's order: jobs without a value last in either
    direction, ties broken by job id ascending."""
    if value is None:
        return (1, (), job_id)
    if direction is OrderDirection.ASC:
        return (0, (value,), job_id)
    if isinstance(value, str):
        # Descending text: negated code points, with a terminator above every negated one so
        # that a longer name sorts before its own prefix ("abc" before "ab").
        return (0, (*(-ord(char) for char in value), 1), job_id)
    return (0, (-value,), job_id)


@dataclass(frozen=True, slots=True)
class JobCursor:
    """A position in one ordering of the job list: the last job's sort value and id."""

    order: JobOrderField
    direction: OrderDirection
    window: Window
    value: SortValue
    job_id: int

    def encode(self, signer: CursorSigner) -> str:
        payload = orjson.dumps(
            [_CURSOR_PREFIX, self.order, self.direction, self.window, self.value, self.job_id]
        ).decode()
        return signer.sign(payload)

    @classmethod
    def decode(cls, cursor: str, query: JobQuery, signer: CursorSigner) -> JobCursor:
        """The position; `InvalidFilterError` (field `after`) for a cursor this list did not issue,
        including one issued for another order or window."""
        payload = signer.verify(cursor, _MAX_CURSOR_LENGTH)
        try:
            parts = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise _invalid("the cursor is not valid") from None
        if not isinstance(parts, list) or len(parts) != 6:
            raise _invalid("the cursor is not a job cursor")
        prefix, order, direction, window, value, job_id = parts
        if (prefix, order, direction, window) != (
            _CURSOR_PREFIX,
            query.order,
            query.direction,
            query.window,
        ):
            raise _invalid("the cursor belongs to another order or window of this list")
        if not isinstance(job_id, int) or not (value is None or isinstance(value, str | float)):
            raise _invalid("the cursor is not valid")
        if isinstance(value, float) and not math.isfinite(value):
            raise _invalid("the cursor is not valid")
        return cls(query.order, query.direction, query.window, value, job_id)

    @property
    def rank(self) -> tuple[object, ...]:
        return _rank(self.value, self.job_id, self.direction)


def _invalid(problem: str) -> InvalidFilterError:
    return InvalidFilterError(
        "after", f"{problem}; pass an endCursor or cursor returned by this list"
    )


# --- the service --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobEntry:
    job: JobDefinition
    cursor: str


@dataclass(frozen=True, slots=True)
class JobPage:
    entries: tuple[JobEntry, ...]
    total_count: int
    has_next_page: bool
    has_previous_page: bool
    permissions_complete: bool


async def health_by_window(session: Session, window: Window) -> Mapping[int, HealthSummary]:
    """Health of every job with finished runs in the window (one cached statement). Callers read
    only their viewer's jobs from it."""
    return await (await session.history()).job_health(window, session.now)


Ranked = list[tuple[tuple[object, ...], SortValue, JobDefinition]]


@dataclass(frozen=True, slots=True)
class _Ranking:
    """One ordered, filtered job list and exactly what it was computed from (held, so that an
    identity check on a hit is sound: none of them can be collected and its id reused)."""

    catalog: Mapping[int, JobDefinition]
    healths: Mapping[int, HealthSummary]
    visible: frozenset[int] | None
    ranked: Ranked


class JobRankings:
    """Recently ordered job lists, so that paging through 10,000 jobs does not filter and sort
    them again for every page. Keyed by the query and by the identity of the cached catalog, the
    cached roll-up and the viewer's visible set: a new warehouse result or another set of visible
    jobs is another key, so one viewer's list never serves another's."""

    def __init__(self, max_entries: int = 64) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[object, ...], _Ranking] = OrderedDict()

    def get_or_rank(
        self,
        query: JobQuery,
        catalog: Mapping[int, JobDefinition],
        healths: Mapping[int, HealthSummary],
        visible: frozenset[int] | None,
    ) -> Ranked:
        key = (query, id(catalog), id(healths), id(visible))
        found = self._entries.get(key)
        if (
            found is not None
            and found.catalog is catalog
            and found.healths is healths
            and found.visible is visible
        ):
            self._entries.move_to_end(key)
            return found.ranked
        ranked = _rank_jobs(query, catalog, healths, visible)
        self._entries[key] = _Ranking(catalog, healths, visible, ranked)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return ranked


def _rank_jobs(
    query: JobQuery,
    catalog: Mapping[int, JobDefinition],
    healths: Mapping[int, HealthSummary],
    visible: frozenset[int] | None,
) -> Ranked:
    ranked: Ranked = []
    for job in catalog.values():
        if visible is not None and job.job_id not in visible:
            continue
        health = healths.get(job.job_id, NO_RUNS)
        if query.matches(job, health):
            value = _sort_value(query.order, job, health)
            ranked.append((_rank(value, job.job_id, query.direction), value, job))
    ranked.sort(key=lambda item: item[0])
    return ranked


_NO_HEALTH: Mapping[int, HealthSummary] = {}


async def _ranked(session: Session, query: JobQuery) -> Ranked:
    visible = await session.visible()
    history = await session.history()
    catalog = await history.job_catalog(include_deleted=query.include_deleted, now=session.now)
    healths = await health_by_window(session, query.window) if query.needs_health else _NO_HEALTH
    return session.services.job_rankings.get_or_rank(
        query, catalog, healths, visible.job_ids if visible.restricted else None
    )


async def matching_jobs(session: Session, query: JobQuery) -> list[JobDefinition]:
    """Every one of the viewer's jobs matching the query, in its order."""
    return [job for _, _, job in await _ranked(session, query)]


async def list_jobs(session: Session, query: JobQuery, first: int, after: str | None) -> JobPage:
    """The viewer's jobs matching the query, in its order, `first` after the cursor."""
    signer = session.cursor_signer
    position = JobCursor.decode(after, query, signer) if after is not None else None
    ranked = await _ranked(session, query)
    start = 0
    if position is not None:
        start = _first_after(ranked, position.rank)
    page = ranked[start : start + first]
    entries = tuple(
        JobEntry(
            job,
            JobCursor(query.order, query.direction, query.window, value, job.job_id).encode(signer),
        )
        for _, value, job in page
    )
    return JobPage(
        entries=entries,
        total_count=len(ranked),
        has_next_page=start + first < len(ranked),
        has_previous_page=start > 0,
        permissions_complete=await session.permissions_complete(),
    )


def _first_after(
    ranked: Sequence[tuple[tuple[object, ...], SortValue, JobDefinition]], rank: tuple[object, ...]
) -> int:
    """Index of the first entry strictly after `rank` (a binary search on the sorted ranks)."""
    low, high = 0, len(ranked)
    while low < high:
        middle = (low + high) // 2
        if _less_or_equal(ranked[middle][0], rank):
            low = middle + 1
        else:
            high = middle
    return low


def _less_or_equal(left: tuple[object, ...], right: tuple[object, ...]) -> bool:
    # Ranks of one ordering always hold comparable parts (same direction, same value type).
    return left <= right


async def jobs_by_id(session: Session, job_ids: Collection[int]) -> dict[int, JobDefinition]:
    """Those of the jobs the viewer may see, deleted ones included (absent: missing or hidden,
    alike): the jobs of runs already shown. Deleted jobs are read only when one is asked for."""
    catalog = await session.catalog()
    if any(job_id not in catalog for job_id in job_ids):
        catalog = await session.catalog(include_deleted=True)
    return {job_id: catalog[job_id] for job_id in job_ids if job_id in catalog}
