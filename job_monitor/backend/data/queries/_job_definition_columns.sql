  -- The columns a job's definition is read from (`history._definition`).
  job_id,
  name,
  creator_user_name,
  run_as_user_name,
  tags,
  trigger_type,
  `trigger`,
  paused,
  timeout_seconds,
  health_rules,
  change_time,
  delete_time
