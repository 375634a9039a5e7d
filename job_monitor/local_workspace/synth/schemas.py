"""The system tables the stand-in serves: Databricks' columns and types, and DuckDB's storage.

`TABLE_SCHEMAS` carries the Databricks `type_text` (what a real `DESCRIBE` or statement manifest
shows), so the SQL layer reports Databricks types instead of DuckDB's. The DuckDB storage types
differ in one deliberate way: decimals are stored at scale 10 (reference F6), because DuckDB's
DECIMAL(38,18) x DECIMAL(38,18) product overflows at real cost magnitudes where Databricks only
loses precision.
"""

from typing import Final

_USAGE_METADATA_FIELDS: Final = (
    "cluster_id",
    "job_id",
    "warehouse_id",
    "instance_pool_id",
    "node_type",
    "job_run_id",
    "notebook_id",
    "dlt_pipeline_id",
    "endpoint_name",
    "endpoint_id",
    "dlt_update_id",
    "dlt_maintenance_id",
    "run_name",
    "job_name",
    "notebook_path",
    "central_clean_room_id",
    "source_region",
    "destination_region",
    "app_id",
    "app_name",
    "metastore_id",
    "private_endpoint_name",
    "storage_api_type",
    "budget_policy_id",
    "ai_runtime_pool_id",
)
_IDENTITY_METADATA_FIELDS: Final = ("run_as", "created_by", "owned_by", "run_by")
_PRODUCT_FEATURES: Final = (
    ("jobs_tier", "STRING"),
    ("sql_tier", "STRING"),
    ("dlt_tier", "STRING"),
    ("is_serverless", "BOOLEAN"),
    ("is_photon", "BOOLEAN"),
    ("serving_type", "STRING"),
    ("performance_target", "STRING"),
)


def _struct(fields: tuple[tuple[str, str], ...]) -> str:
    return "STRUCT<" + ", ".join(f"{name}: {kind}" for name, kind in fields) + ">"


_HEALTH_RULES = "ARRAY<STRUCT<metric: STRING, operator: STRING, value: BIGINT>>"
_COMPUTE = "ARRAY<STRUCT<type: STRING, cluster_id: STRING, warehouse_id: STRING>>"
_TRIGGER = (
    "STRUCT<file_arrival: STRUCT<url: STRING>, periodic: STRUCT<interval: BIGINT, unit: STRING>, "
    "continuous: STRUCT<pause_status: STRING>, table_update: STRUCT<table_names: ARRAY<STRING>>, "
    "schedule: STRUCT<quartz_cron_expression: STRING, timezone_id: STRING>>"
)
_PRICE = "STRUCT<default: DECIMAL(38,18)>"
_ENTITY_METADATA = (
    "STRUCT<job_info: STRUCT<job_id: STRING, job_run_id: STRING>, notebook_id: STRING, "
    "sql_query_id: STRING, dashboard_id: STRING, legacy_dashboard_id: STRING, "
    "dlt_pipeline_info: STRUCT<dlt_pipeline_id: STRING, dlt_update_id: STRING>, "
    "genie_space_id: STRING, alert_id: STRING>"
)

