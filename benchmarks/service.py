"""Service benchmark: throughput and latency of the GraphQL service against the local workspace.

Starts the local workspace and two services as separate processes (so the load generator does not
share a GIL with them): one as configured by default, one with the identity cache off. Reports
requests/second and p50/p99 for the dashboard query and for `GET /api/health` at 1, 10 and 50
concurrent clients, and what resolving the viewer costs per request, cold (SCIM Me every time)
versus from the identity cache.

    .venv/bin/python benchmarks/service.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = (
    "query Dashboard { viewer { __typename ... on Viewer { userName email displayName groups "
    "isAdmin authMode } } health { status } }"
)
VIEWER = "query Viewer { viewer { __typename ... on Viewer { userName } } }"
CONCURRENCY = (1, 10, 50)
SCIM_ME = "GET /api/2.0/preview/scim/v2/Me"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[None]:
    proc = subprocess.Popen(
        args, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JOB_MONITOR_"))}
    env.update(extra)
    return env


@dataclass(frozen=True)
class Result:
    name: str
    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    def row(self) -> str:
        return (
            f"| {self.name} | {self.concurrency} | {self.rps:8.1f} | "
            f"{self.percentile(0.5):7.2f} | {self.percentile(0.99):7.2f} | {self.requests} |"
        )


class Connection:
    """A minimal HTTP/1.1 keep-alive client: httpx costs more CPU per request than the service's
    `/api/health` does, and would measure itself instead of the service."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer)

    async def request(self, raw: bytes) -> int:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def raw_request(url: str, query: str | None, token: str | None = None) -> bytes:
    host = url.removeprefix("http://")
    if query is None:
        return f"GET /api/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    body = json.dumps({"query": query}).encode()
    auth = f"X-Forwarded-Access-Token: {token}\r\n" if token else ""
    head = (
        f"POST /api/graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{auth}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def load(url: str, name: str, concurrency: int, seconds: float, query: str | None) -> Result:
    raw = raw_request(url, query)
    connections = [await Connection.open(url) for _ in range(concurrency)]
    for connection in connections:  # warm connections and caches
        assert await connection.request(raw) == 200
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(connection: Connection) -> None:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            assert await connection.request(raw) == 200
            latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - began
    for connection in connections:
        connection.close()
    return Result(name, concurrency, len(latencies), elapsed, latencies)


async def viewer_cost(
    cold_url: str, cached_url: str, requests: int, token: str
) -> dict[str, list[float]]:
    """Alternates between the two services, so load drift on the machine hits both alike."""
    targets = {"cold (cache off)": cold_url, "identity-cache hit": cached_url}
    connections = {label: await Connection.open(url) for label, url in targets.items()}
    raws = {label: raw_request(url, VIEWER, token) for label, url in targets.items()}
    latencies: dict[str, list[float]] = {label: [] for label in targets}
    for _ in range(requests):
        for label, connection in connections.items():
            started = time.perf_counter()
            assert await connection.request(raws[label]) == 200
            latencies[label].append((time.perf_counter() - started) * 1000)
    for connection in connections.values():
        connection.close()
    return latencies


def scim_me_calls(workspace: str) -> int:
    stats = httpx.get(f"{workspace}/_local/stats").json()
    calls: int = stats["requests"]["by_route"].get(SCIM_ME, 0)
    return calls


async def run(seconds: float, viewer_requests: int) -> None:
    workspace_port, cached_port, cold_port = free_port(), free_port(), free_port()
    workspace = f"http://127.0.0.1:{workspace_port}"
    cached, cold = f"http://127.0.0.1:{cached_port}", f"http://127.0.0.1:{cold_port}"
    python = sys.executable
    serve = [python, "-m", "job_monitor", "serve", "--port"]
    service_env = {"DATABRICKS_HOST": workspace, "JOB_MONITOR_LOG_LEVEL": "WARNING"}
    with (
        process(
            [
                *(python, "-m", "job_monitor", "local-workspace", "--port", str(workspace_port)),
                *("--state-dir", tempfile.mkdtemp(prefix="job-monitor-bench-state-")),
            ],
            clean_env(),
        ),
        process([*serve, str(cached_port)], clean_env(**service_env)),
        process(
            [*serve, str(cold_port)],
            clean_env(**service_env, JOB_MONITOR_IDENTITY_CACHE_SECONDS="0"),
        ),
    ):
        for url in (workspace + "/.well-known/databricks-config", cached, cold):
            wait_until_up(url)
        print(f"against the local workspace; {seconds:g} s per row, one connection per client")
        print("| request | clients | req/s | p50 ms | p99 ms | requests |")
        print("|---|---|---|---|---|---|")
        for concurrency in CONCURRENCY:
            result = await load(cached, "dashboard query", concurrency, seconds, DASHBOARD)
            print(result.row(), flush=True)
        for concurrency in CONCURRENCY:
            result = await load(cached, "GET /api/health", concurrency, seconds, None)
            print(result.row(), flush=True)

        print(f"\nviewer resolution, {viewer_requests} sequential `viewer` queries as local-bob")
        before = scim_me_calls(workspace)
        measured = await viewer_cost(cold, cached, viewer_requests, "local-bob")
        print(f"(SCIM Me calls made: {scim_me_calls(workspace) - before}, one per cold request)")
        print("| identity | p50 ms | p99 ms |")
        print("|---|---|---|")
        for label, latencies in measured.items():
            ordered = sorted(latencies)
            p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
            print(f"| {label} | {statistics.median(latencies):.2f} | {p99:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each load row")
    parser.add_argument("--viewer-requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.viewer_requests))


if __name__ == "__main__":
    main()
