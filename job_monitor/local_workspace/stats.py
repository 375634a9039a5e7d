"""Request and SQL statement counters, so tests and benchmarks can count what a client asked for."""

import threading
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from job_monitor.local_workspace.auth import LoopbackOnly

ADMIN_PREFIX = "/_local/"


def normalise_statement(text: str) -> str:
    """One key per query shape: whitespace and a trailing semicolon do not make a new statement."""
    return " ".join(text.split()).rstrip(";").rstrip()


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._statements: Counter[str] = Counter()

    def count_request(self, route: str) -> None:
        with self._lock:
            self._requests[route] += 1

    def count_statement(self, text: str) -> None:
        with self._lock:
            self._statements[normalise_statement(text)] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": {
                    "total": self._requests.total(),
                    "by_route": dict(self._requests),
                },
                "statements": {
                    "total": self._statements.total(),
                    "by_text": dict(self._statements),
                },
            }

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._statements.clear()


class StatsMiddleware:
    """Counts every request under its route template, including the ones a fault answers.

    Counting happens after the inner app ran because FastAPI only records the matched route then.
    """

    def __init__(self, app: ASGIApp, stats: Stats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and not scope["path"].startswith(ADMIN_PREFIX):
                route = scope.get("route")
                template = getattr(route, "path", "(no route)")
                self.stats.count_request(f"{scope['method']} {template}")


def get_stats(request: Request) -> Stats:
    stats: Stats = request.app.state.stats
    return stats


router = APIRouter(prefix="/_local/stats", dependencies=[LoopbackOnly])


@router.get("")
async def read_stats(stats: Annotated[Stats, Depends(get_stats)]) -> dict[str, Any]:
    return stats.snapshot()


@router.post("/reset")
async def reset_stats(stats: Annotated[Stats, Depends(get_stats)]) -> dict[str, Any]:
    stats.reset()
    return stats.snapshot()
