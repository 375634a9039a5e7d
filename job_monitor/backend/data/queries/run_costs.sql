-- Spend of a batch of job runs (one statement per data-loader batch): all the usage billed to each
-- run since :since (the day the earliest of them started), with its DBUs, list cost, SKUs and
-- whether any of it was serverless; and whether any of its tasks ran on an all-purpose cluster
-- (a cluster created from the UI or the API, its latest row in compute.clusters), whose usage is
-- billed to the cluster, not to the run. :run_ids is a comma-separated list of job run ids.
WITH
usage AS (
  SELECT
    usage_metadata.job_id AS job_id,
    usage_metadata.job_run_id AS run_id,
    product_features.is_serverless AS is_serverless,
-- include: _billed_usage_columns
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :since_date
    AND usage_metadata.job_run_id IN (SELECT explode(split(:run_ids, ',')))
),
-- include: _priced_usage
,
billed AS (
  SELECT
    run_id,
    MAX(job_id) AS job_id,
    SUM(usage_quantity) AS dbus,
    COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd,
    COALESCE(BOOL_OR(is_serverless), FALSE) AS serverless,
    array_join(array_sort(collect_set(sku_name)), ',') AS skus,
    COUNT_IF(list_cost_usd IS NULL) AS unpriced_records
  FROM priced
  GROUP BY run_id
),
all_purpose AS (
  SELECT cluster_id
  FROM system.compute.clusters
  WHERE workspace_id = :workspace_id
  QUALIFY ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) = 1
    AND cluster_source IN ('UI', 'API')
),
shared AS (
  SELECT DISTINCT job_id, job_run_id AS run_id
  FROM (
    SELECT job_id, job_run_id, explode(compute_ids) AS compute_id
    FROM system.lakeflow.job_task_run_timeline
    WHERE workspace_id = :workspace_id
      AND period_start_time >= :since
      AND job_run_id IN (SELECT explode(split(:run_ids, ',')))
  ) AS used
  WHERE compute_id IN (SELECT cluster_id FROM all_purpose)
)
SELECT
  COALESCE(b.run_id, s.run_id) AS run_id,
  COALESCE(b.job_id, s.job_id) AS job_id,
  COALESCE(b.dbus, 0) AS dbus,
  COALESCE(b.list_cost_usd, 0) AS list_cost_usd,
  COALESCE(b.serverless, FALSE) AS serverless,
  b.skus,
  s.run_id IS NOT NULL AS shared_compute,
  COALESCE(b.unpriced_records, 0) AS unpriced_records
FROM billed AS b
FULL OUTER JOIN shared AS s ON s.run_id = b.run_id
ORDER BY run_id
