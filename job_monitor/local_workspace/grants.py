"""Unity Catalog grants of the local workspace: who may read or write which catalog.

`system` is readable by the app's service principal and alice only (Databricks grants the system
schemas to nobody by default) and writable by nobody. `main`, where the app keeps its own state,
is the service principal's alone: every privilege for it, none for users.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from job_monitor.local_workspace.principals import ALICE, APP_SP, Principal
from job_monitor.local_workspace.sql_translate import (
    SYSTEM_CATALOG,
    WRITABLE_CATALOG,
    SqlError,
    Translation,
)

_SYSTEM_READERS = frozenset({APP_SP, ALICE})
_READ_PRIVILEGES = frozenset({"USE SCHEMA", "SELECT"})


@dataclass(frozen=True)
class Privilege:
    name: Literal["USE SCHEMA", "SELECT", "MODIFY", "CREATE SCHEMA", "CREATE TABLE"]
    securable_type: Literal["Catalog", "Schema", "Table"]
    securable: str

    @property
    def catalog(self) -> str:
        return self.securable.split(".")[0]


def _read_privilege(table: str) -> Privilege:
    if table.startswith(f"{SYSTEM_CATALOG}."):
        # Without grants on the system schemas, Databricks names the schema, not the table.
        schema = table.rsplit(".", 1)[0]
        return Privilege("USE SCHEMA", "Schema", schema)
    return Privilege("SELECT", "Table", table)


def _required(translation: Translation) -> Iterator[Privilege]:
    """The privileges a statement needs, the one on what it writes first."""
    target = translation.target
    if translation.kind == "CREATE_SCHEMA" and target:
        yield Privilege("CREATE SCHEMA", "Catalog", target.split(".")[0])
    elif translation.kind == "CREATE_TABLE" and target:
        yield Privilege("CREATE TABLE", "Schema", target.rsplit(".", 1)[0])
    elif target:
        yield Privilege("MODIFY", "Table", target)
    reads = translation.tables - {target} if target else translation.tables
    for table in sorted(reads):
        yield _read_privilege(table)


def _holds(principal: Principal, privilege: Privilege) -> bool:
    if privilege.catalog == SYSTEM_CATALOG:
        return principal in _SYSTEM_READERS and privilege.name in _READ_PRIVILEGES
    return privilege.catalog == WRITABLE_CATALOG and principal == APP_SP


def check_grants(principal: Principal, translation: Translation) -> None:
    """Fails as Databricks does, naming the first privilege the principal lacks."""
    for privilege in _required(translation):
        if not _holds(principal, privilege):
            raise SqlError(
                "INSUFFICIENT_PERMISSIONS",
                f"Insufficient privileges: User does not have {privilege.name} on "
                f"{privilege.securable_type} '{privilege.securable}'.",
                "42501",
            )
