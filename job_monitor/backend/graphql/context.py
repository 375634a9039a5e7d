"""The per-request GraphQL context: the only door from resolvers to dependencies."""

from __future__ import annotations

from strawberry.fastapi import BaseContext
from strawberry.types import Info

from job_monitor.backend.graphql.loaders import Loaders
from job_monitor.backend.services.dependencies import SessionDep
from job_monitor.backend.services.session import Session


class Context(BaseContext):
    """The request's session (its viewer, its "now", its visible jobs) and its DataLoaders."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.request_id = session.request_id
        self.loaders = Loaders(session)


async def get_context(session: SessionDep) -> Context:
    return Context(session)


JMInfo = Info[Context, None]
