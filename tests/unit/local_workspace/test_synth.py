"""The synthetic workspace's build: deterministic from the seed, built once even under concurrency,
shifted by whole hours, with Databricks types mapped to DuckDB storage types.
"""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from job_monitor.local_workspace.database import WorkspaceDatabase
from job_monitor.local_workspace.synth.schemas import duckdb_type

TINY = {"jobs": 14, "days": 3}
CHECKSUM = (
    "SELECT (SELECT sum(hash(run_id, job_id, outcome, epoch_ms(start_time))) FROM local.runs), "
    "(SELECT sum(hash(record_id, usage_quantity)) FROM local.usage), "
    "(SELECT sum(hash(job_id, name, change_time)) FROM local.jobs_scd), "
    "(SELECT sum(hash(instance_id, block, minute_from, minute_to, level)) "
    "FROM local.node_instances)"
)
OPEN_IN_CHILD = (
    "import sys; from pathlib import Path; "
    "from job_monitor.local_workspace.database import WorkspaceDatabase; "
    "db = WorkspaceDatabase.build_or_open(Path(sys.argv[1]), seed=3, jobs=14, days=3); "
    "print(db.path.name, db.cursor().execute('SELECT count(*) FROM "
    "lakeflow.job_run_timeline').fetchone()[0])"
)


@pytest.mark.parametrize(
    ("databricks", "duckdb"),
    [
        ("STRING", "VARCHAR"),
        ("TIMESTAMP", "TIMESTAMPTZ"),
        ("DECIMAL(38,18)", "DECIMAL(38, 10)"),
        ("MAP<STRING, STRING>", "MAP(VARCHAR, VARCHAR)"),
        ("ARRAY<STRUCT<type: STRING, value: BIGINT>>", 'STRUCT("type" VARCHAR, "value" BIGINT)[]'),
        (
            "STRUCT<default: DECIMAL(38,18), promotional: STRUCT<default: DECIMAL(38,18)>>",
            'STRUCT("default" DECIMAL(38, 10), "promotional" STRUCT("default" DECIMAL(38, 10)))',
        ),
    ],
)
def test_databricks_types_map_to_duckdb_storage_types(databricks: str, duckdb: str) -> None:
    assert duckdb_type(databricks) == duckdb


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Databricks type"):
        duckdb_type("VARIANT")


def _checksum(database: WorkspaceDatabase) -> tuple[int, ...]:
    row = database.cursor().execute(CHECKSUM).fetchone()
    assert row is not None
    return tuple(row)


def test_the_same_seed_builds_the_same_workspace(tmp_path: Path) -> None:
    # given two builds from one seed and one from another
    first = WorkspaceDatabase.build_or_open(tmp_path / "a", seed=3, **TINY)
    second = WorkspaceDatabase.build_or_open(tmp_path / "b", seed=3, **TINY)
    other = WorkspaceDatabase.build_or_open(tmp_path / "c", seed=4, **TINY)
    # then the same seed gives identical runs, usage and job history, another seed a different one
    assert first.anchor == second.anchor
    assert _checksum(first) == _checksum(second)
    assert _checksum(first) != _checksum(other)


def test_two_processes_starting_at_once_build_once_and_both_open(tmp_path: Path) -> None:
    # given two processes opening the same, not yet built, workspace at the same moment
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_IN_CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=300)[0].strip() for child in children]
    # then both read the same database, and only the finished file is left behind
    assert [child.returncode for child in children] == [0, 0]
    assert outputs[0] == outputs[1]
    assert [p.name for p in tmp_path.glob("*.duckdb")] == [outputs[0].split()[0]]
    assert not list(tmp_path.glob(".*partial*"))


def test_the_data_moves_forward_by_whole_hours(tmp_path: Path) -> None:
    database = WorkspaceDatabase.build_or_open(tmp_path, seed=3, **TINY)
    anchor = database.anchor
    assert database.shift(anchor + timedelta(minutes=59)) == timedelta(0)
    assert database.shift(anchor + timedelta(hours=26, minutes=30)) == timedelta(hours=26)
    # the views read at the workspace clock: the newest slice ends at its "now"
    row = (
        database.cursor()
        .execute("SELECT epoch_ms(max(period_end_time)) FROM lakeflow.job_run_timeline")
        .fetchone()
    )
    assert row == (database.now().timestamp() * 1000,)


def test_a_build_removes_databases_of_other_versions_and_dead_builds(tmp_path: Path) -> None:
    # given a database of an older generator and the leftovers of a build whose process died: its
    # partial file and the directory it spilled to
    old = tmp_path / "workspace-g0-duckdb0.0.0-s3-j14-d3.duckdb"
    dead = tmp_path / ".workspace-g0-duckdb0.0.0-s3-j14-d3.999999999.partial"
    spill = tmp_path / ".workspace-g0-duckdb0.0.0-s3-j14-d3.999999999.partial.spill"
    old.write_bytes(b"old")
    dead.write_bytes(b"partial")
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    # when the current version is built
    database = WorkspaceDatabase.build_or_open(tmp_path, seed=3, **TINY)
    # then only the current database (and its lock) remain
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [database.path.name, database.path.with_suffix(".lock").name]
    )
