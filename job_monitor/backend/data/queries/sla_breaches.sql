-- The runs over target of several jobs (:job_targets, see _sla_targets.sql): finished runs started
-- at or after :window_start whose duration is greater than their job's target
-- (`domain.sla.breached`), newest first per job, at most :per_job per job. Collapsing as in
-- job_runs_page.sql (latest result for repaired runs).
WITH
-- include: _sla_targets
,
slices AS (
  SELECT *
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
    -- Slices from :scan_start (the window start less a look-back) so that a run that started
    -- before the window, and has slices inside it, is seen with its true start and left out below.
    AND period_start_time >= :scan_start
    -- A semi-join, not array_contains: the set can hold thousands of jobs.
    AND job_id IN (SELECT job_id FROM targets)
),
-- include: _collapsed_job_runs
,
over_target AS (
  SELECT
    r.*,
    -- Run ids compare as numbers (the domain's cursor order).
    ROW_NUMBER() OVER (
      PARTITION BY r.job_id ORDER BY r.start_time DESC, CAST(r.run_id AS BIGINT) DESC
    ) AS position
  FROM job_runs AS r
  JOIN targets AS t ON t.job_id = r.job_id
  WHERE r.result_state IS NOT NULL
    AND r.start_time >= :window_start
    AND r.duration_seconds > t.target_seconds
)
SELECT
-- include: _job_run_columns
FROM over_target
-- A subquery filter, not QUALIFY: the same on every engine that runs these files.
WHERE position <= :per_job
ORDER BY job_id, position
