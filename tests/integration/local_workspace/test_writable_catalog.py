"""The writable catalog `main`, where the app keeps its own state: DDL, DML and their results,
grants, transactions, conflicts and faults, through the real databricks-sdk over HTTP."""

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import (
    ColumnInfoTypeName,
    ServiceErrorCode,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
)

from job_monitor.local_workspace.principals import WAREHOUSE_ID
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions
from job_monitor.local_workspace.statements import SqlDatabase
from tests.integration.local_workspace.conftest import (
    SmallDatabase,
    service_principal_client,
    user_client,
)

BUDGETS_DDL = """
    CREATE TABLE IF NOT EXISTS main.{schema}.budgets (
        team STRING NOT NULL,
        monthly_usd DOUBLE,
        alert_count BIGINT,
        updated_at TIMESTAMP,
        paused BOOLEAN
    ) USING DELTA
    COMMENT 'Monthly budgets per team'
    TBLPROPERTIES ('delta.enableDeletionVectors' = true)
"""
UPSERT_BUDGET = """
    MERGE INTO main.{schema}.budgets AS t
    USING (SELECT :team AS team, :monthly_usd AS monthly_usd) AS s
    ON t.team = s.team
    WHEN MATCHED AND s.monthly_usd IS NULL THEN DELETE
    WHEN MATCHED THEN UPDATE SET t.monthly_usd = s.monthly_usd, t.updated_at = current_timestamp()
    WHEN NOT MATCHED THEN INSERT (team, monthly_usd, alert_count, updated_at, paused)
        VALUES (s.team, s.monthly_usd, 0, current_timestamp(), false)
"""
BUDGETS = "SELECT team, monthly_usd, alert_count, paused FROM main.{schema}.budgets ORDER BY team"
MERGE_COUNTS = ["num_affected_rows", "num_updated_rows", "num_deleted_rows", "num_inserted_rows"]
CONFLICT_SQL_STATE = "2D521"
WRITERS = 2
REPLICAS = 4
MERGES_PER_WRITER = 50
ATTEMPTS_PER_MERGE = 100


def execute(
    client: WorkspaceClient,
    statement: str,
    parameters: dict[str, tuple[str | None, str]] | None = None,
    **options: str,
) -> StatementResponse:
    """Runs a statement; `parameters` maps a name to (value, type)."""
    return client.statement_execution.execute_statement(
        statement=statement,
        warehouse_id=WAREHOUSE_ID,
        wait_timeout="30s",
        parameters=[
            StatementParameterListItem(name=name, value=value, type=type_text)
            for name, (value, type_text) in (parameters or {}).items()
        ],
        **options,  # type: ignore[arg-type]
    )


def succeeded(response: StatementResponse) -> StatementResponse:
    assert response.status is not None
    assert response.status.state == StatementState.SUCCEEDED, response.status.error
    return response


def rows_of(response: StatementResponse) -> list[list[str]]:
    succeeded(response)
    return response.result.data_array or [] if response.result else []


def column_names(response: StatementResponse) -> list[str | None]:
    assert response.manifest is not None
    assert response.manifest.schema is not None
    return [column.name for column in response.manifest.schema.columns or []]


def failure(response: StatementResponse) -> tuple[str, str | None]:
    """(message, SQLSTATE) of a failed statement."""
    assert response.status is not None
    assert response.status.state == StatementState.FAILED
    assert response.status.error is not None
    return response.status.error.message or "", response.status.sql_state


def budget(team: str, monthly_usd: str | None) -> dict[str, tuple[str | None, str]]:
    return {"team": (team, "STRING"), "monthly_usd": (monthly_usd, "DOUBLE")}


def start_workspace(
    state_dir: Path, database: Callable[[], SqlDatabase] = SmallDatabase
) -> LocalWorkspace:
    workspace = LocalWorkspace(
        LocalWorkspaceOptions(state_dir=state_dir, statement_workers=4), database=database
    ).start()
    _ = workspace.state.database
    return workspace


