"""The writable Unity Catalog catalog `main`: a DuckDB file in the stand-in's state directory.

It is attached read-write to the workspace's connection when a statement first names it, so a
stand-in that never writes never takes the file. Its DuckDB alias is the stand-in's own: stand-ins
of one process on one data file share a DuckDB instance, where an alias names one attached file.
DuckDB lets one process write a file, so a state directory belongs to one stand-in at a time: a
lock file says which, for as long as the catalog is attached. Detaching checkpoints, and the next
stand-in on the directory finds every row.

Concurrent writers behave as on Delta under WriteSerializable: UPDATE, DELETE, MERGE and ALTER
TABLE read the table they change, so a statement of these kinds fails with Delta's conflict error
when another one changed its table after it started; blind INSERTs never conflict. Every table has
a version, compared and bumped when such a statement commits. DDL runs one statement at a time, as
Unity Catalog applies metadata changes: two `CREATE … IF NOT EXISTS` at once both succeed, where
DuckDB would fail one as a write-write conflict.
"""

import contextlib
import fcntl
import logging
import threading
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import duckdb

from job_monitor.local_workspace.sql_translate import (
    WRITABLE_CATALOG,
    WRITABLE_CATALOG_ALIAS,
    StatementKind,
    Translation,
)

_log = logging.getLogger(__name__)

DATABASE_FILE: Final = f"{WRITABLE_CATALOG}.duckdb"
_LOCK_FILE: Final = f"{WRITABLE_CATALOG}.lock"
_READS_TARGET: Final[frozenset[StatementKind]] = frozenset(
    {"UPDATE", "DELETE", "MERGE", "ALTER_TABLE"}
)
_DDL: Final[frozenset[StatementKind]] = frozenset({"CREATE_SCHEMA", "CREATE_TABLE", "ALTER_TABLE"})


class StateDirectoryInUseError(Exception):
    def __init__(self, state_dir: Path) -> None:
        super().__init__(
            f"The state directory {state_dir} is in use by another local workspace (DuckDB lets "
            "one process write a file): give each local workspace its own state directory."
        )


class ConcurrentWriteError(Exception):
    """Another statement changed the table after this one started."""


@dataclass(frozen=True)
class Snapshot:
    """The version of the table a statement reads, taken before its transaction starts (a commit
    in between makes a harmless, retryable conflict; one missed would lose an update)."""

    table: str | None
    version: int = 0


class WritableCatalog:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.alias = f"{WRITABLE_CATALOG_ALIAS}_{uuid.uuid4().hex[:12]}"
        self._attach_lock = threading.Lock()
        self._lock_file: IO[str] | None = None
        self._attached = False
        self._commit_lock = threading.Lock()
        self._versions: dict[str, int] = {}
        self._ddl_lock = threading.Lock()

    def attach(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Attaches the catalog to the cursor's database, once; fails if another stand-in has it."""
        with self._attach_lock:
            if self._attached:
                return
            if self._lock_file is None:
                self.state_dir.mkdir(parents=True, exist_ok=True)
                lock_file = open(self.state_dir / _LOCK_FILE, "w")  # noqa: SIM115 (held open)
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError as error:
                    lock_file.close()
                    raise StateDirectoryInUseError(self.state_dir) from error
                self._lock_file = lock_file
            path = self.state_dir / DATABASE_FILE
            try:
                cursor.execute(f"ATTACH ? AS {self.alias} (READ_WRITE)", [str(path)])
            except duckdb.IOException as error:
                # A process that writes the file without the lock file (the DuckDB CLI, say).
                self.release()
                raise StateDirectoryInUseError(self.state_dir) from error
            self._attached = True

    def detach(self, cursor: duckdb.DuckDBPyConnection) -> None:
        with self._attach_lock:
            if not self._attached:
                return
            self._attached = False
            try:
                cursor.execute(f"CHECKPOINT {self.alias}")
                cursor.execute(f"DETACH {self.alias}")
            except duckdb.Error:
                # Closing the database still writes everything committed.
                _log.warning("could not detach the writable catalog cleanly", exc_info=True)

    def release(self) -> None:
        """Frees the state directory; only once the database that had it attached is closed."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def serialized(self, translation: Translation) -> AbstractContextManager[object]:
        """Held for the whole transaction of a DDL statement; nothing for any other."""
        return self._ddl_lock if translation.kind in _DDL else contextlib.nullcontext()

    def snapshot(self, translation: Translation) -> Snapshot:
        table = translation.target if translation.kind in _READS_TARGET else None
        if table is None:
            return Snapshot(None)
        with self._commit_lock:
            return Snapshot(table, self._versions.get(table, 0))

    def commit(self, cursor: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> None:
        """Commits the cursor's transaction unless the snapshot's table changed meanwhile."""
        if snapshot.table is None:
            cursor.execute("COMMIT")
            return
        with self._commit_lock:
            if self._versions.get(snapshot.table, 0) != snapshot.version:
                raise ConcurrentWriteError(snapshot.table)
            cursor.execute("COMMIT")
            self._versions[snapshot.table] = snapshot.version + 1
