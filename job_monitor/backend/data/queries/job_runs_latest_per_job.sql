-- The newest runs of each of several jobs, newest first per job: the first page of every job's runs
-- in one statement (the runs page without a cursor, for many jobs at once). Collapsing, filters
-- and parameters as in job_runs_page.sql; :job_ids lists the jobs. :per_job + 1 runs per job
-- tell whether another page follows.
WITH slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    -- Slices from :scan_start (the window start less a look-back) so that a run that started
    -- before the window, and has slices inside it, is seen with its true start and left out below.
    AND period_start_time >= :scan_start
    -- A semi-join, not array_contains: the set can hold thousands of jobs.
    AND job_id IN (SELECT explode(split(:job_ids, ',')))
),
-- include: _collapsed_job_runs
,
listed_runs AS (
  SELECT
    * EXCEPT (start_time),
    -- Milliseconds, as in job_runs_page.sql: later pages compare the value the client saw.
    date_trunc('MILLISECOND', start_time) AS start_time
  FROM job_runs
),
matching AS (
  SELECT
    *,
    -- Run ids compare as numbers (the domain's cursor order).
    ROW_NUMBER() OVER (
      PARTITION BY job_id ORDER BY start_time DESC, CAST(run_id AS BIGINT) DESC
    ) AS position
  FROM listed_runs
  WHERE
-- include: _job_run_filters
)
SELECT
-- include: _job_run_columns
FROM matching
-- A subquery filter, not QUALIFY: the same on every engine that runs these files.
WHERE position <= :per_job + 1
ORDER BY job_id, position
