"""Alerts benchmark: latency of `alerts` and `budgets`, cold and warm, and SQL per request.

The harness of `cost.py` (whose helpers it imports): for each workspace size (the demo, 300 jobs x
90 days, and the scale, 10,000 jobs x 365 days) the local workspace runs as its own process and
the service in this process, and for

* `alerts(first: 100)`: every rule over every job alice sees (failure streaks over 30 days, health
  over 7, SLA over 24 hours, cost anomalies, zombie jobs, over-provisioned jobs, runs going now,
  budgets) and the acknowledgements, with each alert's job and run,
* `alerts(filter: {severities: [P1]})`, the sidebar's count,
* `budgets` with one budget set per team (set before measuring, through `setBudget`),

asked as alice, it reports the p50 and p99 latency with every service cache empty ("cold"), from
cache ("warm") and warm while a minute turns ("rollover"), the SQL statements each cold request
issued and the slowest of them, beside plain FastAPI returning the bytes of the first page of
alerts.

    .venv/bin/python benchmarks/alerts.py [--cold 7] [--warm 50] [--sizes demo scale]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx
from cost import measure_operations, print_table
from job_health import SIZES, Figures, percentile

ALERTS = """
query Alerts { alerts(first: 100) { __typename ... on AlertConnection {
  totalCount acknowledgedCount bySeverity { severity count }
  nodes { id severity kind title detail remediation firstSeenAt magnitude
          job { jobId name } run { runId } acknowledgement { by until silencing } }
} } }
"""
P1_COUNT = """
query P1 { alerts(filter: {severities: [P1]}, first: 1) { __typename ... on AlertConnection {
  totalCount
} } }
"""
BUDGETS = """
query Budgets { budgets { __typename ... on BudgetList { nodes {
  scope { kind team jobId } monthlyUsd monthToDateUsd forecastUsd status jobIds
} } } }
"""
OPERATIONS = {
    "alerts(first: 100)": ALERTS,
    "alerts(P1) count": P1_COUNT,
    "budgets": BUDGETS,
}
EXPECTED = ("AlertConnection", "BudgetList")


TEAMS = """
query Teams { costs(groupBy: TEAM) { ... on CostBreakdown { groups { key listCostUsd } } } }
"""
SET_BUDGET = """
mutation Budget($team: String!, $usd: Float!) {
  setBudget(scope: {team: $team}, monthlyUsd: $usd) { __typename }
}
"""


def team_budgets(http: httpx.Client) -> None:
    """A budget per team at half its last 30 days' spend: some breached, some on pace to be."""
    alice = {"X-Forwarded-Access-Token": "local-alice"}
    groups = http.post("/api/graphql", json={"query": TEAMS}, headers=alice).json()
    for group in groups["data"]["costs"]["groups"]:
        if not group["key"]:
            continue
        variables = {"team": group["key"], "usd": max(1.0, group["listCostUsd"] / 2)}
        body = {"query": SET_BUDGET, "variables": variables}
        answer = http.post("/api/graphql", json=body, headers=alice).json()
        if answer["data"]["setBudget"]["__typename"] != "BudgetSet":
            raise RuntimeError(f"setBudget failed: {answer}")


def shape(answer: dict[str, Any]) -> str:
    if answer["__typename"] == "BudgetList":
        return f"{len(answer['nodes'])} budgets"
    counts = ", ".join(f"{c['severity']} {c['count']}" for c in answer.get("bySeverity", []))
    return f"{answer['totalCount']} alerts" + (f" ({counts})" if counts else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", type=int, default=7, help="cold samples per operation")
    parser.add_argument("--warm", type=int, default=50, help="warm samples per operation")
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["demo", "scale"])
    args = parser.parse_args()
    rows: list[tuple[Figures, str, str]] = []
    for size in args.sizes:
        rows.extend(
            measure_operations(
                size, args.cold, args.warm, OPERATIONS, EXPECTED, ALERTS, shape, team_budgets
            )
        )
    print_table(f"Alerts API, {args.cold} cold / {args.warm} warm samples per operation (ms)", rows)
    for size in args.sizes:
        of_size = [f for f, _, _ in rows if f.size == size]
        page = next(f for f in of_size if f.operation == "alerts(first: 100)")
        plain = next(f for f in of_size if f.operation.startswith("same bytes"))
        ratio = percentile(page.warm_ms, 0.5) / percentile(plain.warm_ms, 0.5)
        print(
            f"{size} ({SIZES[size][0]:,} jobs x {SIZES[size][1]} days): warm page of 100 alerts "
            f"p50 = {ratio:.1f}x plain FastAPI with the same bytes; cold p50 "
            f"{percentile(page.cold_ms, 0.5):.0f} ms, p99 {percentile(page.cold_ms, 0.99):.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
