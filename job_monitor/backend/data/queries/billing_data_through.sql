-- How far billing has landed for the workspace: the end of the latest usage hour recorded since
-- :since_date (a few days back: usage lands within hours). NULL when nothing landed since.
SELECT MAX(usage_end_time) AS data_through
FROM system.billing.usage
WHERE workspace_id = :workspace_id
  AND usage_date >= :since_date
