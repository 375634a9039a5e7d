-- Health inputs per job over the window: the finished runs started at or after :window_start,
-- collapsed from job_run_timeline's hourly slices (the latest result wins for repaired runs).
-- The rules are the domain's (`domain.health.JobHealth`): outcome classes arrive as comma-separated
-- raw result_state lists; an outcome run is one that succeeded or failed; "latest" orders by start
-- time, then run id as a number.
WITH slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    -- Slices from :scan_start (the window start less a look-back) so that a run that started
    -- before the window, and has slices inside it, is seen with its true start and left out below.
    AND period_start_time >= :scan_start
),
-- include: _collapsed_job_runs
,
finished AS (
  SELECT
    job_id,
    run_id,
    CAST(run_id AS BIGINT) AS run_number,
    start_time,
    end_time,
    duration_seconds,
    result_state,
    termination_code,
    array_contains(split(:retry_triggers, ','), trigger_type) AS is_retry,
    result_slices - 1 AS repair_count,
    array_contains(split(:success_states, ','), result_state) AS is_success,
    array_contains(split(:failure_states, ','), result_state) AS is_failure,
    array_contains(split(:canceled_states, ','), result_state) AS is_canceled,
    array_contains(split(:not_run_states, ','), result_state) AS is_not_run
  FROM job_runs
  -- A run without a result is still going: health is over finished runs.
  WHERE result_state IS NOT NULL
    AND start_time >= :window_start
),
ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY start_time DESC, run_number DESC)
      AS finished_rank,
    -- Outcome runs (successes and failures) ranked newest first; others get NULL.
    CASE
      WHEN is_success OR is_failure THEN ROW_NUMBER() OVER (
        PARTITION BY job_id, (is_success OR is_failure) ORDER BY start_time DESC, run_number DESC
      )
    END AS outcome_rank
  FROM finished
),
streaks AS (
  SELECT
    *,
    MIN(CASE WHEN is_success THEN outcome_rank END) OVER (PARTITION BY job_id)
      AS latest_success_rank
  FROM ranked
)
SELECT
  job_id,
  COUNT(*) AS runs,
  COUNT_IF(is_success) AS succeeded,
  COUNT_IF(is_failure) AS failed,
  COUNT_IF(is_canceled) AS canceled,
  COUNT_IF(is_not_run) AS not_run,
  -- Consecutive failures ending at the latest outcome run: the outcome runs newer than the latest
  -- success are all failures.
  COUNT_IF(is_failure AND (latest_success_rank IS NULL OR outcome_rank < latest_success_rank))
    AS failure_streak,
  MIN(start_time) FILTER (
    WHERE is_failure AND (latest_success_rank IS NULL OR outcome_rank < latest_success_rank)
  ) AS failure_streak_started_at,
  MAX(CASE WHEN is_failure AND outcome_rank = 1 THEN termination_code END) AS latest_failure_code,
  MAX(CASE WHEN is_failure AND outcome_rank = 1 THEN run_id END) AS latest_failure_run_id,
  percentile_approx(duration_seconds, 0.5) FILTER (WHERE is_success) AS duration_p50_seconds,
  percentile_approx(duration_seconds, 0.9) FILTER (WHERE is_success) AS duration_p90_seconds,
  MAX(CASE WHEN outcome_rank = 1 THEN duration_seconds END) AS latest_duration_seconds,
  -- The baseline: successful runs that started before the latest outcome run.
  percentile_approx(duration_seconds, 0.5) FILTER (WHERE is_success AND outcome_rank > 1)
    AS baseline_p50_seconds,
  COUNT_IF(is_success AND outcome_rank > 1) AS baseline_runs,
  COUNT_IF(is_retry) AS retries,
  -- A repaired run has one result slice per repair: every result beyond the first is a repair.
  SUM(repair_count) AS repairs,
  MAX(CASE WHEN finished_rank = 1 THEN run_id END) AS last_run_id,
  MAX(CASE WHEN finished_rank = 1 THEN start_time END) AS last_run_start_time,
  MAX(CASE WHEN finished_rank = 1 THEN end_time END) AS last_run_end_time,
  MAX(CASE WHEN finished_rank = 1 THEN duration_seconds END) AS last_run_duration_seconds,
  MAX(CASE WHEN finished_rank = 1 THEN result_state END) AS last_run_result_state,
  MAX(CASE WHEN finished_rank = 1 THEN termination_code END) AS last_run_termination_code,
  MAX(CASE WHEN finished_rank = 1 THEN is_retry END) AS last_run_is_retry,
  MAX(CASE WHEN finished_rank = 1 THEN repair_count END) AS last_run_repair_count
FROM streaks
GROUP BY job_id
ORDER BY job_id
