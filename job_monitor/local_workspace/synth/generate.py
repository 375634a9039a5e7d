"""Generates the synthetic workspace with set-based DuckDB SQL: no per-row Python, even at scale.

Every random choice is a hash of (seed, entity, salt), so a seed always yields the same workspace,
whatever the thread count. All times are written relative to `anchor` (the generation's "now", on an
hour boundary); the views in `database.py` shift them to the real clock when read.

A run is decided once, in `local.runs` / `local.task_runs`, and every other table is derived from
those rows: the hourly slices of `lakeflow.job_run_timeline`, the task slices, billing usage and the
Jobs API's answers. That is what makes the Jobs API and the system tables tell the same story.

Utilisation (`compute.node_timeline`, `compute.node_types`): nodes run for the classic job clusters
and the shared all-purpose clusters of the runs, never for serverless ones. A job cluster has a
driver and the job's workers each minute of an attempt, from the cluster's start (after the queue)
to the attempt's end, and again during a repair; a shared cluster has one driver and 2 to 8 workers
(more runs, more workers) each minute any run uses it, however many jobs' runs overlap. Only the
last `NODE_RETENTION_DAYS` are kept. Each classic job has a utilisation story, pinned for the
pinned jobs (`UTILISATION_PINNED`) and drawn for the others; CPU means user + system:
* over-provisioned (18 % of classic jobs; job 0, data-eng's): fixed size, 4 to 15 workers (the
  others have 2 to 15) at 14-30 % CPU and 17-33 % memory on average, so about 90 % of their minutes
  are under 40 % on both, and fewer workers would carry even the busiest minute;
* at the ceiling (8 %; job 7): autoscaling, at its maximum from within the first tenth of each run
  (over 80 % of its minutes), workers at 78-94 % CPU;
* autoscale unexercised (8 %; job 8): autoscaling that never leaves its minimum;
* autoscaling (12 %; job 13, a batch job: a continuous run cut by the window would show only its
  middle, at the maximum): up from the minimum to the maximum and back down
  within each run;
* healthy (the rest; jobs 3, 4, 10): fixed size, workers at 46-78 % CPU and 47-78 % memory.
Drivers run at 6-22 % CPU and 40-63 % memory; every metric is noisy from minute to minute with a
spike now and then. Autoscaling jobs scale between a third of `workers` and `workers`, as
`compute.clusters` (min/max_autoscale_workers) and the Jobs API (`autoscale`) say. Serverless jobs
(pinned 1, 2, 6, 9, 11, 12) have no node rows; job 5 runs on a shared cluster.
"""

from datetime import datetime

import duckdb

from job_monitor.local_workspace.principals import (
    ACCOUNT_ID,
    APP_SP,
    PROVISIONING_WORKSPACE_ID,
    WORKSPACE_ID,
    WORKSPACE_NAME,
)
from job_monitor.local_workspace.synth import vocabulary as v
from job_monitor.local_workspace.synth.tables import generate_tables

# Bump when the generated data changes shape or content: it is part of the database cache key.
GENERATOR_VERSION = 18

# The Jobs API keeps about 60 days of runs; the system tables keep the whole window.
JOBS_API_RETENTION_DAYS = 60

# Another running workspace of the account: it has no jobs here, only usage in `billing.usage`,
# which is account-wide.
OTHER_WORKSPACE_ID = "1234567890123458"
OTHER_WORKSPACE_NAME = "data-science-prod"

# Scenarios pinned to the first job indices so that every story exists even in a tiny workspace;
# the SQL's `n_pinned` is their count, where the random jobs begin.
# index: (team, cadence, profile, compute, tasks)
_PINNED: dict[int, tuple[str, str, str, str, int]] = {
    0: ("data-eng", "daily", "regressed", "classic", 5),
    1: ("data-eng", "4h", "streak", "serverless", 3),
    2: ("data-eng", "hourly", "flaky", "serverless", 1),
    3: ("platform", "continuous", "streaming", "classic", 1),
    4: ("analytics", "daily", "healthy", "classic", 130),
    5: ("finance", "daily", "healthy", "all_purpose", 2),
    6: ("data-eng", "hourly", "queued", "serverless", 1),
    7: ("ml-platform", "4h", "retry", "classic", 4),
    8: ("analytics", "daily", "repair", "classic", 6),
    9: ("marketing", "file_arrival", "healthy", "serverless", 2),
    10: ("data-eng", "daily", "deleted", "classic", 2),
    11: ("customer-360", "daily", "renamed", "serverless", 3),
    12: ("platform", "hourly", "zombie", "serverless", 1),
    13: ("finance", "daily", "broken", "classic", 3),
}
# Pinned jobs bob owns: two of data-eng's and one of analytics' (so "his own" differs from his
# team's).
_BOB_OWNS = (1, 2, 8)

# How busy the pinned classic jobs' clusters are (other classic jobs draw theirs: 18 %
# over-provisioned, 8 % at the ceiling, 8 % autoscale unexercised, 12 % autoscaling, the rest
# healthy). Job 0 is data-eng's, so bob sees an over-provisioned job.
UTILISATION_PINNED: dict[int, str] = {
    0: "over_provisioned",
    3: "healthy",
    4: "healthy",
    7: "at_ceiling",
    8: "autoscale_unexercised",
    10: "healthy",
    13: "autoscaling",
}

# `system.compute.node_timeline` keeps 90 days (Databricks keeps it less than a year; third parties
# report 90 days), whatever the window of the other tables.
NODE_RETENTION_DAYS = 90
# Stored node rows cover a block of minutes each (see `_NODE_INSTANCES`): longer blocks are fewer
# rows to build, more candidate minutes per row to read.
NODE_BLOCK_MINUTES = 240


def _values(rows: list[tuple[object, ...]]) -> str:
    """A VALUES list of literals built from our own constants (never from input)."""

    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(literal(x) for x in row) + ")" for row in rows)


def _vocabulary_tables(con: duckdb.DuckDBPyConnection) -> None:
    total = sum(v.TEAM_WEIGHTS)
    teams: list[tuple[object, ...]] = []
    acc = 0
    for team, weight in zip(v.TEAMS, v.TEAM_WEIGHTS, strict=True):
        app_id, sp_id = v.team_service_principal(team)
        people = v.TEAM_PEOPLE[team]
        teams.append(
            (
                team,
                acc / total,
                (acc + weight) / total,
                app_id,
                sp_id,
                "|".join(p[0] for p in people),
                "|".join(p[1] for p in people),
            )
        )
        acc += weight
    values = _values(teams)
    con.execute(
        "CREATE TEMP TABLE teams AS SELECT team, lo, hi, sp_app_id, sp_id, "  # noqa: S608 (constants)
        "string_split(people, '|') AS people, string_split(people_ids, '|') AS people_ids "
        f"FROM (VALUES {values}) t(team, lo, hi, sp_app_id, sp_id, people, people_ids)"
    )
    failures = list(v.FAILURES)
    total_w = sum(o.weight for o in failures)
    rows: list[tuple[object, ...]] = []
    acc = 0
    for o in (v.SUCCESS, *failures, *v.TASK_ONLY):
        lo, hi = (acc / total_w, (acc + o.weight) / total_w) if o.weight else (-1.0, -1.0)
        acc += o.weight
        trace = v.ERROR_TRACES.get(o.api_code, (o.message, o.message))
        rows.append(
            (
                o.key,
                lo,
                hi,
                o.system_result,
                o.system_code,
                o.termination_type,
                o.api_life_cycle,
                o.api_result or None,
                o.api_code,
                o.message,
                o.before_tasks,
                trace[0],
                trace[1],
            )
        )
    con.execute(
        "CREATE TEMP TABLE outcomes AS SELECT * FROM (VALUES "  # noqa: S608 (constants)
        + _values(rows)
        + ") t(outcome, lo, hi, sys_result, sys_code, term_type, api_life, api_result, api_code, "
        "message, before_tasks, error, error_trace)"
    )
    # Outcome by 16-bit bucket of a run's random draw: an equi-join, not a range lookup per run.
    con.execute(
        "CREATE TEMP TABLE outcome_buckets AS SELECT b.bucket, o.outcome "
        "FROM range(65536) b(bucket) "
        "JOIN outcomes o ON b.bucket / 65536.0 >= o.lo AND b.bucket / 65536.0 < o.hi"
    )
    con.execute(
        "CREATE TEMP TABLE pinned AS SELECT * FROM (VALUES "  # noqa: S608 (constants)
        + _values([(i, *p) for i, p in _PINNED.items()])
        + ") t(i, team, cadence, profile, compute, n_tasks)"
    )
    con.execute(
        "CREATE TEMP TABLE pinned_utilisation AS SELECT * FROM (VALUES "  # noqa: S608 (constants)
        + _values(list(UTILISATION_PINNED.items()))
        + ") t(i, pinned_utilisation)"
    )
    con.execute(
        "CREATE TEMP TABLE node_type_specs AS SELECT * FROM (VALUES "  # noqa: S608 (constants)
        + _values(list(v.NODE_TYPE_SPECS))
        + ") t(node_type, cores, memory_mb, gpus, local_disk_gb)"
    )
    con.execute(
        "CREATE TEMP TABLE skus AS SELECT * FROM (VALUES "  # noqa: S608 (constants)
        + _values([(s, p, sl, float(a), float(b)) for s, p, sl, a, b in v.SKUS])
        + ") t(sku_name, product, is_serverless, price_before, price_after)"
    )


def _lists(name: str, items: tuple[str, ...]) -> str:
    return f"CREATE TEMP MACRO {name}() AS [" + ", ".join(f"'{x}'" for x in items) + "]"


_MACROS = [
    # Uniform [0, 1) from the seed and three keys: deterministic, order- and thread-independent.
    "CREATE TEMP MACRO u(a, b, c) AS "
    "(hash(getvariable('seed'), a, b, c) % 1000003)::DOUBLE / 1000003.0",
    # Four 16-bit uniforms from one 64-bit hash: hashing is a main cost at scale.
    "CREATE TEMP MACRO ur(h, n) AS ((h >> (16 * n)) & 65535)::DOUBLE / 65536.0",
    "CREATE TEMP MACRO pick(xs, r) AS xs[1 + least(floor(r * len(xs))::BIGINT, len(xs) - 1)]",
    "CREATE TEMP MACRO secs(x) AS to_milliseconds(round(x * 1000)::BIGINT)",
    "CREATE TEMP MACRO anchor() AS getvariable('anchor')::TIMESTAMPTZ",
]

