"""Unity Catalog grants of the local workspace: who may read or write which catalog.

`system` is readable by the app's service principal and alice only (Databricks grants the system
schemas to nobody by default) and writable by nobody. `main`, where the app keeps its own state,
is the service principal's alone: every privilege for it, none for users.

The tables jobs read and write (the data catalogs, synth/tables.py) are read-only, and who may
SELECT one is data: admins and the app's service principal read every table; anyone else reads a
table when they may view a job that reads or writes it. So their grants are checked on the
database, when the statement runs: DESCRIBE HISTORY fails for a table that does not exist or that
the principal may not read, and information_schema.columns lists the readable tables only (through
a variable the statement's cursor carries), as Databricks' information schema does.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import duckdb

from job_monitor.local_workspace.permissions import grant_condition
from job_monitor.local_workspace.principals import ALICE, APP_SP, Principal, is_admin
from job_monitor.local_workspace.sql_translate import (
    READABLE_TABLES_VARIABLE,
    SYSTEM_CATALOG,
    WRITABLE_CATALOG,
    SqlError,
    Translation,
    table_not_found,
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


def _insufficient(privilege: Privilege) -> SqlError:
    return SqlError(
        "INSUFFICIENT_PERMISSIONS",
        f"Insufficient privileges: User does not have {privilege.name} on "
        f"{privilege.securable_type} '{privilege.securable}'.",
        "42501",
    )


def check_grants(principal: Principal, translation: Translation) -> None:
    """Fails as Databricks does, naming the first privilege the principal lacks."""
    for privilege in _required(translation):
        if not _holds(principal, privilege):
            raise _insufficient(privilege)


def _readable_tables(principal: Principal) -> tuple[str, list[object]]:
    """SQL selecting the ids of the data catalogs' tables `principal` may SELECT."""
    if is_admin(principal) or principal == APP_SP:
        return "SELECT table_id FROM local.uc_tables", []
    condition, params = grant_condition(principal)
    return (
        "SELECT DISTINCT table_id FROM local.uc_table_jobs "  # noqa: S608 (our own text)
        f"WHERE job_id IN (SELECT job_id FROM local.acl WHERE {condition})",
        params,
    )


def check_table_grants(
    cursor: duckdb.DuckDBPyConnection, principal: Principal, translation: Translation
) -> None:
    """The data catalogs' part of the grants, on the statement's cursor: the tables whose history
    it reads exist and are readable, and information_schema sees the readable ones only."""
    if not translation.history_tables and not translation.reads_information_schema:
        return
    readable, params = _readable_tables(principal)
    cursor.execute(
        f"SET VARIABLE {READABLE_TABLES_VARIABLE} = "  # noqa: S608 (our own text)
        f"(SELECT coalesce(list(table_id), []) FROM ({readable}))",
        params,
    )
    for table in sorted(translation.history_tables):
        found = cursor.execute(
            f"SELECT list_contains(getvariable('{READABLE_TABLES_VARIABLE}'), table_id) "  # noqa: S608
            "FROM local.uc_tables WHERE full_name = ?",
            [table],
        ).fetchone()
        if found is None:
            raise table_not_found(table.split("."))
        if not found[0]:
            raise _insufficient(Privilege("SELECT", "Table", table))
