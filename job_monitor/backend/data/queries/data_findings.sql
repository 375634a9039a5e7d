-- The workspace's latest sweep of what jobs write (see record_data_findings).
SELECT swept_at, findings
FROM ${state_schema}.data_findings
WHERE workspace_id = :workspace_id
