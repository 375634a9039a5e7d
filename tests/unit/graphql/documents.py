"""Hostile GraphQL documents: short texts that ask for a great deal, and texts as long as a
request body may be. Shared by the unit tests here and the HTTP tests (`tests/integration/hostile`).
"""

from __future__ import annotations

import uuid

# `Settings.max_body_bytes`: the largest request body the service reads.
BODY_LIMIT_BYTES = 100_000


def chained_fragments(levels: int, spreads: int) -> str:
    """`{ ...F<levels> }` where F0 selects `viewer { __typename }` (2 fields) and each F<n> spreads
    F<n-1> `spreads` times: 2 * spreads**levels fields once expanded, in a few hundred bytes."""
    lines = [f"{{ ...F{levels} }}", "fragment F0 on Query { viewer { __typename } }"]
    for level in range(1, levels + 1):
        body = " ".join([f"...F{level - 1}"] * spreads)
        lines.append(f"fragment F{level} on Query {{ {body} }}")
    return "\n".join(lines)


def expanded_fields(levels: int, spreads: int) -> int:
    fields: int = 2 * spreads**levels
    return fields


# The documents: 21 levels of two spreads (10.6 s of a blocked event loop before), and
# three spreads per level over 24 levels (more than ten minutes).
TWO_SPREADS_20_LEVELS = chained_fragments(20, 2)
THREE_SPREADS_24_LEVELS = chained_fragments(24, 3)


def longest_chain(spreads: int, max_bytes: int) -> str:
    """The chain of fragments with the most levels that fits in `max_bytes`."""
    low, high = 1, max_bytes
    while high - low > 1:
        middle = (low + high) // 2
        if len(chained_fragments(middle, spreads).encode()) <= max_bytes:
            low = middle
        else:
            high = middle
    return chained_fragments(low, spreads)


def repeated_field(count: int) -> str:
    """`viewer { __typename }` selected `count` times: within the field limit for count <= 1000,
    but graphql-core's OverlappingFieldsCanBeMergedRule compares every pair (quadratic)."""
    return "{" + " viewer { __typename }" * count + " }"


def distinct_fragments(count: int) -> str:
    """`count` different fragments spread side by side: each pair is compared (quadratic)."""
    spreads = " ".join(f"...A{i}" for i in range(count))
    definitions = " ".join(
        f"fragment A{i} on Query {{ viewer {{ __typename }} }}" for i in range(count)
    )
    return f"{{ {spreads} }} {definitions}"


def one_line(document: str) -> str:
    """The document on one line (JSON escapes a newline as two bytes)."""
    return document.replace("\n", " ")


def fresh(document: str) -> str:
    """The document behind a comment no cache has seen (the worst case for the service)."""
    return f"# {uuid.uuid4()}\n{document}"


# A chain of fragments as long as a request body may be, with room for JSON and a comment.
BODY_SIZE_DOCUMENT = one_line(longest_chain(3, BODY_LIMIT_BYTES - 100))

# What a hostile client sends, round and round: the documents, one at the body-size limit,
# and one within every limit that graphql-core's validation compares pairwise (quadratic).
WORST_DOCUMENTS = (
    TWO_SPREADS_20_LEVELS,
    THREE_SPREADS_24_LEVELS,
    BODY_SIZE_DOCUMENT,
    repeated_field(999),
)
