-- Spend of jobs' kind that no job can be tied to, per UTC day of the window (usage that started at
-- or after :window_start) and in total over the window before it (from :previous_start; its `day`
-- is NULL), by compute type: usage of the JOBS product without a job id, and usage of all-purpose
-- clusters that a job task ran on since :previous_start (job_task_run_timeline's compute_ids).
-- Such spend is not per job, so only a viewer who sees every job is shown it.
WITH
job_clusters AS (
  SELECT DISTINCT compute_id
  FROM (
    SELECT explode(compute_ids) AS compute_id
    FROM system.lakeflow.job_task_run_timeline
    WHERE workspace_id = :workspace_id
      AND period_start_time >= :previous_start
  ) AS used
),
usage AS (
  SELECT
    CASE
      WHEN billing_origin_product = 'JOBS' AND product_features.is_serverless THEN 'SERVERLESS'
      WHEN billing_origin_product = 'JOBS' THEN 'JOBS_COMPUTE'
      ELSE 'ALL_PURPOSE'
    END AS compute_type,
-- include: _billed_usage_columns
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :previous_start_date
    AND usage_start_time >= :previous_start
    AND (
      (billing_origin_product = 'JOBS' AND usage_metadata.job_id IS NULL)
      OR (
        billing_origin_product IN ('ALL_PURPOSE', 'INTERACTIVE')
        AND usage_metadata.cluster_id IN (SELECT compute_id FROM job_clusters)
      )
    )
),
-- include: _priced_usage
SELECT
  compute_type AS group_key,
  CASE WHEN usage_start_time >= :window_start THEN CAST(usage_start_time AS DATE) END AS day,
  SUM(usage_quantity) AS dbus,
  COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd,
  COUNT_IF(list_cost_usd IS NULL) AS unpriced_records
FROM priced
GROUP BY 1, 2
ORDER BY 1, 2
