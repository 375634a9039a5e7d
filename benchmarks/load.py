"""Load benchmark: many SPA users at once, against the service and against plain FastAPI.

Starts the local workspace and the service (`python -m job_monitor serve`) as processes of their
own on loopback, waits for the warehouse and for the job permissions to be read, then sends every
request of the plan twice (the warm-up; the second answer is kept). The plan is the SPA's own
documents (`ui/components/**/*.graphql`) with the variables its pages send, as alice (admin), bob
(group `data-eng`) and carol (no job permissions), with this share of the mix:

* `Overview` 25 %: each window the page offers;
* `Jobs` 35 %: pages of 25 in each order, three windows, two name searches, and second pages
  (`after` the first page's `endCursor`);
* `ActiveRuns` 20 %, `CurrentViewer` 12 %, `ServiceHealth` 8 %.

Then locust (headless, `benchmarks/locustfile.py`, in its own process) runs `--users` clients for
`--seconds`, each one of the three people sending the plan's requests back to back; and the same
again against a plain FastAPI app (its own process, the same uvicorn) that answers each request
with the bytes the service gave it in the warm-up: what HTTP, JSON and the client cost alone.

Printed: requests, requests/s, p50/p95/p99 latency (exact, from every request), errors (anything
but HTTP 200 with the typed result the page needs), the service's RSS at the start and end of the
load (and its peak during it, sampled each second) and the CPU time it used, in all and per request
(on a shared machine it depends less on what else runs than latency does); then the service's
figures per operation, and the load average before and after.

    .venv/bin/python benchmarks/load.py [--users 50] [--seconds 60] [--spawn-rate 50] [--tree DIR]

`--tree` runs the local workspace and the service from another checkout of this repository (a
`git worktree` of an older commit, say) with this one's interpreter: the same load and client
against older code. Its local workspace builds its database on first use (a minute or two).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response

REPO_ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
GRAPHQL = "/api/graphql"
TOKEN_HEADER = "X-Forwarded-Access-Token"
PEOPLE = ("local-alice", "local-bob", "local-carol")
# The service principal of the local workspace (its fixed, public local convention).
SP_ENV = {"DATABRICKS_CLIENT_ID": "job-monitor-sp", "DATABRICKS_CLIENT_SECRET": "local-sp-secret"}

WINDOWS = ("LAST_24_HOURS", "LAST_7_DAYS", "LAST_30_DAYS", "LAST_90_DAYS", "LAST_365_DAYS")
DEFAULT_WINDOW = "LAST_7_DAYS"
JOB_ORDERS = (
    {"field": "NAME", "direction": "ASC"},
    {"field": "FAILURES", "direction": "DESC"},
    {"field": "SUCCESS_RATE", "direction": "ASC"},
    {"field": "DURATION_REGRESSION", "direction": "DESC"},
    {"field": "LAST_RUN", "direction": "DESC"},
)
JOBS_PAGE_SIZE = 25
NAME_SEARCHES = ("*payments*", "*ingest*")
MIX = {
    "Overview": 0.25,
    "Jobs": 0.35,
    "ActiveRuns": 0.20,
    "CurrentViewer": 0.12,
    "ServiceHealth": 0.08,
}
# The typed result each page needs (health has no union: any status will do).
EXPECT = {
    "Overview": "Overview",
    "Jobs": "JobConnection",
    "ActiveRuns": "ActiveRuns",
    "CurrentViewer": "Viewer",
    "ServiceHealth": "",
}


def spa_documents() -> dict[str, str]:
    """The SPA's documents by operation name."""
    documents = {}
    for path in sorted((REPO_ROOT / "ui" / "components").rglob("*.graphql")):
        text = path.read_text()
        for name in re.findall(r"^query (\w+)", text, flags=re.MULTILINE):
            documents[name] = text
    missing = set(MIX) - set(documents)
    if missing:
        raise RuntimeError(f"the SPA has no document for {sorted(missing)}")
    return documents


