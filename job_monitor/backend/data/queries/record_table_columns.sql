-- Takes the snapshot of :tables: their columns as information_schema.columns shows them now
-- (a column whose type changed gets the new type and :observed_at; one gone is deleted). Tables
-- it no longer shows lose their snapshot.
MERGE INTO ${state_schema}.table_columns AS t
USING (
  SELECT
    :workspace_id AS workspace_id,
    concat_ws('.', table_catalog, table_schema, table_name) AS table_name,
    column_name,
    full_data_type AS data_type,
    :observed_at AS observed_at
  FROM system.information_schema.columns
  WHERE array_contains(split(:tables, ','), concat_ws('.', table_catalog, table_schema, table_name))
) AS s
ON t.workspace_id = s.workspace_id AND t.table_name = s.table_name
  AND t.column_name = s.column_name
WHEN MATCHED AND t.data_type <> s.data_type THEN
  UPDATE SET data_type = s.data_type, observed_at = s.observed_at
WHEN NOT MATCHED THEN INSERT (workspace_id, table_name, column_name, data_type, observed_at)
  VALUES (s.workspace_id, s.table_name, s.column_name, s.data_type, s.observed_at)
WHEN NOT MATCHED BY SOURCE AND t.workspace_id = :workspace_id
  AND array_contains(split(:tables, ','), t.table_name) THEN DELETE
