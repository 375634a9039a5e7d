"""SLA targets this replica wrote, shown over the job catalog until `system.lakeflow.jobs` has them.

The catalog is that table's latest row per job, cached for a minute, and on Databricks a change
reaches the table later still: without this, a viewer who saved a target and reloaded the page
would see the old one. Each replica knows only its own writes; another replica shows a change once
the table has it.
"""

from __future__ import annotations

from collections.abc import Mapping

from job_monitor.backend.data.reads import record_read
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.sla_changes import WrittenTarget, caught_up, with_written_targets


class WrittenTargets:
    def __init__(self) -> None:
        self._written: dict[int, WrittenTarget] = {}
        self._version = 0

    def record(self, job_id: int, write: WrittenTarget) -> None:
        self._written[job_id] = write
        self._version += 1

    def over(self, catalog: Mapping[int, JobDefinition]) -> Mapping[int, JobDefinition]:
        """`catalog` with the writes it does not show yet; a kept answer that read it is reused
        only until the next write."""
        version = self._version
        record_read(lambda: self._version == version)
        for job_id in caught_up(catalog, self._written):
            del self._written[job_id]
        return with_written_targets(catalog, self._written)