def first_pages() -> list[dict[str, Any]]:
    """The `Jobs` variables of the first pages in the plan, as the jobs page sends them."""
    pages: list[dict[str, Any]] = []

    def page(order: dict[str, str], window: str, pattern: str | None = None) -> None:
        pages.append(
            {
                "namePattern": pattern,
                "first": JOBS_PAGE_SIZE,
                "after": None,
                "orderBy": order,
                "window": window,
            }
        )

    for order in JOB_ORDERS:
        page(order, DEFAULT_WINDOW)
    for window in ("LAST_24_HOURS", "LAST_30_DAYS"):
        page(JOB_ORDERS[0], window)
    for pattern in NAME_SEARCHES:
        page(JOB_ORDERS[0], DEFAULT_WINDOW, pattern)
    return pages


def body(document: str, operation: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": document, "operationName": operation, "variables": variables})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(tree: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JOB_MONITOR_"))}
    # The tree's own code first, ahead of the editable install of this one.
    env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env | extra


@contextmanager
def process(
    args: list[str], cwd: Path, env: dict[str, str], log: Path, ready_url: str, timeout: float
) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose output goes to `log`, once `ready_url` answers; stopped on exit."""
    with log.open("wb") as output:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    httpx.get(ready_url, timeout=2)
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{args[2:4]} did not start: see {log}") from None
                    time.sleep(0.5)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def post(http: httpx.Client, request: dict[str, Any]) -> httpx.Response:
    return http.post(
        GRAPHQL,
        content=request["body"].encode(),
        headers={"Content-Type": "application/json", TOKEN_HEADER: request["token"]},
    )


def wait_until_ready(http: httpx.Client, timeout: float = 900) -> None:
    """The warehouse running and bob's job permissions read (the answers are then complete)."""
    deadline = time.monotonic() + timeout
    health = json.dumps({"query": "{ health { checks { name status } } }"})
    permissions = json.dumps(
        {"query": "{ jobs(first: 1) { ... on JobConnection { permissionsComplete } } }"}
    )
    while time.monotonic() < deadline:
        checks = post(http, {"body": health, "token": PEOPLE[0]}).json()["data"]["health"]
        if {c["name"]: c["status"] for c in checks["checks"]}.get("warehouse") == "OK":
            jobs = post(http, {"body": permissions, "token": "local-bob"}).json()["data"]["jobs"]
            if jobs.get("permissionsComplete"):
                return
        time.sleep(2)
    raise RuntimeError("the warehouse or the job permissions were not ready in time")


def plan_requests(http: httpx.Client) -> list[dict[str, Any]]:
    """Every request of the mix with its weight, each sent twice; the second answer kept."""
    documents = spa_documents()
    by_operation: dict[str, list[dict[str, Any]]] = {}
    for token in PEOPLE:

        def add(operation: str, variables: dict[str, Any], token: str = token) -> dict[str, Any]:
            request = {
                "operation": operation,
                "token": token,
                "body": body(documents[operation], operation, variables),
                "expect": EXPECT[operation],
            }
            post(http, request)
            response = post(http, request)
            request["answer"] = response.text
            request["content_type"] = response.headers.get("content-type", "application/json")
            problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
            payload = response.json()
            answer = next(iter((payload.get("data") or {}).values()), None)
            if problem is None and (payload.get("errors") or not isinstance(answer, dict)):
                problem = "errors"
            if problem is not None:
                raise RuntimeError(f"{operation} {variables} as {token}: {response.text[:500]}")
            by_operation.setdefault(operation, []).append(request)
            return request

        for window in WINDOWS:
            add("Overview", {"window": window})
        for variables in first_pages():
            first = add("Jobs", variables)
            info = json.loads(first["answer"])["data"]["jobs"].get("pageInfo") or {}
            if info.get("hasNextPage") and variables["namePattern"] is None:
                add("Jobs", variables | {"after": info["endCursor"]})
        for operation in ("ActiveRuns", "CurrentViewer", "ServiceHealth"):
            add(operation, {})
    plan = []
    for operation, requests in by_operation.items():
        for request in requests:
            request["weight"] = MIX[operation] / len(requests)
            plan.append(request)
    return plan


