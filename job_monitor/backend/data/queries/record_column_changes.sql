-- Records the column changes of :tables found against their snapshots (as column_drift), once:
-- a change already recorded against the same snapshot is not recorded again, so replicas that
-- found it together record it once.
MERGE INTO ${state_schema}.column_changes AS t
USING (
  -- include: _column_drift
  SELECT :workspace_id AS workspace_id, d.table_name, d.column_name, d.change, d.previous_type,
    d.data_type, n.since, :detected_at AS detected_at
  FROM drift AS d
  JOIN snapshots AS n ON n.table_name = d.table_name
  JOIN shown AS w ON w.table_name = d.table_name
) AS s
ON t.workspace_id = s.workspace_id AND t.table_name = s.table_name
  AND t.column_name = s.column_name AND t.change = s.change AND t.since = s.since
WHEN NOT MATCHED THEN INSERT
  (workspace_id, table_name, column_name, change, previous_type, data_type, since, detected_at)
  VALUES (s.workspace_id, s.table_name, s.column_name, s.change, s.previous_type, s.data_type,
    s.since, s.detected_at)
