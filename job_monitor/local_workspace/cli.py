"""`job-monitor local-workspace`: run the stand-in alone, for `make run` or any other client."""

import argparse
import sys
import threading
import time
from pathlib import Path

from job_monitor.local_workspace.principals import (
    SP_CLIENT_ID,
    SP_CLIENT_SECRET,
    USER_TOKENS,
    WAREHOUSE_ID,
    WORKSPACE_ID,
    is_admin,
)
from job_monitor.local_workspace.server import LocalWorkspace, LocalWorkspaceOptions

DEFAULT_PORT = 8001


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    defaults = LocalWorkspaceOptions()
    parser = subparsers.add_parser(
        "local-workspace",
        help="run the local Databricks workspace stand-in alone",
        description=__doc__,
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = free)"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="synthetic data seed")
    parser.add_argument("--jobs", type=int, default=defaults.jobs, help="number of jobs")
    parser.add_argument("--days", type=int, default=defaults.days, help="days of history")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=defaults.data_dir,
        help=f"where the database is built and kept (default {defaults.data_dir})",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where the writable catalog `main` is kept, one local workspace at a time "
        "(default: DATA_DIR/state)",
    )
    parser.set_defaults(handler=run)


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    options = LocalWorkspaceOptions(
        seed=args.seed,
        jobs=args.jobs,
        days=args.days,
        data_dir=args.data_dir,
        state_dir=args.state_dir,
        port=args.port,
    )
    workspace = LocalWorkspace(options).start()
    _say(f"Local Databricks workspace: {workspace.host}")
    _say(f"  workspace id       {WORKSPACE_ID}")
    _say(f"  SQL warehouse id   {WAREHOUSE_ID}")
    _say(f"  catalog main       {workspace.state.catalog.state_dir} (the app's service principal)")
    # These are the fixed, public local conventions, not secrets: printing them is the point.
    for token, principal in USER_TOKENS.items():
        role = "workspace admin" if is_admin(principal) else ", ".join(principal.groups)
        _say(f"  user token         {token:<12} {principal.user_name} ({role})")
    _say(f"  service principal  client id {SP_CLIENT_ID}, secret {SP_CLIENT_SECRET}")
    _say("  admin              POST /_local/faults, GET /_local/stats, POST /_local/stats/reset")
    started = time.monotonic()
    _say(f"Opening the synthetic workspace ({args.jobs} jobs, {args.days} days, seed {args.seed})…")
    try:
        workspace.state.database  # noqa: B018 (waits until the database is built or opened)
        _say(f"Ready in {time.monotonic() - started:.1f} s. Ctrl-C stops it.")
        threading.Event().wait()
    except KeyboardInterrupt:
        _say("Stopping.")
    finally:
        workspace.stop()
    return 0
