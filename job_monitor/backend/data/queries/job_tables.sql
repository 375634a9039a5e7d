-- The tables a batch of jobs (:job_ids, comma-separated) wrote and read over the window, from
-- system.access.table_lineage (one row per source and target of each read or write a job run
-- made): per job and table, whether the job wrote it and whether it read it, how many of its runs
-- did, and when one last did. Rows naming a path and no table are left out: a path has no Delta
-- history to read through the warehouse.
WITH lineage AS (
  SELECT
    CAST(entity_id AS STRING) AS job_id,
    entity_run_id,
    source_table_full_name,
    target_table_full_name,
    event_time
  FROM system.access.table_lineage
  WHERE workspace_id = :workspace_id
    AND entity_type = 'JOB'
    AND event_time >= :window_start
    AND array_contains(split(:job_ids, ','), CAST(entity_id AS STRING))
),
accesses AS (
  SELECT job_id, target_table_full_name AS table_name, TRUE AS writes, entity_run_id, event_time
  FROM lineage
  WHERE target_table_full_name IS NOT NULL
  UNION ALL
  SELECT job_id, source_table_full_name AS table_name, FALSE AS writes, entity_run_id, event_time
  FROM lineage
  WHERE source_table_full_name IS NOT NULL
)
SELECT
  job_id,
  table_name,
  BOOL_OR(writes) AS writes,
  BOOL_OR(NOT writes) AS reads,
  COUNT(DISTINCT entity_run_id) AS runs,
  MAX(event_time) AS last_seen_at
FROM accesses
GROUP BY job_id, table_name
ORDER BY job_id, table_name
