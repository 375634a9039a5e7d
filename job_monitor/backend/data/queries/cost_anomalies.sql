-- Runs started in the window (at or after :window_start) whose spend is more than :ratio times
-- their job's p90 run spend over the baseline: the job's finished, billed runs started in
-- [:baseline_start, :window_start), at least :min_baseline_runs of them. With each: the baseline,
-- and what the data says about why (`domain.costs.likely_causes` decides): its duration against the
-- baseline's p90 duration, its repairs against the baseline's most, its trigger, its SKUs and
-- compute against the baseline's, and the latest change to the job's definition (a row of
-- lakeflow.jobs) after the last baseline run and up to the run's start. A run's spend is all its
-- usage since :baseline_start; every record type is summed. At most :row_limit runs, those with
-- the largest excess over the baseline first.
WITH
usage AS (
  SELECT
    usage_metadata.job_id AS job_id,
    usage_metadata.job_run_id AS run_id,
    product_features.is_serverless AS is_serverless,
-- include: _billed_usage_columns
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :baseline_start_date
    AND usage_start_time >= :baseline_start
    AND usage_metadata.job_id IS NOT NULL
),
-- include: _priced_usage
,
billed AS (
  SELECT
    job_id,
    run_id,
    SUM(usage_quantity) AS dbus,
    COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd,
    COALESCE(BOOL_OR(is_serverless), FALSE) AS serverless,
    array_join(array_sort(collect_set(sku_name)), ',') AS skus
  FROM priced
  GROUP BY job_id, run_id
),
slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    AND period_start_time >= :scan_start
),
-- include: _collapsed_job_runs
,
runs AS (
  SELECT
    r.job_id,
    r.run_id,
    r.start_time,
    r.duration_seconds,
    r.result_slices - 1 AS repair_count,
    r.trigger_type,
    b.dbus,
    b.list_cost_usd,
    b.serverless,
    b.skus
  FROM job_runs AS r
  JOIN billed AS b ON b.job_id = r.job_id AND b.run_id = r.run_id
  WHERE r.start_time >= :baseline_start
),
baseline AS (
  SELECT
    job_id,
    COUNT(*) AS baseline_runs,
    percentile_approx(list_cost_usd, 0.9) AS baseline_p90_cost_usd,
    percentile_approx(duration_seconds, 0.9) AS baseline_p90_duration_seconds,
    MAX(repair_count) AS baseline_max_repairs,
    BOOL_OR(serverless) AS baseline_serverless,
    MAX(start_time) AS baseline_last_start
  FROM runs
  WHERE start_time < :window_start
    AND duration_seconds IS NOT NULL
  GROUP BY job_id
  HAVING COUNT(*) >= :min_baseline_runs
),
baseline_skus AS (
  SELECT job_id, array_join(array_sort(collect_set(sku_name)), ',') AS baseline_skus
  FROM priced
  WHERE usage_start_time < :window_start
  GROUP BY job_id
),
costly AS (
  SELECT
    r.*,
    b.baseline_runs,
    b.baseline_p90_cost_usd,
    b.baseline_p90_duration_seconds,
    b.baseline_max_repairs,
    b.baseline_serverless,
    b.baseline_last_start
  FROM runs AS r
  JOIN baseline AS b ON b.job_id = r.job_id
  WHERE r.start_time >= :window_start
    AND b.baseline_p90_cost_usd > 0
    AND r.list_cost_usd > :ratio * b.baseline_p90_cost_usd
),
changes AS (
  SELECT c.run_id, MAX(j.change_time) AS definition_changed_at
  FROM costly AS c
  JOIN system.lakeflow.jobs AS j
    ON j.workspace_id = :workspace_id
    AND j.job_id = c.job_id
    AND j.change_time > c.baseline_last_start
    AND j.change_time <= c.start_time
  GROUP BY c.run_id
)
SELECT
  c.job_id,
  c.run_id,
  c.start_time,
  c.duration_seconds,
  c.repair_count,
  c.trigger_type,
  c.dbus,
  c.list_cost_usd,
  c.serverless,
  c.skus,
  c.baseline_runs,
  c.baseline_p90_cost_usd,
  c.baseline_p90_duration_seconds,
  c.baseline_max_repairs,
  c.baseline_serverless,
  s.baseline_skus,
  ch.definition_changed_at
FROM costly AS c
LEFT JOIN baseline_skus AS s ON s.job_id = c.job_id
LEFT JOIN changes AS ch ON ch.run_id = c.run_id
ORDER BY c.list_cost_usd - c.baseline_p90_cost_usd DESC, c.run_id
LIMIT :row_limit