class SharedDatabase:
    """One DuckDB instance seen by several workspaces, as DuckDB shares one per file and process."""

    def __init__(self) -> None:
        self._database = SmallDatabase()

    def __call__(self) -> SqlDatabase:
        return self

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._database.cursor()

    def close(self) -> None:
        """The instance outlives each workspace."""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWorkspace]:
    """A workspace of its own: DuckDB lets one process write a state directory."""
    started = start_workspace(tmp_path_factory.mktemp("state"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def app(workspace: LocalWorkspace) -> WorkspaceClient:
    return service_principal_client(workspace)


@pytest.fixture(scope="module")
def alice(workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(workspace, "local-alice")


@pytest.fixture
def faults(workspace: LocalWorkspace) -> Iterator[httpx.Client]:
    """The admin surface; statement faults set through it are cleared after each test."""
    with httpx.Client(base_url=workspace.host, timeout=10) as http:
        yield http
        http.post("/_local/faults", json={}).raise_for_status()


@pytest.fixture
def schema(app: WorkspaceClient) -> str:
    """A schema of the test's own, holding an empty budgets table."""
    name = f"app_{uuid.uuid4().hex[:12]}"
    succeeded(execute(app, f"CREATE SCHEMA IF NOT EXISTS main.{name}"))
    succeeded(execute(app, BUDGETS_DDL.format(schema=name)))
    return name


def test_schema_and_table_are_created_idempotently(app: WorkspaceClient) -> None:
    # given
    name = f"app_{uuid.uuid4().hex[:12]}"

    # when each statement runs twice
    responses = [
        execute(app, statement)
        for statement in (
            f"CREATE SCHEMA IF NOT EXISTS main.{name}",
            f"CREATE SCHEMA IF NOT EXISTS `main`.`{name}` COMMENT 'the app'",
            BUDGETS_DDL.format(schema=name),
            BUDGETS_DDL.format(schema=name),
        )
    ]

    # then each answers a result of no columns and no chunks, and the table is there, empty
    for response in responses:
        succeeded(response)
        assert response.manifest is not None
        assert response.manifest.schema is not None
        assert response.manifest.schema.column_count == 0
        assert response.manifest.total_row_count == 0
        assert response.manifest.total_chunk_count == 0
        assert response.result is None
    empty = execute(app, BUDGETS.format(schema=name))
    assert rows_of(empty) == []
    assert empty.manifest is not None
    assert empty.manifest.schema is not None
    assert [c.type_name for c in empty.manifest.schema.columns or []] == [
        ColumnInfoTypeName.STRING,
        ColumnInfoTypeName.DOUBLE,
        ColumnInfoTypeName.LONG,
        ColumnInfoTypeName.BOOLEAN,
    ]


def test_replicas_creating_the_same_schema_and_table_at_once_all_succeed(
    app: WorkspaceClient,
) -> None:
    # given
    name = f"app_{uuid.uuid4().hex[:12]}"

    def bootstrap(_: int) -> list[StatementResponse]:
        return [
            execute(app, f"CREATE SCHEMA IF NOT EXISTS main.{name}"),
            execute(app, BUDGETS_DDL.format(schema=name)),
        ]

    # when
    with ThreadPoolExecutor(max_workers=REPLICAS) as pool:
        responses = [r for replica in pool.map(bootstrap, range(REPLICAS)) for r in replica]

    # then
    for response in responses:
        succeeded(response)
    assert rows_of(execute(app, BUDGETS.format(schema=name))) == []


def test_creating_an_existing_table_without_if_not_exists_fails(
    app: WorkspaceClient, schema: str
) -> None:
    # when
    response = execute(app, f"CREATE TABLE main.{schema}.budgets (team STRING)")

    # then
    message, sql_state = failure(response)
    assert message.startswith("[TABLE_OR_VIEW_ALREADY_EXISTS]")
    assert sql_state == "42P07"


def test_merge_inserts_then_updates_then_deletes_with_databricks_counts(
    app: WorkspaceClient, schema: str
) -> None:
    # when the same key is merged three times: new, changed, then without a budget
    inserted = execute(app, UPSERT_BUDGET.format(schema=schema), budget("data-eng", "1500.5"))
    updated = execute(app, UPSERT_BUDGET.format(schema=schema), budget("data-eng", "2000"))
    after_update = rows_of(execute(app, BUDGETS.format(schema=schema)))
    deleted = execute(app, UPSERT_BUDGET.format(schema=schema), budget("data-eng", None))

    # then
    assert column_names(inserted) == MERGE_COUNTS
    assert inserted.manifest is not None
    assert inserted.manifest.schema is not None
    for column in inserted.manifest.schema.columns or []:
        assert column.type_name == ColumnInfoTypeName.LONG
        assert column.type_text == "BIGINT"
    assert rows_of(inserted) == [["1", "0", "0", "1"]]
    assert rows_of(updated) == [["1", "1", "0", "0"]]
    assert after_update == [["data-eng", "2000.0", "0", "false"]]
    assert rows_of(deleted) == [["1", "0", "1", "0"]]
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == []


def test_merge_by_name_with_stars(app: WorkspaceClient, schema: str) -> None:
    # given a source whose columns come in another order than the table's
    source = f"main.{schema}.incoming"
    succeeded(
        execute(
            app,
            f"CREATE TABLE {source} (paused BOOLEAN, team STRING, alert_count BIGINT, "
            "monthly_usd DOUBLE, updated_at TIMESTAMP)",
        )
    )
    succeeded(execute(app, f"INSERT INTO {source} VALUES (true, 'web', 3, 10.0, NULL)"))

    # when
    merged = execute(
        app,
        f"MERGE INTO main.{schema}.budgets t USING {source} s ON t.team = s.team "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
    )

    # then columns were matched by name, as Databricks does
    assert rows_of(merged) == [["1", "0", "0", "1"]]
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == [["web", "10.0", "3", "true"]]


def test_insert_update_delete_answer_their_counts(app: WorkspaceClient, schema: str) -> None:
    # given
    table = f"main.{schema}.budgets"

    # when
    inserted = execute(
        app,
        f"INSERT INTO {table} (team, monthly_usd, alert_count) VALUES "
        "('a', 1.0, 0), ('b', 2.0, 0), (:team, :usd, 0)",
        {"team": ("c", "STRING"), "usd": ("3.5", "DOUBLE")},
    )
    updated = execute(
        app,
        f"UPDATE {table} AS t SET t.alert_count = t.alert_count + 1 WHERE t.monthly_usd < :limit",
        {"limit": ("3", "DOUBLE")},
    )
    deleted = execute(app, f"DELETE FROM {table} WHERE team = :team", {"team": ("a", "STRING")})

    # then
    assert column_names(inserted) == ["num_affected_rows", "num_inserted_rows"]
    assert rows_of(inserted) == [["3", "3"]]
    assert column_names(updated) == ["num_affected_rows"]
    assert rows_of(updated) == [["2"]]
    assert column_names(deleted) == ["num_affected_rows"]
    assert rows_of(deleted) == [["1"]]
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == [
        ["b", "2.0", "1", None],
        ["c", "3.5", "0", None],
    ]


def test_alter_table_adds_columns(app: WorkspaceClient, schema: str) -> None:
    # when
    altered = execute(
        app,
        f"ALTER TABLE main.{schema}.budgets ADD COLUMNS (owner STRING COMMENT 'who', tier BIGINT)",
    )
    inserted = execute(
        app,
        f"INSERT INTO main.{schema}.budgets (team, owner, tier) VALUES ('x', 'alice', 2)",
    )

    # then
    succeeded(altered)
    assert rows_of(inserted) == [["1", "1"]]
    selected = execute(app, f"SELECT team, owner, tier FROM main.{schema}.budgets")
    assert rows_of(selected) == [["x", "alice", "2"]]


def test_two_part_names_resolve_in_the_requested_catalog(app: WorkspaceClient, schema: str) -> None:
    # when
    inserted = execute(
        app, "INSERT INTO `budgets` (team) VALUES ('ops')", catalog="main", schema=schema
    )
    selected = execute(app, f"SELECT team FROM {schema}.budgets", catalog="main")

    # then
    assert rows_of(inserted) == [["1", "1"]]
    assert rows_of(selected) == [["ops"]]


def test_a_missing_table_is_not_found(app: WorkspaceClient, schema: str) -> None:
    # when
    response = execute(app, f"INSERT INTO main.{schema}.nothing VALUES (1)")

    # then
    message, sql_state = failure(response)
    assert message.startswith("[TABLE_OR_VIEW_NOT_FOUND]")
    assert sql_state == "42P01"


def test_a_null_in_a_not_null_column_fails_and_writes_nothing(
    app: WorkspaceClient, schema: str
) -> None:
    # when the second row breaks the constraint
    response = execute(app, f"INSERT INTO main.{schema}.budgets (team) VALUES ('fine'), (NULL)")

    # then
    message, sql_state = failure(response)
    assert message.startswith("[DELTA_NOT_NULL_CONSTRAINT_VIOLATED]")
    assert "team" in message
    assert sql_state == "23502"
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == []


def test_a_merge_whose_source_matches_a_row_twice_fails(app: WorkspaceClient, schema: str) -> None:
    # given
    succeeded(execute(app, UPSERT_BUDGET.format(schema=schema), budget("web", "1")))

    # when
    response = execute(
        app,
        f"MERGE INTO main.{schema}.budgets t "
        "USING (SELECT 'web' AS team, 2.0 AS usd UNION ALL SELECT 'web', 3.0) s "
        "ON t.team = s.team WHEN MATCHED THEN UPDATE SET monthly_usd = s.usd",
    )

    # then
    message, sql_state = failure(response)
    assert message.startswith("[DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE]")
    assert sql_state == "21506"
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == [["web", "1.0", "0", "false"]]


@pytest.mark.parametrize(
    ("statement", "privilege"),
    [
        ("SELECT * FROM main.{schema}.budgets", "SELECT on Table 'main.{schema}.budgets'"),
        (
            "INSERT INTO main.{schema}.budgets (team) VALUES ('x')",
            "MODIFY on Table 'main.{schema}.budgets'",
        ),
        (
            "UPDATE main.{schema}.budgets SET paused = true",
            "MODIFY on Table 'main.{schema}.budgets'",
        ),
        ("DELETE FROM main.{schema}.budgets", "MODIFY on Table 'main.{schema}.budgets'"),
        (
            "MERGE INTO main.{schema}.budgets t USING (SELECT 'x' AS team) s ON t.team = s.team "
            "WHEN NOT MATCHED THEN INSERT (team) VALUES (s.team)",
            "MODIFY on Table 'main.{schema}.budgets'",
        ),
        (
            "ALTER TABLE main.{schema}.budgets ADD COLUMNS (c STRING)",
            "MODIFY on Table 'main.{schema}.budgets'",
        ),
        ("CREATE SCHEMA IF NOT EXISTS main.{schema}_alice", "CREATE SCHEMA on Catalog 'main'"),
        (
            "CREATE TABLE IF NOT EXISTS main.{schema}.mine (a STRING)",
            "CREATE TABLE on Schema 'main.{schema}'",
        ),
    ],
)
def test_users_have_no_privileges_on_the_apps_catalog(
    app: WorkspaceClient, alice: WorkspaceClient, schema: str, statement: str, privilege: str
) -> None:
    # when alice, who may read the system tables, touches the app's catalog
    response = execute(alice, statement.format(schema=schema))

    # then
    message, sql_state = failure(response)
    assert message == (
        "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have "
        f"{privilege.format(schema=schema)}. SQLSTATE: 42501"
    )
    assert sql_state == "42501"
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == []


@pytest.mark.parametrize(
    ("statement", "privilege"),
    [
        (
            "INSERT INTO system.lakeflow.jobs (job_id) VALUES ('1')",
            "MODIFY on Table 'system.lakeflow.jobs'",
        ),
        (
            "UPDATE system.billing.usage SET usage_quantity = 0",
            "MODIFY on Table 'system.billing.usage'",
        ),
        ("DELETE FROM system.lakeflow.jobs", "MODIFY on Table 'system.lakeflow.jobs'"),
        (
            "MERGE INTO system.lakeflow.jobs t USING (SELECT '1' AS job_id) s "
            "ON t.job_id = s.job_id WHEN MATCHED THEN DELETE",
            "MODIFY on Table 'system.lakeflow.jobs'",
        ),
        ("CREATE SCHEMA system.mine", "CREATE SCHEMA on Catalog 'system'"),
        (
            "CREATE TABLE system.lakeflow.mine (a STRING)",
            "CREATE TABLE on Schema 'system.lakeflow'",
        ),
    ],
)
def test_the_system_catalog_is_read_only_even_for_the_app(
    app: WorkspaceClient, statement: str, privilege: str
) -> None:
    # when
    response = execute(app, statement)

    # then
    message, sql_state = failure(response)
    assert message.startswith(
        f"[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have {privilege}."
    )
    assert sql_state == "42501"
    assert rows_of(execute(app, "SELECT count(*) FROM system.lakeflow.jobs")) == [["3"]]


def test_rows_survive_a_restart_on_the_same_state_directory(tmp_path: Path) -> None:
    # given rows written by one workspace, which then stops
    first = start_workspace(tmp_path)
    try:
        app = service_principal_client(first)
        succeeded(execute(app, "CREATE SCHEMA main.kept"))
        succeeded(execute(app, BUDGETS_DDL.format(schema="kept")))
        succeeded(execute(app, UPSERT_BUDGET.format(schema="kept"), budget("web", "10")))
    finally:
        first.stop()

    # when a new workspace starts on the same state directory
    second = start_workspace(tmp_path)
    try:
        rows = rows_of(execute(service_principal_client(second), BUDGETS.format(schema="kept")))
    finally:
        second.stop()

    # then
    assert rows == [["web", "10.0", "0", "false"]]


def test_workspaces_sharing_a_duckdb_instance_keep_their_catalogs_apart(tmp_path: Path) -> None:
    # given two workspaces on one DuckDB instance, with state directories of their own
    shared = SharedDatabase()
    first = start_workspace(tmp_path / "first", shared)
    second = start_workspace(tmp_path / "second", shared)
    try:
        # when each writes its own row into a table of the same name
        for workspace, team in ((first, "first"), (second, "second")):
            app = service_principal_client(workspace)
            succeeded(execute(app, "CREATE SCHEMA main.kept"))
            succeeded(execute(app, BUDGETS_DDL.format(schema="kept")))
            succeeded(execute(app, UPSERT_BUDGET.format(schema="kept"), budget(team, "1")))

        # then each reads its own
        teams = [
            rows_of(execute(service_principal_client(w), "SELECT team FROM main.kept.budgets"))
            for w in (first, second)
        ]
    finally:
        first.stop()
        second.stop()
    assert teams == [[["first"]], [["second"]]]


def test_a_state_directory_in_use_fails_statements_naming_it(
    workspace: LocalWorkspace, app: WorkspaceClient, schema: str
) -> None:
    # given a second workspace on the first one's state directory
    state_dir = workspace.state.catalog.state_dir
    second = start_workspace(state_dir)
    try:
        # when
        response = execute(service_principal_client(second), BUDGETS.format(schema=schema))
    finally:
        second.stop()

    # then it fails, and the first workspace keeps its catalog
    message, _ = failure(response)
    assert response.status is not None
    assert response.status.error is not None
    assert response.status.error.error_code == ServiceErrorCode.INTERNAL_ERROR
    assert str(state_dir) in message
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == []


def test_an_injected_concurrent_write_fails_with_deltas_conflict_error(
    app: WorkspaceClient, schema: str, faults: httpx.Client
) -> None:
    # given
    faults.post(
        "/_local/faults",
        json={
            "statements": [{"pattern": r"MERGE\s+INTO", "error": "CONCURRENT_WRITE", "times": 1}]
        },
    ).raise_for_status()

    # when the same MERGE runs twice
    first = execute(app, UPSERT_BUDGET.format(schema=schema), budget("web", "1"))
    second = execute(app, UPSERT_BUDGET.format(schema=schema), budget("web", "1"))

    # then the first failed without writing, the retry landed
    assert failure(first) == (
        "[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of "
        "the table by a concurrent update. Please try the operation again. SQLSTATE: 2D521",
        CONFLICT_SQL_STATE,
    )
    assert rows_of(second) == [["1", "0", "0", "1"]]
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == [["web", "1.0", "0", "false"]]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO main.{schema}.budgets (team) VALUES ('a'), ('b')",
        "UPDATE main.{schema}.budgets SET paused = true",
        "DELETE FROM main.{schema}.budgets",
        "ALTER TABLE main.{schema}.budgets ADD COLUMNS (c1 STRING, c2 STRING)",
    ],
)
def test_a_statement_failing_after_its_write_leaves_nothing_behind(
    app: WorkspaceClient, schema: str, faults: httpx.Client, statement: str
) -> None:
    # given one row, and a fault on the statement
    succeeded(execute(app, UPSERT_BUDGET.format(schema=schema), budget("web", "1")))
    faults.post(
        "/_local/faults",
        json={"statements": [{"pattern": "budgets", "error": "FAILED_AFTER_WRITE", "times": 1}]},
    ).raise_for_status()

    # when
    response = execute(app, statement.format(schema=schema))

    # then it failed as an internal error, and the table is as it was
    message, _ = failure(response)
    assert message.startswith("[INTERNAL_ERROR]")
    assert response.status is not None
    assert response.status.error is not None
    assert response.status.error.error_code == ServiceErrorCode.INTERNAL_ERROR
    everything = execute(app, f"SELECT * FROM main.{schema}.budgets")
    assert column_names(everything) == [
        "team",
        "monthly_usd",
        "alert_count",
        "updated_at",
        "paused",
    ]
    assert rows_of(execute(app, BUDGETS.format(schema=schema))) == [["web", "1.0", "0", "false"]]


def test_faults_reject_a_pattern_that_is_no_regular_expression(faults: httpx.Client) -> None:
    # when
    response = faults.post(
        "/_local/faults", json={"statements": [{"pattern": "(", "error": "CONCURRENT_WRITE"}]}
    )

    # then
    assert response.status_code == 400


def merge_with_retries(app: WorkspaceClient, schema: str, team: str) -> int:
    """MERGEs one team's budget, retrying on Delta's conflict; returns the conflicts met."""
    for attempt in range(ATTEMPTS_PER_MERGE):
        response = execute(app, UPSERT_BUDGET.format(schema=schema), budget(team, "5"))
        assert response.status is not None
        if response.status.state == StatementState.SUCCEEDED:
            return attempt
        assert response.status.sql_state == CONFLICT_SQL_STATE, response.status.error
    raise AssertionError(f"{team} never landed")


def write_at_once(app: WorkspaceClient, schema: str, teams: list[list[str]]) -> None:
    """One thread per list of teams, each merging its teams one after the other."""
    errors: list[BaseException] = []

    def write(own: list[str]) -> None:
        try:
            for team in own:
                merge_with_retries(app, schema, team)
        except BaseException as error:  # reported by the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(own,)) for own in teams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def rows_per_team(app: WorkspaceClient, schema: str) -> list[list[str]]:
    counted = f"SELECT team, count(*) FROM main.{schema}.budgets GROUP BY ALL ORDER BY team"
    return rows_of(execute(app, counted))


def test_concurrent_merges_either_land_or_fail_with_a_conflict(
    app: WorkspaceClient, schema: str
) -> None:
    # given two writers, each with teams of its own
    teams = [[f"w{w}-{i:02d}" for i in range(MERGES_PER_WRITER)] for w in range(WRITERS)]

    # when they merge into the same table at once
    write_at_once(app, schema, teams)

    # then every row is there, exactly once
    assert rows_per_team(app, schema) == sorted([team, "1"] for own in teams for team in own)


def test_concurrent_merges_of_the_same_keys_never_duplicate_a_row(
    app: WorkspaceClient, schema: str
) -> None:
    # given two writers with the same teams
    shared = [f"shared-{i:02d}" for i in range(MERGES_PER_WRITER)]

    # when they merge into the same table at once
    write_at_once(app, schema, [shared] * WRITERS)

    # then each team has one row: a MERGE that missed the other's insert was refused, not run
    assert rows_per_team(app, schema) == [[team, "1"] for team in shared]
