"""What the synthetic jobs read and write: Unity Catalog tables, their Delta history, the lineage.

Most classic and serverless jobs (not the continuous ones, not the zombie) write 1-3 tables and read
1-4. A job's tables live in the catalog of its environment (`prod`, `staging`, `dev`) and the schema
of its team: `prod.data_eng.orders_silver_42` (subject, layer, job index), with a `_daily` and a
`_quality` table for a second and third target. It reads shared landing tables
(`prod.raw.orders_events`) and, now and then, tables other jobs write.

Each successful run of a writing job commits one Delta version to each of its target tables, as its
last task ends; the version's `job` names the job, the job run (`jobRunId`) and the task run
(`runId`), and `system.access.table_lineage` has one row per (source, target) of the same commit,
derived from the very same rows, so history and lineage can never disagree. Only the last
`HISTORY_DAYS` are kept (Delta's default log retention; Databricks keeps lineage 395 days, which
would only make the file bigger). The operation follows the job's action: appends (`WRITE`),
`MERGE`, `DELETE` and `CREATE OR REPLACE TABLE AS SELECT`, with Delta's operation metrics; a table
whose job was created inside the window starts at version 0 with `CREATE TABLE AS SELECT`. Rows
written vary by at most ±8 % around each table's size, so a write is never 20 % off the median of
the others, except where planted:

* **Row-count drop**: job `DROP_JOB` (pinned: analytics, daily) wrote its first table's last
  `DROP_WRITES` versions at 30 % of its usual rows (`numOutputRows`, a `WRITE`).
* **Empty run**: job `EMPTY_RUN_JOB` (pinned: marketing, on file arrival) committed one `WRITE`
  with `numOutputRows` 0: its latest write older than `EMPTY_RUN_AGE`. No other write is empty.
* **Schema drift**: job `SCHEMA_DRIFT_JOB`'s first table (pinned: data-eng's daily job, so bob sees
  it; written by `MERGE`) gained `discount_code` (`ADD COLUMNS`) `ADDED_COLUMN_AGE` before the
  anchor, and at `SCHEMA_CHANGE_AGE` before it its owner enabled column mapping
  (`SET TBLPROPERTIES`), dropped `legacy_status` (`DROP COLUMNS`, 30 s later) and widened
  `quantity` from int to bigint (`CHANGE COLUMN`, 60 s later). `information_schema.columns` shows
  the schema after these changes.
* Every other table is steady, and no other version changes a schema.

A table's readers are the principals who may view a job that reads or writes it (grants.py). The
commit's `job.triggerType` spells the run's trigger in lower case (`cron`, `file_arrival`, `manual`,
`continuous`): Delta declares it a string, and what DBR writes there is unconfirmed.

Storage is compact: one row per version in `local.table_history` (numbers, not maps) and the tables
and their columns in `local.uc_*`; views in schema `local` render what Databricks answers:
`DESCRIBE HISTORY` (`local.describe_history`), `information_schema.columns`
(`local.information_schema_columns`) and the lineage rows under `system.access.table_lineage`
(`local.table_lineage`, anchored like every base table; database.py shifts it).
"""

import json
from datetime import timedelta
from typing import Final

import duckdb

from job_monitor.local_workspace.principals import ACCOUNT_ID, WORKSPACE_ID

# Delta's default `delta.logRetentionDuration`: DESCRIBE HISTORY shows about 30 days.
HISTORY_DAYS: Final = 30
# One catalog per environment a job runs in (vocabulary.ENVIRONMENTS).
DATA_CATALOGS: Final = ("prod", "staging", "dev")
METASTORE_ID: Final = "5a31ba44-bbf4-4174-bf33-e1fa078e6765"
# The engine of commits made outside jobs (DDL from a SQL warehouse).
_SQL_ENGINE: Final = "Databricks-Runtime/16.4.x-photon-scala2.12"

DROP_JOB: Final = 4
DROP_WRITES: Final = 3
DROP_FACTOR: Final = 0.3
EMPTY_RUN_JOB: Final = 9
EMPTY_RUN_AGE: Final = timedelta(days=1)
SCHEMA_DRIFT_JOB: Final = 0
ADDED_COLUMN_AGE: Final = timedelta(days=12)
SCHEMA_CHANGE_AGE: Final = timedelta(days=10)
ADDED_COLUMN: Final = "discount_code"
DROPPED_COLUMN: Final = "legacy_status"
RETYPED_COLUMN: Final = "quantity"

