-- Records how a claimed delivery ended: SENT or FAILED, after how many attempts, and why.
UPDATE ${state_schema}.deliveries
SET state = :state,
  attempts = attempts + :attempts,
  finished_at = :finished_at,
  detail = :detail
WHERE workspace_id = :workspace_id
  AND item = :item
  AND channel = :channel
  AND claimed_at = :claimed_at
