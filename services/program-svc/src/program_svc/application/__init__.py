"""The application layer of program-svc: commands, their handlers, queries and ports (no SQL)."""
