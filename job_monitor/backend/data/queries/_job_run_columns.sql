  -- The columns a run is read from (`history._run`), alike in every query that lists runs.
  job_id,
  run_id,
  start_time,
  end_time,
  duration_seconds,
  queue_seconds,
  result_state,
  termination_code,
  termination_type,
  trigger_type,
  run_type,
  run_name,
  result_slices
