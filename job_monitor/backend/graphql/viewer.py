"""`viewer`: the calling person, confirmed by the workspace with their own token."""

from __future__ import annotations

from typing import Annotated

import strawberry

from job_monitor.backend.domain.errors import UpstreamUnavailableError
from job_monitor.backend.domain.identity import Identity, Mode
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.enums import AuthMode
from job_monitor.backend.graphql.errors import (
    Unauthenticated,
    UpstreamUnavailable,
    unauthenticated,
    upstream_unavailable,
)


@strawberry.type(description="The person using Job Monitor, as the workspace knows them.")
class Viewer:
    user_name: str = strawberry.field(description="Workspace user name (usually the e-mail).")
    email: str | None = strawberry.field(description="Primary e-mail address, when known.")
    display_name: str | None = strawberry.field(description="Name to show.")
    groups: list[str] = strawberry.field(description="Names of the workspace groups they are in.")
    is_admin: bool = strawberry.field(description="Member of the workspace `admins` group.")
    auth_mode: AuthMode = strawberry.field(description="How the identity was established.")

    @classmethod
    def from_identity(cls, identity: Identity) -> Viewer:
        return cls(
            user_name=identity.user_name,
            email=identity.email,
            display_name=identity.display_name,
            groups=list(identity.groups),
            is_admin=identity.is_admin,
            auth_mode=AuthMode.DATABRICKS_APP if identity.mode is Mode.APPS else AuthMode.LOCAL,
        )


ViewerResult = Annotated[
    Viewer | Unauthenticated | UpstreamUnavailable,
    strawberry.union("ViewerResult", description="The viewer, or why there is none."),
]


@strawberry.type
class ViewerQuery:
    @strawberry.field(
        description=(
            "The calling person; `Unauthenticated` without a valid token, `UpstreamUnavailable` "
            "when the workspace cannot confirm who it is."
        )
    )
    async def viewer(self, info: JMInfo) -> ViewerResult:
        try:
            identity = await info.context.session.viewer()
        except UpstreamUnavailableError as exc:
            return upstream_unavailable(exc)
        return Viewer.from_identity(identity) if identity is not None else unauthenticated()
