"""`job-monitor`: serve the app, run the local workspace alone, export the GraphQL schema, send a
report, send new alerts."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from job_monitor.backend.config import Settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from job_monitor.backend.delivery import ChannelKind
    from job_monitor.backend.domain.reports import ReportKind
    from job_monitor.backend.services.session import Session
    from job_monitor.local_workspace.server import LocalWorkspace

T = TypeVar("T")

DEFAULT_PORT = 8000
GRACEFUL_SHUTDOWN_SECONDS = 2
"""On SIGTERM, requests still running after this are cancelled: the service is gone within five
seconds whatever it was doing (a Databricks App is restarted or redeployed this way)."""


def listen_port(settings: Settings, cli_port: int) -> int:
    """Databricks Apps tells the app where to listen (DATABRICKS_APP_PORT); that wins."""
    return settings.port or cli_port


def with_local_workspace(settings: Settings, host: str) -> Settings:
    """Settings pointed at a local workspace started in-process: its host and, unless given, its
    well-known service principal, so both modes share one path (OAuth client credentials)."""
    from pydantic import SecretStr

    from job_monitor.local_workspace.principals import SP_CLIENT_ID, SP_CLIENT_SECRET

    update: dict[str, object] = {"host": host}
    if settings.client_id is None and settings.client_secret is None:
        update |= {"client_id": SP_CLIENT_ID, "client_secret": SecretStr(SP_CLIENT_SECRET)}
    return settings.model_copy(update=update)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from job_monitor.backend.app import create_app
    from job_monitor.backend.domain.identity import Mode
    from job_monitor.backend.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    port = listen_port(settings, args.port)
    workspace = None
    if settings.mode is Mode.LOCAL and not settings.host:
        from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions

        workspace = LocalWorkspace(
            LocalWorkspaceOptions(
                seed=settings.local_seed, jobs=settings.local_jobs, days=settings.local_days
            )
        ).start()
        settings = with_local_workspace(settings, workspace.host)
        print(f"local workspace: {workspace.host}", flush=True)
        _deploy_bundle_jobs(workspace)
        _first_sweep_in_background(settings, port)
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host  # noqa: S104
    print(f"Job Monitor ({settings.mode.value} mode): http://{shown_host}:{port}", flush=True)
    try:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=port,
            log_level=settings.log_level.lower(),
            # Logs are ours (configure_logging); uvicorn's access log would double every line.
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    finally:
        if workspace is not None:
            workspace.stop()
    sys.stdout.flush()
    sys.stderr.flush()
    # A cancelled request may leave an SDK call running in a worker thread until its own HTTP
    # timeout; the interpreter would wait for it at exit. Nothing is left to do: leave now.
    os._exit(0)


def _deploy_bundle_jobs(workspace: LocalWorkspace) -> None:
    """The local workspace holds the bundle's jobs, as a deployed workspace does."""
    from job_monitor.local_workspace.bundle import BUNDLE_FILE, deploy_to_local_workspace

    if not BUNDLE_FILE.exists():
        return  # installed without the repository: there is no bundle to deploy
    deployed = deploy_to_local_workspace(workspace.host, workspace.state.options.data_dir)
    print(f"bundle jobs in the local workspace: {', '.join(sorted(deployed))}", flush=True)


def _first_sweep_in_background(settings: Settings, port: int) -> None:
    """The sweep of what jobs write that the bundle's hourly job would have run (the local
    workspace runs no job), so that row-count and schema-drift alerts show without waiting for
    it: once, as the app, beside the service (none when the last one is under an hour old),
    after the service answers: start-up comes first."""
    import asyncio
    import threading
    import time

    import httpx

    from job_monitor.backend.domain.errors import JobMonitorError
    from job_monitor.backend.services.outputs import recent_sweep

    def run() -> None:
        deadline = time.monotonic() + SWEEP_START_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        # The service migrates the state tables as it starts: a sweep that meets that is tried
        # again.
        for attempt in range(1, SWEEP_ATTEMPTS + 1):
            try:
                found = asyncio.run(_as_the_app(settings, "data-sweep", recent_sweep))
            except JobMonitorError as exc:
                print(f"what jobs write was not swept: {exc.message}", file=sys.stderr, flush=True)
                if attempt < SWEEP_ATTEMPTS:
                    time.sleep(SWEEP_RETRY_SECONDS)
                continue
            print(f"swept what jobs write: {len(found.jobs)} jobs to look at", flush=True)
            return

    threading.Thread(target=run, name="first-data-sweep", daemon=True).start()


