-- Replaces the workspace's data findings with a new sweep's (:findings, JSON), unless a sweep
-- that finished later is already recorded (two sweeps at once: the newer one stands).
MERGE INTO ${state_schema}.data_findings AS t
USING (
  SELECT :workspace_id AS workspace_id, :swept_at AS swept_at, :findings AS findings
) AS s
ON t.workspace_id = s.workspace_id
WHEN MATCHED AND t.swept_at <= s.swept_at THEN
  UPDATE SET swept_at = s.swept_at, findings = s.findings
WHEN NOT MATCHED THEN INSERT (workspace_id, swept_at, findings)
  VALUES (s.workspace_id, s.swept_at, s.findings)
