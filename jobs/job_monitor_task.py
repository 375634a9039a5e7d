"""Runs `job-monitor` in a Databricks job task (the bundle's scheduled reports and alert delivery).

A serverless task runs this file from the bundle's synced files, with the App's requirements
installed by its environment: the `job_monitor` package beside this directory is put on the path.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from job_monitor.cli import main

raise SystemExit(main(sys.argv[1:]))
