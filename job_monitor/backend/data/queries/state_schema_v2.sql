-- Version 2 of the app's state: the columns of the tables jobs read and write as last seen in
-- information_schema.columns (a snapshot per table), and the changes found between two snapshots.
-- A schema change that no Delta operation names (a table replaced by CREATE OR REPLACE with other
-- columns, a change older than the history kept) shows only here. Idempotent.
CREATE TABLE IF NOT EXISTS ${state_schema}.table_columns (
  workspace_id STRING NOT NULL,
  table_name STRING NOT NULL,
  column_name STRING NOT NULL,
  data_type STRING NOT NULL,
  observed_at TIMESTAMP NOT NULL
)
COMMENT 'The columns of each table as information_schema.columns last showed them (full_data_type), and since when';

CREATE TABLE IF NOT EXISTS ${state_schema}.column_changes (
  workspace_id STRING NOT NULL,
  table_name STRING NOT NULL,
  column_name STRING NOT NULL,
  change STRING NOT NULL,
  previous_type STRING,
  data_type STRING,
  since TIMESTAMP NOT NULL,
  detected_at TIMESTAMP NOT NULL
)
COMMENT 'A column ADDED, DROPPED or RETYPED between the snapshot taken at since and the one at detected_at';