# --- jobs: one row per job with everything decided about it ---------------------------------------
_JOBS = """
CREATE TEMP TABLE j AS
WITH b AS (
  SELECT i,
    580000000000000 + i * 4099 + (hash(getvariable('seed'), i, 'id') % 4000)::BIGINT AS job_id,
    u(i, 'team', 0) AS r_team, u(i, 'cad', 0) AS r_cad, u(i, 'prof', 0) AS r_prof,
    u(i, 'comp', 0) AS r_comp, u(i, 'ntask', 0) AS r_ntask
  FROM range(getvariable('n_jobs')) t(i)
), c AS (
  SELECT b.i, b.job_id,
    coalesce(p.team, tm.team) AS team,
    coalesce(p.cadence, CASE WHEN r_cad < 0.02 THEN 'continuous' WHEN r_cad < 0.08 THEN
      'file_arrival'
      WHEN r_cad < 0.09 THEN 'hourly' WHEN r_cad < 0.115 THEN '4h' WHEN r_cad < 0.65 THEN 'daily'
      WHEN r_cad < 0.85 THEN 'weekly' ELSE 'manual' END) AS cadence,
    coalesce(p.profile, CASE WHEN r_prof < 0.70 THEN 'healthy' WHEN r_prof < 0.80 THEN 'flaky'
      WHEN r_prof < 0.85 THEN 'streak' WHEN r_prof < 0.87 THEN 'regressed' WHEN r_prof < 0.93 THEN
        'retry'
      WHEN r_prof < 0.96 THEN 'repair' WHEN r_prof < 0.98 THEN 'deleted' ELSE 'renamed' END) AS
        profile,
    coalesce(p.compute, CASE WHEN r_comp < 0.55 THEN 'classic' WHEN r_comp < 0.90 THEN 'serverless'
      ELSE 'all_purpose' END) AS compute,
    p.n_tasks AS pinned_tasks, r_ntask
  FROM b LEFT JOIN pinned p USING (i) JOIN teams tm ON b.r_team >= tm.lo AND b.r_team < tm.hi
), d AS (
  SELECT c.*,
    CASE WHEN cadence = 'continuous' THEN 'classic' ELSE compute END AS compute_kind,
    coalesce(pinned_tasks, CASE WHEN cadence IN ('hourly', 'continuous') OR r_ntask < 0.5 THEN 1
      WHEN r_ntask < 0.85 THEN 2 + floor(u(job_id, 'nt', 1) * 3)::INT
      ELSE 5 + floor(u(job_id, 'nt', 2) * 8)::INT END) AS n_tasks,
    CASE cadence WHEN 'continuous' THEN 2880 WHEN 'file_arrival' THEN 720 WHEN 'hourly' THEN 60
      WHEN '4h' THEN 240 WHEN 'weekly' THEN 10080 WHEN 'manual' THEN 2880 ELSE 1440 END AS
        period_min,
    floor(u(job_id, 'min', 0) * 12)::INT * 5 AS cron_minute,
    floor(u(job_id, 'hour', 0) * 24)::INT AS cron_hour,
    u(job_id, 'dur', 0) AS r_dur,
    CASE cadence WHEN 'hourly' THEN [120, 2400] WHEN '4h' THEN [300, 5400] WHEN 'weekly' THEN
      [1800, 14400]
      WHEN 'file_arrival' THEN [60, 1800] WHEN 'manual' THEN [300, 7200] ELSE [300, 10800] END AS
        dur_range,
    pick(teams.people, u(job_id, 'owner', 0)) AS owner0,
    teams.people, teams.people_ids, teams.sp_app_id, teams.sp_id,
    -- The zombie and the broken job have the same name in every seed, for a stable story.
    CASE WHEN profile IN ('zombie', 'broken') THEN 'prod'
      ELSE pick(['prod', 'prod', 'prod', 'prod', 'staging', 'dev'], u(job_id, 'env', 0)) END AS env,
    CASE profile WHEN 'zombie' THEN 'telemetry' WHEN 'broken' THEN 'invoices'
      ELSE pick(subjects(), u(job_id, 'subj', 0)) END AS subject,
    CASE profile WHEN 'zombie' THEN 'sync' WHEN 'broken' THEN 'export'
      ELSE pick(actions(), u(job_id, 'act', 0)) END AS action
  FROM c JOIN teams USING (team)
)
SELECT d.*,
  CASE WHEN i IN (1, 2, 8) THEN 'bob@example.com' ELSE owner0 END AS owner,
  people_ids[list_position(people, CASE WHEN i IN (1, 2, 8) THEN 'bob@example.com' ELSE owner0 END)]
    AS owner_id,
  u(job_id, 'runas', 0) < 0.45 OR i IN (1, 2, 8) AS runs_as_owner,
  CASE WHEN i = 6 THEN 3000.0 WHEN cadence = 'continuous' THEN period_min * 60.0 - 600
    -- a zombie finds nothing to do: it is over in seconds, every time
    WHEN profile = 'zombie' THEN 20 + 5 * r_dur
    ELSE dur_range[1] * exp(r_dur * ln(dur_range[2] / dur_range[1])) END AS base_seconds,
  env || '-' || subject || '-' || action || '-' ||
    CASE cadence WHEN 'continuous' THEN 'stream' WHEN 'file_arrival' THEN 'on-arrival'
      WHEN '4h' THEN 'every-4h' WHEN 'manual' THEN 'adhoc' ELSE cadence END AS name,
  subject || '_' || action || '_job' AS legacy_name,
  CASE WHEN i < getvariable('n_pinned') THEN anchor() - INTERVAL 400 DAY
    WHEN u(job_id, 'created', 0) < 0.55
      THEN anchor() - to_days(getvariable('days')::INT) - secs(86400 * (30 + 600 * u(job_id,
        'created', 1)))
    ELSE anchor() - to_days(getvariable('days')::INT)
      + secs(86400 * getvariable('days') * 0.8 * u(job_id, 'created', 2)) END AS created_time,
  u(job_id, 'event', 0) AS r_event,
  -- job 6 always has a run going now: with a target, running-now runs are judged against one
  u(job_id, 'health', 0) < 0.15 OR i IN (0, 2, 6) AS has_health_rule,
  u(job_id, 'timeout', 0) < 0.6 AS has_timeout,
  cadence IN ('hourly', '4h', 'daily', 'weekly') AND i >= getvariable('n_pinned')
    AND u(job_id, 'pause', 0) < 0.02 AS pauses,
  -- job 0 turns Photon on only with its regression (`photon_time`)
  u(job_id, 'photon', 0) < 0.3 AND i <> 0 AS photon,
  pick(node_types(), u(job_id, 'node', 0)) AS node_type,
  pick(dbr_versions(), u(job_id, 'dbr', 0)) AS dbr_version,
  4 + u(job_id, 'dbu', 0) * 28 AS dbu_per_hour,
  'cc-' || (4100 + floor(u(job_id, 'cc', 0) * 40)::INT)::VARCHAR AS cost_center,
  -- How busy its job cluster is and how it scales (the node rows below): classic compute only.
  CASE WHEN compute_kind <> 'classic' THEN NULL
    WHEN i < getvariable('n_pinned') THEN coalesce(pinned_utilisation, 'healthy')
    WHEN u(job_id, 'util', 0) < 0.18 THEN 'over_provisioned'
    WHEN u(job_id, 'util', 0) < 0.26 THEN 'at_ceiling'
    WHEN u(job_id, 'util', 0) < 0.34 THEN 'autoscale_unexercised'
    WHEN u(job_id, 'util', 0) < 0.46 THEN 'autoscaling'
    ELSE 'healthy' END AS utilisation,
  -- An over-provisioned cluster has workers to spare, 4 to 15: with 2 or 3, the busiest minute (a
  -- spike on one worker) often needs them all, and no smaller cluster would carry it.
  CASE WHEN utilisation = 'over_provisioned' THEN 4 + floor(u(job_id, 'workers', 0) * 12)
    ELSE 2 + floor(u(job_id, 'workers', 0) * 14) END::INT AS workers,
  -- Autoscaling jobs scale between a third of `workers` and `workers`.
  CASE WHEN utilisation IN ('at_ceiling', 'autoscale_unexercised', 'autoscaling')
    THEN greatest(1, workers // 3) END AS min_workers,
  CASE WHEN utilisation IN ('at_ceiling', 'autoscale_unexercised', 'autoscaling')
    THEN workers END AS max_workers
FROM d LEFT JOIN pinned_utilisation USING (i)
"""

# Events in a job's life (SCD rows): renames, tag changes, config change behind a regression, pause,
# delete.
_JOB_EVENTS = """
CREATE TEMP TABLE je AS
SELECT j.*,
  CASE WHEN profile = 'renamed' OR (i >= getvariable('n_pinned') AND r_event < 0.08)
    THEN created_time + (anchor() - created_time) * (0.2 + 0.5 * u(job_id, 'ren', 0)) END AS
      rename_time,
  CASE WHEN profile = 'renamed' OR (i >= getvariable('n_pinned') AND r_event BETWEEN 0.06 AND 0.14)
    THEN created_time + (anchor() - created_time) * (0.3 + 0.5 * u(job_id, 'tag', 0)) END AS
      tag_time,
  CASE WHEN profile = 'regressed'
    THEN anchor() - secs(86400 * (5 + 10 * u(job_id, 'reg', 0))) END AS regression_time,
  -- Job 0's regression also moves it to Photon: a cost anomaly with a visible change of SKU.
  CASE WHEN i = 0 THEN regression_time END AS photon_time,
  CASE WHEN profile = 'deleted'
    THEN created_time + (anchor() - created_time) * (0.5 + 0.4 * u(job_id, 'del', 0)) END AS
      delete_time,
  CASE WHEN pauses THEN anchor() - secs(86400 * (3 + 40 * u(job_id, 'pause', 1))) END AS pause_time,
  CASE WHEN i = 11 THEN 'analytics' END AS old_team
FROM j
"""

_JOB_TASKS = """
CREATE TEMP TABLE jt AS
WITH t AS (
  SELECT job_id, created_time, delete_time, compute_kind, base_seconds, n_tasks, k AS task_idx,
    CASE WHEN n_tasks = 1 THEN 1 WHEN n_tasks <= 4 THEN n_tasks - (u(job_id, 'lv', 0) < 0.3 AND
      n_tasks > 2)::INT
      ELSE least(n_tasks, 3 + floor(u(job_id, 'lv', 1) * 4)::INT + (n_tasks > 60)::INT * 8) END AS
        levels,
    floor(16 * u(job_id, 'keys', 0))::INT AS key_offset
  FROM je, LATERAL (SELECT unnest(range(n_tasks)) AS k)
), l AS (
  SELECT *, floor(task_idx * levels / n_tasks)::INT AS level FROM t
), f AS (
  -- first task index of a level is ceil(level * n / levels)
  SELECT *,
    ceil((level - 1) * n_tasks / levels)::INT AS prev_first,
    ceil(level * n_tasks / levels)::INT - ceil((level - 1) * n_tasks / levels)::INT AS prev_size,
    ceil(level * n_tasks / levels)::INT AS level_first,
    ceil((level + 1) * n_tasks / levels)::INT - ceil(level * n_tasks / levels)::INT AS level_size
  FROM l
)
SELECT job_id, task_idx, level, levels, level_first, level_size, created_time, delete_time,
  CASE WHEN n_tasks > 16 THEN 'part_' || lpad(task_idx::VARCHAR, 3, '0')
    ELSE task_keys()[1 + (key_offset + task_idx) % 16] END AS task_key,
  CASE WHEN level = 0 THEN []::INT[]
    WHEN prev_size > 1 AND u(job_id, task_idx, 'fan') < 0.3
      THEN [prev_first + task_idx % prev_size, prev_first + (task_idx + 1) % prev_size]
    ELSE [prev_first + task_idx % prev_size] END AS parents
FROM f
"""

_JOB_TASKS_KEYED = """
CREATE TEMP TABLE jtk AS
SELECT a.*, coalesce(list_sort(list(b.task_key) FILTER (WHERE b.task_key IS NOT NULL)), []) AS
  depends_on_keys
FROM jt a LEFT JOIN jt b ON a.job_id = b.job_id AND list_contains(a.parents, b.task_idx)
GROUP BY ALL
"""

