-- The current tasks (the DAG) of every job of the workspace.
-- job_tasks is SCD2 per (job, task): the latest row of each task first, then drop deleted tasks.
-- Tasks of deleted jobs are dropped by the caller, which joins them to the job catalog.
WITH latest AS (
  SELECT job_id, task_key, depends_on_keys, delete_time
  FROM system.lakeflow.job_tasks
  WHERE workspace_id = :workspace_id
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY workspace_id, job_id, task_key ORDER BY change_time DESC
  ) = 1
)
SELECT job_id, task_key, depends_on_keys
FROM latest
WHERE delete_time IS NULL
ORDER BY job_id, task_key
