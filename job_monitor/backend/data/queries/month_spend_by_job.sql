-- Each job's list-price spend in the current month so far (usage that started at or after
-- :month_start, a UTC midnight on the 1st): what budgets are measured against. Jobs compute and
-- serverless jobs billed to a job, as job_costs.sql counts them.
WITH
usage AS (
  SELECT
    usage_metadata.job_id AS job_id,
-- include: _billed_usage_columns
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :month_start_date
    AND usage_start_time >= :month_start
    AND usage_metadata.job_id IS NOT NULL
),
-- include: _priced_usage
SELECT
  CAST(job_id AS BIGINT) AS job_id,
  SUM(list_cost_usd) AS list_cost_usd,
  COUNT_IF(list_cost_usd IS NULL) > 0 AS unpriced
FROM priced
GROUP BY job_id