# Columns per kind of table: (name, type as written in the definition, nullable, comment).
_Column = tuple[str, str, bool, str | None]
_COLUMN_SETS: Final[dict[str, tuple[_Column, ...]]] = {
    "events": (
        ("event_id", "string", False, "Unique id of the event."),
        ("event_time", "timestamp", False, None),
        ("event_type", "string", True, None),
        ("payload", "string", True, "Raw JSON payload."),
        ("source_file", "string", True, None),
        ("_ingested_at", "timestamp", False, "When the row was ingested."),
    ),
    "entities": (
        ("id", "bigint", False, "Primary key."),
        ("customer_id", "bigint", True, None),
        ("status", "string", True, None),
        ("amount", "decimal(18,2)", True, None),
        ("currency", "string", True, None),
        ("updated_at", "timestamp", True, None),
        ("attributes", "map<string,string>", True, None),
    ),
    "aggregates": (
        ("event_date", "date", False, None),
        ("segment", "string", True, None),
        ("total_amount", "decimal(38,2)", True, None),
        ("row_count", "bigint", True, None),
        ("avg_amount", "double", True, None),
    ),
    "features": (
        ("id", "bigint", False, None),
        ("features", "array<double>", True, "Model input vector."),
        ("score", "double", True, None),
        ("model_version", "string", True, None),
        ("scored_at", "timestamp", True, None),
    ),
    # The drifted table now: `legacy_status` gone, `quantity` bigint, `discount_code` added.
    "drifted": (
        ("id", "bigint", False, "Primary key."),
        ("customer_id", "bigint", True, None),
        ("status", "string", True, None),
        (RETYPED_COLUMN, "bigint", True, None),
        ("amount", "decimal(18,2)", True, None),
        ("updated_at", "timestamp", True, None),
        (ADDED_COLUMN, "string", True, "Campaign code, if any."),
    ),
}

# The planted schema changes: (age before the anchor, operation, operationParameters).
_SCHEMA_CHANGES: Final = (
    (
        ADDED_COLUMN_AGE,
        "ADD COLUMNS",
        {
            "columns": json.dumps(
                [
                    {
                        "column": {
                            "name": ADDED_COLUMN,
                            "type": "string",
                            "nullable": True,
                            "metadata": {"comment": "Campaign code, if any."},
                        }
                    }
                ],
                separators=(",", ":"),
            )
        },
    ),
    (
        SCHEMA_CHANGE_AGE,
        "SET TBLPROPERTIES",
        {
            "properties": json.dumps(
                {
                    "delta.columnMapping.mode": "name",
                    "delta.minReaderVersion": "2",
                    "delta.minWriterVersion": "5",
                },
                separators=(",", ":"),
            )
        },
    ),
    (
        SCHEMA_CHANGE_AGE - timedelta(seconds=30),
        "DROP COLUMNS",
        {"columns": json.dumps([DROPPED_COLUMN])},
    ),
    (
        SCHEMA_CHANGE_AGE - timedelta(seconds=60),
        "CHANGE COLUMN",
        {
            "column": json.dumps(
                {"name": RETYPED_COLUMN, "type": "long", "nullable": True, "metadata": {}},
                separators=(",", ":"),
            )
        },
    ),
)

