"""Relay pagination shared by the job and run connections: `first` bounds and `PageInfo`.

Every list is bounded: `first` defaults to `DEFAULT_PAGE_SIZE` and may not exceed the
`max_page_size` setting (100 by default). Out of range is an `InvalidFilter` answer on `first`,
not a silent clamp, so a client never believes it got everything when it did not.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from job_monitor.backend.domain.filters import InvalidFilter

DEFAULT_PAGE_SIZE = 20


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (the request passed `after`)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")

    @classmethod
    def of(cls, cursors: Sequence[str], *, has_next: bool, has_previous: bool) -> PageInfo:
        return cls(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


def page_size(first: int | None, max_page_size: int) -> int:
    """The page size asked for, checked against the ceiling."""
    size = min(DEFAULT_PAGE_SIZE, max_page_size) if first is None else first
    if not 1 <= size <= max_page_size:
        raise InvalidFilter("first", f"must be between 1 and {max_page_size}, not {size}")
    return size
