"""`viewer`: the calling person, confirmed by the workspace with their own token."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from job_monitor.backend.auth import Identity
from job_monitor.backend.config import Mode
from job_monitor.backend.graphql.context import JMInfo
from job_monitor.backend.graphql.errors import Unauthenticated, unauthenticated


@strawberry.enum(description="How the service learned who the viewer is.")
class AuthMode(Enum):
    DATABRICKS_APP = strawberry.enum_value(
        "DATABRICKS_APP",
        description="The Databricks Apps proxy forwarded the signed-in user's token.",
    )
    LOCAL = strawberry.enum_value(
        "LOCAL",
        description="A local workspace user: chosen in the UI (or a test), else the default user.",
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
    Viewer | Unauthenticated,
    strawberry.union("ViewerResult", description="The viewer, or why there is none."),
]


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="The calling person; `Unauthenticated` without a valid token.")
    async def viewer(self, info: JMInfo) -> ViewerResult:
        identity = await info.context.viewer()
        return Viewer.from_identity(identity) if identity else unauthenticated()
