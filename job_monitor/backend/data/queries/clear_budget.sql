-- Removes the monthly budget of a job or a team, if it has one.
DELETE FROM ${state_schema}.budgets
WHERE workspace_id = :workspace_id
  AND scope_kind = :scope_kind
  AND scope_key = :scope_key
