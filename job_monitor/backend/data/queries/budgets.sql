-- Every budget set in the workspace (a few hundred at most: one per job or team that has one).
SELECT scope_kind, scope_key, monthly_usd, set_by, set_at
FROM ${state_schema}.budgets
WHERE workspace_id = :workspace_id
