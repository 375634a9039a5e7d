"""Relay pagination shared by the job and run connections: `first` bounds and `PageInfo`.

Every list is bounded: `first` defaults to `DEFAULT_PAGE_SIZE` and may not exceed the
`max_page_size` setting (100 by default). Out of range is an `InvalidFilterError` answer on `first`,
not a silent clamp, so a client never believes it got everything when it did not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import strawberry

from job_monitor.backend.domain.errors import InvalidFilterError

NodeT = TypeVar("NodeT")

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
        raise InvalidFilterError("first", f"must be between 1 and {max_page_size}, not {size}")
    return size


@strawberry.type(description="An item of a list and its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Pass as `after` to continue after this item.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (Relay): its items with their cursors.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")

    @strawberry.field(description="The items alone.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def page_of(
    items: Sequence[tuple[str, NodeT]], *, has_next: bool, has_previous: bool
) -> tuple[list[Edge[NodeT]], PageInfo]:
    """The edges and page info of `(cursor, node)` pairs."""
    edges = [Edge(cursor=cursor, node=node) for cursor, node in items]
    info = PageInfo.of(
        [edge.cursor for edge in edges], has_next=has_next, has_previous=has_previous
    )
    return edges, info
