-- The last definition of every job of the workspace deleted at or after :deleted_since (the start
-- of the history kept: a job deleted earlier has no run left to show). Columns as in
-- jobs_catalog.sql, with the deletion time. As there, the latest row per job is picked FIRST and
-- only then tested for deletion: the catalog and this list never hold the same job.
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
  change_time,
  delete_time
FROM latest
WHERE delete_time >= :deleted_since
ORDER BY job_id
