"""Token sources per mode, token digests and expiry, and the identity cache's limits."""

from __future__ import annotations

import time

import jwt
from pydantic import SecretStr
from starlette.datastructures import Headers

from job_monitor.backend.auth import (
    IdentityResolver,
    token_digest,
    token_expiry,
    token_from_headers,
)
from job_monitor.backend.config import Settings
from job_monitor.backend.core import WorkspaceClients
from job_monitor.backend.domain.identity import Identity, Mode

APPS = Settings(
    host="http://127.0.0.1:9", app_name="job-monitor", client_id="x", client_secret=SecretStr("y")
)
LOCAL = Settings(host="http://127.0.0.1:9", mode=Mode.LOCAL)
BOB = Identity("bob@example.com", "bob@example.com", "Bob", ("data-eng",), Mode.LOCAL)


def headers(**values: str) -> Headers:
    return Headers({k.replace("_", "-"): v for k, v in values.items()})


def signed(claims: dict[str, object]) -> str:
    # Any key will do: the service never verifies the signature, it only reads `exp`.
    return jwt.encode(claims, "k" * 32, algorithm="HS256")


def test_apps_mode_takes_the_forwarded_token_only() -> None:
    assert token_from_headers(APPS, headers(x_forwarded_access_token="t-1")) == "t-1"
    assert token_from_headers(APPS, headers(x_forwarded_email="alice@example.com")) is None
    assert token_from_headers(APPS, headers(authorization="Bearer t-2")) is None


def test_local_mode_falls_back_to_the_default_user() -> None:
    assert token_from_headers(LOCAL, headers(x_forwarded_access_token="local-bob")) == "local-bob"
    assert token_from_headers(LOCAL, headers(x_forwarded_email="bob@example.com")) == "local-alice"


def test_digest_does_not_contain_the_token() -> None:
    digest = token_digest("local-bob")
    assert "local-bob" not in digest
    assert len(digest) == 64


def test_expiry_is_read_from_a_jwt_without_verifying_it() -> None:
    exp = int(time.time()) + 30
    assert token_expiry(signed({"sub": "someone", "exp": exp})) == exp
    assert token_expiry("local-bob") is None
    assert token_expiry(signed({"sub": "no-exp"})) is None


def test_identity_is_not_cached_past_the_tokens_expiry() -> None:
    # given a resolver that caches for a minute
    resolver = IdentityResolver(LOCAL, WorkspaceClients(LOCAL))
    now = time.time()
    short = signed({"exp": int(now) + 5})
    expired = signed({"exp": int(now) - 1})
    # when identities are remembered for a token with 5 s left, one expired, and an opaque one
    resolver._remember(token_digest(short), BOB, short, now)
    resolver._remember(token_digest(expired), BOB, expired, now)
    resolver._remember(token_digest("local-bob"), BOB, "local-bob", now)
    # then
    assert resolver._cache[token_digest(short)][1] <= now + 5
    assert token_digest(expired) not in resolver._cache
    assert resolver._cache[token_digest("local-bob")][1] == now + LOCAL.identity_cache_seconds
    assert all("local-bob" not in key for key in resolver._cache)


def test_identity_cache_is_bounded() -> None:
    settings = Settings(host="http://127.0.0.1:9", mode=Mode.LOCAL, identity_cache_size=2)
    resolver = IdentityResolver(settings, WorkspaceClients(settings))
    now = time.time()
    for token in ("a", "b", "c"):
        resolver._remember(token_digest(token), BOB, token, now)
    assert list(resolver._cache) == [token_digest("b"), token_digest("c")]
