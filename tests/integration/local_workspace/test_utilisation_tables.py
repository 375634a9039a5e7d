"""The utilisation system tables of the synthetic workspace: `system.compute.node_timeline` tied to
the runs as Databricks ties it, `system.compute.node_types`, and the planted patterns.

Checked through the SQL Statement Execution API with the real databricks-sdk, on the shared demo
workspace (seed 7, 300 jobs, 90 days), with SQL written here independently of the generator. The
pinned jobs are found by their index (synth/generate.py `_PINNED`, `UTILISATION_PINNED`), which
every seed has.
"""

from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import StatementParameterListItem, StatementState

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.principals import WAREHOUSE_ID, WORKSPACE_ID
from job_monitor.local_workspace.server import LocalWorkspace
from job_monitor.local_workspace.synth.generate import UTILISATION_PINNED
from tests.integration.local_workspace.conftest import user_client

OVER_PROVISIONED_JOB = 0
AUTOSCALING_JOB = 13
HEALTHY_JOB = 4
SHARED_CLUSTER_JOB = 5
AT_CEILING_JOB = 7
AUTOSCALE_UNEXERCISED_JOB = 8
SERVERLESS_JOBS = (1, 2, 6, 9, 11, 12)
# The rule the issue states: worker CPU (user + system) and memory both under 40 %.
UNDER = 40

# Each task run's clusters, one window per (job run, cluster) as the reference's Q1 takes it (tasks
# sharing a job cluster repeat its id).
SPANS = """
spans AS (
  SELECT job_id, job_run_id, cluster_id, min(period_start_time) AS t0, max(period_end_time) AS t1
  FROM (
    SELECT job_id, job_run_id, period_start_time, period_end_time,
      explode(compute_ids) AS cluster_id
    FROM system.lakeflow.job_task_run_timeline
    WHERE workspace_id = :workspace_id
      AND period_start_time >= current_timestamp() - INTERVAL 30 DAYS
  )
  GROUP BY ALL
)"""

# The clusters some nodes ran for in the last 14 days, against the clusters runs name.
NODE_CLUSTERS = """
WITH nodes AS (
  SELECT DISTINCT cluster_id FROM system.compute.node_timeline
  WHERE workspace_id = :workspace_id AND start_time >= current_timestamp() - INTERVAL 14 DAYS
), run_clusters AS (
  SELECT DISTINCT explode(compute_ids) AS cluster_id FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id
), task_clusters AS (
  SELECT DISTINCT explode(compute_ids) AS cluster_id FROM system.lakeflow.job_task_run_timeline
  WHERE workspace_id = :workspace_id AND period_start_time >= current_timestamp() - INTERVAL 13 DAYS
)
SELECT (SELECT count(*) FROM nodes),
  (SELECT count(*) FROM nodes WHERE cluster_id NOT IN (SELECT cluster_id FROM run_clusters)),
  (SELECT count(*) FROM task_clusters WHERE cluster_id NOT IN (SELECT cluster_id FROM nodes))
"""

# Per task slice of the last 14 days: the clock minutes it touches and the driver rows found then.
TASK_MINUTES_COVERED = """
WITH t AS (
  SELECT run_id, explode(compute_ids) AS cluster_id, period_start_time AS s, period_end_time AS e
  FROM system.lakeflow.job_task_run_timeline
  WHERE workspace_id = :workspace_id AND period_start_time >= current_timestamp() - INTERVAL 14 DAYS
    AND period_end_time > period_start_time
), c AS (
  SELECT t.run_id, t.cluster_id, t.s, t.e,
    CEIL(timestampdiff(MILLISECOND, date_trunc('MINUTE', t.s), t.e) / 60000) AS minutes,
    count(n.start_time) AS driver_rows
  FROM t LEFT JOIN system.compute.node_timeline n
    ON n.cluster_id = t.cluster_id AND n.driver AND n.start_time < t.e AND n.end_time > t.s
  GROUP BY ALL
)
SELECT count(*), count_if(driver_rows <> minutes) FROM c
"""

