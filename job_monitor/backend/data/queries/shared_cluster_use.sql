-- The all-purpose clusters (cluster_source UI or API, the latest row of system.compute.clusters) a
-- batch of jobs' runs (:job_ids, comma-separated) held in the window, and what those hours cost at
-- the all-purpose price against the job-compute price. A run holds a cluster from the first to the
-- last of its task slices on it (one span per run and cluster, cut to start at :window_start).
-- Each cluster's billed usage in the window gives its rate per billed hour, once at the SKU it was
-- billed on and once at the job-compute SKU of the same tier (ALL_PURPOSE_COMPUTE read as
-- JOBS_COMPUTE, e.g. PREMIUM_ALL_PURPOSE_COMPUTE as PREMIUM_JOBS_COMPUTE), each priced as every
-- cost is (_priced_usage); hours are counted by the usage hours billed (usage is hourly, and
-- corrections repeat an hour). A job's cost is its hours on each cluster at that cluster's rate; NULL
-- when a cluster it held has no usage in the window or a price is missing.
WITH
held AS (
  SELECT
    job_id,
    job_run_id,
    cluster_id,
    GREATEST(MIN(period_start_time), :window_start) AS held_from,
    MAX(period_end_time) AS held_to
  FROM (
    SELECT job_id, job_run_id, period_start_time, period_end_time, explode(compute_ids) AS cluster_id
    FROM system.lakeflow.job_task_run_timeline
    WHERE workspace_id = :workspace_id
      AND period_start_time >= :scan_start
      AND period_end_time > :window_start
      AND array_contains(split(:job_ids, ','), job_id)
  ) AS used
  WHERE cluster_id IN (
    SELECT cluster_id
    FROM system.compute.clusters
    WHERE workspace_id = :workspace_id
    QUALIFY ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) = 1
      AND cluster_source IN ('UI', 'API')
  )
  GROUP BY job_id, job_run_id, cluster_id
),
billed AS (
  SELECT
    usage_metadata.cluster_id AS cluster_id,
-- include: _billed_usage_columns
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :start_date
    AND usage_start_time >= :window_start
    AND usage_metadata.cluster_id IN (SELECT cluster_id FROM held)
),
usage AS (
  SELECT
    cluster_id,
    'ALL_PURPOSE' AS priced_as,
    sku_name,
    cloud,
    usage_unit,
    usage_start_time,
    usage_quantity
  FROM billed
  UNION ALL
  SELECT
    cluster_id,
    'JOB_COMPUTE' AS priced_as,
    replace(sku_name, 'ALL_PURPOSE_COMPUTE', 'JOBS_COMPUTE') AS sku_name,
    cloud,
    usage_unit,
    usage_start_time,
    usage_quantity
  FROM billed
),
-- include: _priced_usage
,
rates AS (
  SELECT
    cluster_id,
    SUM(list_cost_usd) FILTER (WHERE priced_as = 'ALL_PURPOSE')
      / COUNT(DISTINCT date_trunc('HOUR', usage_start_time)) AS all_purpose_usd_per_hour,
    SUM(list_cost_usd) FILTER (WHERE priced_as = 'JOB_COMPUTE')
      / COUNT(DISTINCT date_trunc('HOUR', usage_start_time)) AS job_compute_usd_per_hour,
    COUNT_IF(list_cost_usd IS NULL) AS unpriced_records
  FROM priced
  GROUP BY cluster_id
),
job_hours AS (
  SELECT
    job_id,
    cluster_id,
    SUM(timestampdiff(MILLISECOND, held_from, held_to)) / 3600000.0 AS hours
  FROM held
  GROUP BY job_id, cluster_id
)
SELECT
  h.job_id,
  array_join(array_sort(collect_set(h.cluster_id)), ',') AS cluster_ids,
  SUM(h.hours) AS hours,
  CASE
    WHEN COUNT_IF(r.cluster_id IS NULL OR r.unpriced_records > 0) = 0
      THEN SUM(h.hours * r.all_purpose_usd_per_hour)
  END AS all_purpose_usd,
  CASE
    WHEN COUNT_IF(r.cluster_id IS NULL OR r.unpriced_records > 0) = 0
      THEN SUM(h.hours * r.job_compute_usd_per_hour)
  END AS job_compute_usd
FROM job_hours AS h
LEFT JOIN rates AS r ON r.cluster_id = h.cluster_id
GROUP BY h.job_id
ORDER BY h.job_id