# DESCRIBE HISTORY's columns (Databricks' names; DuckDB types, which the statement manifest turns
# into Databricks' own) and how the view makes them from `local.table_history` h joined with
# `local.uc_tables` t.
_JOB = (
    'STRUCT("jobId" VARCHAR, "jobName" VARCHAR, "jobRunId" VARCHAR, "runId" VARCHAR, '
    '"jobOwnerId" VARCHAR, "triggerType" VARCHAR)'
)
_STRING_MAP = "MAP(VARCHAR, VARCHAR)"
_WRITTEN = "CASE WHEN h.rows = 0 THEN 0 ELSE 1 + h.rows // 2000000 END"
_BYTES = "h.rows * t.row_bytes"
_INSERTED = "round(h.rows * t.insert_share)::BIGINT"
_DELETED = "round(h.rows * t.delete_share)::BIGINT"
_UPDATED = f"(h.rows - {_INSERTED} - {_DELETED})"
_COPIED_FILES = "(1 + h.copied // 2000000)"
_TIMES = (
    "'executionTimeMs': (2000 + h.rows // 500)::VARCHAR, "
    "'scanTimeMs': (500 + h.rows // 4000)::VARCHAR, "
    "'rewriteTimeMs': (1000 + (h.rows + h.copied) // 1500)::VARCHAR"
)
_WRITE_METRICS = (
    f"MAP {{'numFiles': ({_WRITTEN})::VARCHAR, 'numOutputRows': h.rows::VARCHAR, "
    f"'numOutputBytes': ({_BYTES})::VARCHAR}}"
)
_MERGE_METRICS = (
    f"MAP {{'numSourceRows': h.rows::VARCHAR, 'numTargetRowsInserted': {_INSERTED}::VARCHAR, "
    f"'numTargetRowsUpdated': {_UPDATED}::VARCHAR, "
    f"'numTargetRowsMatchedUpdated': {_UPDATED}::VARCHAR, "
    "'numTargetRowsNotMatchedBySourceUpdated': '0', "
    f"'numTargetRowsDeleted': {_DELETED}::VARCHAR, "
    f"'numTargetRowsMatchedDeleted': {_DELETED}::VARCHAR, "
    "'numTargetRowsNotMatchedBySourceDeleted': '0', "
    "'numTargetRowsCopied': h.copied::VARCHAR, "
    f"'numOutputRows': ({_INSERTED} + {_UPDATED} + h.copied)::VARCHAR, "
    f"'numTargetFilesAdded': ({_WRITTEN} + {_COPIED_FILES})::VARCHAR, "
    f"'numTargetFilesRemoved': {_COPIED_FILES}::VARCHAR, "
    f"'numTargetBytesAdded': (({_INSERTED} + {_UPDATED} + h.copied) * t.row_bytes)::VARCHAR, "
    f"'numTargetBytesRemoved': ((h.copied + {_UPDATED} + {_DELETED}) * t.row_bytes)::VARCHAR, "
    f"{_TIMES}}}"
)
_DELETE_METRICS = (
    "MAP {'numDeletedRows': h.rows::VARCHAR, 'numCopiedRows': h.copied::VARCHAR, "
    f"'numAddedFiles': {_COPIED_FILES}::VARCHAR, "
    f"'numRemovedFiles': ({_COPIED_FILES} + {_WRITTEN})::VARCHAR, "
    "'numAddedBytes': (h.copied * t.row_bytes)::VARCHAR, "
    "'numRemovedBytes': ((h.copied + h.rows) * t.row_bytes)::VARCHAR, "
    f"{_TIMES}}}"
)
_CREATE_PARAMETERS = (
    "MAP {'isManaged': 'true', 'description': NULL, 'partitionBy': '[]', 'clusterBy': '[]', "
    "'properties': '{}'}"
)
_HISTORY_COLUMNS: Final = (
    ("version", "BIGINT", "h.version"),
    ("timestamp", "TIMESTAMPTZ", "h.ts + getvariable('local_shift')"),
    ("userId", "VARCHAR", "h.user_id"),
    ("userName", "VARCHAR", "h.user_name"),
    ("operation", "VARCHAR", "h.operation"),
    (
        "operationParameters",
        _STRING_MAP,
        "CASE h.operation "
        "WHEN 'WRITE' THEN MAP {'mode': 'Append', 'statsOnLoad': 'false', 'partitionBy': '[]'} "
        "WHEN 'MERGE' THEN MAP {'predicate': '[\"(target.id = source.id)\"]', "
        "'matchedPredicates': '[{\"actionType\":\"update\"}]', "
        "'notMatchedPredicates': '[{\"actionType\":\"insert\"}]', "
        "'notMatchedBySourcePredicates': '[]'} "
        "WHEN 'DELETE' THEN MAP {'predicate': '[\"(updated_at < (current_date() - 90))\"]'} "
        f"WHEN 'CREATE TABLE AS SELECT' THEN {_CREATE_PARAMETERS} "
        f"WHEN 'CREATE OR REPLACE TABLE AS SELECT' THEN {_CREATE_PARAMETERS} "
        f"WHEN 'CREATE TABLE' THEN {_CREATE_PARAMETERS} "
        "ELSE h.parameters END",
    ),
    (
        "job",
        _JOB,
        "CASE WHEN h.job_id IS NOT NULL THEN {'jobId': h.job_id::VARCHAR, 'jobName': h.job_name, "
        "'jobRunId': h.run_id::VARCHAR, 'runId': h.task_run_id::VARCHAR, "
        "'jobOwnerId': h.job_owner_id, 'triggerType': h.trigger_type} END",
    ),
    (
        "notebook",
        'STRUCT("notebookId" VARCHAR)',
        "CASE WHEN h.notebook_id IS NOT NULL THEN {'notebookId': h.notebook_id::VARCHAR} END",
    ),
    ("clusterId", "VARCHAR", "h.cluster_id"),
    ("readVersion", "BIGINT", "CASE WHEN h.version > 0 THEN h.version - 1 END"),
    (
        "isolationLevel",
        "VARCHAR",
        "CASE WHEN h.job_id IS NULL THEN 'Serializable' ELSE 'WriteSerializable' END",
    ),
    (
        "isBlindAppend",
        "BOOLEAN",
        "h.operation IN ('WRITE', 'CREATE TABLE AS SELECT', 'CREATE OR REPLACE TABLE AS SELECT')",
    ),
    (
        "operationMetrics",
        _STRING_MAP,
        "CASE WHEN h.operation IN ('WRITE', 'CREATE TABLE AS SELECT', "
        f"'CREATE OR REPLACE TABLE AS SELECT') THEN {_WRITE_METRICS} "
        f"WHEN h.operation = 'MERGE' THEN {_MERGE_METRICS} "
        f"WHEN h.operation = 'DELETE' THEN {_DELETE_METRICS} "
        "ELSE MAP {}::MAP(VARCHAR, VARCHAR) END",
    ),
    ("userMetadata", "VARCHAR", "NULL"),
    ("engineInfo", "VARCHAR", "h.engine_info"),
)
HISTORY_COLUMNS: Final = tuple(name for name, _, _ in _HISTORY_COLUMNS)