# --- runs: one row per scheduled/triggered run, decided once --------------------------------------
_SLOTS = """
CREATE TEMP TABLE s AS
WITH g AS (
  SELECT je.*,
    date_trunc('week', anchor() - to_days(getvariable('days')::INT)) - INTERVAL 7 DAY AS grid_start,
    CASE cadence WHEN 'hourly' THEN cron_minute WHEN '4h' THEN cron_minute
      WHEN 'daily' THEN cron_hour * 60 + cron_minute WHEN 'weekly' THEN cron_hour * 60 + cron_minute
      ELSE 0 END AS offset_min
  FROM je
), k AS (
  SELECT g.*, unnest(range((epoch(anchor() - grid_start) / 60 / period_min)::BIGINT + 2)) AS k
    FROM g
), h AS (
  SELECT k.*,
    hash(getvariable('seed'), job_id, k, 1) AS h1, hash(getvariable('seed'), job_id, k, 2) AS h2,
    hash(getvariable('seed'), job_id, k, 3) AS h3, hash(getvariable('seed'), job_id, k, 4) AS h4
  FROM k
), t AS (
  SELECT h.*,
    CASE WHEN cadence IN ('hourly', '4h', 'daily', 'weekly')
        THEN grid_start + to_minutes(offset_min + k * period_min) + secs(1 + 20 * ur(h1, 0))
      WHEN cadence = 'continuous' THEN grid_start + to_minutes(k * period_min) + secs(60 * ur(h1,
        0))
      ELSE grid_start + secs(60 * (k * period_min + period_min * ur(h1, 1))) END AS start_time
  FROM h
)
-- Only what the per-run steps need: job attributes are joined back once, in local.runs.
SELECT job_id, i, k, start_time, cadence, period_min, compute_kind, base_seconds, regression_time,
  profile,
  n_tasks, h1, h2, h3, h4
FROM t
WHERE start_time >= greatest(anchor() - to_days(getvariable('days')::INT), created_time)
  AND start_time < least(anchor(), coalesce(delete_time, anchor()), coalesce(pause_time, anchor()))
"""

_RUNS_NOMINAL = """
CREATE TEMP TABLE rn AS
WITH a AS (
  SELECT s.*,
    CASE WHEN profile = 'zombie' THEN 5 + 5 * ur(h1, 2)
      WHEN compute_kind = 'classic' THEN 90 + 300 * ur(h1, 2)
      WHEN compute_kind = 'serverless' THEN 5 + 40 * ur(h1, 2)
      ELSE 1 + 5 * ur(h1, 2) END AS setup_s,
    -- A continuous job's run lasts until the next restart; others vary around the usual duration.
    CASE WHEN cadence = 'continuous' THEN period_min * 60.0 - 1200 - 300 * ur(h1, 3)
      ELSE base_seconds * (0.8 + 0.45 * ur(h1, 3)) END
      * CASE WHEN regression_time IS NOT NULL AND start_time >= regression_time THEN 3.0 ELSE 1.0
        END
      * CASE WHEN i = 6 AND start_time >= anchor() - INTERVAL 120 MINUTE
              AND start_time < anchor() - INTERVAL 60 MINUTE THEN 2.2 ELSE 1.0 END AS
                exec_nominal_s,
    CASE compute_kind WHEN 'classic' THEN 10 + 50 * ur(h2, 0) ELSE 1 + 4 * ur(h2, 0) END
      AS cleanup_s,
    -- The workspace hits its active-runs limit now and then, and right now: runs triggered in
    -- the last minutes before the anchor are often still waiting. (A zombie's run is always
    -- over within a minute.)
    CASE WHEN profile = 'zombie' THEN 0
      WHEN ur(h2, 1) < 0.03 THEN 30 + 570 * ur(h2, 2)
      WHEN start_time >= anchor() - INTERVAL 12 MINUTE AND ur(h2, 1) < 0.6 THEN 900
      ELSE 0 END AS workspace_queue_s
  FROM s
), b AS (
  SELECT a.*,
    -- max_concurrent_runs = 1 and queueing on (Jobs API 2.2): a run triggered while the
    -- previous one is still running waits in the queue until it ends.
    greatest(0, epoch(lag(start_time + secs(workspace_queue_s + setup_s + exec_nominal_s +
      cleanup_s))
      OVER (PARTITION BY job_id ORDER BY start_time) - start_time)) AS concurrency_queue_s
  FROM a
)
SELECT b.*,
  workspace_queue_s + concurrency_queue_s AS queue_s,
  CASE WHEN concurrency_queue_s > 0 THEN 'MAX_CONCURRENT_RUNS_REACHED'
    WHEN workspace_queue_s > 0 THEN 'ACTIVE_RUNS_LIMIT_REACHED' END AS queue_reason,
  start_time + secs(workspace_queue_s + concurrency_queue_s + setup_s + exec_nominal_s +
    cleanup_s) > anchor()
    AS is_active
FROM b
"""

_RUNS_OUTCOME = """
CREATE TEMP TABLE ro AS
WITH streaks AS (
  -- Jobs in a failing streak: their latest finished runs all failed. Only they need ranks.
  SELECT job_id, k, row_number() OVER (PARTITION BY job_id ORDER BY start_time DESC) AS
    finished_from_end,
    2 + floor(u(job_id, 'streak', 0) * 4)::INT AS streak_len
  FROM rn WHERE profile = 'streak' AND NOT is_active
), a AS (
  SELECT rn.*, coalesce(st.finished_from_end, 0) AS finished_from_end, coalesce(st.streak_len, 0)
    AS streak_len,
    -- The broken job has failed every run for 45 days: scheduled, billed, and never succeeding.
    st.finished_from_end <= st.streak_len
      OR (profile = 'broken' AND start_time >= anchor() - INTERVAL 45 DAY) AS in_streak,
    CASE profile WHEN 'flaky' THEN 0.22 WHEN 'repair' THEN 0.15 WHEN 'streaming' THEN 0.25
      WHEN 'retry' THEN 0.03 WHEN 'zombie' THEN 0.0 ELSE 0.015 END AS p_fail
  FROM rn LEFT JOIN streaks st USING (job_id, k)
), b AS (
  SELECT a.*,
    CASE WHEN is_active THEN NULL
      WHEN in_streak AND profile = 'broken' THEN 'storage_access_error'
      WHEN in_streak THEN 'run_execution_error'
      WHEN ur(h2, 3) < p_fail THEN
        CASE WHEN ob.outcome = 'success_with_failures' AND n_tasks = 1 THEN 'success' ELSE
          ob.outcome END
      ELSE 'success' END AS outcome
  FROM a LEFT JOIN outcome_buckets ob ON ob.bucket = a.h3 & 65535
)
SELECT b.*,
  -- Cancelled or failing runs stop part-way; runs failing before any task never execute.
  CASE WHEN outcome IS NULL OR outcome IN ('success', 'success_with_failures') THEN exec_nominal_s
    WHEN o.before_tasks THEN 0
    WHEN outcome = 'timed_out' THEN exec_nominal_s * 1.6
    ELSE exec_nominal_s * (0.1 + 0.8 * ur(h3, 1)) END AS exec_s,
  coalesce(o.before_tasks, FALSE) AS before_tasks,
  o.sys_result = 'SKIPPED' AS skipped
FROM b LEFT JOIN outcomes o USING (outcome)
"""

# Final run table; ids follow start order, like Databricks' ever-growing run ids.
_RUNS = """
CREATE TABLE local.runs AS
WITH a AS (
  SELECT ro.*, je.name, je.legacy_name, je.rename_time, je.owner, je.runs_as_owner, je.sp_app_id,
    je.team,
    je.node_type, je.workers, je.dbr_version, je.dbu_per_hour, je.env, je.cost_center,
    je.min_workers, je.max_workers, je.utilisation,
    je.photon OR coalesce(ro.start_time >= je.photon_time, FALSE) AS photon,
    je.has_timeout, previous_outcome,
    CASE WHEN skipped THEN 0 ELSE queue_s END AS q_s,
    CASE WHEN skipped THEN 0 ELSE setup_s END AS st_s,
    CASE WHEN skipped THEN 0 WHEN before_tasks THEN least(cleanup_s, 5) ELSE cleanup_s END AS cl_s,
    -- The position in start order, counted per day (a global window would run on one thread).
    row_number() OVER (PARTITION BY date_trunc('day', start_time) ORDER BY start_time, job_id)
      + day_runs_before AS seq
  FROM ro JOIN je USING (job_id)
    JOIN (
      SELECT day,
        coalesce(sum(n) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
          AS day_runs_before
      FROM (SELECT date_trunc('day', start_time) AS day, count(*) AS n FROM ro GROUP BY ALL)
    ) days ON days.day = date_trunc('day', start_time)
    -- a continuous job restarts after a run that did not succeed
    LEFT JOIN (SELECT job_id, k + 1 AS k, outcome AS previous_outcome FROM ro WHERE cadence =
      'continuous')
      USING (job_id, k)
), b AS (
  SELECT a.*,
    700000000000000 + seq * 1024 + ((h2 >> 7) % 500)::BIGINT AS run_id,
    start_time + secs(q_s + st_s + exec_s + cl_s) AS attempt_end
  FROM a
), c AS (
  SELECT b.*,
    attempt_end + secs(600 + 10200 * ur(h3, 3)) AS repair_start_time,
    exec_nominal_s * (0.3 + 0.5 * ur(h4, 0)) AS repair_exec_s,
    CASE WHEN ur(h4, 1) < 0.85 THEN 'success' ELSE 'run_execution_error' END AS repair_outcome
  FROM b
), d AS (
  SELECT c.*,
    -- Repairs re-run the failed tasks of a multi-task run some minutes after it failed (and
    -- are over by now).
    NOT is_active AND outcome IN ('run_execution_error', 'driver_error', 'storage_access_error')
      AND n_tasks > 1 AND NOT coalesce(in_streak, FALSE)
      AND repair_start_time + secs(st_s + repair_exec_s + cl_s) < anchor() - INTERVAL 1 MINUTE
      AND ur(h3, 2) < CASE profile WHEN 'repair' THEN 0.75 ELSE 0.10 END AS repaired
  FROM c
)
SELECT
  job_id, run_id, k AS slot, i AS job_index, name AS job_name,
  CASE WHEN rename_time IS NOT NULL AND start_time < rename_time THEN legacy_name ELSE name END AS
    run_name,
  CASE cadence WHEN 'continuous' THEN 'CONTINUOUS' WHEN 'file_arrival' THEN 'FILE_ARRIVAL'
    WHEN 'manual' THEN 'ONETIME' ELSE 'CRON' END AS trigger_type,
  CASE cadence WHEN 'continuous' THEN (CASE WHEN previous_outcome <> 'success'
      THEN 'CONTINUOUS_RESTART' ELSE 'CONTINUOUS' END)
    WHEN 'file_arrival' THEN 'FILE_ARRIVAL' WHEN 'manual' THEN 'ONE_TIME' ELSE 'PERIODIC' END AS
      trigger,
  'JOB_RUN' AS run_type,
  compute_kind, n_tasks, owner AS creator_user_name,
  CASE WHEN runs_as_owner THEN owner ELSE sp_app_id END AS run_as_user_name,
  CASE WHEN compute_kind = 'classic'
    THEN strftime(start_time, '%m%d-%H%M%S-') || substr(md5(run_id::VARCHAR), 1, 8)
    WHEN compute_kind = 'all_purpose'
    THEN '0412-081500-' || substr(md5(team || (job_id % 3)::VARCHAR), 1, 8) END AS cluster_id,
  node_type, workers, photon, dbr_version, dbu_per_hour, team, env, cost_center,
  min_workers, max_workers, utilisation,
  start_time,
  round(q_s * 1000)::BIGINT AS queue_ms, round(st_s * 1000)::BIGINT AS setup_ms,
  round(exec_s * 1000)::BIGINT AS execution_ms, round(cl_s * 1000)::BIGINT AS cleanup_ms,
  queue_reason, is_active,
  CASE WHEN NOT is_active THEN NULL
    WHEN start_time + secs(q_s) > anchor() THEN 'QUEUED'
    WHEN start_time + secs(q_s + st_s) > anchor() THEN 'PENDING'
    ELSE 'RUNNING' END AS active_state,
  CASE WHEN is_active THEN NULL ELSE attempt_end END AS attempt_end_time,
  outcome AS attempt_outcome, before_tasks, skipped,
  repaired,
  CASE WHEN repaired THEN repair_start_time END AS repair_start_time,
  CASE WHEN repaired THEN repair_start_time + secs(st_s + repair_exec_s + cl_s) END AS
    repair_end_time,
  CASE WHEN repaired THEN repair_outcome END AS repair_outcome,
  CASE WHEN repaired THEN repair_outcome ELSE outcome END AS outcome,
  CASE WHEN is_active THEN NULL WHEN repaired THEN repair_start_time + secs(st_s + repair_exec_s +
    cl_s)
    ELSE attempt_end END AS end_time,
  exec_nominal_s,
  CASE WHEN has_timeout THEN round(base_seconds * 4)::BIGINT ELSE 0 END AS timeout_seconds,
  profile = 'retry' AND ur(h4, 2) < 0.25 OR ur(h4, 2) < 0.02 AS has_retry,
  ur(h4, 3) AS r_retry_task
FROM d
"""

