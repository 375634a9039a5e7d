"""Pure job-monitoring rules, no I/O: run vocabulary (`runs`), job health and priority (`health`),
windows and daily series (`windows`), filters (`filters`) and run cursors (`cursors`)."""