# information_schema.columns (Databricks' columns; the DuckDB types of Databricks' INT and STRING)
# over `local.uc_columns` c joined with `local.uc_tables` t; the reserved columns are NULL or their
# documented constant.
_INFORMATION_SCHEMA_COLUMNS: Final = (
    ("table_catalog", "VARCHAR", "t.catalog"),
    ("table_schema", "VARCHAR", "t.schema_name"),
    ("table_name", "VARCHAR", "t.name"),
    ("column_name", "VARCHAR", "c.column_name"),
    ("ordinal_position", "INTEGER", "c.ordinal_position"),
    ("column_default", "VARCHAR", "NULL"),
    ("is_nullable", "VARCHAR", "CASE WHEN c.nullable THEN 'YES' ELSE 'NO' END"),
    ("full_data_type", "VARCHAR", "c.full_data_type"),
    ("data_type", "VARCHAR", "c.data_type"),
    ("character_maximum_length", "INTEGER", "NULL"),
    ("character_octet_length", "VARCHAR", "NULL"),
    ("numeric_precision", "INTEGER", "c.numeric_precision"),
    ("numeric_precision_radix", "INTEGER", "c.numeric_precision_radix"),
    ("numeric_scale", "INTEGER", "c.numeric_scale"),
    ("datetime_precision", "INTEGER", "c.datetime_precision"),
    ("interval_type", "VARCHAR", "NULL"),
    ("interval_precision", "INTEGER", "NULL"),
    ("maximum_cardinality", "INTEGER", "NULL"),
    ("is_identity", "VARCHAR", "'NO'"),
    ("identity_generation", "VARCHAR", "NULL"),
    ("identity_start", "VARCHAR", "NULL"),
    ("identity_increment", "VARCHAR", "NULL"),
    ("identity_maximum", "VARCHAR", "NULL"),
    ("identity_minimum", "VARCHAR", "NULL"),
    ("identity_cycle", "VARCHAR", "NULL"),
    ("is_generated", "VARCHAR", "'NO'"),
    ("generation_expression", "VARCHAR", "NULL"),
    ("is_system_time_period_start", "VARCHAR", "'NO'"),
    ("is_system_time_period_end", "VARCHAR", "'NO'"),
    ("system_time_period_timestamp_generation", "VARCHAR", "NULL"),
    ("is_updatable", "VARCHAR", "'YES'"),
    ("partition_index", "INTEGER", "NULL"),
    ("comment", "VARCHAR", "c.comment"),
)
INFORMATION_SCHEMA_COLUMNS: Final = tuple(name for name, _, _ in _INFORMATION_SCHEMA_COLUMNS)

# The views the SQL layer reads, and their key columns (not shown to clients).
HISTORY_VIEW: Final = "local.describe_history"
HISTORY_TABLE_KEY: Final = "table_full_name"
COLUMNS_VIEW: Final = "local.information_schema_columns"
COLUMNS_TABLE_KEY: Final = "table_id"


def _projection(columns: tuple[tuple[str, str, str], ...]) -> str:
    return ", ".join(f'CAST({expr} AS {kind}) AS "{name}"' for name, kind, expr in columns)


