"""Who is asking: the viewer as the workspace confirms them, and how the service runs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ADMINS_GROUP = "admins"


class Mode(StrEnum):
    """`apps` behind the Databricks Apps proxy; `local` on a laptop, CI or a demo."""

    APPS = "apps"
    LOCAL = "local"


@dataclass(frozen=True)
class Identity:
    """The calling person as the workspace knows them (SCIM Me with their own token)."""

    user_name: str
    email: str | None
    display_name: str | None
    groups: tuple[str, ...]
    mode: Mode

    @property
    def is_admin(self) -> bool:
        return ADMINS_GROUP in self.groups
