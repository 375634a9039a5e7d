-- The workspace's alert acknowledgements that have not yet run out (:now).
SELECT alert_id, acknowledged_by, acknowledged_at, until, magnitude
FROM ${state_schema}.acknowledgements
WHERE workspace_id = :workspace_id
  AND until > :now