# Node rows of the last 14 days outside every run of their cluster, and workers without a driver.
NODES_OUTSIDE_RUNS = """
WITH r AS (
  SELECT explode(compute_ids) AS cluster_id, period_start_time AS s, period_end_time AS e
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id AND period_end_time >= current_timestamp() - INTERVAL 15 DAYS
), n AS (
  SELECT cluster_id, start_time, end_time, driver FROM system.compute.node_timeline
  WHERE workspace_id = :workspace_id AND start_time >= current_timestamp() - INTERVAL 14 DAYS
), m AS (
  SELECT cluster_id, start_time, end_time, count_if(driver) AS drivers, count(*) AS nodes
  FROM n GROUP BY ALL
)
SELECT count(*), sum(nodes), count_if(drivers <> 1), count_if(NOT EXISTS (
  SELECT 1 FROM r WHERE r.cluster_id = m.cluster_id AND r.s < m.end_time AND r.e >= m.start_time))
FROM m
"""

# The shared (all-purpose) clusters' minutes of the last 14 days: rows and instances per minute,
# and how many jobs' runs overlapped then.
SHARED_CLUSTER_MINUTES = """
WITH shared AS (
  SELECT DISTINCT cluster_id FROM system.compute.clusters
  WHERE workspace_id = :workspace_id AND cluster_source IN ('UI', 'API')
), m AS (
  SELECT cluster_id, start_time, end_time, count(*) AS nodes,
    count(DISTINCT instance_id) AS instances, count_if(driver) AS drivers
  FROM system.compute.node_timeline
  WHERE workspace_id = :workspace_id AND start_time >= current_timestamp() - INTERVAL 14 DAYS
    AND cluster_id IN (SELECT cluster_id FROM shared)
  GROUP BY ALL
), r AS (
  SELECT job_id, explode(compute_ids) AS cluster_id, period_start_time AS s, period_end_time AS e
  FROM system.lakeflow.job_run_timeline
  WHERE workspace_id = :workspace_id AND period_end_time >= current_timestamp() - INTERVAL 15 DAYS
), jobs_per_minute AS (
  SELECT m.cluster_id, m.start_time, count(DISTINCT r.job_id) AS jobs
  FROM m JOIN r ON r.cluster_id = m.cluster_id AND r.s < m.end_time AND r.e > m.start_time
  GROUP BY ALL
)
SELECT count(*), count_if(nodes <> instances), count_if(drivers <> 1),
  (SELECT count_if(jobs >= 2) FROM jobs_per_minute)
FROM m
"""

# Per job of the workspace (not on a shared cluster) over its last 30 days of runs: the share of
# its worker-minutes with CPU and memory both under the threshold.
LOW_WORKER_SHARE_PER_JOB = f"""
WITH {SPANS}, shared AS (
  SELECT cluster_id FROM system.compute.clusters
  WHERE workspace_id = :workspace_id AND cluster_source IN ('UI', 'API')
)
SELECT s.job_id,
  avg(CAST(n.cpu_user_percent + n.cpu_system_percent < {UNDER} AND n.mem_used_percent < {UNDER}
    AS INT)) AS low_share
FROM spans s JOIN system.compute.node_timeline n
  ON n.cluster_id = s.cluster_id AND NOT n.driver AND n.start_time < s.t1 AND n.end_time > s.t0
WHERE s.cluster_id NOT IN (SELECT cluster_id FROM shared)
GROUP BY s.job_id
"""

# One job's last 30 days: its drivers' and workers' load.
LOAD = f"""
WITH {SPANS}
SELECT n.driver, count(*), avg(n.cpu_user_percent + n.cpu_system_percent),
  stddev(n.cpu_user_percent + n.cpu_system_percent), avg(n.mem_used_percent),
  count(DISTINCT n.node_type)
FROM spans s JOIN system.compute.node_timeline n
  ON n.cluster_id = s.cluster_id AND n.start_time < s.t1 AND n.end_time > s.t0
WHERE s.job_id = :job_id
GROUP BY n.driver ORDER BY n.driver
"""

