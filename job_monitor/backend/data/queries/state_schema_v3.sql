-- Version 3 of the app's state: the latest sweep of what jobs write (their writes off their
-- baseline and the column changes of their tables), which alerts read: one row per workspace,
-- replaced whole by each sweep, so a reader never sees half of one. Idempotent.
CREATE TABLE IF NOT EXISTS ${state_schema}.data_findings (
  workspace_id STRING NOT NULL,
  swept_at TIMESTAMP NOT NULL,
  findings STRING NOT NULL
)
COMMENT 'The latest sweep of the jobs writes and their tables column changes (JSON), per workspace';
