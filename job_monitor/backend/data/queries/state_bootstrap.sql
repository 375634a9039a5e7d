-- The app's state schema and its version table: what every migration needs first. Idempotent, so
-- two replicas starting at once both succeed. `${state_schema}` is the setting, quoted.
CREATE SCHEMA IF NOT EXISTS ${state_schema}
COMMENT 'Job Monitor: budgets, alert acknowledgements and deliveries sent (the app writes)';

CREATE TABLE IF NOT EXISTS ${state_schema}.schema_versions (
  version BIGINT NOT NULL,
  description STRING NOT NULL,
  applied_at TIMESTAMP NOT NULL
)
COMMENT 'One row per migration applied to this schema';
