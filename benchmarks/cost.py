"""Cost API benchmark: latency of the cost queries, cold and warm, and SQL per request.

The same harness as `job_health.py` (whose helpers it imports): for each workspace size (the demo,
300 jobs x 90 days, and the scale, 10,000 jobs x 365 days) the local workspace runs as its own
process and the service in this process, and for

* `costs(groupBy: TEAM, window: LAST_30_DAYS)` with each group's daily series,
* the same over `LAST_365_DAYS`,
* `costAnomalies(window: LAST_30_DAYS)` with each anomaly's run and job,
* the first page of 100 `jobs` with `cost(window: LAST_30_DAYS)`,

asked as alice (who sees every job), it reports the p50 and p99 latency with every service cache
empty ("cold"), from cache ("warm", back to back) and warm while a minute turns ("rollover": the
operations in turn from second 50 to second 10, so one slow answer leaves few samples), the SQL
statements each cold request issued (the stand-in's counters) and the slowest of them (the
service's own statement timings: median and max over the cold samples), beside a plain FastAPI
endpoint returning the same bytes as the page of 100 jobs with cost.

    .venv/bin/python benchmarks/cost.py [--cold 7] [--warm 50] [--sizes demo scale]

The first run at the scale size builds the 10,000-job database (minutes; kept in
`.local-workspace/`).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx
from job_health import (
    JOBS,
    SIZES,
    Bench,
    Figures,
    local_workspace,
    percentile,
    plain_fastapi_ms,
    request,
    wait_for_the_warehouse,
)

from job_monitor.backend.app import create_app, run_in_thread
from job_monitor.backend.config import Settings
from job_monitor.backend.domain.identity import Mode
from job_monitor.backend.services.session import JobServices
from job_monitor.cli import with_local_workspace

BREAKDOWN = """
query Costs { costs(groupBy: TEAM, window: %s) { __typename ... on CostBreakdown {
  listCostUsd changeVsPreviousWindow unattributedUsd dataThrough
  groups { key listCostUsd changeVsPreviousWindow daily { date listCostUsd } }
} } }
"""
ANOMALIES = """
query Anomalies { costAnomalies(window: LAST_30_DAYS) { __typename ... on CostAnomalies {
  anomalies { ratio listCostUsd baselineP90RunCostUsd likelyCauses run { runId } job { name } }
} } }
"""
JOBS_WITH_COST = """
query JobsCost { jobs(first: 100) { __typename ... on JobConnection { nodes {
  name cost(window: LAST_30_DAYS) {
    listCostUsd runs wastedUsd p90RunCostUsd changeVsPreviousWindow
  }
} } } }
"""
OPERATIONS = {
    "costs(TEAM, LAST_30_DAYS)": BREAKDOWN % "LAST_30_DAYS",
    "costs(TEAM, LAST_365_DAYS)": BREAKDOWN % "LAST_365_DAYS",
    "costAnomalies(LAST_30_DAYS)": ANOMALIES,
    "jobs(first: 100) + cost": JOBS_WITH_COST,
}
EXPECTED = ("CostBreakdown", "CostAnomalies", "JobConnection")


class StatementTimes(logging.Handler):
    """The service's own timing of each statement it ran (its warehouse logs one per statement at
    DEBUG): name and ms, while `recording`."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.recording = False
        self.times: list[tuple[str, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if not (self.recording and isinstance(args, tuple) and len(args) == 3):
            return
        name, _, ms = args
        if str(record.msg).endswith("rows in %.0f ms") and isinstance(ms, int | float):
            self.times.append((str(name), float(ms)))


class CostBench(Bench):
    """`Bench` asking as alice for `expected` answers, timing the statements of cold requests."""

    operations = OPERATIONS

    def __init__(
        self,
        http: httpx.Client,
        stand_in: httpx.Client,
        services: JobServices,
        expected: tuple[str, ...] = EXPECTED,
    ) -> None:
        super().__init__(http, stand_in, services)
        self.expected = expected
        self.times = StatementTimes()
        self.answers: dict[str, dict[str, Any]] = {}
        self._cold = False

    def empty_caches(self) -> None:
        super().empty_caches()
        self._cold = True

    def request(self, query: str) -> float:
        """One request as alice; its latency in ms. Errors or another answer stop the benchmark."""
        self.times.recording, self._cold = self._cold, False
        try:
            started = time.perf_counter()
            response = self.http.post(
                "/api/graphql",
                json={"query": query},
                headers={"X-Forwarded-Access-Token": "local-alice"},
            )
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            self.times.recording = False
        body = response.json()
        answer = next(iter((body.get("data") or {}).values()), None)
        kind = answer.get("__typename") if isinstance(answer, dict) else None
        if "errors" in body or not isinstance(answer, dict) or kind not in self.expected:
            raise RuntimeError(f"unexpected answer: {response.text[:500]}")
        self.answers[query] = answer
        return elapsed

    def measure_timed(
        self, size: str, name: str, query: str, cold: int, warm: int
    ) -> tuple[Figures, str]:
        """`measure`, with the slowest statement of its cold samples."""
        self.times.times.clear()
        figures = self.measure(size, name, query, cold, warm)
        return figures, slowest(self.times.times)


def slowest(timed: list[tuple[str, float]]) -> str:
    """The statement with the largest median over the cold samples: `name median (max) ms`."""
    by_name: dict[str, list[float]] = defaultdict(list)
    for name, ms in timed:
        by_name[name].append(ms)
    if not by_name:
        return "-"
    name, times = max(by_name.items(), key=lambda item: statistics.median(item[1]))
    return f"{name} {statistics.median(times):.0f} ({max(times):.0f})"


def shape(answer: dict[str, Any]) -> str:
    """What the answer held, to read the figures by (an empty answer is fast for no merit)."""
    if answer["__typename"] == "CostBreakdown":
        groups = answer["groups"]
        days = max((len(group["daily"]) for group in groups), default=0)
        return f"{len(groups)} groups x {days} days, ${answer['listCostUsd']:,.0f}"
    if answer["__typename"] == "CostAnomalies":
        return f"{len(answer['anomalies'])} anomalies"
    nodes = answer["nodes"]
    spent = sum(1 for node in nodes if node["cost"] and node["cost"]["listCostUsd"])
    return f"{len(nodes)} jobs, {spent} with spend"


def run_size(size: str, cold: int, warm: int) -> list[tuple[Figures, str, str]]:
    return measure_operations(size, cold, warm, OPERATIONS, EXPECTED, JOBS_WITH_COST, shape)


def measure_operations(
    size: str,
    cold: int,
    warm: int,
    operations: dict[str, str],
    expected: tuple[str, ...],
    baseline_query: str,
    describe: Callable[[dict[str, Any]], str],
    prepare: Callable[[httpx.Client], None] | None = None,
) -> list[tuple[Figures, str, str]]:
    """Each operation's figures at this size, its slowest cold statement and what it answered,
    then plain FastAPI answering the bytes of `baseline_query` (the baseline). `prepare` sets up
    what the operations need through the API, before measuring."""
    jobs, days = SIZES[size]
    with local_workspace(jobs, days) as host:
        app = create_app(with_local_workspace(Settings(mode=Mode.LOCAL), host))
        service = run_in_thread(app)
        http = httpx.Client(base_url=service.url, timeout=300)
        warehouse_log = logging.getLogger("job_monitor.backend.data.warehouse")
        bench: CostBench | None = None
        try:
            wait_for_the_warehouse(http)
            # As job_health.py: the clients are built and the job ACL index complete first.
            request(http, JOBS, user="local-bob")
            services: JobServices = app.state.job_services
            while not services.acl_index.complete:
                time.sleep(0.2)
            if prepare is not None:
                prepare(http)
            bench = CostBench(http, httpx.Client(base_url=host, timeout=30), services, expected)
            bench.operations = operations
            warehouse_log.addHandler(bench.times)
            warehouse_log.setLevel(logging.DEBUG)
            measured = [
                bench.measure_timed(size, name, query, cold, warm)
                for name, query in operations.items()
            ]
            figures = [each for each, _ in measured]
            bench.across_a_minute(figures)
            rows = [
                (each, statement, describe(bench.answers[operations[each.operation]]))
                for each, statement in measured
            ]
            page = http.post(
                "/api/graphql",
                json={"query": baseline_query},
                headers={"X-Forwarded-Access-Token": "local-alice"},
            ).content
            baseline = Figures(
                size, "same bytes from plain FastAPI", [0.0], plain_fastapi_ms(page, warm), [0], []
            )
            baseline.rollover_ms.extend(baseline.warm_ms)
            rows.append((baseline, "-", f"{len(page):,} bytes"))
        finally:
            if bench is not None:
                warehouse_log.removeHandler(bench.times)
            http.close()
            service.stop()
    return rows


def print_table(title: str, rows: list[tuple[Figures, str, str]]) -> None:
    print(f"{title}\n")
    print(
        "| size | operation | cold p50 | cold p99 | warm p50 | warm p99 | rollover p50 "
        "| rollover p99 | SQL statements | slowest cold statement, p50 (max) ms | answer |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for figures, statement, answer in rows:
        print(f"{figures.row()} {statement} | {answer} |")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", type=int, default=7, help="cold samples per operation")
    parser.add_argument("--warm", type=int, default=50, help="warm samples per operation")
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["demo", "scale"])
    args = parser.parse_args()
    rows: list[tuple[Figures, str, str]] = []
    for size in args.sizes:
        rows.extend(run_size(size, args.cold, args.warm))
    print_table(f"Cost API, {args.cold} cold / {args.warm} warm samples per operation (ms)", rows)
    for size in args.sizes:
        of_size = [f for f, _, _ in rows if f.size == size]
        page = next(f for f in of_size if f.operation.startswith("jobs("))
        plain = next(f for f in of_size if f.operation.startswith("same bytes"))
        ratio = percentile(page.warm_ms, 0.5) / percentile(plain.warm_ms, 0.5)
        worst = max(of_size, key=lambda f: percentile(f.cold_ms, 0.5))
        print(
            f"{size} ({SIZES[size][0]:,} jobs x {SIZES[size][1]} days): warm page of 100 jobs with "
            f"cost p50 = {ratio:.1f}x plain FastAPI with the same bytes; slowest cold p50 "
            f"{percentile(worst.cold_ms, 0.5):.0f} ms ({worst.operation})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
