"""Small helpers for talking GraphQL over HTTP in tests."""

from __future__ import annotations

from typing import Any

import httpx

GRAPHQL = "/api/graphql"
TOKEN_HEADER = "X-Forwarded-Access-Token"


def post_graphql(
    client: httpx.Client,
    query: str,
    *,
    headers: dict[str, str] | None = None,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return client.post(GRAPHQL, json=body, headers=headers or {})


def data_of(response: httpx.Response) -> dict[str, Any]:
    """The `data` of a successful GraphQL response (no errors)."""
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    assert "errors" not in payload, payload
    data: dict[str, Any] = payload["data"]
    return data
