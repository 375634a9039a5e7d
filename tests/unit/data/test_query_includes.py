"""Query files share SQL through `-- include: _fragment` lines, expanded when a query is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from job_monitor.backend.data import warehouse
from job_monitor.backend.data.warehouse import expand_includes, load_query

QUERIES = Path(warehouse.__file__).parent / "queries"
FRAGMENT = "_collapsed_job_runs"
RUN_QUERIES = [
    "daily_run_counts",
    "failures_by_termination_code",
    "job_run_rollups",
    "job_runs_by_id",
    "job_runs_latest_per_job",
    "job_runs_page",
]


def test_an_include_line_is_replaced_by_the_fragment() -> None:
    # given a WITH clause that includes the collapsed-runs fragment after its own slices
    text = "WITH slices AS (SELECT 1),\n-- include: _collapsed_job_runs\nSELECT * FROM job_runs"
    fragment = (QUERIES / f"{FRAGMENT}.sql").read_text(encoding="utf-8").rstrip()

    # when it is expanded
    expanded = expand_includes(text)

    # then the fragment stands where the include line was, and nothing else changed
    assert expanded == "WITH slices AS (SELECT 1),\n" + fragment + "\nSELECT * FROM job_runs"


@pytest.mark.parametrize("name", RUN_QUERIES)
def test_queries_over_job_runs_are_loaded_with_the_fragment_expanded(name: str) -> None:
    # given a query file that includes the fragment rather than repeating it
    source = (QUERIES / f"{name}.sql").read_text(encoding="utf-8")
    assert f"-- include: {FRAGMENT}" in source

    # when it is loaded
    query = load_query(name)

    # then the statement holds the fragment's SQL and no include line, and the parameter check
    # sees the expanded text (the fragment needs none of its own)
    assert "job_runs AS (" in query.text
    assert "FROM slices" in query.text
    assert not any(line.lstrip().startswith("-- include:") for line in query.text.splitlines())
    assert "workspace_id" in query.parameters


@pytest.mark.parametrize("name", ["job_runs_page", "job_runs_latest_per_job"])
def test_run_pages_share_the_run_filter_conditions(name: str) -> None:
    # given a paged run query, which filters with the shared JobRunFilter conditions
    source = (QUERIES / f"{name}.sql").read_text(encoding="utf-8")
    assert "-- include: _job_run_filters" in source

    # when it is loaded
    query = load_query(name)

    # then every filter parameter of the fragment is a parameter of the statement
    assert {
        "started_after",
        "started_before",
        "result_states",
        "include_unfinished",
        "termination_codes",
        "trigger_types",
        "run_types",
        "min_duration_seconds",
        "max_duration_seconds",
    } <= query.parameters


def test_an_unknown_include_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown include '_no_such_fragment'"):
        expand_includes("WITH\n-- include: _no_such_fragment\nSELECT 1")


def test_only_fragments_can_be_included() -> None:
    # A query's name (no leading underscore) is not a fragment, even though the file exists.
    with pytest.raises(ValueError, match="unknown include 'job_runs_page'"):
        expand_includes("-- include: job_runs_page")


def test_a_fragment_is_not_a_runnable_query() -> None:
    with pytest.raises(ValueError, match="bad query name"):
        load_query(FRAGMENT)


def test_mentioning_an_include_inside_a_line_is_not_an_include() -> None:
    text = "SELECT 1 -- include: _no_such_fragment"
    assert expand_includes(text) == text


def test_an_include_line_must_name_exactly_one_fragment() -> None:
    with pytest.raises(ValueError, match="unknown include"):
        expand_includes(f"-- include: {FRAGMENT} and more")


def test_a_fragment_that_includes_another_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a fragment with an include line of its own
    (tmp_path / "_inner.sql").write_text("inner AS (SELECT 1)\n", encoding="utf-8")
    (tmp_path / "_outer.sql").write_text("-- include: _inner\n", encoding="utf-8")
    monkeypatch.setattr(warehouse, "_QUERIES_DIR", tmp_path)
    warehouse._fragment.cache_clear()
    try:
        # when a query includes it, then loading fails instead of leaving a comment behind
        with pytest.raises(ValueError, match="'_outer' includes another fragment"):
            expand_includes("WITH\n-- include: _outer\nSELECT 1")
    finally:
        warehouse._fragment.cache_clear()
