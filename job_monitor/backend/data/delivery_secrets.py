"""Delivery settings kept in a Databricks secret scope, for the scheduled jobs: a job task has no
environment of its own, so its SMTP password and Slack webhook (and the addresses beside them) are
read through the Secrets API as the identity the job runs as."""

from __future__ import annotations

import base64
from functools import partial

from databricks.sdk import WorkspaceClient

from job_monitor.backend.data.offload import call_sdk
from job_monitor.backend.data.sdk_errors import upstream_errors
from job_monitor.backend.domain.errors import Upstream


async def read_delivery_secrets(
    client: WorkspaceClient, scope: str, keys: list[str]
) -> dict[str, str]:
    """The values of those `keys` the scope holds (absent keys are left out)."""
    with upstream_errors(Upstream.WORKSPACE):
        listed = await call_sdk(lambda: list(client.secrets.list_secrets(scope)))
        present = {secret.key for secret in listed if secret.key} & set(keys)
        found: dict[str, str] = {}
        for key in sorted(present):
            secret = await call_sdk(partial(client.secrets.get_secret, scope, key))
            if secret.value is not None:
                found[key] = base64.b64decode(secret.value).decode()
    return found
