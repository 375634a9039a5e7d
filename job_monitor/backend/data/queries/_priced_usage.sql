-- A fragment, not a query: inside a WITH clause, after the including query's `usage` CTE (rows of
-- system.billing.usage with at least sku_name, cloud, usage_unit, usage_start_time and
-- usage_quantity), it puts there the CTE `priced`: each usage row with `list_cost_usd`, its
-- quantity at the list price in force when the usage started. Prices match on SKU, cloud, usage
-- unit, currency (:currency) and validity window; `effective_list` is the list price after
-- promotions, the one Databricks uses for cost. No price (an unknown SKU) leaves list_cost_usd
-- NULL: the cost is short and says so, rather than wrong. Every record type is kept: summing
-- RETRACTION (negative) and RESTATEMENT rows with the ORIGINAL ones gives the corrected total.
priced AS (
  SELECT
    u.*,
    u.usage_quantity * p.pricing.effective_list.default AS list_cost_usd
  FROM usage AS u
  LEFT JOIN system.billing.list_prices AS p
    ON p.sku_name = u.sku_name
    AND p.cloud = u.cloud
    AND p.usage_unit = u.usage_unit
    AND p.currency_code = :currency
    AND u.usage_start_time >= p.price_start_time
    AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
)
