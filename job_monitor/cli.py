"""`job-monitor`: serve the app, run the local workspace alone, export the GraphQL schema."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from job_monitor.backend.config import Settings

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


def _export_schema(args: argparse.Namespace) -> int:
    from job_monitor.backend.graphql.schema import sdl

    output: Path = args.output
    output.write_text(sdl())
    print(f"wrote {output}")
    return 0


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
