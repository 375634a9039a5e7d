"""Hostile documents over real HTTP (issue 9, "Hostile traffic cannot stall the service").

A few hundred bytes of chained fragments used to hold the event loop for seconds to minutes while
the depth check expanded every spread again. Now each is refused with a typed error in
milliseconds, and while a hostile client keeps sending the worst documents, `/api/health` and an
ordinary `overview` query from another client answer in about their usual time.

Time bounds are generous (a loaded two-core CI machine runs these beside other tests); the
behaviour they guard against took 10 s and more per document. `pytest -o log_cli=true
--log-cli-level=INFO` shows the measured figures.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from job_monitor.backend.app import RunningService
from tests.integration.backend.http import GRAPHQL
from tests.unit.graphql.documents import (
    BODY_LIMIT_BYTES,
    BODY_SIZE_DOCUMENT,
    THREE_SPREADS_24_LEVELS,
    TWO_SPREADS_20_LEVELS,
    expanded_fields,
    fresh,
)

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]
GRAPHQL_RESPONSE = "application/graphql-response+json"
OVERVIEW = """
query Overview($window: Window!) {
  overview(window: $window) {
    __typename
    ... on Overview {
      runs succeeded failed successRate activeNow queuedNow jobsInFailingStreak
      daily { date runs failed }
      failuresByTerminationCode { terminationCode failed jobs }
      topFailingJobs(limit: 10) {
        failed runs job { jobId name health(window: $window) { priority } }
      }
    }
    ... on Error { message code }
  }
}
"""
REFUSAL_BUDGET_SECONDS = 1.0
# Under attack, the median request may take this many times its usual (median) time, or this
# floor; the slowest one four times that.
SLOWDOWN_FACTOR = 10.0
SLOWDOWN_FLOOR_SECONDS = 0.5
ATTACKING_CLIENTS = 2
ATTACKER = "tests.integration.hostile.attacker"


def post(http: httpx.Client, document: str, **variables: Any) -> httpx.Response:
    return http.post(
        GRAPHQL,
        json={"query": document, "variables": variables},
        headers={"Accept": GRAPHQL_RESPONSE},
    )


@pytest.fixture
def http(hostile_service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile_service.url, timeout=120) as client:
        yield client


@pytest.mark.parametrize(
    ("document", "levels", "spreads"),
    [(TWO_SPREADS_20_LEVELS, 20, 2), (THREE_SPREADS_24_LEVELS, 24, 3)],
    ids=["2-spreads-20-levels", "3-spreads-24-levels"],
)
def test_chained_fragment_document_is_refused_in_linear_time(
    http: httpx.Client, document: str, levels: int, spreads: int
) -> None:
    # when a client sends a document of chained fragments no cache has seen
    started = time.perf_counter()
    response = post(http, fresh(document))
    elapsed = time.perf_counter() - started
    # then a typed request error: no data, the limit and what the document came to
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "MAX_FIELDS_EXCEEDED",
        "limit": 2000,
        "measured": expanded_fields(levels, spreads),
    }
    logger.info("%d spreads x %d levels refused in %.1f ms", spreads, levels, elapsed * 1000)
    assert elapsed < REFUSAL_BUDGET_SECONDS


def test_document_at_the_body_size_limit_is_refused_quickly(http: httpx.Client) -> None:
    # given a chain of fragments as long as a request body may be
    document = fresh(BODY_SIZE_DOCUMENT)
    size = len(httpx.Request("POST", "/", json={"query": document}).content)
    assert BODY_LIMIT_BYTES - 200 < size <= BODY_LIMIT_BYTES
    # when
    started = time.perf_counter()
    response = post(http, document)
    elapsed = time.perf_counter() - started
    # then the parser stops at the token limit
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "MAX_TOKENS_EXCEEDED", "limit": 4000, "measured": 4001}
    logger.info("a %d-byte document refused in %.1f ms", size, elapsed * 1000)
    assert elapsed < REFUSAL_BUDGET_SECONDS


class Attacker:
    """`tests/integration/hostile/attacker.py` in a process of its own, sending the worst
    documents to the service until it is told to stop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.statuses: dict[str, int] = {}

    def __enter__(self) -> Attacker:
        self.process = subprocess.Popen(
            [sys.executable, "-m", ATTACKER, self.url, str(ATTACKING_CLIENTS)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "started"
        return self

    def __exit__(self, *_: object) -> None:
        try:
            output, _errors = self.process.communicate(input="", timeout=120)
            self.statuses = json.loads(output.strip().splitlines()[-1])
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def timings(call: Callable[[], None], times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def test_health_and_overview_answer_while_worst_documents_are_sent(
    http: httpx.Client, hostile_service: RunningService
) -> None:
    def health() -> None:
        assert http.get("/api/health").json()["status"] == "ok"

    def overview() -> None:
        response = post(http, OVERVIEW, window="LAST_7_DAYS")
        assert response.json()["data"]["overview"]["__typename"] == "Overview", response.text

    # given the usual time of each, alone (warmed up: caches filled, warehouse running)
    deadline = time.monotonic() + 120
    while "Overview" not in post(http, OVERVIEW, window="LAST_7_DAYS").text:
        assert time.monotonic() < deadline, "the overview never answered"
        time.sleep(0.5)
    health_alone, overview_alone = timings(health, 20), timings(overview, 8)
    # when a hostile client sends the worst documents meanwhile
    with Attacker(hostile_service.url) as attacker:
        health_attacked, overview_attacked = timings(health, 20), timings(overview, 8)
    # then both still answer in about their usual time
    for name, alone, attacked in (
        ("health", health_alone, health_attacked),
        ("overview", overview_alone, overview_attacked),
    ):
        budget = max(SLOWDOWN_FACTOR * statistics.median(alone), SLOWDOWN_FLOOR_SECONDS)
        logger.info(
            "%s: alone median %.1f ms; attacked median %.1f ms, max %.1f ms (budget %.0f ms)",
            name,
            statistics.median(alone) * 1000,
            statistics.median(attacked) * 1000,
            max(attacked) * 1000,
            budget * 1000,
        )
        assert statistics.median(attacked) < budget, (name, alone, attacked)
        assert max(attacked) < 4 * budget, (name, alone, attacked)
    # and every hostile document was refused as a request error, none failed the service
    logger.info("hostile documents answered meanwhile: %s", attacker.statuses)
    assert attacker.statuses
    assert set(attacker.statuses) == {"400"}
