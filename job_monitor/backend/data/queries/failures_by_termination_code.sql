-- Failed runs per termination code since :window_start for a set of jobs (:job_ids,
-- comma-separated; NULL = every job of the workspace), of those only the listed jobs
-- (_listed_jobs.sql: existing ones, and deleted ones too when :include_deleted). Runs are collapsed
-- from hourly slices with the latest result for repaired runs, and the code is that of the same
-- (latest) result slice.
WITH
-- include: _latest_job_rows
,
-- include: _listed_jobs
,
slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    -- Slices from :scan_start (the window start less a look-back) so that a run that started
    -- before the window, and has slices inside it, is seen with its true start and left out below.
    AND period_start_time >= :scan_start
    AND (:job_ids IS NULL OR job_id IN (SELECT explode(split(:job_ids, ','))))
    AND job_id IN (SELECT job_id FROM listed_jobs)
),
-- include: _collapsed_job_runs
SELECT
  termination_code,
  COUNT(*) AS failed,
  COUNT(DISTINCT job_id) AS jobs
FROM job_runs
WHERE start_time >= :window_start
  AND array_contains(split(:failure_states, ','), result_state)
GROUP BY termination_code
ORDER BY failed DESC, termination_code
