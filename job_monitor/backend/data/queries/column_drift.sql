-- The tables of :tables (comma-separated `catalog.schema.table`) as information_schema.columns
-- shows them now against their last snapshot in the state schema: one row per column added,
-- dropped or retyped since (`since`: when the snapshot was last changed), and one row without a
-- column for each table shown now that has no snapshot yet.
-- include: _column_drift
SELECT d.table_name, d.column_name, d.change, d.previous_type, d.data_type, n.since
FROM drift AS d
JOIN snapshots AS n ON n.table_name = d.table_name
JOIN shown AS w ON w.table_name = d.table_name
UNION ALL
SELECT w.table_name, NULL AS column_name, NULL AS change, NULL AS previous_type,
  NULL AS data_type, NULL AS since
FROM shown AS w
LEFT JOIN snapshots AS n ON n.table_name = w.table_name
WHERE n.table_name IS NULL