def _export_schema(args: argparse.Namespace) -> int:
    from job_monitor.backend.graphql.schema import sdl

    output: Path = args.output
    output.write_text(sdl())
    print(f"wrote {output}")
    return 0


SWEEP_START_WAIT_SECONDS = 120.0
SWEEP_ATTEMPTS = 3
SWEEP_RETRY_SECONDS = 10.0
"""How long `make run`'s first sweep waits for the service to answer before it sweeps anyway."""
REPORT_WARM_UP_SECONDS = 600.0
"""How long a report or a dispatch waits for a stopped SQL warehouse: its first statement starts
it, and a scheduled report should be late rather than lost."""
REPORT_WARM_UP_POLL_SECONDS = 5.0
DELIVERY_SECRETS = {
    "smtp-host": "smtp_host",
    "smtp-port": "smtp_port",
    "smtp-security": "smtp_security",
    "smtp-username": "smtp_username",
    "smtp-password": "smtp_password",
    "mail-from": "mail_from",
    "mail-to": "mail_to",
    "slack-webhook-url": "slack_webhook_url",
}
"""Keys of `--secret-scope` and the delivery settings they fill (where the environment left them
unset): a scheduled job has no environment of its own to hold them."""


def _scheduled_settings(args: argparse.Namespace) -> Settings:
    """The settings of a report or dispatch: with `--workspace-url`, in a Databricks job, that
    workspace, authenticated as the identity the run executes as."""
    settings = Settings()
    if args.workspace_url:
        settings = settings.model_copy(update={"host": args.workspace_url, "job_identity": True})
    return settings


def _report(args: argparse.Namespace) -> int:
    import asyncio

    from job_monitor.backend.delivery import ChannelKind
    from job_monitor.backend.domain.reports import ReportKind
    from job_monitor.backend.logging import configure_logging

    settings = _scheduled_settings(args)
    configure_logging(settings.log_level)
    settings, workspace = _local_workspace_if_needed(settings)
    try:
        return asyncio.run(
            _send_report(
                settings,
                args.secret_scope,
                ReportKind[args.kind.upper()],
                args.to or [ChannelKind.FILE.value],
                args.out,
            )
        )
    finally:
        if workspace is not None:
            workspace.stop()


def _local_workspace_if_needed(settings: Settings) -> tuple[Settings, LocalWorkspace | None]:
    """In local mode without a host, the local workspace started in-process (as `serve` does)."""
    from job_monitor.backend.domain.identity import Mode

    if settings.mode is not Mode.LOCAL or settings.host:
        return settings, None
    from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions

    workspace = LocalWorkspace(
        LocalWorkspaceOptions(
            seed=settings.local_seed, jobs=settings.local_jobs, days=settings.local_days
        )
    ).start()
    print(f"local workspace: {workspace.host}", file=sys.stderr, flush=True)
    return with_local_workspace(settings, workspace.host), workspace


async def _with_secrets(settings: Settings, scope: str | None) -> Settings:
    """The settings with the delivery secrets of `scope` filled in where unset (read as the app's
    service principal through the Secrets API)."""
    if not scope:
        return settings
    from job_monitor.backend.core import WorkspaceClients
    from job_monitor.backend.data.delivery_secrets import read_delivery_secrets

    # The environment wins: the scope fills only what it did not set.
    wanted = {
        key: name for key, name in DELIVERY_SECRETS.items() if name not in settings.model_fields_set
    }
    client = await WorkspaceClients(settings).sp.get()
    found = await read_delivery_secrets(client, scope, list(wanted))
    values = {wanted[key]: value for key, value in found.items()}
    return Settings.model_validate({**settings.model_dump(), **values}) if values else settings