# --- task runs: the original attempt, task retries, and repair attempts ---------------------------
_TASK_RUNS = """
CREATE TABLE local.task_runs AS
WITH t AS (
  SELECT r.job_id, r.run_id, r.start_time AS run_start, r.is_active, r.active_state, r.before_tasks,
    r.attempt_outcome, r.repaired, r.repair_start_time, r.repair_end_time, r.repair_outcome,
      r.has_retry,
    r.r_retry_task, r.n_tasks, r.cluster_id, r.compute_kind, r.setup_ms, r.cleanup_ms,
    r.start_time + to_milliseconds(r.queue_ms + r.setup_ms) AS exec_start,
    r.execution_ms / 1000.0 AS exec_s, r.exec_nominal_s / t.levels AS slot_s,
    t.task_idx, t.task_key, t.level, t.levels, t.depends_on_keys,
    hash(getvariable('seed'), r.run_id, t.task_idx) AS th1,
    -- the one task of a level that fails, when the run fails there
    t.task_idx = t.level_first + hash(getvariable('seed'), r.run_id, t.level) % t.level_size
      AS picked_in_level
  FROM local.runs r JOIN jtk t USING (job_id)
  WHERE NOT r.skipped
), f AS (
  SELECT t.*,
    CASE WHEN attempt_outcome IS NULL OR attempt_outcome = 'success' THEN NULL
      WHEN before_tasks OR attempt_outcome = 'success_with_failures' THEN 0
      ELSE least(levels - 1, floor(exec_s / slot_s)::INT) END AS fail_level,
    exec_start + secs(slot_s * (level + 0.05 * ur(th1, 0))) AS nominal_start,
    slot_s * (0.55 + 0.4 * ur(th1, 1)) AS nominal_s
  FROM t
), o AS (
  -- the attempt's outcome per task
  SELECT f.*,
    CASE WHEN fail_level IS NULL OR level < fail_level THEN 'success'
      WHEN attempt_outcome = 'success_with_failures'
        THEN CASE WHEN level = 0 AND picked_in_level THEN 'run_execution_error' ELSE 'success' END
      WHEN level = fail_level AND (picked_in_level OR before_tasks) THEN attempt_outcome
      WHEN level = fail_level THEN 'success'
      WHEN attempt_outcome IN ('user_canceled', 'timed_out') THEN 'upstream_canceled'
      ELSE 'upstream_failed' END AS task_outcome
  FROM f
), timed AS (
  SELECT o.*,
    CASE WHEN task_outcome IN ('upstream_failed', 'upstream_canceled') THEN exec_start +
      secs(exec_s)
      WHEN before_tasks THEN exec_start ELSE nominal_start END AS t_start,
    CASE WHEN task_outcome IN ('upstream_failed', 'upstream_canceled') THEN exec_start +
      secs(exec_s)
      WHEN before_tasks THEN exec_start
      WHEN fail_level IS NOT NULL AND level = fail_level AND attempt_outcome <>
        'success_with_failures'
        THEN least(nominal_start + secs(nominal_s), exec_start + secs(exec_s))
      ELSE nominal_start + secs(nominal_s) END AS t_end
  FROM o
), original AS (
  SELECT job_id, run_id, task_idx, task_key, depends_on_keys, level, cluster_id, compute_kind,
    CASE WHEN has_retry AND task_outcome = 'success' AND task_idx = floor(r_retry_task *
      n_tasks)::INT
      THEN 1 ELSE 0 END AS attempt_number,
    'ORIGINAL' AS kind,
    CASE WHEN has_retry AND task_outcome = 'success' AND task_idx = floor(r_retry_task *
      n_tasks)::INT
      THEN t_start + (t_end - t_start) * 0.45 ELSE t_start END AS start_time,
    t_end AS end_time, task_outcome AS outcome, is_active, active_state,
    task_outcome NOT IN ('upstream_failed', 'upstream_canceled') AS executed
  FROM timed
), retried AS (
  SELECT job_id, run_id, task_idx, task_key, depends_on_keys, level, cluster_id, compute_kind,
    0 AS attempt_number, 'RETRY' AS kind, t_start AS start_time, t_start + (t_end - t_start) * 0.4
      AS end_time,
    'run_execution_error' AS outcome, is_active, active_state, TRUE AS executed
  FROM timed
  WHERE has_retry AND task_outcome = 'success' AND task_idx = floor(r_retry_task * n_tasks)::INT
), repair AS (
  SELECT job_id, run_id, task_idx, task_key, depends_on_keys, level, cluster_id, compute_kind,
    0 AS attempt_number, 'REPAIR' AS kind,
    repair_start_time + to_milliseconds(setup_ms)
      + secs(r_slot * (level - fail_level + 0.05 * ur(th1, 3))) AS start_time,
    repair_start_time + to_milliseconds(setup_ms)
      + secs((level - fail_level) * r_slot + r_slot * (0.55 + 0.4 * ur(th1, 0))) AS end_time,
    CASE WHEN repair_outcome = 'success' OR level < fail_level THEN 'success'
      WHEN level = fail_level AND picked_in_level THEN repair_outcome
      WHEN level = fail_level THEN 'success' ELSE 'upstream_failed' END AS outcome,
    is_active, active_state, TRUE AS executed
  FROM (
    SELECT timed.*,
      (epoch(repair_end_time - repair_start_time) - (setup_ms + cleanup_ms) / 1000.0) / (levels -
        fail_level)
        AS r_slot
    FROM timed
    WHERE repaired AND task_outcome <> 'success'
  )
), all_attempts AS (
  SELECT * FROM original UNION ALL SELECT * FROM retried UNION ALL SELECT * FROM repair
)
SELECT job_id, run_id AS job_run_id,
  run_id + 1 + task_idx * 3 + CASE kind WHEN 'ORIGINAL' THEN 0 WHEN 'RETRY' THEN 1 ELSE 2 END AS
    task_run_id,
  task_key, task_idx, depends_on_keys, attempt_number, kind, cluster_id, compute_kind,
  -- Tasks of a run that is still going: finished, running, or waiting on their upstream (BLOCKED).
  CASE WHEN NOT is_active THEN NULL
    WHEN active_state IN ('QUEUED', 'PENDING') THEN active_state
    WHEN start_time > anchor() THEN 'BLOCKED'
    WHEN end_time > anchor() THEN 'RUNNING' END AS active_state,
  CASE WHEN is_active AND start_time > anchor() THEN NULL ELSE start_time END AS start_time,
  CASE WHEN is_active AND end_time > anchor() THEN NULL
    WHEN outcome IN ('upstream_failed', 'upstream_canceled') THEN NULL ELSE end_time END AS
      end_time,
  CASE WHEN is_active AND end_time > anchor() THEN NULL ELSE outcome END AS outcome,
  executed AND outcome NOT IN ('upstream_failed', 'upstream_canceled')
    AND NOT (is_active AND start_time > anchor()) AS executed
FROM all_attempts
"""

# --- system tables (stored anchored; database.py shifts them in views) ----------------------------
# A run's attempts (the original one and a repair) as segments sliced by clock hour.
_RUN_SEGMENTS = """
CREATE TEMP TABLE seg AS
SELECT r.*, 'ORIGINAL' AS segment, start_time AS seg_start,
  coalesce(attempt_end_time, anchor()) AS seg_end, attempt_outcome AS seg_outcome,
  CASE WHEN repaired THEN epoch_ms(attempt_end_time - start_time) ELSE epoch_ms(end_time -
    start_time) END
    AS seg_run_ms
FROM local.runs r
WHERE coalesce(active_state, '') <> 'QUEUED'
UNION ALL
SELECT r.*, 'REPAIR', repair_start_time, repair_end_time, repair_outcome,
  epoch_ms(attempt_end_time - start_time) + epoch_ms(repair_end_time - repair_start_time)
FROM local.runs r WHERE repaired
-- Sorted before slicing, so slices are written in (nearly) time order for zone maps.
ORDER BY seg_start
"""

_RUN_SLICES = """
CREATE TABLE local.job_run_timeline AS
WITH h AS (
  SELECT seg.*, unnest(range(date_trunc('hour', seg_start), greatest(seg_end, seg_start + INTERVAL
    1 MILLISECOND),
    INTERVAL 1 HOUR)) AS hour_start
  FROM seg
), sl AS (
  SELECT h.*, greatest(hour_start, seg_start) AS period_start_time,
    least(hour_start + INTERVAL 1 HOUR, seg_end) AS period_end_time,
    seg_outcome IS NOT NULL AND least(hour_start + INTERVAL 1 HOUR, seg_end) = seg_end AS is_last
  FROM h
)
SELECT
  -- Ids are strings in the system tables; stored as numbers, the views cast them (far smaller).
  '{account_id}' AS account_id, '{workspace_id}' AS workspace_id, job_id, run_id,
  period_start_time, period_end_time,
  CASE WHEN segment = 'REPAIR' THEN 'ONETIME' ELSE trigger_type END AS trigger_type, run_type,
    run_name,
  CASE WHEN cluster_id IS NULL THEN []::VARCHAR[] ELSE [cluster_id] END AS compute_ids,
  CASE WHEN is_last THEN o.sys_result END AS result_state,
  CASE WHEN is_last THEN o.sys_code END AS termination_code,
  MAP {{'run_date': strftime(start_time, '%Y-%m-%d'), 'env': env}} AS job_parameters,
  NULL::VARCHAR AS source_task_run_id, NULL::VARCHAR AS root_task_run_id,
  CASE WHEN compute_kind = 'serverless' THEN [{{'type': 'SERVERLESS', 'cluster_id': NULL,
    'warehouse_id': NULL}}]
    ELSE [{{'type': 'CLASSIC', 'cluster_id': cluster_id, 'warehouse_id': NULL}}] END AS compute,
  CASE WHEN is_last THEN o.term_type END AS termination_type,
  CASE WHEN is_last THEN setup_ms // 1000 END AS setup_duration_seconds,
  CASE WHEN is_last AND segment = 'ORIGINAL' THEN queue_ms // 1000 WHEN is_last THEN 0 END
    AS queue_duration_seconds,
  CASE WHEN is_last THEN seg_run_ms // 1000 END AS run_duration_seconds,
  CASE WHEN is_last THEN cleanup_ms // 1000 END AS cleanup_duration_seconds,
  CASE WHEN is_last THEN (seg_run_ms - setup_ms - cleanup_ms - queue_ms) // 1000 END
    AS execution_duration_seconds
FROM sl LEFT JOIN outcomes o ON o.outcome = sl.seg_outcome
"""

