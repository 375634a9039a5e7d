"""Per-request DataLoaders: nested fields of a page are fetched in one batch, not one per item.

Each loader is created with the request's `Session` (so with its viewer) and lives only as long as
the request: nothing is shared across viewers here. One batch is one statement (or one cached
answer), so a request issues a bounded number of statements whatever its page size:

* `health_by_job` — (job id, window) → health: one roll-up per window in the batch;
* `job_by_id` — a run's job, from the cached job catalog;
* `run_by_id` — a health's last run, one `runs_by_id` statement per batch (while the Jobs API
  cannot be read, a run the history does not hold fails alone with its error);
* `latest_runs_by_job` — (run filter, page size, job id) → the first page of the job's runs
  (`Job.runs` without a cursor), one statement per filter and page size in the batch;
* `tasks_by_run` — (run id, job id) → tasks, one `task_runs` statement per batch;
* `error_message_by_task_run` — failed tasks' error text, Jobs API calls with bounded concurrency;
* `live_run_by_id` — a run's Jobs API detail (message, attempt), bounded concurrency;
* `sla_counts_by_job` — (job id, window) → finished runs and breaches: one statement per window
  over every job of the viewer's list with a target;
* `sla_breaches_by_job` — (window, page size, job id) → the runs over target, one statement per
  window and page size in the batch;
* `cost_by_job` — (job id, window) → spend: one roll-up per window over every job;
* `daily_cost_by_job` — (job id, window) → daily spend, one statement per window in the batch;
* `cost_by_run` — a run → its spend so far, one statement per batch;
* `budget_by_job` — a job → its own budget against this month, one read of the budgets and one
  cached month-to-date statement per batch;
* `utilization_by_job` — (job id, window) → CPU and memory and their findings: per window in the
  batch, one node-data statement and, when needed, the spend roll-up, the node types and the
  all-purpose clusters' hours;
* `outputs_by_job` — (job id, window) → the tables it writes and reads: per window in the batch,
  one lineage statement and one DESCRIBE HISTORY per table, at most `outputs_max_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from job_monitor.backend.domain.budgets import BudgetScope, BudgetStanding
from job_monitor.backend.domain.costs import DailyCost, JobCostSummary
from job_monitor.backend.domain.filters import RunFilter
from job_monitor.backend.domain.health import HealthSummary
from job_monitor.backend.domain.jobs import JobDefinition
from job_monitor.backend.domain.outputs import JobOutputsRecord
from job_monitor.backend.domain.runs import RunRecord, TaskRunRecord
from job_monitor.backend.domain.sla import SlaBreachRecord, SlaCounts
from job_monitor.backend.domain.utilization import Utilization
from job_monitor.backend.domain.windows import Window
from job_monitor.backend.services import budgets, costs, jobs, outputs, runs, sla, utilization
from job_monitor.backend.services.costs import RunCostView
from job_monitor.backend.services.runs import KnownRun, RunList
from job_monitor.backend.services.session import Session

HealthKey = tuple[int, Window]
TasksKey = tuple[int, int | None]
LatestRunsKey = tuple[RunFilter, int, int]
"""(filter without job ids, page size, job id)."""
SlaCountsKey = tuple[int, Window]
SlaBreachesKey = tuple[Window, int, int]
"""(window, page size, job id)."""
CostKey = tuple[int, Window]
UtilizationKey = tuple[int, Window]
OutputsKey = tuple[int, Window]


class Loaders:
    """The loaders of one request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.health_by_job = DataLoader[HealthKey, HealthSummary](self._health)
        self.job_by_id = DataLoader[int, JobDefinition | None](self._jobs)
        self.run_by_id = DataLoader[int, KnownRun | None](self._runs)
        self.latest_runs_by_job = DataLoader[LatestRunsKey, RunList](self._latest_runs)
        self.tasks_by_run = DataLoader[TasksKey, tuple[TaskRunRecord, ...]](self._tasks)
        self.error_message_by_task_run = DataLoader[int, str | None](self._error_messages)
        self.live_run_by_id = DataLoader[int, RunRecord | None](self._live_runs)
        self.sla_counts_by_job = DataLoader[SlaCountsKey, SlaCounts | None](self._sla_counts)
        self.sla_breaches_by_job = DataLoader[SlaBreachesKey, tuple[SlaBreachRecord, ...]](
            self._sla_breaches
        )
        self.cost_by_job = DataLoader[CostKey, JobCostSummary](self._costs)
        self.daily_cost_by_job = DataLoader[CostKey, tuple[DailyCost, ...]](self._daily_costs)
        self.cost_by_run = DataLoader[RunRecord, RunCostView](self._run_costs)
        self.budget_by_job = DataLoader[int, BudgetStanding | None](self._budgets)
        self.utilization_by_job = DataLoader[UtilizationKey, Utilization](self._utilization)
        self.outputs_by_job = DataLoader[OutputsKey, JobOutputsRecord](self._outputs)

    async def _health(self, keys: list[HealthKey]) -> Sequence[HealthSummary]:
        by_window = {
            window: await jobs.health_by_window(self.session, window)
            for window in dict.fromkeys(window for _, window in keys)
        }
        return [by_window[window].get(job_id, jobs.NO_RUNS) for job_id, window in keys]

    async def _jobs(self, keys: list[int]) -> Sequence[JobDefinition | None]:
        found = await jobs.jobs_by_id(self.session, keys)
        return [found.get(job_id) for job_id in keys]

    async def _runs(self, keys: list[int]) -> Sequence[KnownRun | BaseException | None]:
        found = await runs.runs_by_id(self.session, keys)
        return [found.get(run_id) for run_id in keys]

    async def _latest_runs(self, keys: list[LatestRunsKey]) -> Sequence[RunList]:
        groups: dict[tuple[RunFilter, int], list[int]] = {}
        for run_filter, first, job_id in keys:
            groups.setdefault((run_filter, first), []).append(job_id)
        pages = {
            group: await runs.latest_runs(self.session, group[0], job_ids, group[1])
            for group, job_ids in groups.items()
        }
        return [pages[(run_filter, first)][job_id] for run_filter, first, job_id in keys]

    async def _tasks(self, keys: list[TasksKey]) -> Sequence[tuple[TaskRunRecord, ...]]:
        found = await runs.tasks_by_run(self.session, dict(keys))
        return [found.get(run_id, ()) for run_id, _ in keys]

    async def _error_messages(self, keys: list[int]) -> Sequence[str | None]:
        found = await runs.task_error_messages(self.session, keys)
        return [found.get(task_run_id) for task_run_id in keys]

    async def _live_runs(self, keys: list[int]) -> Sequence[RunRecord | None]:
        found = await runs.live_details(self.session, keys)
        return [found.get(run_id) for run_id in keys]

    async def _sla_counts(self, keys: list[SlaCountsKey]) -> Sequence[SlaCounts | None]:
        groups: dict[Window, list[int]] = {}
        for job_id, window in keys:
            groups.setdefault(window, []).append(job_id)
        counts = {
            window: await sla.counts_by_job(self.session, window, job_ids)
            for window, job_ids in groups.items()
        }
        return [counts[window][job_id] for job_id, window in keys]

    async def _sla_breaches(
        self, keys: list[SlaBreachesKey]
    ) -> Sequence[tuple[SlaBreachRecord, ...]]:
        groups: dict[tuple[Window, int], list[int]] = {}
        for window, first, job_id in keys:
            groups.setdefault((window, first), []).append(job_id)
        found = {
            group: await sla.breaches_by_job(self.session, group[0], job_ids, group[1])
            for group, job_ids in groups.items()
        }
        return [found[(window, first)][job_id] for window, first, job_id in keys]

    async def _costs(self, keys: list[CostKey]) -> Sequence[JobCostSummary]:
        by_window = {
            window: await costs.costs_by_job(
                self.session, window, [job_id for job_id, wanted in keys if wanted == window]
            )
            for window in dict.fromkeys(window for _, window in keys)
        }
        return [by_window[window][job_id] for job_id, window in keys]

    async def _daily_costs(self, keys: list[CostKey]) -> Sequence[tuple[DailyCost, ...]]:
        by_window = {
            window: await costs.daily_by_job(
                self.session, window, [job_id for job_id, wanted in keys if wanted == window]
            )
            for window in dict.fromkeys(window for _, window in keys)
        }
        return [by_window[window][job_id] for job_id, window in keys]

    async def _run_costs(self, keys: list[RunRecord]) -> Sequence[RunCostView]:
        found = await costs.run_costs(self.session, keys)
        return [found[run.run_id] for run in keys]

    async def _budgets(self, keys: list[int]) -> Sequence[BudgetStanding | None]:
        found = {
            standing.setting.scope: standing for standing in await budgets.standings(self.session)
        }
        return [found.get(BudgetScope.of_job(job_id)) for job_id in keys]

    async def _utilization(self, keys: list[UtilizationKey]) -> Sequence[Utilization]:
        by_window = {
            window: await utilization.utilization_by_job(
                self.session, window, [job_id for job_id, wanted in keys if wanted == window]
            )
            for window in dict.fromkeys(window for _, window in keys)
        }
        return [by_window[window][job_id] for job_id, window in keys]

    async def _outputs(self, keys: list[OutputsKey]) -> Sequence[JobOutputsRecord]:
        by_window = {
            window: await outputs.outputs_by_job(
                self.session, window, [job_id for job_id, wanted in keys if wanted == window]
            )
            for window in dict.fromkeys(window for _, window in keys)
        }
        return [by_window[window][job_id] for job_id, window in keys]