async def _send_report(
    settings: Settings,
    secret_scope: str | None,
    kind: ReportKind,
    to: list[str],
    out: Path | None,
) -> int:
    """Build the report for the admins' scope, deliver it to every channel, print how each went:
    0 when every channel got it, 1 when one did not (or the report could not be built), 2 when a
    channel is not configured."""
    from job_monitor.backend.delivery import FileChannel, Message, configured_channels, deliver
    from job_monitor.backend.domain.errors import JobMonitorError
    from job_monitor.backend.services.reports import rendered_report

    settings = await _with_secrets(settings, secret_scope)
    channels, problems = configured_channels(settings, _channel_kinds(settings, to), out)
    if problems or not channels:
        for problem in problems or [NO_CHANNEL]:
            print(f"cannot deliver: {problem}", file=sys.stderr)
        return 2
    try:
        rendered = await _as_the_app(
            settings, f"report-{kind.slug}", lambda session: rendered_report(session, kind)
        )
    except JobMonitorError as exc:
        print(f"the {kind.slug} report could not be built: {exc.message}", file=sys.stderr)
        return 1
    message = Message(rendered.subject, rendered.text, rendered.html, stem=rendered.file_stem)
    outcomes = await deliver(
        message,
        channels,
        attempts=settings.delivery_attempts,
        backoff_seconds=settings.delivery_backoff_seconds,
    )
    print(rendered.subject)
    for channel, outcome in zip(channels, outcomes, strict=True):
        tries = f"{outcome.attempts} attempt{'s' if outcome.attempts > 1 else ''}"
        if not outcome.delivered:
            print(f"  {outcome.channel}: FAILED after {tries}: {outcome.error}")
        elif isinstance(channel, FileChannel):
            written = " and ".join(str(path) for path in channel.paths_for(message))
            print(f"  {outcome.channel}: delivered ({tries}): {written}")
        else:
            print(f"  {outcome.channel}: delivered ({tries})")
    return 0 if all(outcome.delivered for outcome in outcomes) else 1


async def _as_the_app(
    settings: Settings, purpose: str, work: Callable[[Session], Awaitable[T]]
) -> T:
    """`work` over every job, as the app's service principal (the lifespan's pieces: the SDK's
    thread limit, the clients, `JobServices`, closed after), waiting for a warehouse that is
    starting."""
    import asyncio
    import time
    import uuid

    from job_monitor.backend.core import WorkspaceClients, request_id_var
    from job_monitor.backend.data.offload import set_sdk_concurrency
    from job_monitor.backend.domain.errors import WarehouseUnavailableError
    from job_monitor.backend.services.session import JobServices

    set_sdk_concurrency(settings.sdk_concurrency)
    services = JobServices(settings, WorkspaceClients(settings))
    # Sent with every statement and Jobs API call, so the workspace's logs tie them to this run.
    request_id = f"{purpose}-{uuid.uuid4()}"
    request_id_var.set(request_id)
    deadline = time.monotonic() + REPORT_WARM_UP_SECONDS
    try:
        while True:
            try:
                # A new session each try: a session keeps what failed in it.
                return await work(services.workspace_session(request_id))
            except WarehouseUnavailableError as exc:
                if exc.state == "NOT_FOUND" or time.monotonic() >= deadline:
                    raise
                print(f"{exc.message} Waiting for it.", file=sys.stderr, flush=True)
                await asyncio.sleep(REPORT_WARM_UP_POLL_SECONDS)
    finally:
        await services.aclose()


def _sweep(args: argparse.Namespace) -> int:
    """Sweep what every job writes and record it in the state (the bundle's hourly job): 0 when
    recorded, 1 when not."""
    import asyncio

    from job_monitor.backend.domain.errors import JobMonitorError
    from job_monitor.backend.logging import configure_logging
    from job_monitor.backend.services.outputs import sweep

    settings = _scheduled_settings(args)
    configure_logging(settings.log_level)
    settings, workspace = _local_workspace_if_needed(settings)
    try:
        found = asyncio.run(_as_the_app(settings, "data-sweep", sweep))
    except JobMonitorError as exc:
        print(f"what jobs write was not swept: {exc.message}", file=sys.stderr)
        return 1
    finally:
        if workspace is not None:
            workspace.stop()
    print(f"swept what jobs write: {len(found.jobs)} jobs to look at")
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    import asyncio

    from job_monitor.backend.logging import configure_logging

    settings = _scheduled_settings(args)
    configure_logging(settings.log_level)
    settings, workspace = _local_workspace_if_needed(settings)
    try:
        return asyncio.run(_dispatch_alerts(settings, args.secret_scope, args.to, args.out))
    finally:
        if workspace is not None:
            workspace.stop()


