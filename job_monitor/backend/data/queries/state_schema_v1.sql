-- Version 1 of the app's state: budgets, alert acknowledgements, deliveries. Idempotent (a replica
-- may apply it while another does). Every row carries the workspace it is about: job ids are only
-- unique within a workspace.
CREATE TABLE IF NOT EXISTS ${state_schema}.budgets (
  workspace_id STRING NOT NULL,
  scope_kind STRING NOT NULL,
  scope_key STRING NOT NULL,
  monthly_usd DOUBLE NOT NULL,
  set_by STRING NOT NULL,
  set_at TIMESTAMP NOT NULL
)
COMMENT 'Monthly list-price budgets per job (scope_kind JOB, scope_key the job id) or team (TEAM, the tag value lower-cased)';

CREATE TABLE IF NOT EXISTS ${state_schema}.acknowledgements (
  workspace_id STRING NOT NULL,
  alert_id STRING NOT NULL,
  acknowledged_by STRING NOT NULL,
  acknowledged_at TIMESTAMP NOT NULL,
  until TIMESTAMP NOT NULL,
  magnitude DOUBLE NOT NULL
)
COMMENT 'Who acknowledged an alert, until when, at what magnitude (a worse one comes back)';

CREATE TABLE IF NOT EXISTS ${state_schema}.deliveries (
  workspace_id STRING NOT NULL,
  item STRING NOT NULL,
  channel STRING NOT NULL,
  state STRING NOT NULL,
  attempts BIGINT NOT NULL,
  claimed_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  detail STRING
)
COMMENT 'Each alert or report sent per channel: claimed (SENDING) before sending, then SENT or FAILED';
