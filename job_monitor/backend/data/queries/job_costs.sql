-- Spend per job over the window (usage that started at or after :window_start) and over the window
-- of the same length before it (from :previous_start): usage billed to a job, that is jobs compute
-- and serverless jobs (runs on all-purpose compute are billed to that compute). Per job: DBUs and
-- list cost, the runs with usage in the window and how many of them succeeded, the wasted spend
-- (runs that failed, timed out or were canceled, and the attempts of repaired runs before their
-- latest repair, by the usage hour, as billing records it), the p90 of its finished runs' spend
-- and its longest finished run. Outcomes come from job_run_timeline (latest result of repaired
-- runs) read from :scan_start, a look-back before the window. A job without job usage since
-- :previous_start is absent. usage_date prunes the partitions; usage_start_time makes it exact.
WITH
usage AS (
  SELECT
    usage_metadata.job_id AS job_id,
    usage_metadata.job_run_id AS run_id,
-- include: _billed_usage_columns
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :previous_start_date
    AND usage_start_time >= :previous_start
    AND usage_metadata.job_id IS NOT NULL
),
-- include: _priced_usage
,
slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    AND period_start_time >= :scan_start
),
-- include: _collapsed_job_runs
,
earlier_attempts AS (
  -- A repaired run has one result slice per attempt: the attempts before the latest one ended
  -- with the latest of the other result slices.
  SELECT run_id, MAX(period_end_time) AS ended_at
  FROM (
    SELECT
      run_id,
      period_end_time,
      ROW_NUMBER() OVER (PARTITION BY run_id ORDER BY period_end_time DESC) AS newest
    FROM slices
    WHERE result_state IS NOT NULL
  ) AS results
  WHERE newest > 1
  GROUP BY run_id
),
run_costs AS (
  SELECT
    p.job_id,
    p.run_id,
    SUM(p.usage_quantity) FILTER (WHERE p.usage_start_time >= :window_start) AS dbus,
    SUM(p.list_cost_usd) FILTER (WHERE p.usage_start_time >= :window_start) AS list_cost_usd,
    SUM(p.list_cost_usd) FILTER (WHERE p.usage_start_time < :window_start)
      AS previous_list_cost_usd,
    SUM(p.list_cost_usd) FILTER (
      WHERE p.usage_start_time >= :window_start AND p.usage_start_time < a.ended_at
    ) AS repaired_attempts_usd,
    COUNT_IF(p.list_cost_usd IS NULL AND p.usage_start_time >= :window_start)
      AS unpriced_records,
    -- Billed in the window: some usage of the run started in it.
    COUNT_IF(p.usage_start_time >= :window_start) > 0 AS in_window
  FROM priced AS p
  LEFT JOIN earlier_attempts AS a ON a.run_id = p.run_id
  GROUP BY p.job_id, p.run_id
),
outcomes AS (
  SELECT
    c.*,
    r.result_state IS NOT NULL AS finished,
    r.duration_seconds,
    COALESCE(array_contains(split(:success_states, ','), r.result_state), FALSE) AS succeeded,
    COALESCE(array_contains(split(:wasted_states, ','), r.result_state), FALSE) AS wasted
  FROM run_costs AS c
  LEFT JOIN job_runs AS r ON r.job_id = c.job_id AND r.run_id = c.run_id
)
SELECT
  job_id,
  COALESCE(SUM(dbus), 0) AS dbus,
  COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd,
  COUNT_IF(in_window) AS runs,
  COUNT_IF(in_window AND succeeded) AS successful_runs,
  COALESCE(
    SUM(CASE WHEN wasted THEN list_cost_usd ELSE repaired_attempts_usd END) FILTER (
      WHERE in_window
    ),
    0
  ) AS wasted_usd,
  percentile_approx(list_cost_usd, 0.9) FILTER (WHERE in_window AND finished)
    AS p90_run_cost_usd,
  COALESCE(SUM(previous_list_cost_usd), 0) AS previous_list_cost_usd,
  MAX(duration_seconds) FILTER (WHERE in_window AND finished) AS longest_run_seconds,
  SUM(unpriced_records) AS unpriced_records
FROM outcomes
GROUP BY job_id
ORDER BY job_id
