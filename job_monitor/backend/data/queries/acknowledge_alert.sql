-- Acknowledges an alert (a later acknowledgement replaces the earlier one): one statement, so a
-- failure leaves the previous acknowledgement as it was.
MERGE INTO ${state_schema}.acknowledgements AS t
USING (
  SELECT
    :workspace_id AS workspace_id,
    :alert_id AS alert_id,
    :acknowledged_by AS acknowledged_by,
    :acknowledged_at AS acknowledged_at,
    :until AS until,
    :magnitude AS magnitude
) AS s
ON t.workspace_id = s.workspace_id AND t.alert_id = s.alert_id
WHEN MATCHED THEN UPDATE SET
  acknowledged_by = s.acknowledged_by,
  acknowledged_at = s.acknowledged_at,
  until = s.until,
  magnitude = s.magnitude
WHEN NOT MATCHED THEN INSERT (workspace_id, alert_id, acknowledged_by, acknowledged_at, until, magnitude)
  VALUES (s.workspace_id, s.alert_id, s.acknowledged_by, s.acknowledged_at, s.until, s.magnitude)