# --- the tables, their sources and readers --------------------------------------------------------
_WRITERS = """
CREATE TEMP TABLE tw AS
SELECT je.i, je.job_id, je.env AS catalog, replace(je.team, '-', '_') AS schema_name, je.subject,
  je.action, je.owner, je.owner_id, je.created_time, je.dbr_version,
  CASE WHEN je.runs_as_owner THEN je.owner ELSE je.sp_app_id END AS run_as,
  CASE WHEN je.runs_as_owner THEN je.owner_id ELSE je.sp_id END AS run_as_id,
  CASE WHEN je.i IN ({planted}) THEN 1
    ELSE 1 + (u(je.job_id, 'targets', 0) < 0.35)::INT + (u(je.job_id, 'targets', 0) < 0.10)::INT
    END AS n_targets,
  1 + floor(4 * u(je.job_id, 'sources', 0))::INT AS n_sources
FROM je
WHERE je.i IN ({planted}) OR (je.compute_kind IN ('classic', 'serverless')
  AND je.cadence <> 'continuous' AND je.profile <> 'zombie' AND u(je.job_id, 'writes', 0) < 0.85)
"""

_TARGETS = """
CREATE TEMP TABLE targets AS
WITH k AS (
  SELECT tw.*, k FROM tw, LATERAL (SELECT unnest(range(n_targets)) AS k)
), l AS (
  SELECT k.*,
    CASE WHEN k = 1 THEN 'daily' WHEN k = 2 THEN 'quality'
      WHEN action IN ('ingest', 'sync', 'backfill') THEN 'bronze'
      WHEN action IN ('transform', 'refresh', 'dedupe', 'compact') THEN 'silver'
      WHEN action IN ('train', 'score') THEN 'features' ELSE 'gold' END AS layer,
    CASE WHEN i IN ({drop_job}, {empty_job}) AND k = 0 THEN 'WRITE'
      WHEN i = {drift_job} AND k = 0 THEN 'MERGE'
      WHEN k > 0 THEN CASE WHEN u(job_id, k, 'op') < 0.5 THEN 'WRITE' ELSE 'MERGE' END
      WHEN action IN ('ingest', 'sync', 'backfill') THEN 'WRITE'
      WHEN action IN ('transform', 'refresh', 'dedupe') THEN 'MERGE'
      WHEN action = 'compact' THEN 'DELETE'
      ELSE 'CREATE OR REPLACE TABLE AS SELECT' END AS operation
  FROM k
)
SELECT l.*, subject || '_' || layer || '_' || i AS name,
  catalog || '.' || schema_name || '.' || name AS full_name,
  CASE WHEN i = {drift_job} AND k = 0 THEN 'drifted'
    WHEN layer = 'bronze' THEN 'events' WHEN layer = 'silver' THEN 'entities'
    WHEN layer = 'features' THEN 'features' ELSE 'aggregates' END AS columns_id,
  -- rows per write: log-uniform from a thousand to twenty million
  round(pow(10, 3 + 4.3 * u(job_id, k, 'rows')))::BIGINT AS base_rows,
  (60 + 540 * u(job_id, k, 'width'))::BIGINT AS row_bytes,
  0.5 + 0.3 * u(job_id, k, 'ins') AS insert_share,
  CASE WHEN u(job_id, k, 'del') < 0.5 THEN 0.0 ELSE 0.01 + 0.03 * u(job_id, k, 'del2') END
    AS delete_share,
  0.5 + 2.5 * u(job_id, k, 'copy') AS copy_share
FROM l
"""

# Each source feeds one target (source s the target s mod n_targets; a target without one reads
# source k mod n_sources). About a third are another job's table in the same catalog, the rest the
# catalog's landing tables.
_SOURCES = """
CREATE TEMP TABLE sources AS
WITH s AS (
  SELECT tw.*, s FROM tw, LATERAL (SELECT unnest(range(greatest(n_sources, n_targets))) AS s)
), numbered AS (
  SELECT full_name, catalog, i, row_number() OVER (PARTITION BY catalog ORDER BY full_name) AS n,
    count(*) OVER (PARTITION BY catalog) AS of_catalog
  FROM targets
), picked AS (
  SELECT s.*, s % n_targets AS k, s % n_sources AS source_slot,
    1 + floor(u(job_id, s % n_sources, 'upstream') * nc.of_catalog)::BIGINT AS upstream_n,
    u(job_id, s % n_sources, 'reads') < 0.35 AS reads_upstream
  FROM s JOIN (SELECT DISTINCT catalog, of_catalog FROM numbered) nc USING (catalog)
)
SELECT DISTINCT p.job_id, t.full_name AS target,
  CASE WHEN p.reads_upstream AND up.i <> p.i THEN up.full_name
    ELSE p.catalog || '.raw.' || p.subject || '_'
      || pick(['events', 'changes', 'snapshots'], u(p.job_id, p.source_slot, 'raw')) END AS source
FROM picked p
JOIN targets t ON t.job_id = p.job_id AND t.k = p.k
LEFT JOIN numbered up ON up.catalog = p.catalog AND up.n = p.upstream_n
"""