def serve_baseline(plan_path: Path, port: int) -> None:
    """A plain FastAPI app that answers each request of the plan with the service's bytes."""
    plan = json.loads(plan_path.read_text())["requests"]
    answers = {(r["token"], r["body"]): (r["answer"].encode(), r["content_type"]) for r in plan}
    app = FastAPI()

    @app.post(GRAPHQL)
    async def same_bytes(request: Request) -> Response:
        key = (request.headers.get(TOKEN_HEADER, ""), (await request.body()).decode())
        if key not in answers:
            return Response(status_code=404)
        content, media_type = answers[key]
        return Response(content, media_type=media_type)

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Figures:
    target: str
    latencies_ms: list[float]
    seconds: float
    errors: Counter[str]
    rss_mib: tuple[float, float, float] | None = None
    cpu_seconds: float | None = None

    def row(self) -> str:
        ms = self.latencies_ms
        rss = "-"
        if self.rss_mib is not None:
            start, end, peak = self.rss_mib
            rss = f"{start:.0f} → {end:.0f} (peak {peak:.0f})"
        cpu = "-"
        if self.cpu_seconds is not None:
            cpu = f"{self.cpu_seconds:.1f} ({self.cpu_seconds * 1000 / len(ms):.1f} ms/request)"
        return (
            f"| {self.target} | {len(ms):,} | {len(ms) / self.seconds:.1f} | "
            f"{percentile(ms, 0.5):,.0f} | {percentile(ms, 0.95):,.0f} | "
            f"{percentile(ms, 0.99):,.0f} | {sum(self.errors.values()):,} | {rss} | {cpu} |"
        )


Sample = tuple[float, float, str, str]  # start (epoch s), latency ms, operation, error or ""


def start_locust(
    url: str, plan_path: Path, args: argparse.Namespace, logs: Path, name: str
) -> subprocess.Popen[bytes]:
    """Locust, headless, against `url` (its output in `logs`)."""
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--host", url, "--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
    command += ["--run-time", f"{args.seconds}s", "--only-summary", "--loglevel", "WARNING"]
    command += ["--exit-code-on-error", "0", "--plan", str(plan_path)]
    command += ["--samples", str(logs / f"{name}-samples.json")]
    with (logs / f"{name}-locust.log").open("wb") as output:
        return subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)


def finish_locust(proc: subprocess.Popen[bytes], logs: Path, name: str) -> list[Sample]:
    """Every request's figures, once locust has ended."""
    if proc.wait() != 0:
        raise RuntimeError(f"locust failed: see {logs / f'{name}-locust.log'}")
    rows = json.loads((logs / f"{name}-samples.json").read_text())
    return [(float(start), float(ms), str(op), str(error)) for start, ms, op, error in rows]


def figures_of(target: str, samples: list[Sample]) -> Figures:
    if not samples:
        raise RuntimeError(f"no request reached {target}")
    started = min(s[0] for s in samples)
    ended = max(s[0] + s[1] / 1000 for s in samples)
    errors = Counter(s[3] for s in samples if s[3])
    return Figures(target, [s[1] for s in samples], ended - started, errors)


def load_service(
    plan_path: Path, pid: int, url: str, args: argparse.Namespace, logs: Path
) -> tuple[Figures, list[Sample]]:
    """The load against the service, sampling its RSS each second."""
    rss = [status_kib(pid, "VmRSS")]
    cpu_before = cpu_seconds(pid)
    proc = start_locust(url, plan_path, args, logs, "service")
    while proc.poll() is None:
        time.sleep(1)
        rss.append(status_kib(pid, "VmRSS"))
    samples = finish_locust(proc, logs, "service")
    figures = figures_of("Job Monitor", samples)
    figures.rss_mib = (rss[0] / 1024, rss[-1] / 1024, max(rss) / 1024)
    figures.cpu_seconds = cpu_seconds(pid) - cpu_before
    return figures, samples


