"""Filters the API accepts: job name patterns and run filters, validated before anything runs.

A bad filter raises `InvalidFilterError`, whose message names the input field (in the API's
spelling), what is wrong, and what is allowed; the GraphQL layer answers it as `InvalidFilter`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from job_monitor.backend.domain.errors import InvalidFilterError
from job_monitor.backend.domain.runs import RunState, RunType, Trigger

NAME_PATTERN_MAX_LENGTH = 200
NAME_PATTERN_MAX_WILDCARDS = 10
"""`*` and `?` together, counted after runs of `*` are collapsed (`**` is `*`)."""
MAX_JOB_IDS = 100
MAX_LIST_VALUES = 50
"""Cap on `states`, `terminationCodes`, `triggers` and `runTypes`."""
TERMINATION_CODE_MAX_LENGTH = 64
LIKE_ESCAPE = "!"
"""The escape character of `NamePattern.sql_like`. `!` needs no escaping inside a SQL string literal
in either Databricks SQL or DuckDB, unlike the backslash."""

_TERMINATION_CODE = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True, slots=True)
class NamePattern:
    """A case-insensitive job name pattern: `*` matches any run of characters (also none), `?`
    exactly one; every other character matches itself. The whole name must match: `prod-*-daily`
    matches `PROD-sales-daily` but not `prod-sales-daily-2`; use `*sales*` for "contains".

    Valid patterns are 1 to 200 characters of letters, digits, spaces and printable punctuation (no
    control characters), with at most 10 wildcards. Constructing one validates it (raises
    `InvalidFilterError`).
    """

    pattern: str
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        raw = self.pattern
        if not raw or raw.isspace():
            raise InvalidFilterError("namePattern", "must not be empty; use * to match every job")
        if len(raw) > NAME_PATTERN_MAX_LENGTH:
            raise InvalidFilterError(
                "namePattern",
                f"is {len(raw)} characters long; at most {NAME_PATTERN_MAX_LENGTH} are allowed",
            )
        bad = next((char for char in raw if not char.isprintable()), None)
        if bad is not None:
            raise InvalidFilterError(
                "namePattern",
                f"contains the character U+{ord(bad):04X}, which is not allowed; use letters, "
                "digits, spaces, punctuation and the wildcards * and ?",
            )
        collapsed = re.sub(r"\*+", "*", raw)
        wildcards = sum(1 for char in collapsed if char in "*?")
        if wildcards > NAME_PATTERN_MAX_WILDCARDS:
            raise InvalidFilterError(
                "namePattern",
                f"has {wildcards} wildcards (* and ?); "
                f"at most {NAME_PATTERN_MAX_WILDCARDS} are allowed",
            )
        object.__setattr__(self, "pattern", collapsed)
        regex = "".join(_REGEX_PARTS.get(char, re.escape(char)) for char in collapsed.lower())
        object.__setattr__(self, "_regex", re.compile(regex, re.DOTALL))

    def matches(self, name: str) -> bool:
        """Whether the job name matches, ignoring case (both sides lower-cased, as SQL `lower()`
        does)."""
        return self._regex.fullmatch(name.lower()) is not None

    @property
    def sql_like(self) -> str:
        """The pattern for `lower(name) LIKE :name_pattern ESCAPE '!'`: lower-cased, `*` → `%`, `?`
        → `_`, and a literal `%`, `_` or `!` escaped with `!` (`LIKE_ESCAPE`)."""
        return "".join(_LIKE_PARTS.get(char, char) for char in self.pattern.lower())


_REGEX_PARTS = {"*": ".*", "?": "."}
_LIKE_PARTS = {
    "*": "%",
    "?": "_",
    "%": LIKE_ESCAPE + "%",
    "_": LIKE_ESCAPE + "_",
    LIKE_ESCAPE: LIKE_ESCAPE + LIKE_ESCAPE,
}


EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(9000, 1, 1, tzinfo=UTC)
"""Times a filter accepts: windows reach back from them, so year 1 or 9999 would overflow."""


def _utc(field: str, value: datetime | None) -> datetime | None:
    # The API's times are UTC: a time without an offset is read as UTC.
    if value is None:
        return None
    try:
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST_TIME <= moment < LATEST_TIME:
        raise InvalidFilterError(
            field,
            f"{value.isoformat()} is outside the times the API accepts "
            f"({EARLIEST_TIME.date()} to {LATEST_TIME.date()}, UTC)",
        )
    return moment


def _check_duration(name: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise InvalidFilterError(name, f"must be a finite number of seconds >= 0, not {value}")


def _check_cap(name: str, values: tuple[object, ...], cap: int) -> None:
    if len(values) > cap:
        raise InvalidFilterError(name, f"has {len(values)} values; at most {cap} are allowed")


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which runs to return. Every condition given must hold; empty lists and None mean "any".

    * `job_ids`: at most 100 positive ids.
    * `states`, `triggers`, `run_types`, `termination_codes`: at most 50 values each. Termination
      codes are raw codes (`RUN_EXECUTION_ERROR` …), compared in upper case; at most 64 characters
      of A-Z, 0-9 and `_`.
    * `started_after` (inclusive) and `started_before` (exclusive) bound the start time; a time
      without an offset is UTC; `started_after` must be earlier than `started_before`.
    * `min_duration_seconds`, `max_duration_seconds`: inclusive, finite, >= 0, min <= max. A run
      without a duration does not match a duration bound.
    * `include_deleted`: runs of jobs deleted since count too (by default only runs of jobs that
      exist now do). It selects jobs, not runs: `matches` does not test it (an active run's job
      exists).

    Constructing one validates and normalises it (times to UTC, codes to upper case, duplicates
    dropped); a violation raises `InvalidFilterError`.
    """

    job_ids: tuple[int, ...] = ()
    states: tuple[RunState, ...] = ()
    termination_codes: tuple[str, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    run_types: tuple[RunType, ...] = ()
    started_after: datetime | None = None
    started_before: datetime | None = None
    min_duration_seconds: float | None = None
    max_duration_seconds: float | None = None
    include_deleted: bool = False

    def __post_init__(self) -> None:
        _check_cap("jobIds", self.job_ids, MAX_JOB_IDS)
        bad_id = next((job_id for job_id in self.job_ids if job_id <= 0), None)
        if bad_id is not None:
            raise InvalidFilterError("jobIds", f"{bad_id} is not a job id; job ids are positive")
        _check_cap("states", self.states, MAX_LIST_VALUES)
        _check_cap("terminationCodes", self.termination_codes, MAX_LIST_VALUES)
        _check_cap("triggers", self.triggers, MAX_LIST_VALUES)
        _check_cap("runTypes", self.run_types, MAX_LIST_VALUES)
        codes = tuple(code.strip().upper() for code in self.termination_codes)
        for code in codes:
            if len(code) > TERMINATION_CODE_MAX_LENGTH or not _TERMINATION_CODE.fullmatch(code):
                raise InvalidFilterError(
                    "terminationCodes",
                    f"{code[:TERMINATION_CODE_MAX_LENGTH]!r} is not a termination code; codes are "
                    f"up to {TERMINATION_CODE_MAX_LENGTH} letters, digits and underscores, such as "
                    "RUN_EXECUTION_ERROR",
                )
        after = _utc("startedAfter", self.started_after)
        before = _utc("startedBefore", self.started_before)
        if after is not None and before is not None and after >= before:
            raise InvalidFilterError(
                "startedAfter",
                f"{after.isoformat()} must be earlier than startedBefore {before.isoformat()}",
            )
        _check_duration("minDurationSeconds", self.min_duration_seconds)
        _check_duration("maxDurationSeconds", self.max_duration_seconds)
        low, high = self.min_duration_seconds, self.max_duration_seconds
        if low is not None and high is not None and low > high:
            raise InvalidFilterError(
                "minDurationSeconds", f"{low} is greater than maxDurationSeconds {high}"
            )
        object.__setattr__(self, "job_ids", tuple(dict.fromkeys(self.job_ids)))
        object.__setattr__(self, "states", tuple(dict.fromkeys(self.states)))
        object.__setattr__(self, "termination_codes", tuple(dict.fromkeys(codes)))
        object.__setattr__(self, "triggers", tuple(dict.fromkeys(self.triggers)))
        object.__setattr__(self, "run_types", tuple(dict.fromkeys(self.run_types)))
        object.__setattr__(self, "started_after", after)
        object.__setattr__(self, "started_before", before)

    def matches(
        self,
        *,
        job_id: int,
        state: RunState,
        termination_code: str | None,
        trigger: Trigger,
        run_type: RunType,
        start_time: datetime,
        duration_seconds: float | None,
    ) -> bool:
        """Whether one run passes the filter (for runs filtered in memory, such as active runs from
        the Jobs API, where `duration_seconds` is the time elapsed so far). `start_time` must be
        timezone-aware."""
        code = termination_code.strip().upper() if termination_code is not None else None
        return (
            (not self.job_ids or job_id in self.job_ids)
            and (not self.states or state in self.states)
            and (not self.termination_codes or code in self.termination_codes)
            and (not self.triggers or trigger in self.triggers)
            and (not self.run_types or run_type in self.run_types)
            and (self.started_after is None or start_time >= self.started_after)
            and (self.started_before is None or start_time < self.started_before)
            and self._duration_matches(duration_seconds)
        )

    def _duration_matches(self, duration_seconds: float | None) -> bool:
        low, high = self.min_duration_seconds, self.max_duration_seconds
        if low is None and high is None:
            return True
        if duration_seconds is None:
            return False
        return (low is None or duration_seconds >= low) and (
            high is None or duration_seconds <= high
        )