# Per job with an autoscaling cluster in its last 30 days: its cluster-minutes, the share at the
# configured maximum and at the minimum, the fewest and most workers seen, the workers' CPU.
SCALING_PER_JOB = f"""
WITH {SPANS}, shape AS (
  SELECT cluster_id, worker_count, min_autoscale_workers, max_autoscale_workers
  FROM system.compute.clusters WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) = 1
), minutes AS (
  SELECT s.job_id, n.cluster_id, n.start_time, count_if(NOT n.driver) AS workers,
    avg(n.cpu_user_percent + n.cpu_system_percent) FILTER (WHERE NOT n.driver) AS cpu
  FROM spans s JOIN system.compute.node_timeline n
    ON n.cluster_id = s.cluster_id AND n.start_time < s.t1 AND n.end_time > s.t0
  GROUP BY ALL
)
SELECT job_id, count(*), avg(CAST(workers = max_autoscale_workers AS INT)),
  avg(CAST(workers = min_autoscale_workers AS INT)), min(workers), max(workers), avg(cpu),
  min(min_autoscale_workers), max(max_autoscale_workers)
FROM minutes JOIN shape USING (cluster_id)
WHERE max_autoscale_workers IS NOT NULL
GROUP BY job_id
"""

# Every cluster a task ran on, with its latest description, and the workers seen per minute in the
# last 14 days against its shape.
CLUSTER_SHAPES = """
WITH latest AS (
  SELECT * FROM system.compute.clusters WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) = 1
), task_clusters AS (
  SELECT DISTINCT job_id, job_run_id, explode(compute_ids) AS cluster_id
  FROM system.lakeflow.job_task_run_timeline WHERE workspace_id = :workspace_id
), minutes AS (
  SELECT cluster_id, start_time, count_if(NOT driver) AS workers
  FROM system.compute.node_timeline
  WHERE workspace_id = :workspace_id AND start_time >= current_timestamp() - INTERVAL 14 DAYS
  GROUP BY ALL
)
SELECT
  (SELECT count(*) FROM task_clusters t LEFT JOIN latest c USING (cluster_id)
   WHERE c.cluster_id IS NULL),
  (SELECT count(*) FROM task_clusters t JOIN latest c USING (cluster_id)
   WHERE c.cluster_source = 'JOB' AND c.tags['JobId'] <> t.job_id),
  (SELECT count(*) FROM (
     SELECT cluster_id FROM task_clusters t JOIN latest c USING (cluster_id)
     WHERE c.cluster_source = 'JOB' GROUP BY cluster_id HAVING count(DISTINCT job_run_id) > 1)),
  (SELECT count_if((worker_count IS NULL) = (max_autoscale_workers IS NULL)
     OR (min_autoscale_workers IS NULL) <> (max_autoscale_workers IS NULL)
     OR min_autoscale_workers >= max_autoscale_workers) FROM latest),
  (SELECT count_if(NOT (workers = coalesce(worker_count, workers) AND workers
     BETWEEN coalesce(min_autoscale_workers, 0) AND coalesce(max_autoscale_workers, workers)))
   FROM minutes JOIN latest USING (cluster_id)),
  (SELECT count(*) FROM latest WHERE max_autoscale_workers IS NOT NULL AND cluster_source = 'JOB')
"""

# The values of the last day: within their ranges, as real metrics are.
METRIC_RANGES = """
SELECT count(*),
  count_if(cpu_user_percent < 0 OR cpu_system_percent < 0 OR cpu_wait_percent < 0
    OR cpu_user_percent + cpu_system_percent > 100),
  count_if(mem_used_percent <= 0 OR mem_used_percent > 100 OR mem_swap_percent < 0),
  count_if(network_sent_bytes <= 0 OR network_received_bytes <= 0),
  count_if(array_sort(map_keys(disk_free_bytes_per_mount_point)) <> array('/', '/local_disk0')
    OR disk_free_bytes_per_mount_point['/'] <= 0),
  count(DISTINCT instance_id), count(DISTINCT cpu_user_percent)
FROM system.compute.node_timeline
WHERE workspace_id = :workspace_id AND start_time >= current_timestamp() - INTERVAL 1 DAY
"""