TABLE_SCHEMAS: Final[dict[str, list[tuple[str, str]]]] = {
    "lakeflow.jobs": [
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("job_id", "STRING"),
        ("name", "STRING"),
        ("description", "STRING"),
        ("creator_id", "STRING"),
        ("tags", "MAP<STRING, STRING>"),
        ("change_time", "TIMESTAMP"),
        ("delete_time", "TIMESTAMP"),
        ("run_as", "STRING"),
        ("trigger", _TRIGGER),
        ("trigger_type", "STRING"),
        ("run_as_user_name", "STRING"),
        ("creator_user_name", "STRING"),
        ("paused", "BOOLEAN"),
        ("timeout_seconds", "BIGINT"),
        ("health_rules", _HEALTH_RULES),
        ("deployment", "STRUCT<kind: STRING, metadata_file_path: STRING>"),
        ("create_time", "TIMESTAMP"),
    ],
    "lakeflow.job_tasks": [
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("job_id", "STRING"),
        ("task_key", "STRING"),
        ("depends_on_keys", "ARRAY<STRING>"),
        ("change_time", "TIMESTAMP"),
        ("delete_time", "TIMESTAMP"),
        ("timeout_seconds", "BIGINT"),
        ("health_rules", _HEALTH_RULES),
    ],
    "lakeflow.job_run_timeline": [
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("job_id", "STRING"),
        ("run_id", "STRING"),
        ("period_start_time", "TIMESTAMP"),
        ("period_end_time", "TIMESTAMP"),
        ("trigger_type", "STRING"),
        ("run_type", "STRING"),
        ("run_name", "STRING"),
        ("compute_ids", "ARRAY<STRING>"),
        ("result_state", "STRING"),
        ("termination_code", "STRING"),
        ("job_parameters", "MAP<STRING, STRING>"),
        ("source_task_run_id", "STRING"),
        ("root_task_run_id", "STRING"),
        ("compute", _COMPUTE),
        ("termination_type", "STRING"),
        ("setup_duration_seconds", "BIGINT"),
        ("queue_duration_seconds", "BIGINT"),
        ("run_duration_seconds", "BIGINT"),
        ("cleanup_duration_seconds", "BIGINT"),
        ("execution_duration_seconds", "BIGINT"),
    ],
    "lakeflow.job_task_run_timeline": [
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("job_id", "STRING"),
        ("run_id", "STRING"),
        ("job_run_id", "STRING"),
        ("parent_run_id", "STRING"),
        ("period_start_time", "TIMESTAMP"),
        ("period_end_time", "TIMESTAMP"),
        ("task_key", "STRING"),
        ("compute_ids", "ARRAY<STRING>"),
        ("result_state", "STRING"),
        ("termination_code", "STRING"),
        ("compute", _COMPUTE),
        ("termination_type", "STRING"),
        ("task_parameters", "MAP<STRING, STRING>"),
        ("setup_duration_seconds", "BIGINT"),
        ("cleanup_duration_seconds", "BIGINT"),
        ("execution_duration_seconds", "BIGINT"),
    ],
    "billing.usage": [
        ("record_id", "STRING"),
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("sku_name", "STRING"),
        ("cloud", "STRING"),
        ("usage_start_time", "TIMESTAMP"),
        ("usage_end_time", "TIMESTAMP"),
        ("usage_date", "DATE"),
        ("custom_tags", "MAP<STRING, STRING>"),
        ("usage_unit", "STRING"),
        ("usage_quantity", "DECIMAL(38,18)"),
        ("usage_metadata", _struct(tuple((f, "STRING") for f in _USAGE_METADATA_FIELDS))),
        ("identity_metadata", _struct(tuple((f, "STRING") for f in _IDENTITY_METADATA_FIELDS))),
        ("record_type", "STRING"),
        ("ingestion_date", "DATE"),
        ("billing_origin_product", "STRING"),
        ("product_features", _struct(_PRODUCT_FEATURES)),
        ("usage_type", "STRING"),
    ],
    "billing.list_prices": [
        ("account_id", "STRING"),
        ("price_start_time", "TIMESTAMP"),
        ("price_end_time", "TIMESTAMP"),
        ("sku_name", "STRING"),
        ("cloud", "STRING"),
        ("currency_code", "STRING"),
        ("usage_unit", "STRING"),
        (
            "pricing",
            f"STRUCT<default: DECIMAL(38,18), promotional: {_PRICE}, effective_list: {_PRICE}>",
        ),
    ],
    "compute.clusters": [
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("cluster_id", "STRING"),
        ("cluster_name", "STRING"),
        ("owned_by", "STRING"),
        ("create_time", "TIMESTAMP"),
        ("delete_time", "TIMESTAMP"),
        ("driver_node_type", "STRING"),
        ("worker_node_type", "STRING"),
        ("worker_count", "BIGINT"),
        ("min_autoscale_workers", "BIGINT"),
        ("max_autoscale_workers", "BIGINT"),
        ("auto_termination_minutes", "BIGINT"),
        ("enable_elastic_disk", "BOOLEAN"),
        ("tags", "MAP<STRING, STRING>"),
        ("cluster_source", "STRING"),
        ("init_scripts", "ARRAY<STRING>"),
        ("driver_instance_pool_id", "STRING"),
        ("worker_instance_pool_id", "STRING"),
        ("dbr_version", "STRING"),
        ("change_time", "TIMESTAMP"),
        ("change_date", "DATE"),
        ("data_security_mode", "STRING"),
        ("policy_id", "STRING"),
    ],
    # One row per instance per minute, classic compute only (serverless has none).
    "compute.node_timeline": [
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("cluster_id", "STRING"),
        ("instance_id", "STRING"),
        ("start_time", "TIMESTAMP"),
        ("end_time", "TIMESTAMP"),
        ("driver", "BOOLEAN"),
        ("cpu_user_percent", "DOUBLE"),
        ("cpu_system_percent", "DOUBLE"),
        ("cpu_wait_percent", "DOUBLE"),
        ("mem_used_percent", "DOUBLE"),
        ("mem_swap_percent", "DOUBLE"),
        ("network_sent_bytes", "BIGINT"),
        ("network_received_bytes", "BIGINT"),
        ("disk_free_bytes_per_mount_point", "MAP<STRING, BIGINT>"),
        ("node_type", "STRING"),
    ],
    # The node types currently available, one row each.
    "compute.node_types": [
        ("account_id", "STRING"),
        ("node_type", "STRING"),
        ("core_count", "DOUBLE"),
        ("memory_mb", "BIGINT"),
        ("gpu_count", "BIGINT"),
    ],
    # One row per workspace of the account, as it is now (no history).
    "access.workspaces_latest": [
        ("account_id", "STRING"),
        ("workspace_id", "STRING"),
        ("workspace_name", "STRING"),
        ("workspace_url", "STRING"),
        ("create_time", "TIMESTAMP"),
        ("status", "STRING"),
    ],
    # One row per (source, target) of each table write a job run made (synth/tables.py).
    "access.table_lineage": [
        ("account_id", "STRING"),
        ("metastore_id", "STRING"),
        ("workspace_id", "STRING"),
        ("entity_type", "STRING"),
        ("entity_id", "STRING"),
        ("entity_run_id", "STRING"),
        ("source_table_full_name", "STRING"),
        ("source_table_catalog", "STRING"),
        ("source_table_schema", "STRING"),
        ("source_table_name", "STRING"),
        ("source_path", "STRING"),
        ("source_type", "STRING"),
        ("target_table_full_name", "STRING"),
        ("target_table_catalog", "STRING"),
        ("target_table_schema", "STRING"),
        ("target_table_name", "STRING"),
        ("target_path", "STRING"),
        ("target_type", "STRING"),
        ("created_by", "STRING"),
        ("event_time", "TIMESTAMP"),
        ("event_date", "DATE"),
        ("record_id", "STRING"),
        ("event_id", "STRING"),
        ("statement_id", "STRING"),
        ("entity_metadata", _ENTITY_METADATA),
    ],
}


