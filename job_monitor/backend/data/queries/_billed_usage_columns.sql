-- A fragment, not a query: inside the select list of a query's `usage` CTE (reading
-- system.billing.usage), the columns `_priced_usage` prices by, ending the list.
    sku_name,
    cloud,
    usage_unit,
    usage_start_time,
    usage_quantity
