-- Claims an item (an alert episode, a report) for a channel before sending it, so that it is sent
-- once however many dispatchers run: a new item is inserted as SENDING; a FAILED one, or one whose
-- sender died (SENDING since before :stale_before), is taken over. num_affected_rows = 1 means the
-- caller holds the claim; 0 means it is sent or being sent by another.
MERGE INTO ${state_schema}.deliveries AS t
USING (
  SELECT :workspace_id AS workspace_id, :item AS item, :channel AS channel, :claimed_at AS claimed_at
) AS s
ON t.workspace_id = s.workspace_id AND t.item = s.item AND t.channel = s.channel
WHEN MATCHED AND (t.state = 'FAILED' OR (t.state = 'SENDING' AND t.claimed_at < :stale_before))
  THEN UPDATE SET state = 'SENDING', claimed_at = s.claimed_at, finished_at = NULL
WHEN NOT MATCHED THEN INSERT (workspace_id, item, channel, state, attempts, claimed_at)
  VALUES (s.workspace_id, s.item, s.channel, 'SENDING', 0, s.claimed_at)