async def _dispatch_alerts(
    settings: Settings, secret_scope: str | None, to: list[str] | None, out: Path | None
) -> int:
    """Send the new P1/P2 alerts to the channels asked for (default: every configured one), print
    how each went: 0 when every channel got its alerts (or had none new), 1 when one did not, 2
    when a channel asked for is not configured or none is."""
    from job_monitor.backend.delivery import configured_channels
    from job_monitor.backend.domain.errors import JobMonitorError
    from job_monitor.backend.services.dispatch import dispatch_alerts

    settings = await _with_secrets(settings, secret_scope)
    channels, problems = configured_channels(
        settings, _channel_kinds(settings, to or [CONFIGURED]), out
    )
    if problems or not channels:
        for problem in problems or [NO_CHANNEL]:
            print(f"cannot deliver: {problem}", file=sys.stderr)
        return 2
    try:
        results = await _as_the_app(
            settings,
            "alerts-dispatch",
            lambda session: dispatch_alerts(
                session,
                channels,
                attempts=settings.delivery_attempts,
                backoff_seconds=settings.delivery_backoff_seconds,
            ),
        )
    except JobMonitorError as exc:
        print(f"alerts could not be dispatched: {exc.message}", file=sys.stderr)
        return 1
    for result in results:
        outcome = result.outcome
        if outcome is None:
            print(f"  {result.channel}: nothing new")
        elif outcome.delivered:
            print(f"  {result.channel}: sent {len(result.alerts)} new alert(s)")
        else:
            print(
                f"  {result.channel}: FAILED after {outcome.attempts} attempt(s): {outcome.error}"
            )
    failed = any(r.outcome is not None and not r.outcome.delivered for r in results)
    return 1 if failed else 0


CONFIGURED = "configured"
"""`--to configured`: e-mail and Slack, each when its settings are there (the scheduled jobs)."""
NO_CHANNEL = "no channel is configured (set JOB_MONITOR_SMTP_HOST or JOB_MONITOR_SLACK_WEBHOOK_URL)"


def _channel_kinds(settings: Settings, names: list[str]) -> list[ChannelKind]:
    from job_monitor.backend.delivery import ChannelKind

    kinds: list[ChannelKind] = []
    for name in names:
        if name != CONFIGURED:
            kinds.append(ChannelKind(name))
            continue
        if settings.smtp_host is not None:
            kinds.append(ChannelKind.EMAIL)
        if settings.slack_webhook_url is not None:
            kinds.append(ChannelKind.SLACK)
    return kinds


def _delivery_options(parser: argparse.ArgumentParser, *, default: str) -> None:
    """Where to send, and the options of a scheduled job."""
    from job_monitor.backend.delivery import ChannelKind

    parser.add_argument(
        "--to",
        nargs="+",
        action="extend",
        choices=[*(channel.value for channel in ChannelKind), CONFIGURED],
        help=f"where to send (several allowed; `{CONFIGURED}`: e-mail and Slack where their "
        f"settings are; default: {default})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the directory of --to file (default: JOB_MONITOR_REPORT_DIR, else ./reports)",
    )
    parser.add_argument(
        "--workspace-url",
        default=None,
        help="in a Databricks job: the workspace (`{{workspace.url}}`), authenticated as the "
        "identity the run executes as",
    )
    parser.add_argument(
        "--secret-scope",
        default=None,
        help=f"read unset delivery settings from this secret scope ({', '.join(DELIVERY_SECRETS)})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="job-monitor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service (and, locally, the stand-in)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; DATABRICKS_APP_PORT wins when set)",
    )
    serve.set_defaults(handler=_serve)

    export = commands.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", "-o", type=Path, default=Path("schema.graphql"))
    export.set_defaults(handler=_export_schema)

    from job_monitor.backend.domain.reports import ReportKind

    report = commands.add_parser(
        "report", help="build a report for every job and send it (e-mail, Slack, files)"
    )
    report.add_argument("kind", choices=[kind.slug for kind in ReportKind])
    _delivery_options(report, default="file")
    report.set_defaults(handler=_report)

    alerts = commands.add_parser("alerts", help="alerts outside the app")
    alert_commands = alerts.add_subparsers(dest="alerts_command", required=True)
    dispatch = alert_commands.add_parser(
        "dispatch", help="send each new P1/P2 alert once to e-mail and Slack"
    )
    _delivery_options(dispatch, default=CONFIGURED)
    dispatch.set_defaults(handler=_dispatch)

    data = commands.add_parser("data", help="what jobs write, outside the app")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    sweep = data_commands.add_parser(
        "sweep",
        help="read every job's writes and its tables' column changes, and record them for alerts",
    )
    sweep.add_argument(
        "--workspace-url",
        default=None,
        help="in a Databricks job: the workspace (`{{workspace.url}}`), authenticated as the "
        "identity the run executes as",
    )
    sweep.set_defaults(handler=_sweep)

    try:
        import job_monitor.local_workspace.cli as local_workspace_cli
    except ModuleNotFoundError:
        # Installed without the `local` extra (a deployed App): no stand-in to offer.
        return parser
    local_workspace_cli.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "local-workspace":
        import job_monitor.local_workspace.cli as local_workspace_cli

        result: int | None = local_workspace_cli.run(args)
        return result or 0
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
