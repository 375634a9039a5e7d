"""The one SQL warehouse: its states (a stopped one cold-starts on the first statement), route.

While the local workspace still builds its database (minutes at the scale size), the warehouse is
STARTING, as a real warehouse is while it starts: statements wait in PENDING, and a client that
asks sees why, instead of timing out on a warehouse that claims to run.
"""

import threading
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from job_monitor.local_workspace.auth import CurrentPrincipal, DatabricksHTTPError
from job_monitor.local_workspace.principals import WAREHOUSE_ID

WarehouseState = Literal["RUNNING", "STOPPED", "STARTING"]
# How often a statement waiting for the database build looks again (the build's end is unknown).
_BUILD_POLL_SECONDS = 0.1


class Warehouse:
    """Thread-safe: statement workers start it while the event loop reads its state."""

    def __init__(
        self,
        state: Literal["RUNNING", "STOPPED"],
        cold_start_seconds: float,
        database_ready: threading.Event,
    ) -> None:
        self.id = WAREHOUSE_ID
        self.cold_start_seconds = cold_start_seconds
        self._database_ready = database_ready
        self._lock = threading.Lock()
        self._state: WarehouseState = state
        self._running_at = 0.0

    @property
    def state(self) -> WarehouseState:
        with self._lock:
            self._settle()
            return self._state

    def _settle(self) -> None:
        if self._state == "STOPPED":
            return
        if not self._database_ready.is_set():
            self._state = "STARTING"
        elif self._state == "STARTING" and time.monotonic() >= self._running_at:
            self._state = "RUNNING"

    def set_state(self, state: Literal["RUNNING", "STOPPED"]) -> None:
        with self._lock:
            self._state = state

    def start(self) -> float:
        """Starts a stopped warehouse; returns the seconds until it runs (0 when it does).

        While the database is built, how long is unknown: the caller looks again shortly.
        """
        with self._lock:
            if self._state == "STOPPED":
                self._state = "STARTING"
                self._running_at = time.monotonic() + self.cold_start_seconds
            self._settle()
            if self._state == "RUNNING":
                return 0.0
            if not self._database_ready.is_set():
                return _BUILD_POLL_SECONDS
            return max(0.0, self._running_at - time.monotonic())

    def wait_until_running(self, cancelled: threading.Event) -> bool:
        """Blocks a statement worker through a cold start; False when cancelled meanwhile."""
        while (remaining := self.start()) > 0:
            if cancelled.wait(remaining):
                return False
        return not cancelled.is_set()

    def describe(self) -> dict[str, Any]:
        state = self.state
        return {
            "id": self.id,
            "name": "Local Serverless Warehouse",
            "state": state,
            "cluster_size": "2X-Small",
            "min_num_clusters": 1,
            "max_num_clusters": 1,
            "num_clusters": 1 if state == "RUNNING" else 0,
            "num_active_sessions": 0,
            "auto_stop_mins": 10,
            "creator_name": "alice@example.com",
            "enable_photon": True,
            "enable_serverless_compute": True,
            "warehouse_type": "PRO",
            "spot_instance_policy": "COST_OPTIMIZED",
            "channel": {"name": "CHANNEL_NAME_CURRENT"},
            "health": {"status": "HEALTHY"},
            "jdbc_url": f"jdbc:databricks://127.0.0.1:443/default;httpPath=/sql/1.0/warehouses/{self.id}",
            "odbc_params": {
                "hostname": "127.0.0.1",
                "path": f"/sql/1.0/warehouses/{self.id}",
                "protocol": "https",
                "port": 443,
            },
        }


def get_warehouse(request: Request) -> Warehouse:
    warehouse: Warehouse = request.app.state.warehouse
    return warehouse


def require_warehouse(warehouse: Warehouse, warehouse_id: str) -> None:
    if warehouse_id != warehouse.id:
        raise DatabricksHTTPError(
            404, "RESOURCE_DOES_NOT_EXIST", f"SQL warehouse {warehouse_id} does not exist."
        )


router = APIRouter()


@router.get("/api/2.0/sql/warehouses/{warehouse_id}")
async def get_warehouse_info(
    warehouse_id: str,
    _principal: CurrentPrincipal,
    warehouse: Annotated[Warehouse, Depends(get_warehouse)],
) -> dict[str, Any]:
    require_warehouse(warehouse, warehouse_id)
    return warehouse.describe()
