-- Per job with a duration target (:job_targets, see _sla_targets.sql): its finished runs started
-- at or after :window_start and, of those, the runs whose duration is greater than the target
-- (`domain.sla.breached`). Runs are collapsed from job_run_timeline's hourly slices with the
-- latest result for repaired runs; a run without a result is still going and not counted. A job
-- without finished runs in the window is absent.
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
SELECT
  r.job_id,
  COUNT(*) AS finished,
  COUNT_IF(r.duration_seconds > t.target_seconds) AS breaches
FROM job_runs AS r
JOIN targets AS t ON t.job_id = r.job_id
WHERE r.result_state IS NOT NULL
  AND r.start_time >= :window_start
GROUP BY r.job_id
ORDER BY r.job_id
