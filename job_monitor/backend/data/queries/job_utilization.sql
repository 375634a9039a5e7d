-- CPU and memory of the job clusters of a batch of jobs (:job_ids, comma-separated; NULL: every job)
-- over the window, per job, from system.compute.node_timeline (one row per node per minute).
-- Task runs name the clusters they used in compute_ids; each (job run, cluster) gets one span, from
-- the first to the last of its task slices on that cluster: tasks sharing a job cluster repeat its
-- id, and a span per task would count the cluster's minutes once per task. A node's minute counts
-- for a run when it starts within that span and at or after :window_start. Only job clusters
-- (cluster_source JOB, the latest row of system.compute.clusters) are measured: an all-purpose
-- cluster's load is shared with other work, and SQL warehouses have no node rows.
-- A run-minute is one minute of one run on one cluster: the driver's CPU busy (user + system) and
-- memory used, and the workers' averaged and summed over the workers up that minute. Per job:
-- every run with task slices in the window, how many used no cluster (serverless) or an all-purpose
-- one; the runs and run-minutes observed, and the first of those minutes; p50, p90 and peak of each
-- figure; the worker run-minutes with CPU under :cpu_percent and memory under :memory_percent; and,
-- for the cluster shape it spent most run-minutes on, its workers' peaks, their count per minute and
-- the minutes at the autoscaling minimum and maximum.
WITH
task_slices AS (
  SELECT job_id, job_run_id, compute_ids, period_start_time, period_end_time
  FROM system.lakeflow.job_task_run_timeline
  WHERE workspace_id = :workspace_id
    AND period_start_time >= :scan_start
    AND period_end_time > :window_start
    AND (:job_ids IS NULL OR array_contains(split(:job_ids, ','), job_id))
),
clusters AS (
  SELECT
    cluster_id,
    cluster_source,
    driver_node_type,
    worker_node_type,
    worker_count,
    min_autoscale_workers,
    max_autoscale_workers
  FROM system.compute.clusters
  WHERE workspace_id = :workspace_id
  QUALIFY ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) = 1
),
run_clusters AS (
  SELECT
    used.job_id,
    used.job_run_id,
    used.cluster_id,
    MIN(used.period_start_time) AS held_from,
    MAX(used.period_end_time) AS held_to
  FROM (
    SELECT job_id, job_run_id, period_start_time, period_end_time, explode(compute_ids) AS cluster_id
    FROM task_slices
  ) AS used
  GROUP BY used.job_id, used.job_run_id, used.cluster_id
),
runs AS (
  SELECT
    t.job_id,
    t.job_run_id,
    -- No task of the run named any compute: serverless.
    COALESCE(MAX(size(t.compute_ids)), 0) <= 0 AS serverless,
    COALESCE(BOOL_OR(c.cluster_source IN ('UI', 'API')), FALSE) AS on_shared_cluster
  FROM task_slices AS t
  LEFT JOIN run_clusters AS r ON r.job_run_id = t.job_run_id
  LEFT JOIN clusters AS c ON c.cluster_id = r.cluster_id
  GROUP BY t.job_id, t.job_run_id
),
job_clusters AS (
  SELECT
    r.*,
    c.driver_node_type,
    c.worker_node_type,
    c.worker_count,
    c.min_autoscale_workers,
    c.max_autoscale_workers
  FROM run_clusters AS r
  JOIN clusters AS c ON c.cluster_id = r.cluster_id AND c.cluster_source = 'JOB'
),
run_minutes AS (
  SELECT
    r.job_id,
    r.job_run_id,
    r.cluster_id,
    date_trunc('MINUTE', n.start_time) AS minute,
    MAX(n.cpu_user_percent + n.cpu_system_percent) FILTER (WHERE n.driver) AS driver_cpu,
    MAX(n.mem_used_percent) FILTER (WHERE n.driver) AS driver_memory,
    AVG(n.cpu_user_percent + n.cpu_system_percent) FILTER (WHERE NOT n.driver) AS worker_cpu,
    AVG(n.mem_used_percent) FILTER (WHERE NOT n.driver) AS worker_memory,
    SUM(n.cpu_user_percent + n.cpu_system_percent) FILTER (WHERE NOT n.driver) / 100
      AS busy_workers,
    SUM(n.mem_used_percent) FILTER (WHERE NOT n.driver) / 100 AS memory_workers,
    -- One row per instance and minute: the worker rows are the workers up.
    COUNT_IF(NOT n.driver) AS workers
  FROM job_clusters AS r
  JOIN system.compute.node_timeline AS n
    ON n.cluster_id = r.cluster_id
    AND n.start_time >= r.held_from
    AND n.start_time < r.held_to
  WHERE n.workspace_id = :workspace_id
    AND n.start_time >= :window_start
  GROUP BY r.job_id, r.job_run_id, r.cluster_id, date_trunc('MINUTE', n.start_time)
),
job_figures AS (
  SELECT
    job_id,
    COUNT(*) AS minutes_observed,
    COUNT(DISTINCT job_run_id) AS runs_observed,
    MIN(minute) AS first_observed_at,
    percentile_approx(driver_cpu, 0.5) AS driver_cpu_p50,
    percentile_approx(driver_cpu, 0.9) AS driver_cpu_p90,
    MAX(driver_cpu) AS driver_cpu_peak,
    percentile_approx(driver_memory, 0.5) AS driver_memory_p50,
    percentile_approx(driver_memory, 0.9) AS driver_memory_p90,
    MAX(driver_memory) AS driver_memory_peak,
    percentile_approx(worker_cpu, 0.5) AS worker_cpu_p50,
    percentile_approx(worker_cpu, 0.9) AS worker_cpu_p90,
    MAX(worker_cpu) AS worker_cpu_peak,
    percentile_approx(worker_memory, 0.5) AS worker_memory_p50,
    percentile_approx(worker_memory, 0.9) AS worker_memory_p90,
    MAX(worker_memory) AS worker_memory_peak,
    COUNT(worker_cpu) AS worker_minutes,
    COUNT_IF(worker_cpu < :cpu_percent AND worker_memory < :memory_percent) AS underused_minutes
  FROM run_minutes
  GROUP BY job_id
),
shapes AS (
  SELECT
    c.job_id,
    c.driver_node_type,
    c.worker_node_type,
    c.worker_count,
    c.min_autoscale_workers,
    c.max_autoscale_workers,
    COUNT(*) AS shape_minutes,
    MAX(m.worker_cpu) AS peak_worker_cpu,
    MAX(m.worker_memory) AS peak_worker_memory,
    MAX(m.busy_workers) AS peak_busy_workers,
    MAX(m.memory_workers) AS peak_memory_workers,
    AVG(m.workers) AS average_workers,
    MAX(m.workers) AS most_workers,
    COUNT_IF(m.workers <= c.min_autoscale_workers) AS minutes_at_minimum,
    COUNT_IF(m.workers >= c.max_autoscale_workers) AS minutes_at_maximum
  FROM run_minutes AS m
  JOIN job_clusters AS c ON c.job_run_id = m.job_run_id AND c.cluster_id = m.cluster_id
  GROUP BY
    c.job_id,
    c.driver_node_type,
    c.worker_node_type,
    c.worker_count,
    c.min_autoscale_workers,
    c.max_autoscale_workers
),
main_shape AS (
  SELECT *
  FROM shapes
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY job_id
    ORDER BY shape_minutes DESC, worker_node_type, driver_node_type, worker_count,
      min_autoscale_workers, max_autoscale_workers
  ) = 1
),
run_counts AS (
  SELECT
    job_id,
    COUNT(*) AS runs,
    COUNT_IF(serverless) AS serverless_runs,
    COUNT_IF(on_shared_cluster) AS shared_cluster_runs
  FROM runs
  GROUP BY job_id
)
SELECT
  k.job_id,
  k.runs,
  k.serverless_runs,
  k.shared_cluster_runs,
  COALESCE(f.minutes_observed, 0) AS minutes_observed,
  COALESCE(f.runs_observed, 0) AS runs_observed,
  f.first_observed_at,
  f.driver_cpu_p50,
  f.driver_cpu_p90,
  f.driver_cpu_peak,
  f.driver_memory_p50,
  f.driver_memory_p90,
  f.driver_memory_peak,
  f.worker_cpu_p50,
  f.worker_cpu_p90,
  f.worker_cpu_peak,
  f.worker_memory_p50,
  f.worker_memory_p90,
  f.worker_memory_peak,
  COALESCE(f.worker_minutes, 0) AS worker_minutes,
  COALESCE(f.underused_minutes, 0) AS underused_minutes,
  s.driver_node_type,
  s.worker_node_type,
  s.worker_count,
  s.min_autoscale_workers,
  s.max_autoscale_workers,
  s.shape_minutes,
  s.peak_worker_cpu,
  s.peak_worker_memory,
  s.peak_busy_workers,
  s.peak_memory_workers,
  s.average_workers,
  s.most_workers,
  s.minutes_at_minimum,
  s.minutes_at_maximum
FROM run_counts AS k
LEFT JOIN job_figures AS f ON f.job_id = k.job_id
LEFT JOIN main_shape AS s ON s.job_id = k.job_id
ORDER BY k.job_id
