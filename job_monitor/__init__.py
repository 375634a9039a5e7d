"""Job Monitor: what is failing, slow, running now and what it costs, across Lakeflow jobs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("job-monitor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