_TASK_SLICES = """
CREATE TABLE local.job_task_run_timeline AS
WITH x AS (
  SELECT tr.*, start_time AS seg_start, coalesce(end_time, anchor()) AS seg_end FROM
    local.task_runs tr
  WHERE executed
), h AS (
  SELECT x.*, unnest(range(date_trunc('hour', seg_start), greatest(seg_end, seg_start + INTERVAL 1
    MILLISECOND),
    INTERVAL 1 HOUR)) AS hour_start
  FROM x
), sl AS (
  SELECT h.*, greatest(hour_start, seg_start) AS period_start_time,
    least(hour_start + INTERVAL 1 HOUR, seg_end) AS period_end_time,
    outcome IS NOT NULL AND least(hour_start + INTERVAL 1 HOUR, seg_end) = seg_end AS is_last
  FROM h
)
SELECT
  '{account_id}' AS account_id, '{workspace_id}' AS workspace_id, job_id,
  task_run_id AS run_id, job_run_id, job_run_id AS parent_run_id,
  period_start_time, period_end_time, task_key,
  CASE WHEN cluster_id IS NULL THEN []::VARCHAR[] ELSE [cluster_id] END AS compute_ids,
  CASE WHEN is_last THEN o.sys_result END AS result_state,
  CASE WHEN is_last THEN o.sys_code END AS termination_code,
  CASE WHEN compute_kind = 'serverless' THEN [{{'type': 'SERVERLESS', 'cluster_id': NULL,
    'warehouse_id': NULL}}]
    ELSE [{{'type': 'CLASSIC', 'cluster_id': cluster_id, 'warehouse_id': NULL}}] END AS compute,
  CASE WHEN is_last THEN o.term_type END AS termination_type,
  MAP {{'attempt': attempt_number::VARCHAR}} AS task_parameters,
  CASE WHEN is_last THEN 0 END AS setup_duration_seconds,
  CASE WHEN is_last THEN 0 END AS cleanup_duration_seconds,
  CASE WHEN is_last THEN epoch(end_time - start_time)::BIGINT END AS execution_duration_seconds
FROM sl LEFT JOIN outcomes o ON o.outcome = sl.outcome
"""

_JOB_VERSIONS = """
CREATE TABLE local.jobs_scd AS
WITH ev AS (
  SELECT je.*, e.kind AS event, e.t AS change_time
  FROM je, LATERAL (SELECT unnest([
    {{'kind': 'create', 't': created_time}}, {{'kind': 'rename', 't': rename_time}},
    {{'kind': 'tags', 't': tag_time}}, {{'kind': 'config', 't': regression_time}},
    {{'kind': 'pause', 't': pause_time}}, {{'kind': 'delete', 't': delete_time}}
  ]) AS e) x(e)
  WHERE e.t IS NOT NULL
)
SELECT '{account_id}' AS account_id, '{workspace_id}' AS workspace_id, job_id,
  CASE WHEN rename_time IS NOT NULL AND change_time < rename_time THEN legacy_name ELSE name END
    AS name,
  CASE WHEN regression_time IS NOT NULL AND change_time >= regression_time
    THEN 'Loads ' || subject || ' data. Since ' || strftime(regression_time, '%Y-%m-%d')
      || ': ' || CASE WHEN photon_time IS NOT NULL THEN 'Photon and ' ELSE '' END
      || 'autoscaling 2-4 workers on a smaller node type to cut cost.'
    ELSE 'Loads ' || subject || ' data for the ' || team || ' team.' END AS description,
  owner_id AS creator_id,
  CASE WHEN u(job_id, 'tagless', 0) < 0.03 AND i >= getvariable('n_pinned')
    THEN MAP {{}}::MAP(VARCHAR, VARCHAR)
    WHEN tag_time IS NOT NULL AND change_time < tag_time AND old_team IS NOT NULL
      THEN MAP {{'team': old_team, 'env': env, 'cost_center': cost_center}}
    WHEN tag_time IS NOT NULL AND change_time < tag_time THEN MAP {{'env': env}}
    ELSE MAP {{'team': team, 'env': env, 'cost_center': cost_center}} END AS tags,
  change_time, CASE WHEN event = 'delete' THEN delete_time END AS delete_time,
  CASE WHEN runs_as_owner THEN owner_id ELSE sp_id END AS run_as,
  CASE WHEN cadence IN ('hourly', '4h', 'daily', 'weekly') THEN {{
      'file_arrival': NULL, 'periodic': NULL, 'continuous': NULL, 'table_update': NULL,
      'schedule': {{'quartz_cron_expression': cron, 'timezone_id': 'UTC'}}}}
    WHEN cadence = 'file_arrival' THEN {{'file_arrival': {{'url': file_url}}, 'periodic': NULL,
      'continuous': NULL, 'table_update': NULL, 'schedule': NULL}}
    WHEN cadence = 'continuous' THEN {{'file_arrival': NULL, 'periodic': NULL,
      'continuous': {{'pause_status': 'UNPAUSED'}}, 'table_update': NULL, 'schedule': NULL}} END
        AS trigger,
  CASE cadence WHEN 'continuous' THEN 'CONTINUOUS' WHEN 'file_arrival' THEN 'FILE_ARRIVAL'
    WHEN 'manual' THEN NULL ELSE 'CRON' END AS trigger_type,
  CASE WHEN runs_as_owner THEN owner ELSE sp_app_id END AS run_as_user_name,
  owner AS creator_user_name,
  pause_time IS NOT NULL AND change_time >= pause_time AS paused,
  timeout_seconds,
  CASE WHEN has_health_rule THEN [{{'metric': 'RUN_DURATION_SECONDS', 'operator': 'GREATER_THAN',
    'value': health_threshold}}] ELSE [] END AS health_rules,
  CASE WHEN u(job_id, 'bundle', 0) < 0.4 THEN {{'kind': 'BUNDLE', 'metadata_file_path':
    '/Workspace/Users/' || owner || '/.bundle/' || name || '/' || env || '/state/metadata.json'}}
      END
    AS deployment,
  created_time AS create_time
FROM (
  SELECT ev.*,
    CASE cadence WHEN 'hourly' THEN '0 ' || cron_minute || ' * * * ?'
      WHEN '4h' THEN '0 ' || cron_minute || ' 0/4 * * ?'
      WHEN 'daily' THEN '0 ' || cron_minute || ' ' || cron_hour || ' * * ?'
      WHEN 'weekly' THEN '0 ' || cron_minute || ' ' || cron_hour || ' ? * MON' END AS cron,
    's3://landing-' || env || '/' || subject || '/incoming/' AS file_url,
    CASE WHEN has_timeout THEN round(base_seconds * 4)::BIGINT ELSE 0 END AS timeout_seconds,
    (round(base_seconds * 2.2 / 60) * 60)::BIGINT AS health_threshold
  FROM ev
)
ORDER BY change_time
"""

_TASK_VERSIONS = """
CREATE TABLE local.job_tasks_scd AS
SELECT '{account_id}' AS account_id, '{workspace_id}' AS workspace_id, job_id,
  task_key,
  depends_on_keys, e.t AS change_time, CASE WHEN e.kind = 'delete' THEN e.t END AS delete_time,
  CASE WHEN e.kind = 'config' THEN 14400 ELSE 0 END::BIGINT AS timeout_seconds,
  []::STRUCT(metric VARCHAR, operator VARCHAR, value BIGINT)[] AS health_rules
FROM jtk JOIN je USING (job_id), LATERAL (SELECT unnest([
  {{'kind': 'create', 't': je.created_time}}, {{'kind': 'config', 't': je.regression_time}},
  {{'kind': 'delete', 't': je.delete_time}}]) AS e) x(e)
WHERE e.t IS NOT NULL
ORDER BY change_time
"""

# Spend per run from the run's hourly slices, as billing writes it: one record per compute per hour.
_USAGE_JOBS = """
CREATE TEMP TABLE usage_jobs AS
SELECT r.run_id, r.job_id, r.job_index, r.job_name, r.run_name, r.compute_kind, r.cluster_id,
  r.node_type, r.photon,
  r.run_as_user_name, r.creator_user_name, r.team, r.env, r.cost_center,
  date_trunc('hour', s.period_start_time) AS usage_start_time,
  sum(r.dbu_per_hour * CASE r.compute_kind WHEN 'serverless' THEN 0.6 ELSE 1.0 END
    * CASE WHEN r.photon THEN 2.0 ELSE 1.0 END * epoch(s.period_end_time - s.period_start_time) /
      3600.0) AS dbus
FROM local.job_run_timeline s JOIN local.runs r ON r.run_id = s.run_id::BIGINT
WHERE s.period_end_time <= anchor() - INTERVAL 2 HOUR AND s.period_end_time > s.period_start_time
GROUP BY ALL
-- Sorted here, on narrow rows, so the records below are written in time order (zone maps).
ORDER BY usage_start_time
"""

