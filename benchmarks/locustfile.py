"""The load of `benchmarks/load.py`: SPA users asking the SPA's queries back to back.

Not run alone: `load.py` writes the plan (every request a user may send, with its share of the
mix, as alice, bob and carol) and starts locust on this file, headless, with `--plan PATH` and
`--samples PATH`, where every request's start, latency and error (if any) are written at the end
(load.py computes the exact percentiles from them, not locust's rounded buckets). Each
simulated user is one of the three people in turn and sends the plan's requests for that person,
drawn by their weights, with no pause between them (a closed loop: the figures are throughput).

An answer counts as an error unless it is HTTP 200, JSON without `errors`, and the typed result the
page needs (`Overview`, `JobConnection`, `ActiveRuns`, `Viewer`, or a health status).
"""

from __future__ import annotations

import itertools
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment

GRAPHQL = "/api/graphql"
TOKEN_HEADER = "X-Forwarded-Access-Token"


# (start time, seconds since the epoch; latency ms; operation; error or "")
SAMPLES: list[tuple[float, float, str, str]] = []


def _arguments(parser: LocustArgumentParser) -> None:
    parser.add_argument("--plan", default="", help="the request plan load.py wrote (JSON)")
    parser.add_argument("--samples", default="", help="where to write every request's figures")


def _record(
    name: str, response_time: float, exception: BaseException | None, start_time: float, **_: Any
) -> None:
    SAMPLES.append((start_time, response_time, name, "" if exception is None else str(exception)))


def _write_samples(environment: Environment, **_: Any) -> None:
    if environment.parsed_options is not None:
        Path(environment.parsed_options.samples).write_text(json.dumps(SAMPLES))


# locust's `EventHook.add_listener` has no annotations.
events.init_command_line_parser.add_listener(_arguments)  # type: ignore[no-untyped-call]
events.request.add_listener(_record)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_write_samples)  # type: ignore[no-untyped-call]


@cache
def load_plan(path: str) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = json.loads(Path(path).read_text())["requests"]
    return requests


def answered(operation: str, expect: str, body: bytes) -> str | None:
    """Why the answer is not what the page needs, or None."""
    try:
        payload = json.loads(body)
    except ValueError:
        return f"{operation}: not JSON: {body[:200]!r}"
    if payload.get("errors"):
        return f"{operation}: {json.dumps(payload['errors'])[:300]}"
    answer = next(iter((payload.get("data") or {}).values()), None)
    if not isinstance(answer, dict):
        return f"{operation}: no data: {body[:200]!r}"
    got = answer.get("__typename", "") if expect else answer.get("status", "")
    if (expect and got != expect) or (not expect and not got):
        return f"{operation}: {got or 'nothing'} instead of {expect or 'a status'}"
    return None


class SpaUser(FastHttpUser):
    wait_time = constant(0)
    _people = itertools.count()

    def on_start(self) -> None:
        plan = load_plan(self.environment.parsed_options.plan)
        tokens = sorted({request["token"] for request in plan})
        number = next(SpaUser._people)
        self.token = tokens[number % len(tokens)]
        self.requests = [request for request in plan if request["token"] == self.token]
        self.weights = [float(request["weight"]) for request in self.requests]
        self.random = random.Random(number)  # a load mix, not a secret

    @task
    def ask(self) -> None:
        (request,) = self.random.choices(self.requests, weights=self.weights)
        with self.client.post(
            GRAPHQL,
            data=request["body"],
            headers={"Content-Type": "application/json", TOKEN_HEADER: self.token},
            name=request["operation"],
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{request['operation']}: HTTP {response.status_code}")
                return
            problem = answered(request["operation"], request["expect"], response.content or b"")
            if problem is not None:
                response.failure(problem)
