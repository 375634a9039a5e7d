-- One page of job runs, newest first, keyset-paginated on (start_time, run_id).
-- Runs are collapsed from job_run_timeline's hourly slices; membership is by start time.
-- List parameters are comma-separated strings (statement parameters cannot be arrays); NULL means
-- "no filter". :job_ids is the caller's set of jobs (already cut to what the viewer may see), of
-- which only the listed jobs count (_listed_jobs.sql: existing ones, deleted ones too when
-- :include_deleted).
WITH
-- include: _latest_job_rows
,
-- include: _listed_jobs
,
slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    -- Slices from :scan_start (the window start less a look-back) so that a run that started
    -- before the window, and has slices inside it, is seen with its true start and left out below.
    AND period_start_time >= :scan_start
    -- A semi-join, not array_contains: the set can hold thousands of jobs.
    AND (:job_ids IS NULL OR job_id IN (SELECT explode(split(:job_ids, ','))))
    AND job_id IN (SELECT job_id FROM listed_jobs)
),
-- include: _collapsed_job_runs
,
listed_runs AS (
  SELECT
    * EXCEPT (start_time),
    -- Milliseconds, the precision of timestamps on the wire: the cursor holds what the client saw,
    -- and the keyset below must compare the same value.
    date_trunc('MILLISECOND', start_time) AS start_time
  FROM job_runs
)
SELECT
-- include: _job_run_columns
FROM listed_runs
WHERE
-- include: _job_run_filters
  AND (
    :after_start_time IS NULL
    OR start_time < :after_start_time
    OR (start_time = :after_start_time AND CAST(run_id AS BIGINT) < :after_run_id)
  )
-- Run ids compare as numbers (the domain's cursor order); only the page's tie-break needs the cast.
ORDER BY start_time DESC, CAST(run_id AS BIGINT) DESC
LIMIT :page_size
