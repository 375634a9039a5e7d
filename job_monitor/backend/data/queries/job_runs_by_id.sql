-- Job runs by run id (a batch from a data loader), collapsed from job_run_timeline's hourly slices
-- with the latest result for repaired runs. :run_ids is a comma-separated list of ids as strings.
-- The caller drops runs of jobs the viewer may not see.
WITH runs AS (
  SELECT
    job_id,
    run_id,
    MIN(period_start_time) AS start_time,
    MAX(period_end_time) AS last_slice_end,
    -- Only the slice that ends a run carries its result, and a repaired run has one such slice
    -- per repair: the latest one is the run's current outcome.
    MAX_BY(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state,
    MAX_BY(termination_code, period_end_time) FILTER (WHERE result_state IS NOT NULL)
      AS termination_code,
    MAX_BY(termination_type, period_end_time) FILTER (WHERE result_state IS NOT NULL)
      AS termination_type,
    MAX_BY(run_duration_seconds, period_end_time) FILTER (WHERE result_state IS NOT NULL)
      AS run_duration_seconds,
    MAX(queue_duration_seconds) AS queue_seconds,
    MAX_BY(trigger_type, period_end_time) AS trigger_type,
    MAX_BY(run_type, period_end_time) AS run_type,
    MAX_BY(run_name, period_end_time) AS run_name,
    SUM(timestampdiff(MILLISECOND, period_start_time, period_end_time)) / 1000.0 AS sliced_seconds,
    COUNT_IF(result_state IS NOT NULL) AS result_slices
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    -- Bounds the scan to the history kept (a year): run ids alone do not prune.
    AND period_start_time >= :since
    AND run_id IN (SELECT explode(split(:run_ids, ',')))
  GROUP BY job_id, run_id
),
finished AS (
  SELECT
    *,
    CASE WHEN result_state IS NOT NULL THEN last_slice_end END AS end_time,
    CASE
      WHEN result_state IS NOT NULL THEN COALESCE(run_duration_seconds, sliced_seconds)
    END AS duration_seconds
  FROM runs
)
SELECT
  job_id,
  run_id,
  start_time,
  end_time,
  duration_seconds,
  queue_seconds,
  result_state,
  termination_code,
  termination_type,
  trigger_type,
  run_type,
  run_name,
  result_slices
FROM finished
ORDER BY start_time DESC, CAST(run_id AS BIGINT) DESC
