"""Table names from the lineage become SQL text only quoted: DESCRIBE HISTORY takes no parameter."""

from __future__ import annotations

import pytest

from job_monitor.backend.data.warehouse import quoted_table_name


def test_each_part_of_a_table_name_is_quoted_and_a_backtick_inside_is_doubled() -> None:
    assert quoted_table_name("prod.data_eng.orders") == "`prod`.`data_eng`.`orders`"
    assert quoted_table_name("a.b.x` ; DROP TABLE y --") == "`a`.`b`.`x`` ; DROP TABLE y --`"


@pytest.mark.parametrize("name", ["orders", "a.b", "a.b.c.d", "a..c", "a.b. "])
def test_anything_but_a_three_part_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="three-part"):
        quoted_table_name(name)
