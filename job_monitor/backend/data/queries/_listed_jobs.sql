-- A fragment, not a query: `-- include: _listed_jobs` inside a WITH clause puts there the CTE
-- `listed_jobs`, the jobs whose runs lists, counts and aggregates cover: the jobs the job catalog
-- lists (jobs_catalog.sql, by the same rule: the latest row of each job, not deleted) and, when
-- :include_deleted, every deleted job too (deleted_jobs.sql lists those deleted within the history
-- kept; a job deleted earlier has no run in it). A run of a job without any row is in neither.
listed_jobs AS (
  SELECT job_id
  FROM (
    SELECT job_id, delete_time
    FROM system.lakeflow.jobs
    WHERE workspace_id = :workspace_id
    QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
  ) AS latest
  WHERE delete_time IS NULL OR :include_deleted
)
