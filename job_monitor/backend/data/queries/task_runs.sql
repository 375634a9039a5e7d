-- Task runs of a batch of job runs (one statement per data-loader batch), collapsed from
-- job_task_run_timeline's hourly slices with the latest result for repaired task runs.
-- :job_run_ids is a comma-separated list of job run ids as strings; :since bounds the scan to the
-- history kept, since run ids alone do not prune. A repair reruns tasks as new task runs: every
-- task run is returned and the caller keeps the latest per task key.
WITH task_runs AS (
  SELECT
    job_id,
    job_run_id,
    run_id,
    task_key,
    MIN(period_start_time) AS start_time,
    MAX(period_end_time) AS last_slice_end,
    MAX_BY(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state,
    MAX_BY(termination_code, period_end_time) FILTER (WHERE result_state IS NOT NULL)
      AS termination_code,
    MAX_BY(termination_type, period_end_time) FILTER (WHERE result_state IS NOT NULL)
      AS termination_type,
    SUM(timestampdiff(MILLISECOND, period_start_time, period_end_time)) / 1000.0 AS sliced_seconds
  FROM system.lakeflow.job_task_run_timeline
  WHERE workspace_id = :workspace_id
    AND period_start_time >= :since
    AND job_run_id IN (SELECT explode(split(:job_run_ids, ',')))
  GROUP BY job_id, job_run_id, run_id, task_key
)
SELECT
  job_id,
  job_run_id,
  run_id,
  task_key,
  start_time,
  CASE WHEN result_state IS NOT NULL THEN last_slice_end END AS end_time,
  CASE WHEN result_state IS NOT NULL THEN sliced_seconds END AS duration_seconds,
  result_state,
  termination_code,
  termination_type
FROM task_runs
ORDER BY job_run_id, task_key, start_time
