"""Job ACLs of the local workspace: who may view or manage which job.

Grants are stored per job in `local.acl` (owner, the team's group, sometimes a teammate, the app's
service principal). Workspace admins hold CAN_MANAGE on every job by inheritance from `/jobs/`, so
that grant is answered here rather than stored.
"""

from typing import Final

import duckdb

from job_monitor.local_workspace.principals import ADMINS_GROUP, Principal, is_admin

# Ranked from least to most; IS_OWNER and CAN_MANAGE carry the same abilities.
LEVELS: Final = ("CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER")
_RANK: Final = {level: rank for rank, level in enumerate(LEVELS)}
_MANAGE_RANK: Final = _RANK["CAN_MANAGE"]
# The last entry of every job's ACL: admins' CAN_MANAGE, inherited from the jobs folder.
ADMINS_INHERITED_GRANT: Final[dict[str, object]] = {
    "group_name": ADMINS_GROUP,
    "all_permissions": [
        {"permission_level": "CAN_MANAGE", "inherited": True, "inherited_from_object": ["/jobs/"]}
    ],
}


def _principal_type(principal: Principal) -> str:
    return "service_principal" if principal.kind == "service_principal" else "user"


def grant_condition(principal: Principal) -> tuple[str, list[object]]:
    """SQL condition on `local.acl` rows granting to `principal`, directly or via a group."""
    return (
        "((principal_type = ? AND principal = ?) "
        "OR (principal_type = 'group' AND list_contains(?, principal)))",
        [_principal_type(principal), principal.user_name, list(principal.groups)],
    )


def visible_jobs_condition(
    principal: Principal, column: str = "job_id"
) -> tuple[str, list[object]]:
    """SQL condition keeping the jobs `principal` may at least view (every job for an admin)."""
    if is_admin(principal):
        return "TRUE", []
    condition, params = grant_condition(principal)
    return f"{column} IN (SELECT job_id FROM local.acl WHERE {condition})", params  # noqa: S608


def permission_level(
    cursor: duckdb.DuckDBPyConnection, principal: Principal, job_id: int
) -> str | None:
    """The highest level `principal` holds on the job, or None when it may not even view it."""
    if is_admin(principal):
        return "CAN_MANAGE"
    condition, params = grant_condition(principal)
    rows = cursor.execute(
        f"SELECT permission_level FROM local.acl WHERE job_id = ? AND {condition}",  # noqa: S608 (our own text)
        [job_id, *params],
    ).fetchall()
    levels = [row[0] for row in rows]
    return max(levels, key=_RANK.__getitem__) if levels else None


def can_manage(level: str | None) -> bool:
    return level is not None and _RANK[level] >= _MANAGE_RANK


def access_control_list(
    cursor: duckdb.DuckDBPyConnection, job_id: int, display_names: dict[str, str]
) -> list[dict[str, object]]:
    """The job's ACL in the Permissions API's shape, with the admins' inherited grant last."""
    rows = cursor.execute(
        "SELECT principal_type, principal, permission_level FROM local.acl WHERE job_id = ? "
        "ORDER BY CASE principal_type WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, principal",
        [job_id],
    ).fetchall()
    entries: list[dict[str, object]] = []
    for principal_type, principal, level in rows:
        entry: dict[str, object] = {
            f"{principal_type}_name" if principal_type != "group" else "group_name": principal
        }
        if principal in display_names:
            entry["display_name"] = display_names[principal]
        entry["all_permissions"] = [{"permission_level": level, "inherited": False}]
        entries.append(entry)
    entries.append(ADMINS_INHERITED_GRANT)
    return entries
