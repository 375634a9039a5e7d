-- Spend billed to jobs grouped by :group_by (JOB, TEAM, SKU, RUN_AS or COMPUTE_TYPE), per UTC day of
-- the window (usage that started at or after :window_start) and in total over the window of the
-- same length before it (from :previous_start; its `day` is NULL). Only the jobs of :job_ids
-- (comma-separated; NULL: every job of the workspace) count. A team is the job's :team_tag tag on
-- its latest row of lakeflow.jobs (NULL: untagged); RUN_AS is the identity the usage ran as;
-- COMPUTE_TYPE is SERVERLESS or JOBS_COMPUTE (usage billed to a job is never all-purpose).
WITH
-- include: _latest_job_rows
,
usage AS (
  SELECT
    usage_metadata.job_id AS job_id,
    identity_metadata.run_as AS run_as,
    CASE WHEN product_features.is_serverless THEN 'SERVERLESS' ELSE 'JOBS_COMPUTE' END
      AS compute_type,
-- include: _billed_usage_columns
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :previous_start_date
    AND usage_start_time >= :previous_start
    AND usage_metadata.job_id IS NOT NULL
    AND (:job_ids IS NULL OR usage_metadata.job_id IN (SELECT explode(split(:job_ids, ','))))
),
-- include: _priced_usage
,
grouped AS (
  SELECT
    CASE :group_by
      WHEN 'JOB' THEN p.job_id
      WHEN 'TEAM' THEN element_at(l.tags, :team_tag)
      WHEN 'SKU' THEN p.sku_name
      WHEN 'RUN_AS' THEN p.run_as
      ELSE p.compute_type
    END AS group_key,
    CASE WHEN p.usage_start_time >= :window_start THEN CAST(p.usage_start_time AS DATE) END AS day,
    p.usage_quantity,
    p.list_cost_usd
  FROM priced AS p
  LEFT JOIN latest AS l ON l.job_id = p.job_id
)
SELECT
  group_key,
  day,
  SUM(usage_quantity) AS dbus,
  COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd,
  COUNT_IF(list_cost_usd IS NULL) AS unpriced_records
FROM grouped
GROUP BY group_key, day
ORDER BY group_key, day
