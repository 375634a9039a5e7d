"""GraphQL over HTTP: media types and status codes, GraphiQL, request ids, limits.

Over-deep, over-aliased, oversized and malformed requests each get a clear error, never a 500 and
never a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.backend.http import GRAPHQL, data_of, post_graphql

HEALTH = "query Health { health { status } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"
# Depth 14 > the default limit of 12. This schema is only 3 deep (introspection does not count), so
# the document nests unknown fields: the depth rule reads the document, not the schema.
TOO_DEEP = "query Deep { health { checks " + "{ deeper " * 12 + "{ name }" + " }" * 12 + " } }"
TOO_MANY_ALIASES = (
    "query Many { " + " ".join(f"h{i}: health {{ status }}" for i in range(31)) + " }"
)
TOO_MANY_TOKENS = "query Long { " + " ".join(["__typename"] * 4001) + " }"
SYNTAX_ERROR = "query Broken { health { status }"
UNKNOWN_FIELD = "query Unknown { nothing }"


def assert_clear_error(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.status_code < 500
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    messages = [e["message"] for e in response.json()["errors"]]
    assert any(fragment in m for m in messages), messages


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        (TOO_DEEP, "exceeds maximum operation depth"),
        (TOO_MANY_ALIASES, "aliases found"),
        (TOO_MANY_TOKENS, "tokens"),
        (SYNTAX_ERROR, "Syntax Error"),
        (UNKNOWN_FIELD, "Cannot query field 'nothing'"),
    ],
    ids=["over-deep", "over-aliased", "too-many-tokens", "syntax-error", "unknown-field"],
)
def test_rejected_documents_get_a_clear_error(
    client: httpx.Client, query: str, fragment: str
) -> None:
    # when a legacy client (application/json) sends it
    legacy = post_graphql(client, query)
    # then 200 with errors and no data, as the spec asks for application/json
    assert_clear_error(legacy, 200, fragment)
    assert "data" not in legacy.json()
    # when a current client sends it
    current = post_graphql(client, query, headers={"Accept": GRAPHQL_RESPONSE})
    # then a 400 in the GraphQL response media type
    assert_clear_error(current, 400, fragment)
    assert current.headers["content-type"] == GRAPHQL_RESPONSE


def test_oversized_body_is_refused_before_parsing(client: httpx.Client) -> None:
    # given a body over the 100 kB limit
    body = '{"query": "' + "x" * 120_000 + '"}'
    # when
    response = client.post(GRAPHQL, content=body, headers={"Content-Type": "application/json"})
    # then
    assert_clear_error(response, 413, "exceeds 100000 bytes")


def test_oversized_body_without_content_length_is_refused(client: httpx.Client) -> None:
    # given a chunked body (no Content-Length) over the limit
    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b"x" * 5000

    # when
    response = client.post(GRAPHQL, content=chunks(), headers={"Content-Type": "application/json"})
    # then
    assert_clear_error(response, 413, "exceeds 100000 bytes")


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b'"a string"', 400, "must be a JSON object"),
        (b"42", 400, "must be a JSON object"),
        (b'{"query": 42}', 400, "must be a string"),
        (b'{"query": "{ health { status } }", "variables": []}', 400, "variables"),
        (b"{}", 400, "No GraphQL query found"),
    ],
    ids=["not-json", "json-string", "json-number", "query-not-string", "variables-list", "empty"],
)
def test_malformed_requests_get_a_clear_error(
    client: httpx.Client, body: bytes, status: int, fragment: str
) -> None:
    # when
    response = client.post(GRAPHQL, content=body, headers={"Content-Type": "application/json"})
    # then
    assert_clear_error(response, status, fragment)


def test_non_json_body_is_unsupported_media_type(client: httpx.Client) -> None:
    response = client.post(GRAPHQL, content=HEALTH, headers={"Content-Type": "text/plain"})
    assert_clear_error(response, 415, "application/json")


def test_unacceptable_accept_header_is_406(client: httpx.Client) -> None:
    response = post_graphql(client, HEALTH, headers={"Accept": "text/plain"})
    assert_clear_error(response, 406, "Accept")


def test_graphql_response_media_type_is_negotiated(client: httpx.Client) -> None:
    # when a client prefers the GraphQL response media type
    response = post_graphql(
        client, HEALTH, headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
    )
    # then it gets it, with a 200 for a valid document
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json()["data"]["health"]["status"] in {"OK", "DEGRADED", "DOWN"}


def test_no_accept_header_means_application_json(client: httpx.Client) -> None:
    response = client.post(GRAPHQL, json={"query": HEALTH}, headers={"Accept": ""})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


def test_queries_work_over_get(client: httpx.Client) -> None:
    # when
    response = client.get(GRAPHQL, params={"query": HEALTH}, headers={"Accept": "application/json"})
    # then
    assert data_of(response)["health"]["status"] in {"OK", "DEGRADED", "DOWN"}


def test_browsers_get_graphiql(client: httpx.Client) -> None:
    response = client.get(GRAPHQL, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_request_id_is_honoured_and_echoed(client: httpx.Client) -> None:
    response = post_graphql(client, HEALTH, headers={"X-Request-Id": "req-abc.123"})
    assert response.headers["x-request-id"] == "req-abc.123"


def test_request_id_is_generated_when_absent_or_unusable(client: httpx.Client) -> None:
    # when there is none, or one that is not a plain token
    generated = post_graphql(client, HEALTH).headers["x-request-id"]
    replaced = post_graphql(client, HEALTH, headers={"X-Request-Id": "a b\tc" * 50})
    # then a UUID is made
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
    assert uuid.match(generated)
    assert uuid.match(replaced.headers["x-request-id"])


def test_liveness_answers_without_the_workspace(client: httpx.Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": response.json()["version"]}
    assert response.headers["x-request-id"]


def test_unknown_api_paths_are_json_404s(client: httpx.Client) -> None:
    # even for a browser, which the SPA fallback would otherwise answer with index.html
    for accept in ("application/json", "text/html"):
        response = client.get("/api/nothing/here", headers={"Accept": accept})
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}


def test_mutation_over_get_is_method_not_allowed(client: httpx.Client) -> None:
    response = client.get(
        GRAPHQL, params={"query": "mutation Change { x }"}, headers={"Accept": "application/json"}
    )
    assert_clear_error(response, 405, "not allowed when using GET")
    assert response.headers["allow"] == "POST"


def test_batches_are_refused(client: httpx.Client) -> None:
    response = client.post(GRAPHQL, json=[{"query": HEALTH}, {"query": HEALTH}])
    assert_clear_error(response, 400, "Batching is not enabled")


def test_other_methods_on_the_endpoint_are_not_allowed(client: httpx.Client) -> None:
    response = client.put(GRAPHQL, json={"query": HEALTH})
    assert_clear_error(response, 405, "GET and POST")
    assert response.headers["allow"] == "GET, POST"
