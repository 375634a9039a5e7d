"""A wire-compatible local Databricks workspace for development, demos and tests (see server.py)."""