# Every table: the targets, and the landing tables (created long ago by the ingestion service
# principal, written by no job here). What the views need to render a version is kept per table.
_UC_TABLES = """
CREATE TABLE local.uc_tables AS
WITH raw AS (
  SELECT DISTINCT source AS full_name FROM sources
  WHERE source NOT IN (SELECT full_name FROM targets)
), all_tables AS (
  SELECT full_name, catalog, schema_name, name, columns_id, job_id AS writer_job_id, row_bytes,
    insert_share, delete_share, created_time
  FROM targets
  UNION ALL
  SELECT full_name, split_part(full_name, '.', 1), 'raw', split_part(full_name, '.', 3), 'events',
    NULL, 200, NULL, NULL, anchor() - to_days((400 + floor(300 * u(full_name, 'created', 0)))::INT)
  FROM raw
)
SELECT row_number() OVER (ORDER BY full_name)::INTEGER AS table_id, * FROM all_tables
ORDER BY full_name
"""

_TABLE_LINKS = """
CREATE TABLE local.uc_table_sources AS
SELECT t.table_id AS target_id, s.table_id AS source_id
FROM sources JOIN local.uc_tables t ON t.full_name = sources.target
  JOIN local.uc_tables s ON s.full_name = sources.source
ORDER BY target_id, source_id
"""

# Whose jobs touch a table (their viewers may read it: grants.py).
_TABLE_JOBS = """
CREATE TABLE local.uc_table_jobs AS
SELECT DISTINCT table_id, job_id FROM (
  SELECT table_id, writer_job_id AS job_id FROM local.uc_tables WHERE writer_job_id IS NOT NULL
  UNION ALL
  SELECT t.table_id, sources.job_id
  FROM sources JOIN local.uc_tables t ON t.full_name = sources.source
)
ORDER BY table_id, job_id
"""

