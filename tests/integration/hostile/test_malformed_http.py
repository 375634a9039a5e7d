"""Malformed HTTP is the client's fault: a 400 (or 413/415) with a GraphQL-over-HTTP error body and
the request id, never a 500 (issue 9, finding 2)."""

from __future__ import annotations

import httpx
import pytest

GRAPHQL = "/api/graphql"
HEALTH = b'{"query": "{ health { status } }"}'
DEEP_JSON = b'{"query": "{ health { status } }", "variables": ' + b"[" * 5000 + b"]" * 5000 + b"}"


def assert_refused_by_the_client_rule(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    request_id = response.headers["x-request-id"]
    [error] = response.json()["errors"]
    assert error["message"]
    assert error["extensions"]["requestId"] == request_id


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"query": "\xff\xfe{ health { status } }"}', "application/json"),
        # An overlong encoding of "{" (0xC1 0xBB) is invalid UTF-8.
        (b'{"query": "\xc1\xbb health { status } }"}', "application/json"),
        (DEEP_JSON, "application/json"),
        (HEALTH, "application/json; charset=latin-1"),
    ],
    ids=["invalid-utf8", "overlong-utf8", "json-nested-5000-deep", "latin-1-charset"],
)
def test_a_malformed_body_is_a_400_with_a_graphql_error_body(
    client: httpx.Client, body: bytes, content_type: str
) -> None:
    response = client.post(GRAPHQL, content=body, headers={"Content-Type": content_type})
    assert_refused_by_the_client_rule(response, 400)


def test_media_types_are_case_insensitive(client: httpx.Client) -> None:
    response = client.post(
        GRAPHQL, content=HEALTH, headers={"Content-Type": "APPLICATION/JSON; Charset=UTF-8"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["health"]["status"]


def test_a_body_over_the_limit_is_a_413_with_the_request_id(client: httpx.Client) -> None:
    body = b'{"query": "' + b" " * 200_000 + b'{ health { status } }"}'
    response = client.post(GRAPHQL, content=body, headers={"Content-Type": "application/json"})
    assert_refused_by_the_client_rule(response, 413)


def test_every_answer_carries_the_request_id(client: httpx.Client) -> None:
    # given a request id chosen by the caller (the Apps proxy sends one)
    headers = {"Content-Type": "application/json", "X-Request-Id": "req-42"}
    # when the request succeeds, fails on the client's side, or asks for a missing path
    answers = [
        client.post(GRAPHQL, content=HEALTH, headers=headers),
        client.post(GRAPHQL, content=b"{not json", headers=headers),
        client.get("/api/nothing-here", headers=headers),
    ]
    # then each answer carries it
    assert [answer.headers["x-request-id"] for answer in answers] == ["req-42"] * 3