_USAGE = """
CREATE TABLE local.usage AS
WITH fixed_run AS (
  -- Job 4's latest run old enough for its corrections (3 days later) to have landed, or its first
  -- run in a shorter window: corrected in every seed, on a job anyone may see.
  SELECT coalesce(max(run_id) FILTER (WHERE usage_start_time < anchor() - INTERVAL 4 DAY),
    min(run_id)) AS run_id
  FROM usage_jobs WHERE job_index = 4
), j AS (
  SELECT uj.*,
    CASE compute_kind WHEN 'serverless' THEN 'PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA'
      WHEN 'all_purpose' THEN 'PREMIUM_ALL_PURPOSE_COMPUTE'
      WHEN 'classic' THEN CASE WHEN photon THEN 'PREMIUM_JOBS_COMPUTE_(PHOTON)' ELSE
        'PREMIUM_JOBS_COMPUTE' END
    END AS sku_name,
    hash(getvariable('seed'), run_id, epoch_ms(usage_start_time)) AS h_fix,
    run_id = (SELECT run_id FROM fixed_run) AS fixed
  FROM usage_jobs uj
), jr AS (
  -- About 1.5% of records, and the fixed run's, are corrected later: retracted in full, restated
  -- with another quantity.
  SELECT j.*, '{workspace_id}' AS workspace_id, 'ORIGINAL' AS record_type, 1.0 AS factor,
    0 AS ingest_lag_days
  FROM j
  UNION ALL
  SELECT j.*, '{workspace_id}', 'RETRACTION', -1.0, 3 FROM j WHERE ur(h_fix, 0) < 0.015 OR fixed
  UNION ALL
  SELECT j.*, '{workspace_id}', 'RESTATEMENT', 0.85 + 0.3 * ur(h_fix, 1), 3 FROM j
  WHERE ur(h_fix, 0) < 0.015 OR fixed
  UNION ALL
  -- The account's other running workspace bills into the same table. Job and run ids are unique
  -- only per workspace, and some of its records carry those of this workspace's pinned jobs (the
  -- corrected run's among them): only `workspace_id` tells them apart.
  SELECT j.*, '{other_workspace_id}', 'ORIGINAL', 0.5 + ur(h_fix, 3), 0 FROM j
  WHERE job_index < getvariable('n_pinned') AND compute_kind <> 'all_purpose'
    AND usage_start_time >= anchor() - INTERVAL 30 DAY AND (ur(h_fix, 2) < 0.05 OR fixed)
), job_rows AS (
  SELECT
    md5(workspace_id || run_id::VARCHAR || epoch_ms(usage_start_time)::VARCHAR || record_type)
      AS h,
    workspace_id, sku_name, usage_start_time,
    CASE WHEN compute_kind = 'all_purpose' THEN MAP {{'team': team, 'ResourceClass': 'SingleNode'}}
      ELSE MAP {{'team': team, 'env': env, 'cost_center': cost_center, 'JobId': job_id::VARCHAR,
        'RunName': run_name, 'Creator': creator_user_name}} END AS custom_tags,
    (dbus * factor)::DECIMAL(38, 10) AS usage_quantity,
    CASE WHEN workspace_id = '{workspace_id}' THEN cluster_id
      ELSE left(cluster_id, 12) || left(md5(workspace_id || cluster_id), 8) END AS cluster_id,
    CASE WHEN compute_kind <> 'all_purpose' THEN job_id::VARCHAR END AS job_id,
    CASE WHEN compute_kind <> 'all_purpose' THEN run_id::VARCHAR END AS job_run_id,
    CASE WHEN compute_kind = 'classic' THEN node_type END AS node_type,
    CASE WHEN compute_kind <> 'all_purpose' THEN job_name END AS job_name,
    CASE WHEN compute_kind <> 'all_purpose' THEN run_name END AS run_name,
    NULL AS warehouse_id, NULL AS dlt_pipeline_id, NULL AS endpoint_name, NULL AS app_name,
    CASE WHEN compute_kind <> 'all_purpose' THEN run_as_user_name END AS run_as,
    creator_user_name AS owned_by,
    record_type, ingest_lag_days,
    CASE WHEN compute_kind = 'all_purpose' THEN 'ALL_PURPOSE' ELSE 'JOBS' END AS
      billing_origin_product,
    CASE WHEN compute_kind = 'all_purpose' THEN NULL ELSE 'CLASSIC' END AS jobs_tier,
    NULL AS sql_tier, NULL AS dlt_tier,
    compute_kind = 'serverless' AS is_serverless, photon AND compute_kind = 'classic' AS is_photon,
    CASE WHEN compute_kind = 'serverless' THEN 'PERFORMANCE_OPTIMIZED' END AS performance_target
  FROM jr
), other AS (
  -- Spend no job explains: SQL warehouses, DLT pipelines, notebooks on shared clusters,
  -- serving, the app (and a warehouse of the other workspace).
  SELECT
    md5(p.kind || epoch_ms(h)::VARCHAR) AS h, p.workspace_id, p.sku_name, h AS usage_start_time,
    MAP {{'team': p.team}} AS custom_tags,
    (p.dbu * (0.7 + 0.6 * u(p.kind, epoch_ms(h), 'q')))::DECIMAL(38, 10) AS usage_quantity,
    p.cluster_id, NULL AS job_id, NULL AS job_run_id, p.node_type, NULL AS job_name, NULL AS
      run_name,
    p.warehouse_id, p.dlt_pipeline_id, p.endpoint_name, p.app_name,
    NULL AS run_as, p.owner AS owned_by, 'ORIGINAL' AS record_type, 0 AS ingest_lag_days,
    p.product AS billing_origin_product, NULL AS jobs_tier,
    CASE WHEN p.product = 'SQL' THEN 'PRO' END AS sql_tier, CASE WHEN p.product = 'DLT' THEN
      'CORE' END AS dlt_tier,
    p.serverless AS is_serverless, FALSE AS is_photon, NULL AS performance_target
  FROM (VALUES
      ('wh-bi', 'PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST_N_VIRGINIA', 'SQL', 'analytics', 24.0,
        TRUE, 8, 19, NULL, '4b9a1f2e3c5d6e7f', NULL, NULL, NULL, NULL, 'fatima.ali@example.com',
        '{workspace_id}'),
      ('wh-adhoc', 'PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST_N_VIRGINIA', 'SQL', 'finance', 12.0,
        TRUE, 9, 17, NULL, '9c1d2e3f4a5b6c7d', NULL, NULL, NULL, NULL, 'julia.costa@example.com',
        '{workspace_id}'),
      ('dlt-cdc', 'PREMIUM_DLT_CORE_COMPUTE', 'DLT', 'data-eng', 6.0, FALSE, 0, 24,
        '0101-000000-dltcdc01', NULL, 'a3f1c2d4-5e6f-4a1b-9c8d-7e6f5a4b3c2d', NULL, NULL,
        'i3.xlarge', 'dana.kim@example.com', '{workspace_id}'),
      ('shared-analytics', 'PREMIUM_ALL_PURPOSE_COMPUTE', 'ALL_PURPOSE', 'analytics', 8.0, FALSE,
        9, 18, '0412-081500-shared01', NULL, NULL, NULL, NULL, 'r5d.4xlarge',
        'george.chen@example.com', '{workspace_id}'),
      ('shared-ml', 'PREMIUM_ALL_PURPOSE_COMPUTE', 'ALL_PURPOSE', 'ml-platform', 10.0, FALSE, 10,
        16, '0412-081500-shared02', NULL, NULL, NULL, NULL, 'm5d.2xlarge',
        'hana.sato@example.com', '{workspace_id}'),
      ('serving', 'PREMIUM_SERVERLESS_REAL_TIME_INFERENCE_US_EAST_N_VIRGINIA', 'MODEL_SERVING',
        'ml-platform', 2.0, TRUE, 0, 24, NULL, NULL, NULL, 'churn-model', NULL, NULL,
        'ivan.petrov@example.com', '{workspace_id}'),
      ('app', 'PREMIUM_APPS_US_EAST_N_VIRGINIA', 'APPS', 'platform', 0.5, TRUE, 0, 24, NULL, NULL,
        NULL, NULL, 'job-monitor', NULL, 'alice@example.com', '{workspace_id}'),
      ('wh-ds', 'PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST_N_VIRGINIA', 'SQL', 'analytics', 16.0,
        TRUE, 9, 11, NULL, '2d7e9a4b6c1f3e5a', NULL, NULL, NULL, NULL, 'george.chen@example.com',
        '{other_workspace_id}')
    ) p(kind, sku_name, product, team, dbu, serverless, from_hour, to_hour, cluster_id,
      warehouse_id,
        dlt_pipeline_id, endpoint_name, app_name, node_type, owner, workspace_id),
    LATERAL (SELECT unnest(range(date_trunc('day', anchor() - to_days(getvariable('days')::INT)),
      anchor() - INTERVAL 2 HOUR, INTERVAL 1 HOUR)) AS h) hh
  WHERE hour(h) >= p.from_hour AND hour(h) < p.to_hour
    AND (p.to_hour - p.from_hour = 24 OR dayofweek(h) BETWEEN 1 AND 5)
), all_rows AS (
  SELECT * FROM job_rows UNION ALL SELECT * FROM other
)
SELECT
  h::UUID AS record_id,  -- the view shows it as Databricks does: a string
  '{account_id}' AS account_id, workspace_id, sku_name, 'AWS' AS cloud,
  usage_start_time, usage_start_time + INTERVAL 1 HOUR AS usage_end_time,
  custom_tags, 'DBU' AS usage_unit, usage_quantity,
  {{'cluster_id': cluster_id, 'job_id': job_id, 'warehouse_id': warehouse_id, 'instance_pool_id':
    NULL,
    'node_type': node_type, 'job_run_id': job_run_id, 'notebook_id': NULL, 'dlt_pipeline_id':
      dlt_pipeline_id,
    'endpoint_name': endpoint_name, 'endpoint_id': NULL, 'dlt_update_id': NULL,
      'dlt_maintenance_id': NULL,
    'run_name': run_name, 'job_name': job_name, 'notebook_path': NULL, 'central_clean_room_id':
      NULL,
    'source_region': NULL, 'destination_region': NULL, 'app_id': NULL, 'app_name': app_name,
    'metastore_id': NULL, 'private_endpoint_name': NULL, 'storage_api_type': NULL,
      'budget_policy_id': NULL,
    'ai_runtime_pool_id': NULL}}::STRUCT({usage_metadata}) AS usage_metadata,
  {{'run_as': run_as, 'created_by': NULL, 'owned_by': owned_by, 'run_by':
    NULL}}::STRUCT({identity_metadata})
    AS identity_metadata,
  record_type,
  usage_start_time + INTERVAL 5 HOUR + to_days(ingest_lag_days) AS ingestion_time,
  billing_origin_product,
  {{'jobs_tier': jobs_tier, 'sql_tier': sql_tier, 'dlt_tier': dlt_tier, 'is_serverless':
    is_serverless,
    'is_photon': is_photon, 'serving_type': NULL, 'performance_target':
      performance_target}}::STRUCT(
    {product_features}) AS product_features,
  'COMPUTE_TIME' AS usage_type
FROM all_rows
"""

_LIST_PRICES = """
CREATE TABLE local.list_prices AS
WITH c AS (
  -- inside the last 30 days, so that a month's cost is priced on both sides of it
  SELECT date_trunc('day', anchor() - to_days(least(18, round(getvariable('days') * 0.4))::INT))
    AS change_time
)
SELECT '{account_id}' AS account_id, x.price_start_time, x.price_end_time, sku_name, 'AWS' AS cloud,
  'USD' AS currency_code, 'DBU' AS usage_unit,
  {{'default': x.price::DECIMAL(38, 10), 'promotional': {{'default': NULL::DECIMAL(38, 10)}},
    'effective_list': {{'default': x.price::DECIMAL(38, 10)}}}} AS pricing
FROM skus, c, LATERAL (SELECT unnest(CASE WHEN price_before = price_after
    THEN [{{'price_start_time': anchor() - INTERVAL 1095 DAY, 'price_end_time': NULL::TIMESTAMPTZ,
      'price': price_after}}]
    ELSE [{{'price_start_time': anchor() - INTERVAL 1095 DAY, 'price_end_time': c.change_time,
        'price': price_before}},
      {{'price_start_time': c.change_time, 'price_end_time': NULL::TIMESTAMPTZ, 'price':
        price_after}}]
    END) AS x) y(x)
"""

