-- A fragment, not a query: `-- include: _collapsed_job_runs` inside a WITH clause puts the CTE
-- `job_runs` there. It collapses the including query's `slices` CTE (rows of
-- system.lakeflow.job_run_timeline, pruned by that query's own predicates) into one row per job run.
-- end_time and duration_seconds are NULL while a run has no result (it is still going).
job_runs AS (
  SELECT
    *,
    CASE WHEN result_state IS NOT NULL THEN last_slice_end END AS end_time,
    CASE
      WHEN result_state IS NOT NULL THEN COALESCE(run_duration_seconds, sliced_seconds)
    END AS duration_seconds
  FROM (
    SELECT
      job_id,
      run_id,
      MIN(period_start_time) AS start_time,
      MAX(period_end_time) AS last_slice_end,
      -- Only the slice that ends a run carries its result, and a repaired run has one such slice
      -- per repair: the latest one is the run's current outcome.
      MAX_BY(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL)
        AS result_state,
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
      SUM(timestampdiff(MILLISECOND, period_start_time, period_end_time)) / 1000.0
        AS sliced_seconds,
      COUNT_IF(result_state IS NOT NULL) AS result_slices
    FROM slices
    GROUP BY job_id, run_id
  ) AS collapsed
)
