-- Sets the monthly budget of a job or a team, replacing the one it had.
MERGE INTO ${state_schema}.budgets AS t
USING (
  SELECT
    :workspace_id AS workspace_id,
    :scope_kind AS scope_kind,
    :scope_key AS scope_key,
    :monthly_usd AS monthly_usd,
    :set_by AS set_by,
    :set_at AS set_at
) AS s
ON t.workspace_id = s.workspace_id AND t.scope_kind = s.scope_kind AND t.scope_key = s.scope_key
WHEN MATCHED THEN UPDATE SET monthly_usd = s.monthly_usd, set_by = s.set_by, set_at = s.set_at
WHEN NOT MATCHED THEN INSERT (workspace_id, scope_kind, scope_key, monthly_usd, set_by, set_at)
  VALUES (s.workspace_id, s.scope_kind, s.scope_key, s.monthly_usd, s.set_by, s.set_at)