NODE_TYPES_USED = """
WITH used AS (
  SELECT DISTINCT node_type FROM system.compute.node_timeline
  WHERE workspace_id = :workspace_id AND start_time >= current_timestamp() - INTERVAL 14 DAYS
  UNION SELECT driver_node_type FROM system.compute.clusters WHERE workspace_id = :workspace_id
  UNION SELECT worker_node_type FROM system.compute.clusters WHERE workspace_id = :workspace_id
)
SELECT u.node_type, t.core_count, t.memory_mb,
  (SELECT min(s.core_count) FROM system.compute.node_types s
   WHERE split_part(s.node_type, '.', 1) = split_part(u.node_type, '.', 1)) AS smallest_of_family
FROM used u LEFT JOIN system.compute.node_types t ON t.node_type = u.node_type
ORDER BY u.node_type
"""


@pytest.fixture(scope="module")
def analyst(local_workspace: LocalWorkspace) -> WorkspaceClient:
    return user_client(local_workspace, "local-alice")


def _rows(client: WorkspaceClient, statement: str, **parameters: str) -> list[list[Any]]:
    response = client.statement_execution.execute_statement(
        statement=statement,
        warehouse_id=WAREHOUSE_ID,
        wait_timeout="50s",
        parameters=[
            StatementParameterListItem(name=name, value=value)
            for name, value in {"workspace_id": WORKSPACE_ID, **parameters}.items()
        ],
    )
    assert response.status is not None
    error = response.status.error.message if response.status.error else None
    assert response.status.state == StatementState.SUCCEEDED, error
    assert response.manifest is not None
    assert response.manifest.total_chunk_count == 1
    assert response.result is not None
    return [[*row] for row in response.result.data_array or []]


def _numbers(row: list[Any]) -> list[float]:
    return [float(value) for value in row]


def _job_id(database: WorkspaceDatabase, index: int) -> str:
    row = (
        database.cursor()
        .execute("SELECT job_id FROM local.jobs WHERE job_index = ?", [index])
        .fetchone()
    )
    assert row is not None
    return str(row[0])


def test_the_pinned_jobs_have_the_utilisation_stories_these_tests_name() -> None:
    assert UTILISATION_PINNED[OVER_PROVISIONED_JOB] == "over_provisioned"
    assert UTILISATION_PINNED[AUTOSCALING_JOB] == "autoscaling"
    assert UTILISATION_PINNED[HEALTHY_JOB] == "healthy"
    assert UTILISATION_PINNED[AT_CEILING_JOB] == "at_ceiling"
    assert UTILISATION_PINNED[AUTOSCALE_UNEXERCISED_JOB] == "autoscale_unexercised"


def test_nodes_run_for_the_clusters_runs_name_and_every_task_cluster_has_nodes(
    analyst: WorkspaceClient,
) -> None:
    # when
    ((clusters, without_run, without_nodes),) = _rows(analyst, NODE_CLUSTERS)

    # then
    assert int(clusters) > 1000
    assert int(without_run) == 0
    assert int(without_nodes) == 0


