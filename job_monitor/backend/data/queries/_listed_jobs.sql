-- A fragment, not a query: inside a WITH clause, after `_latest_job_rows`, it puts there the CTE
-- `listed_jobs`, the jobs whose runs lists, counts and aggregates cover: the jobs the job catalog
-- lists (jobs_catalog.sql, by the same rule on the same latest rows: not deleted) and, when
-- :include_deleted, every deleted job too (deleted_jobs.sql lists those deleted within the history
-- kept; a job deleted earlier has no run in it). A run of a job without any row is in neither.
listed_jobs AS (
  SELECT job_id
  FROM latest
  WHERE delete_time IS NULL OR :include_deleted
)
