-- A fragment, not a query: inside a WITH clause it puts there the CTE `targets`, one row per job
-- with its duration target: :job_targets is a comma-separated list of `job_id:target_seconds`
-- entries (statement parameters cannot be arrays), the targets the domain read from each job's
-- RUN_DURATION_SECONDS health rule. Job ids stay strings, as the system tables hold them.
targets AS (
  SELECT
    split_part(entry, ':', 1) AS job_id,
    CAST(split_part(entry, ':', 2) AS BIGINT) AS target_seconds
  FROM (SELECT explode(split(:job_targets, ',')) AS entry) AS entries
)
