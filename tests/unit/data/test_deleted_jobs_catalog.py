"""The job catalog with and without deleted jobs, and the queries that follow the same rule (no
I/O: a recording query runner stands in for the warehouse)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from job_monitor.backend.data import warehouse
from job_monitor.backend.data.cache import TtlCache
from job_monitor.backend.data.history import History
from job_monitor.backend.data.warehouse import QueryParams, Row, SqlValue, load_query
from job_monitor.backend.domain.windows import Window

QUERIES = Path(warehouse.__file__).parent / "queries"
NOW = datetime(2026, 6, 15, 12, 34, tzinfo=UTC)
CHANGED = datetime(2026, 1, 2, tzinfo=UTC)
DELETED = datetime(2026, 6, 1, 8, tzinfo=UTC)
LATEST_ROW = (
    "QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1"
)


def job_row(job_id: str, name: str, **extra: SqlValue) -> Row:
    return Row(
        {
            "job_id": job_id,
            "name": name,
            "creator_user_name": "bob@example.com",
            "run_as_user_name": "bob@example.com",
            "tags": {"team": "data-eng"},
            "trigger_type": "CRON",
            "trigger": None,
            "paused": False,
            "timeout_seconds": None,
            "health_rules": [],
            "change_time": CHANGED,
            **extra,
        }
    )


class RecordingRunner:
    """Answers each named query with fixed rows and records every statement."""

    scope = "service-principal"

    def __init__(self, answers: Mapping[str, Sequence[Row]]) -> None:
        self.answers = answers
        self.statements: list[tuple[str, QueryParams]] = []

    async def query(self, name: str, params: QueryParams) -> Sequence[Row]:
        assert frozenset(params) == load_query(name).parameters, name
        self.statements.append((name, params))
        return self.answers[name]

    async def query_table(self, name: str, table: str, params: QueryParams) -> Sequence[Row]:
        raise AssertionError(f"the catalog reads no table's history ({name} of {table})")


def history_over(answers: Mapping[str, Sequence[Row]]) -> tuple[History, RecordingRunner]:
    runner = RecordingRunner(answers)
    return History(runner, "1234", TtlCache(60.0)), runner


ANSWERS = {
    "jobs_catalog": [job_row("1", "daily-sales"), job_row("2", "hourly-ingest")],
    "job_tasks": [Row({"job_id": "1", "task_key": "load", "depends_on_keys": []})],
    "deleted_jobs": [job_row("3", "old-export", delete_time=DELETED)],
}


async def test_the_catalog_holds_the_jobs_that_exist_and_reads_no_deleted_ones() -> None:
    # given a workspace with two jobs and one deleted job
    history, runner = history_over(ANSWERS)

    # when the catalog is read without deleted jobs
    catalog = await history.job_catalog()

    # then it holds the two jobs, neither deleted, from the two catalog statements alone
    assert set(catalog) == {1, 2}
    assert not any(job.deleted for job in catalog.values())
    assert sorted(name for name, _ in runner.statements) == ["job_tasks", "jobs_catalog"]


async def test_deleted_jobs_are_added_only_when_asked_for_with_their_deletion_time() -> None:
    # given the same workspace
    history, runner = history_over(ANSWERS)

    # when the catalog is read with deleted jobs, twice
    catalog = await history.job_catalog(include_deleted=True, now=NOW)
    again = await history.job_catalog(include_deleted=True, now=NOW)

    # then the deleted job is there as last defined, marked, and the answer is the same mapping
    # (paged lists key on its identity); the deleted jobs are read from the start of the history
    assert set(catalog) == {1, 2, 3}
    assert (catalog[3].name, catalog[3].deleted, catalog[3].deleted_at) == (
        "old-export",
        True,
        DELETED,
    )
    assert catalog[3].tasks == ()
    assert again is catalog
    (deleted_since,) = [
        p["deleted_since"] for name, p in runner.statements if name == "deleted_jobs"
    ]
    assert deleted_since == datetime(2025, 6, 15, tzinfo=UTC)
    # and the catalog without deleted jobs is unchanged
    assert set(await history.job_catalog()) == {1, 2}


async def test_a_job_deleted_between_the_two_reads_is_deleted() -> None:
    # given a job the catalog still lists while the deleted jobs already hold it
    answers = {**ANSWERS, "deleted_jobs": [job_row("2", "hourly-ingest", delete_time=DELETED)]}
    history, _ = history_over(answers)

    # when the catalog is read with deleted jobs
    catalog = await history.job_catalog(include_deleted=True, now=NOW)

    # then it is there once, deleted
    assert set(catalog) == {1, 2}
    assert catalog[2].deleted


@pytest.mark.parametrize("include_deleted", [False, True])
async def test_the_overview_series_follow_the_rule_for_deleted_jobs(include_deleted: bool) -> None:
    # given a repository over no runs
    history, runner = history_over({"daily_run_counts": [], "failures_by_termination_code": []})

    # when the daily series and the failures by code are read with or without deleted jobs
    await history.daily_runs(Window.LAST_7_DAYS, NOW, None, include_deleted=include_deleted)
    await history.failures_by_termination_code(
        Window.LAST_7_DAYS, NOW, None, include_deleted=include_deleted
    )

    # then each statement says so (the rule is applied in SQL, for every viewer alike)
    assert [params["include_deleted"] for _, params in runner.statements] == [include_deleted] * 2


@pytest.mark.parametrize(
    "name", ["daily_run_counts", "failures_by_termination_code", "job_runs_page"]
)
def test_lists_and_aggregates_over_runs_count_only_the_listed_jobs(name: str) -> None:
    # given a query whose figures must equal the sum over the viewer's job list
    source = (QUERIES / f"{name}.sql").read_text(encoding="utf-8")

    # then it restricts its runs to the listed jobs, with or without deleted ones
    assert "-- include: _listed_jobs" in source
    assert "job_id IN (SELECT job_id FROM listed_jobs)" in source
    assert "include_deleted" in load_query(name).parameters


@pytest.mark.parametrize(
    "name",
    ["jobs_catalog", "deleted_jobs", "daily_run_counts", "failures_by_termination_code"],
)
def test_the_listed_jobs_and_the_catalogs_pick_each_jobs_latest_row_alike(name: str) -> None:
    # The rule is written once (_latest_job_rows.sql): each query picks the latest row of every job
    # first and tests for deletion after it.
    assert "-- include: _latest_job_rows" in (QUERIES / f"{name}.sql").read_text(encoding="utf-8")
    assert LATEST_ROW in load_query(name).text
