-- The column changes recorded for :tables (comma-separated) detected at or after :since.
SELECT table_name, column_name, change, previous_type, data_type, since, detected_at
FROM ${state_schema}.column_changes
WHERE workspace_id = :workspace_id
  AND array_contains(split(:tables, ','), table_name)
  AND detected_at >= :since
ORDER BY detected_at DESC, table_name, column_name
