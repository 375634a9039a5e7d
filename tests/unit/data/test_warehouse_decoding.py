"""JSON_ARRAY decoding by manifest type, parameter typing and query-file markers (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from databricks.sdk.service.sql import ColumnInfo, ColumnInfoTypeName

from job_monitor.backend.data.warehouse import (
    NULL_TIMESTAMP,
    Row,
    column_type,
    decode_rows,
    load_query,
    parameter_key,
)


def column(name: str, type_text: str, type_name: ColumnInfoTypeName | None = None) -> ColumnInfo:
    return ColumnInfo(name=name, type_text=type_text, type_name=type_name)


def decode_one(type_text: str, text: str | None) -> object:
    (row,) = decode_rows([column("value", type_text)], [[text]])
    return row["value"]


@pytest.mark.parametrize(
    ("type_text", "text", "expected"),
    [
        ("BIGINT", "9007199254740993", 9007199254740993),
        ("INT", "-5", -5),
        ("SMALLINT", "7", 7),
        ("DOUBLE", "1.5", 1.5),
        ("DECIMAL(38,18)", "12.345000000000000000", 12.345),
        ("DECIMAL(38,0)", "731", 731),
        ("BOOLEAN", "true", True),
        ("BOOLEAN", "false", False),
        ("STRING", "x", "x"),
        ("DATE", "2026-01-31", date(2026, 1, 31)),
        ("ARRAY<STRING>", '["a","b"]', ["a", "b"]),
        ("MAP<STRING, STRING>", '{"team":"data-eng"}', {"team": "data-eng"}),
        (
            "ARRAY<STRUCT<metric: STRING, operator: STRING, value: BIGINT>>",
            '[{"metric":"RUN_DURATION_SECONDS","operator":"GREATER_THAN","value":3600}]',
            [{"metric": "RUN_DURATION_SECONDS", "operator": "GREATER_THAN", "value": 3600}],
        ),
        ("STRUCT<a: BIGINT>", '{"a":1}', {"a": 1}),
        ("INTERVAL DAY TO SECOND", "1 00:00:00", "1 00:00:00"),
    ],
)
def test_each_type_decodes_to_its_python_value(type_text: str, text: str, expected: object) -> None:
    # given a JSON_ARRAY cell as the API sends it (every value a string)
    # when it is decoded by its column's type_text
    value = decode_one(type_text, text)
    # then it is the Python value of that type
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "text",
    ["2026-03-01T10:00:00.123Z", "2026-03-01T10:00:00.123+00:00", "2026-03-01 10:00:00.123"],
)
def test_timestamps_decode_to_aware_utc(text: str) -> None:
    value = decode_one("TIMESTAMP", text)
    assert value == datetime(2026, 3, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert isinstance(value, datetime)
    assert value.utcoffset() == timedelta(0)


def test_a_timestamp_with_another_offset_is_converted_to_utc() -> None:
    value = decode_one("TIMESTAMP", "2026-03-01T12:00:00+02:00")
    assert value == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_null_stays_none_for_every_type() -> None:
    for type_text in ("BIGINT", "TIMESTAMP", "ARRAY<STRING>", "BOOLEAN", "STRING"):
        assert decode_one(type_text, None) is None


def test_type_name_is_used_when_type_text_is_missing() -> None:
    assert column_type(ColumnInfo(name="n", type_name=ColumnInfoTypeName.LONG)) == "LONG"
    assert column_type(ColumnInfo(name="n", type_text="decimal(10,2)")) == "DECIMAL"
    # The SDK turns type names it does not know into None; the text still decides.
    assert column_type(ColumnInfo(name="n", type_text="TIMESTAMP_NTZ")) == "TIMESTAMP_NTZ"


def test_typed_getters_reject_a_column_of_another_type() -> None:
    row = Row({"count": True, "name": "x", "ids": ["1", 2]})
    with pytest.raises(TypeError, match="count"):
        row.integer("count")
    with pytest.raises(TypeError, match="name"):
        row.opt_integer("name")
    with pytest.raises(TypeError, match="ids"):
        row.texts("ids")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, ("BOOLEAN", "true")),
        (42, ("BIGINT", "42")),
        (1.5, ("DOUBLE", "1.5")),
        ("a,b", ("STRING", "a,b")),
        (date(2026, 1, 2), ("DATE", "2026-01-02")),
        (
            datetime(2026, 1, 2, 5, 0, tzinfo=timezone(timedelta(hours=2))),
            ("TIMESTAMP", "2026-01-02T03:00:00+00:00"),
        ),
        (NULL_TIMESTAMP, ("TIMESTAMP", None)),
    ],
)
def test_parameters_are_sent_with_their_sql_type(
    value: bool | int | float | str | date, expected: tuple[str, str | None]
) -> None:
    assert parameter_key(value) == expected


def test_naive_timestamps_are_refused_as_parameters() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parameter_key(datetime(2026, 1, 1))


def test_query_markers_skip_casts_strings_and_comments() -> None:
    query = load_query("job_runs_page")
    assert "workspace_id" in query.parameters
    assert "page_size" in query.parameters
    # `CAST(run_id AS BIGINT)` and the ',' literal hold no markers; comments name none either.
    assert all(name.isidentifier() for name in query.parameters)
    assert "name" not in query.parameters


def test_an_unknown_query_name_is_refused() -> None:
    with pytest.raises(ValueError, match="bad query name"):
        load_query("../secrets")