def test_serverless_jobs_name_no_cluster_and_have_no_node_rows(
    analyst: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    for index in SERVERLESS_JOBS:
        job_id = _job_id(database, index)
        # given a serverless job's runs
        ((slices, with_compute, not_serverless),) = _rows(
            analyst,
            "SELECT count(*), count_if(size(compute_ids) > 0), "
            "count_if(compute[0].type <> 'SERVERLESS') FROM system.lakeflow.job_run_timeline "
            "WHERE workspace_id = :workspace_id AND job_id = :job_id",
            job_id=job_id,
        )
        # when its node rows are looked up as for any job
        load = _rows(analyst, LOAD, job_id=job_id)
        # then they name no cluster and there is no node row
        assert int(slices) > 0
        assert (int(with_compute), int(not_serverless)) == (0, 0)
        assert load == []


def test_every_minute_of_a_task_on_a_cluster_has_its_driver_row(analyst: WorkspaceClient) -> None:
    # when
    ((slices, uncovered),) = _rows(analyst, TASK_MINUTES_COVERED)

    # then exactly one driver row per clock minute the task touched
    assert int(slices) > 1000
    assert int(uncovered) == 0


def test_nodes_are_up_only_during_their_clusters_runs_with_one_driver(
    analyst: WorkspaceClient,
) -> None:
    # when
    ((cluster_minutes, rows, not_one_driver, outside),) = _rows(analyst, NODES_OUTSIDE_RUNS)

    # then every cluster-minute has one driver and lies in a run of its cluster
    assert int(cluster_minutes) > 10_000
    assert int(rows) > int(cluster_minutes)
    assert int(not_one_driver) == 0
    assert int(outside) == 0


def test_a_shared_cluster_has_one_row_per_instance_and_minute_however_many_jobs_use_it(
    analyst: WorkspaceClient,
) -> None:
    # when
    ((minutes, repeated, not_one_driver, shared_minutes),) = _rows(analyst, SHARED_CLUSTER_MINUTES)

    # then runs of several jobs overlap on shared clusters, and their nodes are counted once
    assert int(minutes) > 1000
    assert int(shared_minutes) > 0
    assert (int(repeated), int(not_one_driver)) == (0, 0)


def test_over_provisioned_jobs_keep_workers_under_40_percent_and_the_others_well_above(
    analyst: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # when every job's worker-minutes of the last 30 days are judged by the rule
    shares = {job_id: float(share) for job_id, share in _rows(analyst, LOW_WORKER_SHARE_PER_JOB)}

    # then the over-provisioned ones stand apart: most minutes low, the others hardly any
    flagged = {job_id for job_id, share in shares.items() if share > 0.5}
    assert _job_id(database, OVER_PROVISIONED_JOB) in flagged
    for index in (AUTOSCALING_JOB, HEALTHY_JOB, AT_CEILING_JOB, AUTOSCALE_UNEXERCISED_JOB):
        assert _job_id(database, index) not in flagged
    assert 0.08 < len(flagged) / len(shares) < 0.35
    assert all(share < 0.25 or share > 0.75 for share in shares.values())
    assert _job_id(database, SHARED_CLUSTER_JOB) not in shares


def test_drivers_are_lightly_loaded_and_workers_noisy_on_the_node_type_of_the_job(
    analyst: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # when
    load = {
        row[0]: _numbers(row[1:])
        for row in _rows(analyst, LOAD, job_id=_job_id(database, HEALTHY_JOB))
    }

    # then
    minutes, cpu, cpu_spread, memory, node_types = load["false"]
    assert minutes > 1000
    assert 40 < cpu < 85
    assert cpu_spread > 2
    assert memory > UNDER
    assert node_types == 1
    driver_minutes, driver_cpu, *_ = load["true"]
    assert driver_minutes < minutes
    assert driver_cpu < cpu - 20


def test_autoscaling_at_its_ceiling_unexercised_and_exercised_are_told_apart(
    analyst: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    # when
    scaling = {row[0]: _numbers(row[1:]) for row in _rows(analyst, SCALING_PER_JOB)}

    # then the job at its ceiling has its maximum most minutes, busy
    minutes, at_max, at_min, fewest, most, cpu, low, high = scaling[
        _job_id(database, AT_CEILING_JOB)
    ]
    assert minutes > 100
    assert at_max > 0.8
    assert most == high
    assert cpu > 70
    # the unexercised one never leaves its minimum
    minutes, at_max, at_min, fewest, most, cpu, low, high = scaling[
        _job_id(database, AUTOSCALE_UNEXERCISED_JOB)
    ]
    assert minutes > 100
    assert (at_min, fewest, most) == (1.0, low, low)
    assert most < high
    # the exercised one moves between both
    minutes, at_max, at_min, fewest, most, cpu, low, high = scaling[
        _job_id(database, AUTOSCALING_JOB)
    ]
    assert (fewest, most) == (low, high)
    assert 0.05 < at_max < 0.8
    assert 0.05 < at_min < 0.8
    # and the fixed-size jobs have no autoscaling
    assert _job_id(database, HEALTHY_JOB) not in scaling
    assert _job_id(database, OVER_PROVISIONED_JOB) not in scaling
    # while other jobs of each kind exist too (the generator draws them)
    ceilings = [job for job, row in scaling.items() if row[1] > 0.8 and row[5] > 70]
    unexercised = [job for job, row in scaling.items() if row[3] == row[4] == row[6]]
    assert len(ceilings) > 3
    assert len(unexercised) > 3


def test_clusters_describe_each_task_cluster_and_the_workers_seen(
    analyst: WorkspaceClient,
) -> None:
    # when
    ((unknown, other_job, reused, mixed_shape, off_shape, autoscaling),) = _rows(
        analyst, CLUSTER_SHAPES
    )

    # then every cluster a task ran on is described; a job cluster serves one run of its job
    assert (int(unknown), int(other_job), int(reused)) == (0, 0, 0)
    # a cluster has a fixed size or autoscaling bounds, and the workers seen keep to it
    assert (int(mixed_shape), int(off_shape)) == (0, 0)
    assert int(autoscaling) > 100


def test_the_jobs_api_gives_the_cluster_shape_system_compute_clusters_shows(
    analyst: WorkspaceClient, database: WorkspaceDatabase
) -> None:
    for index in (AT_CEILING_JOB, HEALTHY_JOB):
        job_id = _job_id(database, index)
        # given the job's latest job cluster as the system table describes it
        ((workers, low, high),) = _rows(
            analyst,
            "SELECT worker_count, min_autoscale_workers, max_autoscale_workers "
            "FROM system.compute.clusters WHERE workspace_id = :workspace_id "
            "AND tags['JobId'] = :job_id ORDER BY create_time DESC LIMIT 1",
            job_id=job_id,
        )

        # when the Jobs API describes the job
        job = analyst.jobs.get(int(job_id))

        # then both give the same shape: autoscaling bounds or a fixed size, never both
        assert job.settings is not None
        (cluster,) = job.settings.job_clusters or []
        assert cluster.new_cluster is not None
        autoscale = cluster.new_cluster.autoscale
        api = (
            cluster.new_cluster.num_workers,
            autoscale.min_workers if autoscale else None,
            autoscale.max_workers if autoscale else None,
        )
        assert api == tuple(None if value is None else int(value) for value in (workers, low, high))
        assert (workers is None) == (index == AT_CEILING_JOB)


def test_metrics_stay_within_their_ranges(analyst: WorkspaceClient) -> None:
    # when
    ((rows, cpu, memory, network, disks, instances, cpu_values),) = _rows(analyst, METRIC_RANGES)

    # then
    assert int(rows) > 10_000
    assert (int(cpu), int(memory), int(network), int(disks)) == (0, 0, 0, 0)
    assert int(instances) > 100
    assert int(cpu_values) > 1000


def test_node_types_describe_every_type_used_and_a_smaller_one_of_each_family(
    analyst: WorkspaceClient,
) -> None:
    # when
    used = _rows(analyst, NODE_TYPES_USED)

    # then
    assert len(used) >= 5
    for node_type, cores, memory_mb, smallest in used:
        assert cores is not None, node_type
        assert float(cores) > 0
        assert int(memory_mb) > 0
        assert float(smallest) < float(cores), node_type
