-- Job runs by run id (a batch from a data loader), collapsed from job_run_timeline's hourly slices
-- with the latest result for repaired runs. :run_ids is a comma-separated list of ids as strings.
-- The caller drops runs of jobs the viewer may not see.
WITH slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    -- Bounds the scan to the history kept (a year): run ids alone do not prune.
    AND period_start_time >= :since
    AND run_id IN (SELECT explode(split(:run_ids, ',')))
),
-- include: _collapsed_job_runs
SELECT
-- include: _job_run_columns
FROM job_runs
ORDER BY start_time DESC, CAST(run_id AS BIGINT) DESC