_CLUSTERS = """
CREATE TABLE local.clusters AS
SELECT '{account_id}' AS account_id, '{workspace_id}' AS workspace_id, cluster_id,
  'job-' || job_id || '-run-' || run_id AS cluster_name, run_as_user_name AS owned_by,
  start_time + to_milliseconds(queue_ms) AS create_time,
  coalesce(end_time, attempt_end_time) + INTERVAL 2 MINUTE AS delete_time,
  node_type AS driver_node_type, node_type AS worker_node_type,
  -- a fixed size or autoscaling bounds, never both (as Databricks fills them)
  CASE WHEN min_workers IS NULL THEN workers END::BIGINT AS worker_count,
  min_workers::BIGINT AS min_autoscale_workers, max_workers::BIGINT AS max_autoscale_workers,
  0::BIGINT AS auto_termination_minutes,
  TRUE AS enable_elastic_disk,
  MAP {{'JobId': job_id::VARCHAR, 'RunName': run_name, 'team': team}} AS tags, 'JOB' AS
    cluster_source,
  []::VARCHAR[] AS init_scripts, NULL::VARCHAR AS driver_instance_pool_id, NULL::VARCHAR AS
    worker_instance_pool_id,
  dbr_version,
  coalesce(coalesce(end_time, attempt_end_time) + INTERVAL 2 MINUTE, start_time +
    to_milliseconds(queue_ms))
    AS change_time,
  'SINGLE_USER' AS data_security_mode, NULL::VARCHAR AS policy_id
FROM local.runs WHERE compute_kind = 'classic'
UNION ALL
SELECT '{account_id}', '{workspace_id}', cluster_id, name, owner, anchor() - INTERVAL 500 DAY, NULL,
  '{all_purpose_node_type}', '{all_purpose_node_type}', NULL, 2, 8, 60, TRUE, MAP {{'team': team}},
  'UI', []::VARCHAR[], NULL, NULL,
  '15.4.x-scala2.12', anchor() - INTERVAL 500 DAY, 'USER_ISOLATION', NULL
FROM (
  SELECT DISTINCT cluster_id, 'shared-' || team AS name, first(creator_user_name) OVER (PARTITION
    BY cluster_id)
    AS owner, team
  FROM local.runs WHERE compute_kind = 'all_purpose'
  UNION
  SELECT * FROM (VALUES ('0412-081500-shared01', 'shared-analytics', 'george.chen@example.com',
    'analytics'),
    ('0412-081500-shared02', 'shared-ml', 'hana.sato@example.com', 'ml-platform'))
)
"""

# The account's workspaces: this one, another running one (whose usage shares `billing.usage`) and
# one still being provisioned (no jobs, no usage), so that `system.access.workspaces_latest` lists
# more than the workspace the statements run in.
_WORKSPACES = """
CREATE TABLE local.workspaces AS
SELECT '{account_id}' AS account_id, workspace_id, workspace_name,
  'https://' || workspace_name || '.cloud.databricks.com/' AS workspace_url,
  date_trunc('second', anchor() - to_days(age_days)) AS create_time, status
FROM (VALUES ('{workspace_id}', '{workspace_name}', 1200, 'RUNNING'),
             ('{other_workspace_id}', '{other_workspace_name}', 700, 'RUNNING'),
             ('{provisioning_workspace_id}', 'ml-sandbox', 0, 'PROVISIONING'))
  AS w(workspace_id, workspace_name, age_days, status)
"""

# --- utilisation: system.compute.node_timeline and node_types -------------------------------------
# `node_timeline` would hold a row per node per minute of every classic run: over 100 million rows
# for 10,000 jobs and 30 days. So only each node's blocks of `NODE_BLOCK_MINUTES` are stored
# (`local.node_instances`, with the minutes of the block it was up) with small lookup tables, and
# the view `node_timeline_query` expands them to minutes when read. Its values come from joined
# tables, not expressions: DuckDB reorders joins only through plain column references, and that
# reordering is what lets a query joining one job's clusters expand just those clusters' minutes.
# The block makes the expansion an equi-join, which the optimizer never mistakes for a cheap one
# (joined by time ranges alone, it chose plans a hundred times slower).

# A cluster's busy spans, in whole minutes since the epoch.
_NODE_SEGMENTS = """
CREATE TEMP TABLE node_seg AS
WITH attempts AS (
  -- A job cluster has nodes from its start (after the queue) until its attempt ends, and again
  -- for a repair; an all-purpose cluster while any run uses it.
  SELECT cluster_id, job_id, compute_kind, node_type, workers, min_workers, max_workers,
    utilisation, start_time + to_milliseconds(queue_ms) AS seg_from,
    coalesce(attempt_end_time, anchor()) AS seg_to
  FROM local.runs
  WHERE compute_kind <> 'serverless' AND NOT coalesce(skipped, FALSE)
    AND coalesce(active_state, '') <> 'QUEUED'
  UNION ALL
  SELECT cluster_id, job_id, compute_kind, node_type, workers, min_workers, max_workers,
    utilisation, repair_start_time, repair_end_time
  FROM local.runs WHERE repaired AND compute_kind <> 'serverless'
), m AS (
  -- every minute the span touches, within the retention
  SELECT *, greatest(epoch_ms(seg_from) // 60000,
      epoch_ms(anchor() - to_days({node_retention_days})) // 60000) AS mi_from,
    greatest(epoch_ms(seg_from) // 60000 + 1, (epoch_ms(seg_to) + 59999) // 60000) AS mi_to
  FROM attempts
), ap AS (
  -- overlapping runs on a shared cluster: one busy span (islands of overlapping minutes)
  SELECT *, sum(starts::INT) OVER (PARTITION BY cluster_id ORDER BY mi_from, mi_to
      ROWS UNBOUNDED PRECEDING) AS island
  FROM (
    SELECT *, coalesce(mi_from >= max(mi_to) OVER (PARTITION BY cluster_id ORDER BY mi_from, mi_to
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), TRUE) AS starts
    FROM m WHERE compute_kind = 'all_purpose' AND mi_to > mi_from
  )
)
SELECT cluster_id, job_id, node_type, utilisation, mi_from, mi_to,
  CASE WHEN utilisation = 'autoscale_unexercised' THEN min_workers ELSE workers END AS n_workers,
  min_workers, max_workers
FROM m WHERE compute_kind = 'classic' AND mi_to > mi_from
UNION ALL
-- its autoscaling (2 to 8 workers) follows the number of runs sharing it
SELECT cluster_id, NULL, '{all_purpose_node_type}', NULL, min(mi_from), max(mi_to),
  least(8, 1 + count(*)), NULL, NULL
FROM ap GROUP BY cluster_id, island
-- a cluster's node rows together, as they are written: smaller, and an IN list of clusters reads
-- few row groups (sorting here, on few rows, is much cheaper than sorting the node rows)
ORDER BY cluster_id, mi_from
"""

# One row per instance and block of a span; the levels index `local.node_load`.
_NODE_INSTANCES = """
CREATE TABLE local.node_instances AS
WITH seg AS (
  -- CPU busy is 6 + 8 x its level %, memory used 10 + 7.5 x its level %: each job's profile has
  -- a band of levels (lo, hi) for its workers
  SELECT node_seg.*, hash(getvariable('seed'), cluster_id, mi_from) AS h,
    CASE WHEN utilisation IS NULL THEN 4 WHEN utilisation = 'over_provisioned' THEN 1
      WHEN utilisation = 'at_ceiling' THEN 9 ELSE 5 END AS cpu_lo,
    CASE WHEN utilisation IS NULL THEN 8 WHEN utilisation = 'over_provisioned' THEN 3
      WHEN utilisation = 'at_ceiling' THEN 11 WHEN utilisation = 'healthy' THEN 9 ELSE 8 END
      AS cpu_hi,
    CASE WHEN utilisation = 'over_provisioned' THEN 1 WHEN utilisation = 'at_ceiling' THEN 6
      ELSE 5 END AS mem_lo,
    CASE WHEN utilisation = 'over_provisioned' THEN 3
      WHEN utilisation IN ('autoscale_unexercised', 'autoscaling') THEN 8 ELSE 9 END AS mem_hi
  FROM node_seg
), base AS (
  -- a job's load is its own from run to run; a shared cluster's varies by busy span
  SELECT seg.*,
    cpu_lo + floor(CASE WHEN job_id IS NULL THEN ur(h, 0) ELSE u(job_id, 'cpu', 0) END
      * (cpu_hi - cpu_lo + 1))::INT AS cpu0,
    mem_lo + floor(CASE WHEN job_id IS NULL THEN ur(h, 1) ELSE u(job_id, 'mem', 0) END
      * (mem_hi - mem_lo + 1))::INT AS mem0,
    0.7 + 0.6 * ur(h, 2) AS pace
  FROM seg
), inst AS (
  SELECT base.*, k AS idx, hash(h, k) AS hi,
    -- workers beyond the autoscaling minimum come and go (0: always there)
    CASE WHEN k <= coalesce(min_workers, n_workers) THEN 0.0
      ELSE (k - min_workers) / (max_workers - min_workers) END AS f
  FROM base, LATERAL (SELECT unnest(range(n_workers + 1)) AS k)
), w AS (
  -- AWS instance ids: 'i-' and 17 hex digits
  SELECT cluster_id, node_type, idx, 'i-0' || lower(to_hex(hi | (1::UBIGINT << 60))) AS instance_id,
    -- at the ceiling: up to max within the first tenth; otherwise up and back down, nested
    CASE WHEN f = 0 THEN mi_from
      WHEN utilisation = 'at_ceiling' THEN mi_from + round((mi_to - mi_from) * 0.08 * f * pace)
      ELSE mi_from + round((mi_to - mi_from) * (0.08 + 0.3 * f) * pace) END::BIGINT AS up,
    CASE WHEN f = 0 OR utilisation = 'at_ceiling' THEN mi_to
      ELSE mi_to - round((mi_to - mi_from) * (0.08 + 0.3 * f) * pace) END::BIGINT AS down,
    -- the driver coordinates: little CPU, memory in the middle; workers vary by a level
    CASE WHEN idx = 0 THEN floor(3 * ur(hi, 0))::INT
      ELSE least(cpu_hi, greatest(cpu_lo, cpu0 + round(2 * ur(hi, 0) - 1)::INT)) END AS cpu,
    CASE WHEN idx = 0 THEN 4 + floor(4 * ur(hi, 1))::INT
      ELSE least(mem_hi, greatest(mem_lo, mem0 + round(2 * ur(hi, 1) - 1)::INT)) END AS mem
  FROM inst
), c AS (
  SELECT w.*,
    unnest(range(up // {node_block_minutes}, (down - 1) // {node_block_minutes} + 1)) AS block
  FROM w WHERE down > up
)
SELECT '{account_id}' AS account_id, '{workspace_id}' AS workspace_id, cluster_id, instance_id,
  idx = 0 AS driver, node_type, block::INT AS block,
  (greatest(up, block * {node_block_minutes}) - block * {node_block_minutes})::UTINYINT
    AS minute_from,
  (least(down, (block + 1) * {node_block_minutes}) - block * {node_block_minutes})::UTINYINT
    AS minute_to,
  (cpu * 12 + mem)::UTINYINT AS level
FROM c
"""

# Every minute of the blocks nodes were up, in minutes since the epoch: its block and time.
_NODE_MINUTES = """
CREATE TABLE local.node_minutes AS
SELECT mi::INT AS minute, (mi // {node_block_minutes})::INT AS block,
  (mi % {node_block_minutes})::UTINYINT AS minute_of_block, to_timestamp(mi * 60) AS start_time
FROM range(
  coalesce((SELECT min(block) * {node_block_minutes} FROM local.node_instances), 0),
  coalesce((SELECT (max(block) + 1) * {node_block_minutes} FROM local.node_instances), 0)) r(mi)
"""

