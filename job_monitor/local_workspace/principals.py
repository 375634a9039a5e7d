"""The fixed principals of the local workspace (issue 2's local conventions).

Any tool can drive the stand-in with these: user tokens `local-<name>`, the app's service principal
`job-monitor-sp` / `local-sp-secret`, and one SQL warehouse `local`.
"""

from dataclasses import dataclass
from typing import Literal

WORKSPACE_ID = "1234567890123456"
WORKSPACE_NAME = "job-monitor-local"
# Another workspace of the account, listed by `system.access.workspaces_latest` only.
PROVISIONING_WORKSPACE_ID = "1234567890123457"
ACCOUNT_ID = "00000000-0000-4000-8000-000000000001"
WAREHOUSE_ID = "local"

SP_CLIENT_ID = "job-monitor-sp"
# A well-known local credential, not a secret: it only opens the stand-in on loopback.
SP_CLIENT_SECRET = "local-sp-secret"  # noqa: S105

ADMINS_GROUP = "admins"
USERS_GROUP = "users"


@dataclass(frozen=True)
class Principal:
    id: str
    user_name: str
    display_name: str
    kind: Literal["user", "service_principal"]
    groups: tuple[str, ...]


ALICE = Principal(
    id="1001",
    user_name="alice@example.com",
    display_name="Alice Admin",
    kind="user",
    groups=(ADMINS_GROUP, USERS_GROUP),
)
BOB = Principal(
    id="1002",
    user_name="bob@example.com",
    display_name="Bob Builder",
    kind="user",
    groups=("data-eng", USERS_GROUP),
)
CAROL = Principal(
    id="1003",
    user_name="carol@example.com",
    display_name="Carol Viewer",
    kind="user",
    groups=(USERS_GROUP,),
)
# Databricks names a service principal by its application id, so `user_name` is the client id.
APP_SP = Principal(
    id="2001",
    user_name=SP_CLIENT_ID,
    display_name="job-monitor app",
    kind="service_principal",
    groups=(USERS_GROUP,),
)

USER_TOKENS: dict[str, Principal] = {
    "local-alice": ALICE,
    "local-bob": BOB,
    "local-carol": CAROL,
}


def is_admin(principal: Principal) -> bool:
    return ADMINS_GROUP in principal.groups