def describe_tree(tree: Path) -> str:
    def git(*command: str) -> str:
        done = subprocess.run(["git", "-C", str(tree), *command], capture_output=True, text=True)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{tree} at {git('rev-parse', '--short', 'HEAD')}" + (
        " with uncommitted changes" if changed else ""
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=int, default=60, help="length of each load")
    parser.add_argument("--spawn-rate", type=float, default=50, help="clients started per second")
    parser.add_argument("--tree", type=Path, default=REPO_ROOT, help="checkout to run")
    parser.add_argument("--serve-baseline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline is not None:
        serve_baseline(args.serve_baseline, args.port)
        return 0

    tree: Path = args.tree.resolve()
    logs = Path(tempfile.mkdtemp(prefix="job-monitor-load-"))
    plan_path = logs / "plan.json"
    load_before = os.getloadavg()[0]
    workspace_port, service_port, baseline_port = free_port(), free_port(), free_port()
    workspace_url = f"http://127.0.0.1:{workspace_port}"
    service_url = f"http://127.0.0.1:{service_port}"
    python = sys.executable
    workspace_args = [python, "-m", "job_monitor", "local-workspace", "--port", str(workspace_port)]
    # Its writable catalog in a directory of its own: `make run` may hold the default one.
    workspace_args += ["--state-dir", tempfile.mkdtemp(prefix="job-monitor-bench-state-")]
    service_args = [python, "-m", "job_monitor", "serve", "--port", str(service_port)]
    service_env = clean_env(tree, DATABRICKS_HOST=workspace_url, JOB_MONITOR_MODE="local", **SP_ENV)
    with (
        process(
            workspace_args,
            tree,
            clean_env(tree),
            logs / "workspace.log",
            f"{workspace_url}/_local/stats",
            timeout=3600,
        ),
        process(
            service_args, tree, service_env, logs / "service.log", f"{service_url}/api/health", 60
        ) as service,
        httpx.Client(base_url=service_url, timeout=300) as http,
    ):
        wait_until_ready(http)
        plan = plan_requests(http)
        plan_path.write_text(json.dumps({"requests": plan}))
        figures, samples = load_service(plan_path, service.pid, service_url, args, logs)
    baseline_args = [python, str(Path(__file__).resolve()), "--serve-baseline", str(plan_path)]
    baseline_args += ["--port", str(baseline_port)]
    baseline_url = f"http://127.0.0.1:{baseline_port}"
    with process(
        baseline_args,
        REPO_ROOT,
        dict(os.environ),
        logs / "baseline.log",
        f"{baseline_url}/api/health",
        60,
    ):
        proc = start_locust(baseline_url, plan_path, args, logs, "baseline")
        baseline = figures_of(
            "same bytes from plain FastAPI", finish_locust(proc, logs, "baseline")
        )

    print(
        f"Load: {args.users} clients for {args.seconds} s each (spawn {args.spawn_rate:g}/s), "
        f"the SPA's queries as alice, bob and carol ({len(plan)} requests in the plan)"
    )
    print(f"service: {describe_tree(tree)}")
    print(
        f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        "| target | requests | requests/s | p50 ms | p95 ms | p99 ms | errors "
        "| service RSS MiB start → end | service CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(figures.row())
    print(baseline.row())
    print("\nJob Monitor per operation\n")
    print("| operation | share | requests | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for operation, share in MIX.items():
        ms = [s[1] for s in samples if s[2] == operation]
        failed = sum(1 for s in samples if s[2] == operation and s[3])
        if ms:
            print(
                f"| {operation} | {share:.0%} | {len(ms):,} | {percentile(ms, 0.5):,.0f} | "
                f"{percentile(ms, 0.95):,.0f} | {percentile(ms, 0.99):,.0f} | {failed:,} |"
            )
    for target in (figures, baseline):
        for error, count in target.errors.most_common(5):
            print(f"{target.target}: {count} x {error[:300]}")
    print(f"\nlogs: {logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
