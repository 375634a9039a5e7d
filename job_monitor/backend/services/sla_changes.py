"""Setting and clearing a job's SLA target: its `RUN_DURATION_SECONDS` health rule, written through
the Jobs API.

Apps gives user tokens no `jobs` scope, so the app's service principal writes — and only after the
job's ACL, read now (not the cached index), shows that the viewer holds CAN_MANAGE or IS_OWNER.
In order, a change answers:
- `InvalidFilterError` for a target that is not a positive, sane number of seconds;
- `NotFoundError` for a job the viewer may not see (as for one that does not exist);
- `PermissionDeniedError` (VIEWER) when the viewer may see the job but not manage it;
- `BundleManagedJobError` for a job a bundle deploys (its next deploy would erase the target);
- `PermissionDeniedError` (APP) when the service principal lacks CAN_MANAGE on the job;
- else the change, after one read of the job (`jobs/get`) and one write of its whole `health` field
  (every other rule as it was). An unchanged target writes nothing.

Each applied change is one structured audit line on the `job_monitor.audit` logger. The answer
cache never keeps a mutation's answer (its Jobs API calls are untracked reads); `Job.sla.
targetSeconds` comes from `system.lakeflow.jobs`; until the job's new row is there, this replica
shows the target it wrote over the catalog (`WrittenTargets`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from job_monitor.backend.domain.errors import (
    BundleManagedJobError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from job_monitor.backend.domain.identity import Identity
from job_monitor.backend.domain.sla_changes import (
    EDIT_LEVELS,
    SlaChange,
    SlaEditAccess,
    WrittenTarget,
    may_edit,
    rules_with_target,
    valid_target,
)
from job_monitor.backend.services.session import Session

audit = logging.getLogger("job_monitor.audit")


async def set_job_sla(session: Session, job_id: int, target_seconds: int) -> SlaChange:
    """Sets the job's run-duration target to `target_seconds`."""
    return await _change(session, job_id, valid_target(target_seconds))


async def clear_job_sla(session: Session, job_id: int) -> SlaChange:
    """Removes the job's run-duration target (its other health rules stay)."""
    return await _change(session, job_id, None)


async def viewer_may_manage(session: Session, job_id: int) -> tuple[Identity, bool]:
    """The viewer, and whether the job's ACL, read now, lets them manage it; `NotFoundError` for
    a job they may not see."""
    viewer = await session.viewer()
    if viewer is None:
        raise UnauthenticatedError()
    if not (await session.visible()).contains(job_id):
        raise NotFoundError("job", job_id)
    return viewer, may_edit(viewer, await session.services.jobs_api.job_access(job_id))


async def sla_editability(session: Session, job_id: int) -> SlaEditAccess:
    """What `set_job_sla` would say about the viewer and the job, without writing: the job's ACL
    (one Jobs API call) and, when the viewer may manage it, its deployment (one more)."""
    _, allowed = await viewer_may_manage(session, job_id)
    jobs = session.services.jobs_api
    if not allowed:
        return SlaEditAccess(
            False, "Changing the SLA target needs CAN_MANAGE or IS_OWNER on the job."
        )
    job = await jobs.job_health(job_id)
    if job.bundle_managed:
        return SlaEditAccess(
            False,
            "A bundle deploys this job: set the target in the bundle, or its next deploy "
            "erases it.",
        )
    return SlaEditAccess(True)


async def _change(session: Session, job_id: int, target_seconds: int | None) -> SlaChange:
    viewer, allowed = await viewer_may_manage(session, job_id)
    jobs = session.services.jobs_api
    if not allowed:
        raise PermissionDeniedError(
            f"Changing the SLA target of job {job_id} needs CAN_MANAGE or IS_OWNER on the job; "
            f"{viewer.user_name} holds neither. Ask the job's owner for CAN_MANAGE.",
            principal="VIEWER",
            required=tuple(sorted(EDIT_LEVELS)),
        )
    job = await jobs.job_health(job_id)
    if job.bundle_managed:
        raise BundleManagedJobError(job_id, job.bundle_metadata_path)
    change = SlaChange(job_id, job.target_seconds, target_seconds)
    if change.changed:
        # From before the write: the job's new catalog row is stamped at or after it.
        write = WrittenTarget(target_seconds, datetime.now(UTC))
        await jobs.update_job_health(job_id, rules_with_target(job.rules, target_seconds))
        session.services.written_targets.record(job_id, write)
        session.services.alert_lists.clear()
    audit.info(
        "job SLA target %s by %s on job %s: %s -> %s (request %s)",
        "changed" if change.changed else "unchanged",
        viewer.user_name,
        job_id,
        change.previous_target_seconds,
        change.target_seconds,
        session.request_id,
        extra={
            "audit": "job_sla",
            "actor": viewer.user_name,
            "job_id": job_id,
            "old_target_seconds": change.previous_target_seconds,
            "new_target_seconds": change.target_seconds,
            "changed": change.changed,
            "request_id": session.request_id,
        },
    )
    return change
