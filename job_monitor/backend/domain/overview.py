"""What the overview speaks of beyond job health: failures grouped by how runs ended."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TerminationCodeFailures:
    """Failed runs with one termination code (None when the run recorded none), over `jobs` jobs."""

    termination_code: str | None
    failed: int
    jobs: int