def duckdb_type(type_text: str) -> str:
    """DuckDB's spelling of a Databricks type_text (decimals at scale 10: see above)."""
    text, rest = _duckdb_type(type_text.strip())
    if rest:
        raise ValueError(f"unparsed type text: {rest!r}")
    return text


def _split_top(body: str) -> tuple[list[str], str]:
    """Splits `a, b<c, d>>rest` at top-level commas up to the closing `>`; returns (parts, rest)."""
    depth, parts, start = 0, [], 0
    for index, char in enumerate(body):
        if char in "<(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == ">":
            if depth == 0:
                parts.append(body[start:index].strip())
                return parts, body[index + 1 :]
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index].strip())
            start = index + 1
    raise ValueError(f"unbalanced type text: {body!r}")


_SIMPLE_TYPES: Final = {
    "STRING": "VARCHAR",
    "BIGINT": "BIGINT",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ",
    "DATE": "DATE",
    "DOUBLE": "DOUBLE",
}


def _duckdb_type(text: str) -> tuple[str, str]:
    if text in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[text], ""
    if text.startswith("DECIMAL("):
        return "DECIMAL(38, 10)", text[text.index(")") + 1 :]
    kind, bracket, body = text.partition("<")
    if not bracket or kind not in ("ARRAY", "MAP", "STRUCT"):
        raise ValueError(f"unknown Databricks type: {text!r}")
    parts, rest = _split_top(body)
    if kind == "MAP":
        return f"MAP({_duckdb_type(parts[0])[0]}, {_duckdb_type(parts[1])[0]})", rest
    if kind == "STRUCT":
        fields = []
        for part in parts:
            name, _, field_type = part.partition(":")
            fields.append(f'"{name.strip()}" {_duckdb_type(field_type.strip())[0]}')
        return "STRUCT(" + ", ".join(fields) + ")", rest
    return _duckdb_type(parts[0])[0] + "[]", rest
