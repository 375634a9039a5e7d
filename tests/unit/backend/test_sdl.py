"""`schema.graphql` is generated from the code; this fails when they differ."""

from __future__ import annotations

from graphql import build_schema

from job_monitor.backend.graphql.schema import SDL_PATH, sdl

# The API contract of issue 2 that the UI builds against (CONTRACTS.md), field by field.
CONTRACT = """
enum HealthStatus { OK DEGRADED DOWN }
enum AuthMode { DATABRICKS_APP LOCAL }
type HealthCheck { name: String! status: HealthStatus! latencyMs: Float message: String }
type Health { status: HealthStatus! version: String! mode: String! checks: [HealthCheck!]! }
type Viewer { userName: String! email: String displayName: String groups: [String!]!
  isAdmin: Boolean! authMode: AuthMode! }
interface Error { message: String! code: String! }
type Unauthenticated implements Error { message: String! code: String! }
union ViewerResult = Viewer | Unauthenticated
type Query { health: Health! viewer: ViewerResult! }
"""


def test_checked_in_sdl_matches_the_code() -> None:
    assert SDL_PATH.read_text() == sdl(), "schema.graphql is stale: run `make schema`"


def test_schema_keeps_the_api_contract() -> None:
    ours = build_schema(sdl())
    contract = build_schema(CONTRACT)
    for name, contract_type in contract.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Float", "ID", "Int"}:
            continue
        our_type = ours.type_map[name]
        assert type(our_type) is type(contract_type), name
        for field_name, field in getattr(contract_type, "fields", {}).items():
            assert str(our_type.fields[field_name].type) == str(field.type), (name, field_name)  # type: ignore[attr-defined]


def test_every_public_field_is_described() -> None:
    schema = build_schema(sdl())
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Float", "ID", "Int", "Query"}:
            continue
        assert graphql_type.description, name
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            assert field.description, f"{name}.{field_name}"
    for field_name, field in schema.query_type.fields.items():  # type: ignore[union-attr]
        assert field.description, f"Query.{field_name}"