# --- Delta history -----------------------------------------------------------------------------
_HISTORY = """
CREATE TABLE local.table_history AS
WITH w AS (
  SELECT r.job_id, r.run_id::BIGINT AS run_id, r.run_name, r.trigger, r.cluster_id
  FROM local.runs r
  WHERE r.outcome IN ('success', 'success_with_failures')
    AND r.end_time >= anchor() - to_days(least(getvariable('days'), {history_days})::INT)
    AND r.job_id IN (SELECT job_id FROM tw)
), task AS (
  -- the run's last successful task run commits the writes
  SELECT tr.job_run_id::BIGINT AS run_id, arg_max(tr.task_run_id, tr.end_time)::BIGINT AS
    task_run_id, arg_max(tr.task_key, tr.end_time) AS task_key, max(tr.end_time) AS written_at
  FROM local.task_runs tr
  WHERE tr.outcome = 'success' AND tr.end_time IS NOT NULL
    AND tr.job_run_id IN (SELECT run_id FROM w)
  GROUP BY ALL
), writes AS (
  SELECT t.table_id, tg.i, tg.k, tg.operation, tg.base_rows, tg.copy_share, tg.created_time,
    tg.run_as, tg.run_as_id, tg.owner_id, tg.dbr_version, w.*, task.task_run_id, task.task_key,
    task.written_at - secs(5 + 20 * (tg.n_targets - 1 - tg.k)) AS ts
  FROM w JOIN task USING (run_id) JOIN targets tg ON tg.job_id = w.job_id
    JOIN local.uc_tables t ON t.full_name = tg.full_name
), planted AS (
  SELECT table_id, run_id, {drop_factor} AS factor FROM writes
  WHERE i = {drop_job} AND k = 0
  QUALIFY row_number() OVER (ORDER BY ts DESC) <= {drop_writes}
  UNION ALL
  SELECT table_id, run_id, 0.0 FROM writes
  WHERE i = {empty_job} AND k = 0 AND ts < anchor() - to_seconds({empty_age_s})
  QUALIFY row_number() OVER (ORDER BY ts DESC) = 1
), write_rows AS (
  SELECT writes.table_id, ts, operation, writes.created_time, job_id, writes.run_id, task_run_id,
    run_name AS job_name,
    CASE trigger WHEN 'PERIODIC' THEN 'cron' WHEN 'FILE_ARRIVAL' THEN 'file_arrival'
      WHEN 'ONE_TIME' THEN 'manual' ELSE 'continuous' END AS trigger_type,
    run_as_id AS user_id, run_as AS user_name, owner_id AS job_owner_id,
    CASE WHEN settings.task_type = 'notebook'
      THEN (1000000000000000 + hash(job_id, task_key) % 999999999999)::BIGINT END AS notebook_id,
    cluster_id, 'Databricks-Runtime/' || dbr_version AS engine_info,
    round(base_rows * coalesce(p.factor, 1.0) * (0.92 + 0.16 * u(writes.run_id, writes.table_id,
      'rows')))::BIGINT AS rows,
    CASE WHEN operation IN ('MERGE', 'DELETE') THEN round(base_rows * copy_share
      * (0.92 + 0.16 * u(writes.run_id, writes.table_id, 'copied')))::BIGINT ELSE 0 END AS copied,
    NULL::MAP(VARCHAR, VARCHAR) AS parameters
  FROM writes LEFT JOIN planted p USING (table_id, run_id)
    LEFT JOIN local.job_task_settings settings USING (job_id, task_key)
), schema_rows AS (
  SELECT t.table_id, anchor() - to_seconds(c.age_s) AS ts, c.operation, t.created_time,
    NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL, NULL, tg.owner_id, tg.owner, NULL, NULL, NULL,
    '{sql_engine}', 0::BIGINT, 0::BIGINT, MAP(c.keys, c.vals)
  FROM schema_changes c, targets tg JOIN local.uc_tables t ON t.full_name = tg.full_name
  WHERE tg.i = {drift_job} AND tg.k = 0
), created_rows AS (
  SELECT table_id, created_time, 'CREATE TABLE', created_time, NULL::BIGINT, NULL::BIGINT,
    NULL::BIGINT, NULL, NULL, '{ingest_owner_id}', '{ingest_owner}', NULL, NULL, NULL,
    '{sql_engine}', 0::BIGINT, 0::BIGINT, NULL::MAP(VARCHAR, VARCHAR)
  FROM local.uc_tables WHERE writer_job_id IS NULL
), all_rows AS (
  SELECT * FROM write_rows UNION ALL SELECT * FROM schema_rows UNION ALL SELECT * FROM created_rows
), numbered AS (
  SELECT all_rows.*,
    row_number() OVER (PARTITION BY table_id ORDER BY ts) - 1 AS n,
    -- a table created inside the window shows every version from 0; an older one only the last
    created_time >= anchor() - to_days(least(getvariable('days'), {history_days})::INT) AS
      created_in_window
  FROM all_rows
)
SELECT table_id,
  n + CASE WHEN created_in_window OR operation = 'CREATE TABLE' THEN 0
    ELSE 100 + floor(5000 * u(table_id, 'version', 0))::BIGINT END AS version,
  ts,
  CASE WHEN n = 0 AND created_in_window AND job_id IS NOT NULL THEN 'CREATE TABLE AS SELECT'
    ELSE operation END AS operation,
  job_id, run_id, task_run_id, job_name, trigger_type, user_id, user_name, job_owner_id,
  notebook_id, cluster_id, engine_info, rows, copied, parameters
FROM numbered
ORDER BY table_id, version
"""

_DESCRIBE_HISTORY = f"""
CREATE VIEW {HISTORY_VIEW} AS
SELECT t.full_name AS {HISTORY_TABLE_KEY}, {_projection(_HISTORY_COLUMNS)}
FROM local.table_history h JOIN local.uc_tables t USING (table_id)
"""  # noqa: S608 (our own constants)

_INFORMATION_SCHEMA = f"""
CREATE VIEW {COLUMNS_VIEW} AS
SELECT t.table_id AS {COLUMNS_TABLE_KEY}, {_projection(_INFORMATION_SCHEMA_COLUMNS)}
FROM local.uc_tables t JOIN local.uc_columns c USING (columns_id)
"""  # noqa: S608 (our own constants)


def _uuid(*parts: str) -> str:
    """A UUID-shaped id from a hash of `parts`, computed when read instead of stored."""
    return "md5(" + " || '-' || ".join(f"CAST({part} AS VARCHAR)" for part in parts) + ")::UUID"


