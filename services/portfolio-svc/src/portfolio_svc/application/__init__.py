"""The application layer of portfolio-svc: commands, their handlers, queries and ports (no SQL)."""
