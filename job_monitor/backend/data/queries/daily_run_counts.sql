-- Runs per UTC day since :window_start for a set of jobs (:job_ids, comma-separated;
-- NULL = every job of the workspace), of those only the listed jobs (_listed_jobs.sql: existing
-- ones, and deleted ones too when :include_deleted). Totals for a viewer are computed over the
-- viewer's jobs by passing exactly those jobs, so the cache key carries the job set, never the
-- viewer.
-- Runs are collapsed from hourly slices (latest result for repaired runs) and counted by start day.
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
  CAST(start_time AS DATE) AS day,
  -- Finished runs only, as in JobHealth: a run still going has no outcome yet.
  COUNT_IF(result_state IS NOT NULL) AS runs,
  COUNT_IF(array_contains(split(:success_states, ','), result_state)) AS succeeded,
  COUNT_IF(array_contains(split(:failure_states, ','), result_state)) AS failed
FROM job_runs
WHERE start_time >= :window_start
GROUP BY CAST(start_time AS DATE)
ORDER BY day