# Per (CPU level x 12 + memory level): 512 minutes of metrics, noisy around the level's means, with
# a spike now and then; network traffic follows the CPU.
_NODE_LOAD = """
CREATE TABLE local.node_load AS
WITH r AS (
  SELECT l::UTINYINT AS level, k::USMALLINT AS k, 6 + 8 * (l // 12) AS cpu_mean,
    10 + 7.5 * (l % 12) AS mem_mean, hash(getvariable('seed'), l, k, 'cpu') AS h1,
    hash(getvariable('seed'), l, k, 'mem') AS h2, hash(getvariable('seed'), l, k, 'rest') AS h3
  FROM range(144) a(l), range(512) b(k)
), v AS (
  -- about normal around the means (sums of three uniforms), one standard deviation 5 points of
  -- CPU and 3 of memory
  SELECT r.*,
    least(99.5, greatest(0.5, cpu_mean + 10 * (ur(h1, 0) + ur(h1, 1) + ur(h1, 2) - 1.5)
      + CASE WHEN ur(h1, 3) < 0.04 THEN 15 + 20 * ur(h2, 3) ELSE 0 END)) AS busy,
    least(99.5, greatest(2.0, mem_mean + 6 * (ur(h2, 0) + ur(h2, 1) + ur(h2, 2) - 1.5))) AS mem
  FROM r
)
SELECT level, k,
  round(busy * (0.94 - 0.1 * ur(h3, 0)), 2) AS cpu_user_percent,
  round(busy * (0.06 + 0.1 * ur(h3, 0)), 2) AS cpu_system_percent,
  round(0.02 + 3 * pow(ur(h3, 1), 8), 2) AS cpu_wait_percent,
  round(mem, 2) AS mem_used_percent,
  CASE WHEN mem > 90 THEN round((mem - 90) * ur(h3, 2), 2) ELSE 0.0 END AS mem_swap_percent,
  round(busy * 1.2e6 * (0.4 + 1.2 * ur(h3, 3)))::BIGINT AS network_sent_bytes,
  round(busy * 1.8e6 * (0.4 + 1.2 * ur(h3, 3)) * (0.8 + 0.4 * ur(h2, 3)))::BIGINT
    AS network_received_bytes
FROM v
"""

# Free disk per node type, in 64 states: the 30 GB root volume and the local NVMe disks.
_NODE_DISKS = """
CREATE TABLE local.node_disks AS
SELECT node_type, k::UTINYINT AS k,
  MAP {{'/': round((12 + 8 * u(node_type, k, 'root')) * 1073741824)::BIGINT,
    '/local_disk0': round(local_disk_gb * 1e9 * (0.45 + 0.5 * u(node_type, k, 'local')))::BIGINT}}
    AS disk_free_bytes_per_mount_point
FROM node_type_specs, range(64) r(k)
"""

_NODE_TYPES = """
CREATE TABLE local.node_types AS
SELECT '{account_id}' AS account_id, node_type, cores::DOUBLE AS core_count,
  memory_mb::BIGINT AS memory_mb, gpus::BIGINT AS gpu_count
FROM node_type_specs ORDER BY node_type
"""


def node_timeline_query(shift: str) -> str:
    """`system.compute.node_timeline` over the stored spans, its times moved by `shift` (an
    interval expression) inside the minute table: on top of the joins it would stop DuckDB from
    reordering them (see above). The noise of each metric is the node's own from minute to minute;
    disks change every quarter of an hour."""
    return f"""
SELECT s.account_id, s.workspace_id, s.cluster_id, s.instance_id, g.start_time, g.end_time,
  s.driver, l.cpu_user_percent, l.cpu_system_percent, l.cpu_wait_percent, l.mem_used_percent,
  l.mem_swap_percent, l.network_sent_bytes, l.network_received_bytes,
  d.disk_free_bytes_per_mount_point, s.node_type
FROM local.node_instances s
JOIN (
  SELECT minute, block, minute_of_block, start_time + {shift} AS start_time,
    start_time + {shift} + INTERVAL 1 MINUTE AS end_time
  FROM local.node_minutes
) g ON g.block = s.block AND g.minute_of_block >= s.minute_from AND g.minute_of_block < s.minute_to
JOIN local.node_load l ON l.level = s.level AND l.k = hash(s.instance_id, g.minute) % 512
JOIN local.node_disks d ON d.node_type = s.node_type
  AND d.k = hash(s.instance_id, g.minute // 15) % 64
"""  # noqa: S608 (our own text)


# --- the Jobs API's own state ---------------------------------------------------------------------
_API_JOBS = """
CREATE TABLE local.jobs AS
SELECT je.job_id, je.i AS job_index, latest.name, latest.description, latest.tags, je.team,
  je.owner,
  je.runs_as_owner, latest.run_as_user_name, je.created_time, je.cadence,
    latest.trigger.schedule.quartz_cron_expression
  AS quartz_cron_expression, latest.trigger.file_arrival.url AS file_arrival_url, latest.paused,
  CASE WHEN je.has_health_rule THEN latest.health_rules[1].value END AS health_duration_seconds,
  latest.timeout_seconds, je.compute_kind, je.node_type, je.workers, je.min_workers, je.max_workers,
  je.photon OR je.photon_time IS NOT NULL AS photon, je.dbr_version,
  latest.deployment.kind AS deployment_kind, je.delete_time IS NOT NULL AS deleted,
  je.profile = 'retry' AS retries_tasks, je.env
FROM je JOIN (
  SELECT * FROM local.jobs_scd QUALIFY row_number() OVER (PARTITION BY job_id ORDER BY change_time
    DESC) = 1
) latest ON latest.job_id = je.job_id
ORDER BY je.job_id
"""

_API_TASKS = """
CREATE TABLE local.job_task_settings AS
SELECT jtk.job_id, task_idx, task_key, depends_on_keys,
  CASE WHEN u(jtk.job_id, task_idx, 'kind') < 0.65 THEN 'notebook'
    WHEN u(jtk.job_id, task_idx, 'kind') < 0.85 THEN 'spark_python' ELSE 'sql' END AS task_type,
  '/Workspace/Repos/' || je.team || '/' || je.subject || '-pipelines/' || task_key AS path
FROM jtk JOIN je USING (job_id)
ORDER BY jtk.job_id, task_idx
"""

# Job ACLs: owner, the team's group, sometimes a teammate, and the app's service principal:
# CAN_MANAGE on about half the jobs (whose SLA target the app may write), CAN_VIEW on the rest.
# Workspace admins' CAN_MANAGE is inherited, so it is not stored per job.
_ACL = """
CREATE TABLE local.acl AS
SELECT job_id, 'user' AS principal_type, owner AS principal, 'IS_OWNER' AS permission_level FROM je
UNION ALL SELECT job_id, 'group', team, 'CAN_MANAGE_RUN' FROM je
UNION ALL SELECT job_id, 'service_principal', '{app_sp}',
  CASE WHEN u(job_id, 'sp_manage', 0) < 0.5 THEN 'CAN_MANAGE' ELSE 'CAN_VIEW' END FROM je
UNION ALL
SELECT job_id, 'user', mate, 'CAN_MANAGE' FROM (
  SELECT job_id, owner, pick(teams.people, u(job_id, 'mate', 0)) AS mate FROM je JOIN teams USING
    (team)
  WHERE u(job_id, 'mate', 1) < 0.2
) WHERE mate <> owner
ORDER BY job_id
"""

_TASK_OUTPUTS = """
CREATE TABLE local.task_outputs AS
SELECT tr.task_run_id, replace(o.error, '{{task}}', tr.task_key) AS error,
  replace(o.error_trace, '{{task}}', tr.task_key) AS error_trace
FROM local.task_runs tr JOIN outcomes o USING (outcome)
WHERE o.sys_result NOT IN ('SUCCEEDED') AND tr.executed
"""

_STEPS = [
    _JOBS, _JOB_EVENTS, _JOB_TASKS, _JOB_TASKS_KEYED, _SLOTS, _RUNS_NOMINAL, _RUNS_OUTCOME, _RUNS,
    _TASK_RUNS, _RUN_SEGMENTS, _RUN_SLICES, _TASK_SLICES, _JOB_VERSIONS, _TASK_VERSIONS,
    _USAGE_JOBS,
    _USAGE, _LIST_PRICES, _CLUSTERS, _WORKSPACES, _NODE_SEGMENTS, _NODE_INSTANCES, _NODE_MINUTES,
    _NODE_LOAD, _NODE_DISKS, _NODE_TYPES, _API_JOBS, _API_TASKS, _ACL, _TASK_OUTPUTS,
]  # fmt: skip


_GENERATION_ONLY = {
    "local.runs": (
        "slot", "job_name", "trigger_type", "run_as_user_name", "node_type", "workers", "photon",
        "dbr_version", "dbu_per_hour", "team", "cost_center", "before_tasks", "skipped",
        "exec_nominal_s", "r_retry_task", "has_retry", "min_workers", "max_workers", "utilisation",
    ),
    "local.task_runs": ("compute_kind",),
}  # fmt: skip


def generate(
    con: duckdb.DuckDBPyConnection, *, seed: int, jobs: int, days: int, anchor: datetime
) -> None:
    """Writes the synthetic workspace into `con`'s database (schema `local`, anchored times)."""
    from job_monitor.local_workspace.synth.schemas import TABLE_SCHEMAS, duckdb_type

    def struct_fields(table: str, column: str) -> str:
        text = duckdb_type(dict(TABLE_SCHEMAS[table])[column])
        return text[len("STRUCT(") : -1]

    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE SCHEMA IF NOT EXISTS local")
    con.execute("SET VARIABLE seed = ?", [seed])
    con.execute("SET VARIABLE n_jobs = ?", [jobs])
    con.execute("SET VARIABLE days = ?", [days])
    con.execute("SET VARIABLE n_pinned = ?", [len(_PINNED)])
    con.execute("SET VARIABLE anchor = ?::TIMESTAMPTZ", [anchor.isoformat()])
    for macro in _MACROS:
        con.execute(macro)
    con.execute(_lists("subjects", v.SUBJECTS))
    con.execute(_lists("actions", v.ACTIONS))
    con.execute(_lists("task_keys", v.TASK_KEYS))
    con.execute(_lists("node_types", v.NODE_TYPES))
    con.execute(_lists("dbr_versions", v.DBR_VERSIONS))
    _vocabulary_tables(con)
    names = {
        "account_id": ACCOUNT_ID,
        "workspace_id": WORKSPACE_ID,
        "workspace_name": WORKSPACE_NAME,
        "provisioning_workspace_id": PROVISIONING_WORKSPACE_ID,
        "other_workspace_id": OTHER_WORKSPACE_ID,
        "other_workspace_name": OTHER_WORKSPACE_NAME,
        "app_sp": APP_SP.user_name,
        "all_purpose_node_type": v.ALL_PURPOSE_NODE_TYPE,
        "node_retention_days": NODE_RETENTION_DAYS,
        "node_block_minutes": NODE_BLOCK_MINUTES,
        "usage_metadata": struct_fields("billing.usage", "usage_metadata"),
        "identity_metadata": struct_fields("billing.usage", "identity_metadata"),
        "product_features": struct_fields("billing.usage", "product_features"),
    }
    for step in _STEPS:
        con.execute(step.format(**names))
    # Columns only the generation needed (the Jobs API reads the rest): dropped, for a smaller file.
    for table, columns in _GENERATION_ONLY.items():
        for column in columns:
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    generate_tables(con, ingest_owner=v.team_service_principal("data-eng"))
