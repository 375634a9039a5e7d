"""A hostile client in a process of its own, as an attacker's would be: sends the worst documents
(each behind a fresh comment, so no cache helps) until its stdin closes.

Prints `started` once the first answer came back, and at the end how the documents were answered
(a JSON object: HTTP status -> count).

    python -m tests.integration.hostile.attacker http://127.0.0.1:8000 2
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter

import httpx

from tests.unit.graphql.documents import WORST_DOCUMENTS, fresh

GRAPHQL = "/api/graphql"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def attack(url: str, clients: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    stop = threading.Event()
    first_answer = threading.Event()

    def send() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while not stop.is_set():
                for document in WORST_DOCUMENTS:
                    response = http.post(
                        GRAPHQL,
                        json={"query": fresh(document)},
                        headers={"Accept": GRAPHQL_RESPONSE},
                    )
                    statuses[response.status_code] += 1
                    first_answer.set()

    threads = [threading.Thread(target=send, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    first_answer.wait(timeout=60)
    sys.stdout.write("started\n")
    sys.stdout.flush()
    sys.stdin.read()  # until the test is done
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


if __name__ == "__main__":
    counts = attack(sys.argv[1], int(sys.argv[2]))
    sys.stdout.write(json.dumps({str(status): n for status, n in counts.items()}) + "\n")