# One row per (source, target) of every version a job run committed: the same commit's time, less
# the seconds the query ran before it, in the same anchored time as every base table.
_LINEAGE = f"""
CREATE VIEW local.table_lineage AS
SELECT '{ACCOUNT_ID}' AS account_id, '{METASTORE_ID}' AS metastore_id,
  '{WORKSPACE_ID}' AS workspace_id, 'JOB' AS entity_type, h.job_id AS entity_id,
  h.run_id AS entity_run_id,
  s.full_name AS source_table_full_name, s.catalog AS source_table_catalog,
  s.schema_name AS source_table_schema, s.name AS source_table_name,
  's3://uc-' || s.catalog || '/' || s.schema_name || '/' || s.name AS source_path,
  'TABLE' AS source_type,
  t.full_name AS target_table_full_name, t.catalog AS target_table_catalog,
  t.schema_name AS target_table_schema, t.name AS target_table_name,
  's3://uc-' || t.catalog || '/' || t.schema_name || '/' || t.name AS target_path,
  'TABLE' AS target_type,
  h.user_name AS created_by, h.ts - INTERVAL 30 SECOND AS event_time,
  {_uuid("h.table_id", "h.version", "l.source_id")} AS record_id,
  {_uuid("h.run_id", "h.table_id")} AS event_id,
  NULL AS statement_id,
  {{'job_info': {{'job_id': h.job_id, 'job_run_id': h.run_id}}, 'notebook_id': NULL,
    'sql_query_id': NULL, 'dashboard_id': NULL, 'legacy_dashboard_id': NULL,
    'dlt_pipeline_info': NULL, 'genie_space_id': NULL, 'alert_id': NULL}} AS entity_metadata
FROM local.table_history h JOIN local.uc_table_sources l ON l.target_id = h.table_id
  JOIN local.uc_tables t ON t.table_id = h.table_id
  JOIN local.uc_tables s ON s.table_id = l.source_id
WHERE h.job_id IS NOT NULL
"""  # noqa: S608 (our own constants)


def _type_facts(full_type: str) -> tuple[str, int | None, int | None, int | None, int | None]:
    """(data_type, numeric precision, its radix, scale, datetime precision) of a column type, as
    information_schema.columns describes it."""
    head = full_type.split("(")[0].split("<")[0]
    data_type = head.upper()
    if head == "decimal":
        precision, scale = (int(x) for x in full_type[len("decimal(") : -1].split(","))
        return data_type, precision, 10, scale, None
    bits = {"bigint": 64, "int": 32, "double": 53}
    if head in bits:
        return data_type, bits[head], 2, 0 if head != "double" else None, None
    return data_type, None, None, None, {"date": 0, "timestamp": 3}.get(head)


def _column_rows() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for columns_id, columns in _COLUMN_SETS.items():
        for position, (name, full_type, nullable, comment) in enumerate(columns, start=1):
            facts = _type_facts(full_type)
            rows.append((columns_id, position, name, full_type, nullable, comment, *facts))
    return rows


def generate_tables(con: duckdb.DuckDBPyConnection, *, ingest_owner: tuple[str, str]) -> None:
    """Writes the tables jobs read and write, their history and the views over them (schema
    `local`); reads the generation's temporary tables `je` and `local.runs`/`local.task_runs`.

    `ingest_owner` is (user name, id) of the principal that created the landing tables.
    """
    con.execute(
        "CREATE TABLE local.uc_columns (columns_id VARCHAR, ordinal_position INTEGER, "
        "column_name VARCHAR, full_data_type VARCHAR, nullable BOOLEAN, comment VARCHAR, "
        "data_type VARCHAR, numeric_precision INTEGER, numeric_precision_radix INTEGER, "
        "numeric_scale INTEGER, datetime_precision INTEGER)"
    )
    con.executemany(
        "INSERT INTO local.uc_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _column_rows()
    )
    con.execute(
        "CREATE TEMP TABLE schema_changes (age_s BIGINT, operation VARCHAR, keys VARCHAR[], "
        "vals VARCHAR[])"
    )
    con.executemany(
        "INSERT INTO schema_changes VALUES (?, ?, ?, ?)",
        [
            (int(age.total_seconds()), operation, list(parameters), list(parameters.values()))
            for age, operation, parameters in _SCHEMA_CHANGES
        ],
    )
    names = {
        "planted": f"{DROP_JOB}, {EMPTY_RUN_JOB}, {SCHEMA_DRIFT_JOB}",
        "drop_job": DROP_JOB,
        "drop_writes": DROP_WRITES,
        "drop_factor": DROP_FACTOR,
        "empty_job": EMPTY_RUN_JOB,
        "empty_age_s": int(EMPTY_RUN_AGE.total_seconds()),
        "drift_job": SCHEMA_DRIFT_JOB,
        "history_days": HISTORY_DAYS,
        "ingest_owner": ingest_owner[0],
        "ingest_owner_id": ingest_owner[1],
        "sql_engine": _SQL_ENGINE,
    }
    for step in (_WRITERS, _TARGETS, _SOURCES, _UC_TABLES, _TABLE_LINKS, _TABLE_JOBS, _HISTORY):
        con.execute(step.format(**names))
    for view in (_DESCRIBE_HISTORY, _INFORMATION_SCHEMA, _LINEAGE):
        con.execute(view)
