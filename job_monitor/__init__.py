"""Job Monitor: what is failing, slow, running now and what it costs, across Lakeflow jobs."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _version() -> str:
    try:
        return version("job-monitor")
    except PackageNotFoundError:
        # Databricks Apps runs the synced source tree uninstalled; its pyproject lies beside us.
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        if pyproject.is_file():
            return str(tomllib.loads(pyproject.read_text())["project"]["version"])
        return "0.0.0"


__version__ = _version()
