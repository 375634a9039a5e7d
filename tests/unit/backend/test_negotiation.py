"""GraphQL over HTTP: which media type answers which Accept header."""

from __future__ import annotations

import pytest

from job_monitor.backend.app import GRAPHQL_RESPONSE_JSON, JSON, negotiate


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", JSON),
        ("application/json", JSON),
        ("*/*", JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0", None),
        ("text/plain", None),
        ("text/html, application/xhtml+xml", None),
    ],
)
def test_negotiate(accept: str, expected: str | None) -> None:
    assert negotiate(accept) == expected
