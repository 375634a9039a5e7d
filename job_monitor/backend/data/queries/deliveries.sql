-- What has been sent (or tried) since :since, newest first.
SELECT item, channel, state, attempts, claimed_at, finished_at, detail
FROM ${state_schema}.deliveries
WHERE workspace_id = :workspace_id
  AND claimed_at >= :since
ORDER BY claimed_at DESC
