-- A fragment, not a query: inside a WITH clause it puts there the CTE `latest`, the latest row of
-- each job of the workspace. system.lakeflow.jobs is SCD2 (a row per change): the latest row is
-- picked FIRST and tested for deletion after, so a deleted job never comes back through one of its
-- older rows. No time predicate: a job's latest row counts even when older than the retention.
latest AS (
  SELECT *
  FROM system.lakeflow.jobs
  WHERE workspace_id = :workspace_id
  QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
)
