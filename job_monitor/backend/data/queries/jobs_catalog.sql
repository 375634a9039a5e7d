-- The current definition of every job of the workspace that is not deleted.
-- system.lakeflow.jobs is SCD2 (a row per change): pick the latest row per job FIRST and drop deleted
-- jobs after, so a deleted job never comes back through one of its older rows.
-- No time predicate: the latest row of a job is kept even when older than the 365-day retention.
WITH latest AS (
  SELECT *
  FROM system.lakeflow.jobs
  WHERE workspace_id = :workspace_id
  QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
)
SELECT
  job_id,
  name,
  creator_user_name,
  run_as_user_name,
  tags,
  trigger_type,
  `trigger`,
  paused,
  timeout_seconds,
  health_rules,
  change_time
FROM latest
WHERE delete_time IS NULL
ORDER BY job_id
