"""Job-health API benchmark: latency of the issue-4 queries, cold and warm, and SQL per request.

For each workspace size (the demo, 300 jobs x 90 days, and the scale, 10,000 jobs x 365 days) it
starts the local workspace as its own process and the service in this process (so that its caches
can be emptied between cold samples), then reports for

* `overview(window: LAST_30_DAYS)`,
* the first page of 100 `jobs` with `health`,
* 100 `jobRuns` with `job` and `tasks`,
* `activeRuns` (with `elapsedSeconds`, `expectedSeconds`),
* the first page of 100 `jobs` with `utilization` (issue 13), and `overProvisionedJobs`,
* the first page of 100 `jobs` with `outputs` (issue 13: the lineage, at most 20 tables' Delta
  histories, and the columns against their snapshots in the state schema),

the p50 and p99 latency with every service cache empty ("cold": the warehouse statements and the
Jobs API calls are made; the ACL index and the clients are already built), from cache ("warm",
back to back), and warm again while a minute turns ("rollover": history windows end on the minute,
so the next minute is a new window; the operations are asked in turn from second 50 to second 10),
and the SQL statements each request issued, read from the stand-in's own counters. It also reports
how long the job ACL index took to build for the first restricted viewer (bob), the warm page
of 100 jobs beside a plain FastAPI endpoint that returns the same bytes, in the same run, and how
long a page takes to say `WarehouseUnavailable` when the warehouse it last saw running has stopped
(issue 9's target: within 2 s, not after the warehouse's cold start).

    .venv/bin/python benchmarks/job_health.py [--cold 7] [--warm 50] [--sizes demo scale]

The first run at the scale size builds the 10,000-job database (minutes; kept in
`.local-workspace/`).
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI, Response

from job_monitor.backend.app import create_app, run_in_thread
from job_monitor.backend.config import Settings
from job_monitor.backend.domain.identity import Mode
from job_monitor.backend.services.session import JobServices
from job_monitor.cli import with_local_workspace

REPO_ROOT = Path(__file__).resolve().parents[1]
SIZES = {"demo": (300, 90), "scale": (10_000, 365)}

OVERVIEW = """
query Overview { overview(window: LAST_30_DAYS) { __typename ... on Overview {
  runs failed successRate activeNow queuedNow jobsInFailingStreak
  topFailingJobs(limit: 10) { failed failureStreak job { jobId name } }
  failuresByTerminationCode { terminationCode failed jobs }
  daily { date runs failed successRate }
} } }
"""
JOBS = """
query Jobs { jobs(first: 100) { __typename ... on JobConnection { totalCount edges { cursor node {
  jobId name owner team tags { key value }
  health { runs succeeded failed successRate failureStreak priority durationP50Seconds
           durationP90Seconds latestDurationSeconds durationRegression durationRegressed
           retries repairs }
} } } } }
"""
RUNS = """
query Runs { jobRuns(first: 100) { __typename ... on JobRunConnection { edges { cursor node {
  runId state terminationCode startTime endTime durationSeconds trigger runType
  job { jobId name }
  tasks { taskKey state startTime endTime durationSeconds dependsOn }
} } } } }
"""
ACTIVE = """
query Active { activeRuns { __typename ... on ActiveRuns { runs {
  runId state startTime elapsedSeconds expectedSeconds job { jobId name }
} } } }
"""
UTILIZATION = """
query Utilization { jobs(first: 100) { __typename ... on JobConnection { edges { node {
  jobId utilization {
    __typename
    ... on JobUtilization { minutesObserved runsObserved workerCpu { p50Percent p90Percent }
                            workerMemory { p50Percent p90Percent } estimatedMonthlySavingUsd
                            findings { kind recommendation { summary } } }
    ... on UnmeasurableUtilization { reason }
  }
} } } } }
"""
OVER_PROVISIONED = """
query OverProvisioned { overProvisionedJobs { __typename ... on OverProvisionedJobs {
  jobCount estimatedMonthlySavingUsd
  jobs { job { jobId name } estimatedMonthlySavingUsd findings { kind } }
} } }
"""
OUTPUTS = """
query Outputs { jobs(first: 100) { __typename ... on JobConnection { edges { node {
  jobId outputs {
    tables { name historyRead anomalousWrites emptyRuns
             latestWrite { version rows baselineRows deltaPercent anomaly } }
    sources { name }
    schemaChanges { table kind column version }
  }
} } } } }
"""
FIRST_PAGE = """
query FirstPage { jobs(first: 5) { __typename ... on WarehouseUnavailable { state } } }
"""
OPERATIONS = {
    "overview(LAST_30_DAYS)": OVERVIEW,
    "jobs(first: 100) + health": JOBS,
    "jobRuns(first: 100) + job + tasks": RUNS,
    "activeRuns": ACTIVE,
    "jobs(first: 100) + utilization": UTILIZATION,
    "overProvisionedJobs": OVER_PROVISIONED,
    "jobs(first: 100) + outputs": OUTPUTS,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def local_workspace(jobs: int, days: int) -> Iterator[str]:
    """The stand-in as its own process (it builds its database first if needed)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JOB_MONITOR_"))}
    args = [sys.executable, "-m", "job_monitor", "local-workspace", "--port", str(port)]
    args += ["--jobs", str(jobs), "--days", str(days)]
    # Its writable catalog in a directory of its own: `make run` may hold the default one.
    args += ["--state-dir", tempfile.mkdtemp(prefix="job-monitor-bench-state-")]
    proc = subprocess.Popen(
        args, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    host = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 3600
        while True:
            try:
                httpx.get(f"{host}/_local/stats", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the local workspace did not start") from None
                time.sleep(0.5)
        yield host
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def percentile(samples: list[float], share: float) -> float:
    """Nearest rank: with few samples, p99 is the slowest one."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Figures:
    size: str
    operation: str
    cold_ms: list[float]
    warm_ms: list[float]
    statements: list[int]
    rollover_ms: list[float]

    def row(self) -> str:
        cold, warm, rollover = self.cold_ms, self.warm_ms, self.rollover_ms
        spread = sorted(set(self.statements))
        count = str(spread[0]) if len(spread) == 1 else f"{spread[0]}-{spread[-1]}"
        return (
            f"| {self.size} | {self.operation} | {percentile(cold, 0.5):.0f} | "
            f"{percentile(cold, 0.99):.0f} | {percentile(warm, 0.5):.1f} | "
            f"{percentile(warm, 0.99):.1f} | {percentile(rollover, 0.5):.1f} | "
            f"{percentile(rollover, 0.99):.1f} | {count} |"
        )


def request(http: httpx.Client, query: str, user: str = "local-alice") -> float:
    """One request; its latency in ms. Anything but the data asked for stops the benchmark."""
    started = time.perf_counter()
    response = http.post(
        "/api/graphql", json={"query": query}, headers={"X-Forwarded-Access-Token": user}
    )
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    answer = next(iter((body.get("data") or {}).values()), None)
    typename = answer.get("__typename", "") if isinstance(answer, dict) else ""
    if "errors" in body or not typename.endswith(
        ("Connection", "Overview", "ActiveRuns", "OverProvisionedJobs")
    ):
        raise RuntimeError(f"unexpected answer: {response.text[:500]}")
    return elapsed


class Bench:
    operations: Mapping[str, str] = OPERATIONS
    """The questions by name, as `Figures.operation` names them."""

    def __init__(self, http: httpx.Client, stand_in: httpx.Client, services: JobServices) -> None:
        self.http = http
        self.stand_in = stand_in
        self.services = services

    def statements(self) -> int:
        return int(self.stand_in.get("/_local/stats").json()["statements"]["total"])

    def request(self, query: str) -> float:
        return request(self.http, query)

    def empty_caches(self) -> None:
        # Between requests only (nothing runs concurrently): the next request misses everything.
        self.services.cache.clear()
        self.services.live_runs.clear()
        self.services.answers.clear()
        self.services.alert_lists.clear()
        self.services.forget_state_reads()

    def measure(self, size: str, name: str, query: str, cold: int, warm: int) -> Figures:
        cold_ms, statements = [], []
        for _ in range(cold):
            self.empty_caches()
            before = self.statements()
            cold_ms.append(self.request(query))
            statements.append(self.statements() - before)
        self.request(query)
        warm_ms = [self.request(query) for _ in range(warm)]
        return Figures(size, name, cold_ms, warm_ms, statements, [])

    def across_a_minute(self, figures: list[Figures]) -> None:
        """Every operation in turn from second 50 of a minute to second 10 of the next."""
        while not 45 <= datetime.now(UTC).second < 50:
            time.sleep(0.2)
        for each in figures:
            self.request(self.operations[each.operation])
        while datetime.now(UTC).second < 50:
            time.sleep(0.05)
        turned = False
        while True:
            for each in figures:
                each.rollover_ms.append(self.request(self.operations[each.operation]))
            second = datetime.now(UTC).second
            turned = turned or second < 50
            if turned and second >= 10:
                return

    def stopped_warehouse_ms(self, samples: int) -> list[float]:
        """The first page, each time just after the warehouse was seen running and then stopped
        (with a 30 s cold start): how long until it says so."""
        took: list[float] = []
        for _ in range(samples):
            self.faults({"warehouse_state": "RUNNING"})
            self.request(FIRST_PAGE)
            self.empty_caches()
            self.faults({"warehouse_state": "STOPPED", "cold_start_seconds": 30})
            started = time.perf_counter()
            body = self.http.post(
                "/api/graphql",
                json={"query": FIRST_PAGE},
                headers={"X-Forwarded-Access-Token": "local-alice"},
            ).json()
            took.append((time.perf_counter() - started) * 1000)
            if body["data"]["jobs"]["__typename"] != "WarehouseUnavailable":
                raise RuntimeError(f"unexpected answer with the warehouse stopped: {body}")
        self.faults({"warehouse_state": "RUNNING"})
        return took

    def faults(self, config: dict[str, object]) -> None:
        self.stand_in.post("/_local/faults", json=config).raise_for_status()


def wait_for_the_warehouse(http: httpx.Client, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    query = "{ health { checks { name status } } }"
    while time.monotonic() < deadline:
        body = http.post("/api/graphql", json={"query": query}).json()
        checks = {c["name"]: c["status"] for c in body["data"]["health"]["checks"]}
        if checks.get("warehouse") == "OK":
            return
        time.sleep(2)
    raise RuntimeError("the warehouse did not start")


def plain_fastapi_ms(body: bytes, samples: int) -> list[float]:
    """The same bytes from a FastAPI endpoint that does nothing else: what HTTP itself costs."""
    plain = FastAPI()

    @plain.post("/api/graphql")
    async def same_bytes() -> Response:
        return Response(body, media_type="application/json")

    service = run_in_thread(plain)
    try:
        with httpx.Client(base_url=service.url, timeout=60) as http:
            request(http, JOBS)
            return [request(http, JOBS) for _ in range(samples)]
    finally:
        service.stop()


def run_size(size: str, cold: int, warm: int) -> tuple[list[Figures], float, list[float]]:
    jobs, days = SIZES[size]
    with local_workspace(jobs, days) as host:
        app = create_app(with_local_workspace(Settings(mode=Mode.LOCAL), host))
        service = run_in_thread(app)
        http = httpx.Client(base_url=service.url, timeout=300)
        try:
            # While the stand-in builds its database its warehouse is STARTING, as a real one is.
            wait_for_the_warehouse(http)
            # The first request builds the clients and starts the job ACL index.
            started = time.perf_counter()
            request(http, JOBS, user="local-bob")
            services: JobServices = app.state.job_services
            while not services.acl_index.complete:
                time.sleep(0.2)
            index_seconds = time.perf_counter() - started
            bench = Bench(http, httpx.Client(base_url=host, timeout=30), services)
            figures = [
                bench.measure(size, name, query, cold, warm) for name, query in OPERATIONS.items()
            ]
            bench.across_a_minute(figures)
            stopped_ms = bench.stopped_warehouse_ms(cold)
            page = http.post(
                "/api/graphql",
                json={"query": JOBS},
                headers={"X-Forwarded-Access-Token": "local-alice"},
            ).content
            baseline = Figures(
                size, "same bytes from plain FastAPI", [0.0], plain_fastapi_ms(page, warm), [0], []
            )
            baseline.rollover_ms.extend(baseline.warm_ms)
            figures.append(baseline)
        finally:
            http.close()
            service.stop()
    return figures, index_seconds, stopped_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", type=int, default=7, help="cold samples per operation")
    parser.add_argument("--warm", type=int, default=50, help="warm samples per operation")
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["demo", "scale"])
    args = parser.parse_args()
    rows: list[Figures] = []
    index_times: dict[str, float] = {}
    stopped: dict[str, list[float]] = {}
    for size in args.sizes:
        figures, index_seconds, stopped[size] = run_size(size, args.cold, args.warm)
        rows.extend(figures)
        index_times[size] = index_seconds
    jobs_days = {size: f"{SIZES[size][0]:,} jobs x {SIZES[size][1]} days" for size in args.sizes}
    print(f"Job-health API, {args.cold} cold / {args.warm} warm samples per operation (ms)\n")
    print(
        "| size | operation | cold p50 | cold p99 | warm p50 | warm p99 | rollover p50 "
        "| rollover p99 | SQL statements |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for line in rows:
        print(line.row())
    print()
    for size, seconds in index_times.items():
        print(f"{size} ({jobs_days[size]}): job ACL index complete {seconds:.1f} s after start")
    for size in args.sizes:
        page = next(f for f in rows if f.size == size and f.operation.startswith("jobs("))
        plain = next(f for f in rows if f.size == size and f.operation.startswith("same bytes"))
        ratio = percentile(page.warm_ms, 0.5) / percentile(plain.warm_ms, 0.5)
        print(f"{size}: warm page of 100 jobs p50 = {ratio:.1f}x plain FastAPI with the same bytes")
    for size, samples in stopped.items():
        print(
            f"{size}: WarehouseUnavailable for a stopped warehouse p50 "
            f"{percentile(samples, 0.5):.0f} ms, p99 {percentile(samples, 0.99):.0f} ms "
            f"({len(samples)} samples; target 2000 ms)"
        )
    warm_scale = [f for f in rows if f.size == "scale"]
    if warm_scale:
        worst = max(statistics.median(f.warm_ms) for f in warm_scale)
        print(f"scale: slowest warm p50 {worst:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
