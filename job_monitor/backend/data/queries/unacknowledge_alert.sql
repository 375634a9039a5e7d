-- Removes an alert's acknowledgement, if any.
DELETE FROM ${state_schema}.acknowledgements
WHERE workspace_id = :workspace_id
  AND alert_id = :alert_id
