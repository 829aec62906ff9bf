"""Logs, metrics and per-request observability."""
