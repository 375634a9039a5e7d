-- List cost per job since :window_start: usage attributed to a job (jobs compute and
-- serverless jobs) priced with the list price valid when the usage started. RETRACTION and
-- RESTATEMENT rows are summed with the originals, so corrections net out. usage_date prunes the
-- partitions (:start_date is :window_start's date); usage_start_time makes the window exact.
WITH job_usage AS (
  SELECT
    usage_metadata.job_id AS job_id,
    usage_metadata.job_run_id AS run_id,
    sku_name,
    cloud,
    usage_unit,
    usage_start_time,
    usage_quantity
  FROM system.billing.usage
  WHERE workspace_id = :workspace_id
    AND usage_date >= :start_date
    AND usage_start_time >= :window_start
    AND usage_metadata.job_id IS NOT NULL
),
priced AS (
  SELECT
    u.job_id,
    u.run_id,
    u.usage_quantity,
    u.usage_quantity * p.pricing.effective_list.default AS list_cost_usd
  FROM job_usage AS u
  LEFT JOIN system.billing.list_prices AS p
    ON p.sku_name = u.sku_name
    AND p.cloud = u.cloud
    AND p.usage_unit = u.usage_unit
    AND p.currency_code = 'USD'
    AND u.usage_start_time >= p.price_start_time
    AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
)
SELECT
  job_id,
  SUM(usage_quantity) AS dbus,
  SUM(list_cost_usd) AS list_cost_usd,
  COUNT(DISTINCT run_id) AS runs_billed,
  -- Usage without a price (an unknown SKU) leaves the cost incomplete rather than wrong.
  COUNT_IF(list_cost_usd IS NULL) AS unpriced_records
FROM priced
GROUP BY job_id
ORDER BY job_id
