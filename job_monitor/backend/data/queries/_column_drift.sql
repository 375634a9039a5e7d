WITH current_columns AS (
  SELECT
    concat_ws('.', table_catalog, table_schema, table_name) AS table_name,
    column_name,
    full_data_type AS data_type
  FROM system.information_schema.columns
  WHERE array_contains(split(:tables, ','), concat_ws('.', table_catalog, table_schema, table_name))
),
stored AS (
  SELECT table_name, column_name, data_type, observed_at
  FROM ${state_schema}.table_columns
  WHERE workspace_id = :workspace_id AND array_contains(split(:tables, ','), table_name)
),
snapshots AS (
  SELECT table_name, MAX(observed_at) AS since
  FROM stored
  GROUP BY table_name
),
-- Only tables information_schema shows now: one it no longer shows was dropped, or the app lost
-- its grant, and its columns did not all go.
shown AS (
  SELECT DISTINCT table_name FROM current_columns
),
drift AS (
  SELECT
    COALESCE(c.table_name, s.table_name) AS table_name,
    COALESCE(c.column_name, s.column_name) AS column_name,
    CASE
      WHEN s.column_name IS NULL THEN 'ADDED'
      WHEN c.column_name IS NULL THEN 'DROPPED'
      ELSE 'RETYPED'
    END AS change,
    s.data_type AS previous_type,
    c.data_type AS data_type
  FROM current_columns AS c
  FULL OUTER JOIN stored AS s ON c.table_name = s.table_name AND c.column_name = s.column_name
  WHERE c.data_type IS NULL OR s.data_type IS NULL OR c.data_type <> s.data_type
)
