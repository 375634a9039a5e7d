-- A fragment, not a query: `-- include: _job_run_filters` after a WHERE puts there the conditions of a
-- JobRunFilter over collapsed runs (see _collapsed_job_runs.sql). List parameters are comma-separated
-- strings; NULL means "no filter".
start_time >= :started_after
  AND (:started_before IS NULL OR start_time < :started_before)
  AND (
    :result_states IS NULL
    OR array_contains(split(:result_states, ','), result_state)
    OR (:include_unfinished AND result_state IS NULL)
  )
  AND (:termination_codes IS NULL OR array_contains(split(:termination_codes, ','), termination_code))
  AND (:trigger_types IS NULL OR array_contains(split(:trigger_types, ','), trigger_type))
  AND (:run_types IS NULL OR array_contains(split(:run_types, ','), run_type))
  AND (:min_duration_seconds IS NULL OR duration_seconds >= :min_duration_seconds)
  AND (:max_duration_seconds IS NULL OR duration_seconds <= :max_duration_seconds)
